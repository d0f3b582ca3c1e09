"""shared_workers(): the audits of one protection share a pool of solver processes."""

from __future__ import annotations

import importlib

import polars as pl

from tests.transforms.disclosure.test_protect import ATTACKS, K
from transforms.disclosure import audit_release

# the module, not the function the package exports under the same name
audit_module = importlib.import_module("transforms.disclosure.audit")


def test_audits_in_a_shared_scope_start_one_pool_and_give_the_intervals_of_fresh_ones(monkeypatch):
    monkeypatch.setattr(audit_module, "PARALLEL_HIDDEN", 0)  # these small releases go to workers too
    started: list[int] = []
    real_worker_pool = audit_module.worker_pool
    monkeypatch.setattr(audit_module, "worker_pool", lambda n: started.append(n) or real_worker_pool(n))
    releases = [(name, *make()) for name, make in ATTACKS.items() if name in ("gap_matrix", "insider_subtraction")]

    def audits(workers: int) -> list[pl.DataFrame]:
        return [
            audit_release(r.frame(), r.public_frame() if r.public else None, K, readers, workers=workers).cells
            for _, r, readers in releases
        ]

    here = audits(workers=1)  # solved in this process
    assert started == []
    fresh = audits(workers=2)
    assert started == [2, 2]  # a pool per audit
    started.clear()
    with audit_module.shared_workers():
        shared = audits(workers=2) + audits(workers=2)
    assert started == [2]  # one pool for all four
    for results in (fresh, shared[:2], shared[2:]):
        for mine, theirs in zip(results, here, strict=True):
            assert mine.equals(theirs)
    assert here[0].height > 0 and not here[0]["protected"].all()  # the gap matrix is pinned: real work


def test_a_solver_worker_imports_only_what_a_block_needs():
    """A worker unpickles `solve_problem` and its block: that must not pull in Polars, the
    indicator registry or the audit (about 1 s more for every fresh worker of every pool)."""
    import subprocess
    import sys

    script = (
        "import pickle, sys; from transforms.disclosure.solve import solve_problem;"
        "sys.stdout.buffer.write(pickle.dumps(solve_problem))"
    )
    pickled = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout
    worker = (
        "import pickle, sys; pickle.loads(sys.stdin.buffer.read());"
        "print(sorted(m for m in ('polars', 'transforms.indicators', 'transforms.disclosure.audit') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", worker], input=pickled, capture_output=True, check=True).stdout
    assert loaded.decode().strip() == "[]"
