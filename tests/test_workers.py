"""kim.workers: the worker processes of the pipeline's pools."""

from __future__ import annotations

import subprocess
import sys

from kim.settings import PROJECT_ROOT

# A fresh interpreter: its forkserver starts at its first pool, after the modules registered. Each
# pool's workers report which modules they hold before their task imports anything (eval is a
# builtin: sending it imports nothing).
SCRIPT = """
import sys
from kim.workers import worker_pool
import transforms.disclosure.solve  # registers itself: its tasks run in workers

QUESTION = "sorted(m for m in ('transforms.disclosure.solve', 'great_expectations') if m in __import__('sys').modules)"
if __name__ == "__main__":
    for _ in range(2):
        with worker_pool(2) as pool:
            print(pool.submit(eval, QUESTION).result())
"""


def test_workers_start_with_the_registered_modules_already_imported():
    """The disclosure audit starts a pool in every round of the protection; importing the solver in
    each fresh worker cost about a second per round (the demo's protection 150 s -> 133 s)."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    # the solver is there in every pool's workers; a module nobody registered is not
    assert done.stdout.split("\n")[:2] == ["['transforms.disclosure.solve']"] * 2, done.stdout + done.stderr
