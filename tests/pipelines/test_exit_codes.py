"""`kim run`'s exit code (docs/operations.md, issue 16): a rejected delivery makes the run exit 1
after everything that can still be done (the other providers loaded, the reports written), so a
scheduled job notices. A real `kim run` in a subprocess."""

from __future__ import annotations

import subprocess

import pytest

from kim.settings import PROJECT_ROOT
from synthetic import generate
from tests.pipelines.test_concurrency import BIN, END, RUN_TIMEOUT, environment, flat

pytestmark = pytest.mark.e2e


def test_a_rejected_delivery_makes_kim_run_exit_1_after_building_the_rest(tmp_path, config):
    env = environment(tmp_path, config)
    generate(config, tmp_path / "landing", months=1, seed=3, total_cases=60, end_period=END)
    broken = next((tmp_path / "landing" / "caritas").glob("*/cases.csv"))
    broken.write_bytes(broken.read_bytes() + b"\n")  # no longer the file the manifest lists
    result = subprocess.run(
        [str(BIN / "kim"), "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    output = flat(result.stdout + result.stderr)
    assert result.returncode == 1, output
    assert "1 rejected" in output and "rejected:" in output
    assert (tmp_path / "reports" / "index.html").exists()  # the others' reports are written
    assert "Traceback" not in output


def test_kim_run_without_a_key_says_what_to_do_in_one_line_and_exits_2(tmp_path, config):
    env = environment(tmp_path, config)
    del env["KIM_PSEUDONYM_KEY"]
    generate(config, tmp_path / "landing", months=1, seed=3, total_cases=60, end_period=END)
    result = subprocess.run(
        [str(BIN / "kim"), "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    output = flat(result.stdout + result.stderr)
    assert result.returncode == 2, output
    assert "KIM_PSEUDONYM_KEY ist nicht gesetzt" in output and "kim demo" in output
    assert "Traceback" not in output and "MissingPseudonymKey" not in output
    assert not (tmp_path / "reports" / "index.html").exists()
