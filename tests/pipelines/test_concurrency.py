"""One writer at a time, proven with real processes:

* two Dagster runs launched at the same moment (a delivery load and the marts run of the yearly
  figures with the annual reports, small enough for a test: every step of a daemon-launched run
  is a process of its own) through a real
  instance configured by the project's dagster.yaml (QueuedRunCoordinator with
  max_concurrent_runs 1, pool "duckdb" with one slot) and a real dagster-daemon: both finish
  SUCCESS, one after the other, without a DuckDB lock error or a retry;
* `kim run` started twice at once on the same warehouse: the second waits for the first with a
  message naming it, and both succeed; with a short KIM_LOCK_TIMEOUT it gives up with a clear
  error and exit code 75, without a traceback and without touching the warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from kim.settings import (
    DEFAULT_AUDIT_SECONDS,
    DEFAULT_PROTECTION_SECONDS,
    PROJECT_ROOT,
    RUN_WITHOUT_DISCLOSURE_SECONDS,
)
from pipelines.defs.partitions import DELIVERY_PARTITIONS_NAME
from pipelines.warehouse_lock import lock_path, warehouse_lock
from synthetic import generate
from tests.conftest import build_warehouse_models
from warehouse.load import ingest_landing
from warehouse.migrate import connect

BIN = Path(sys.executable).parent
END = "2026-10"
KEY = "concurrency-test-key-4b7d9e1f3a5c7e9b-2d4f6a8c0e"
RUN_TIMEOUT = 600.0
LOCK_ERROR = "Could not set lock"


def age_files(folder: Path, seconds: float) -> None:
    past = time.time() - seconds
    for path in folder.rglob("*"):
        os.utime(path, (past, past))


def environment(root: Path, config) -> dict[str, str]:
    """A temporary DAGSTER_HOME with the project's dagster.yaml, and the KIM settings."""
    home = root / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIM_", "DAGSTER_"))}
    env.update(
        DAGSTER_HOME=str(home),
        KIM_DAGSTER_DIR=str(root / "dagster"),
        KIM_PSEUDONYM_KEY=KEY,
        KIM_DISCLOSURE_AUDIT="warn",  # this test is about the run lock (the gate: test_disclosure_gate.py)
        KIM_CONFIG=str(config.path),
        KIM_LANDING_DIR=str(root / "landing"),
        KIM_WAREHOUSE=str(root / "w.duckdb"),
        KIM_REPORTS_DIR=str(root / "reports"),
        KIM_INTERNAL_REPORTS_DIR=str(root / "internal-reports"),
        PYTHONUNBUFFERED="1",
        COLUMNS="400",
    )
    return env


def flat(text: str) -> str:
    return " ".join(text.split())


# --- the warehouse lock itself ------------------------------------------------------------------


def test_the_lock_is_reentrant_in_one_process_and_times_out_for_another(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with warehouse_lock(warehouse, "kim run"):
        with warehouse_lock(warehouse, "kim run"):  # the same process: no waiting
            pass
        info = json.loads(lock_path(warehouse).read_text())
        assert info["pid"] == os.getpid() and info["holder"] == "kim run"
        other = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pipelines.warehouse_lock import warehouse_lock\n"
                "with warehouse_lock(sys.argv[1], 'kim report', timeout=1, on_wait=print, command='kim report'):\n"
                "    pass",
                str(warehouse),
            ],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert other.returncode == 1
        assert f"another kim run (pid {os.getpid()}, since " in other.stdout and "waiting up to 1 s" in other.stdout
        assert "WarehouseBusy: gave up after 1 s" in other.stderr and "start `kim report` again" in other.stderr
    # released: the next holder gets it at once
    with warehouse_lock(warehouse, "kim run", timeout=0):
        pass
    assert lock_path(warehouse).read_text() == ""


@pytest.mark.e2e
def test_kim_run_gives_up_after_the_timeout_with_a_clear_error(tmp_path, config):
    env = environment(tmp_path, config)
    env["KIM_LOCK_TIMEOUT"] = "2"
    generate(config, tmp_path / "landing", months=1, seed=2, total_cases=60, end_period=END)
    with warehouse_lock(tmp_path / "w.duckdb", "kim run"):
        result = subprocess.run(
            [str(BIN / "kim"), "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        report = subprocess.run(
            [str(BIN / "kim"), "report"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
        )
    # `kim report` waits for the same lock and gives up the same way
    reported = flat(report.stdout + report.stderr)
    assert report.returncode == 75, reported
    assert "nach 2 s aufgegeben" in reported and "starten Sie `kim report` erneut" in reported
    assert "Traceback" not in reported
    output = flat(result.stdout + result.stderr)
    assert result.returncode == 75, output
    # in German, as everything the terminal says (the exception itself stays English for the logs)
    assert f"ein anderer Prozess „kim run“ (PID {os.getpid()}, seit" in output
    assert "es wird bis zu 2 s gewartet" in output and "Warehouse belegt: nach 2 s aufgegeben" in output
    assert "Es wurde nichts geändert" in output and "KIM_LOCK_TIMEOUT" in output
    assert "Traceback" not in output and LOCK_ERROR not in output
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.e2e
def test_kim_run_and_kim_report_refuse_clearly_while_an_analyst_has_the_file_open(tmp_path, config):
    """A DuckDB session outside the run lock (an analyst's notebook): `kim report` stops at once,
    `kim run` after its connection attempts (about 25 s); both say who to ask, exit 75, no traceback."""
    env = environment(tmp_path, config)
    generate(config, tmp_path / "landing", months=1, seed=3, total_cases=60, end_period=END)
    connect(tmp_path / "w.duckdb").close()
    session = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(120)",
            str(tmp_path / "w.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert session.stdout.readline().strip() == "open"
        for command in ("report", "run"):
            result = subprocess.run(
                [str(BIN / "kim"), command], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
            )
            output = flat(result.stdout + result.stderr)
            assert result.returncode == 75, output
            assert "Warehouse belegt:" in output and f"(PID {session.pid})" in output, output
            assert "DuckDB-Sitzung" in output and "Es wurde nichts geändert" in output and "Traceback" not in output
    finally:
        session.kill()
        session.wait(timeout=10)


# --- two `kim run` at once ----------------------------------------------------------------------


@pytest.mark.e2e
def test_two_kim_runs_at_once_the_second_waits_for_the_first(tmp_path, config):
    env = environment(tmp_path, config)
    generate(config, tmp_path / "landing", months=2, seed=8, total_cases=120, end_period=END)
    runs = [
        subprocess.Popen(
            [str(BIN / "kim"), "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = []
    for run in runs:
        out, err = run.communicate(timeout=RUN_TIMEOUT)
        outputs.append(flat(out + err))
        assert run.returncode == 0, outputs[-1]
    waited = [o for o in outputs if "schreibt gerade in" in o]
    assert len(waited) == 1, outputs  # exactly one of them found the other one writing
    first_pid = runs[1 - outputs.index(waited[0])].pid
    # by default as long as a run may take within its budgets (kim.settings.lock_timeout_seconds)
    wait = DEFAULT_PROTECTION_SECONDS + DEFAULT_AUDIT_SECONDS + RUN_WITHOUT_DISCLOSURE_SECONDS
    assert f"ein anderer Prozess „kim run“ (PID {first_pid}, seit" in waited[0]
    assert f"es wird bis zu {wait:.0f} s gewartet" in waited[0]
    assert all("Traceback" not in o and LOCK_ERROR not in o for o in outputs)
    # the first loaded everything; the second found it all loaded: no delivery twice, a sound file
    assert "Lieferungen: 12 angenommen" in " ".join(outputs) and "0 angenommen, 12 bereits geladen" in waited[0]
    con = connect(tmp_path / "w.duckdb")
    try:
        assert con.execute("SELECT count(*), count(DISTINCT content_key) FROM raw.deliveries").fetchall() == [(12, 12)]
        assert con.execute("SELECT count(*) FROM marts.indicator_values").fetchall()[0][0] > 0
    finally:
        con.close()


# --- two Dagster runs at once, through the queue ------------------------------------------------


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.mark.e2e
def test_a_load_run_and_a_marts_run_launched_together_run_one_after_the_other(tmp_path, config):
    """`dagster job launch` puts both runs in the queue at once; the daemon starts them."""
    env = environment(tmp_path, config)
    landing = tmp_path / "landing"
    generate(config, landing, months=3, seed=6, total_cases=150, end_period=END)
    age_files(landing, 600)
    # everything but caritas' newest delivery is loaded already; that one is the load run's
    newest = landing / "caritas" / END
    shutil.move(newest, tmp_path / "held-back")
    con = connect(tmp_path / "w.duckdb")
    ingest_landing(con, landing, config, KEY)
    build_warehouse_models(con, config)  # staging, marts and indicators, for the marts run to build on
    con.close()
    shutil.move(tmp_path / "held-back", newest)

    with pytest.MonkeyPatch.context() as patch:
        for name in ("DAGSTER_HOME", "KIM_DAGSTER_DIR"):
            patch.setenv(name, env[name])
        with dg.DagsterInstance.get() as instance:  # creates the storage before the daemon starts
            instance.add_dynamic_partitions(DELIVERY_PARTITIONS_NAME, [f"caritas/{END}"])

    log = (tmp_path / "daemon.log").open("wb")
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        launches = [
            subprocess.Popen(
                [str(BIN / "dagster"), "job", "launch", "-j", job, "--tags", json.dumps(tags)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for job, tags in (
                ("load_delivery", {"dagster/partition": f"caritas/{END}"}),
                ("annual_report_run", {}),
            )
        ]
        for launch in launches:
            out, _ = launch.communicate(timeout=300)
            assert launch.returncode == 0, out

        with pytest.MonkeyPatch.context() as patch:
            for name in ("DAGSTER_HOME", "KIM_DAGSTER_DIR"):
                patch.setenv(name, env[name])
            with dg.DagsterInstance.get() as instance:
                deadline = time.monotonic() + RUN_TIMEOUT
                while True:
                    records = instance.get_run_records()
                    if len(records) == 2 and all(r.dagster_run.is_finished for r in records):
                        break
                    assert time.monotonic() < deadline, [
                        (r.dagster_run.job_name, r.dagster_run.status) for r in records
                    ]
                    assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()
                    time.sleep(1)
                by_job = {r.dagster_run.job_name: r for r in records}
                assert {job: r.dagster_run.status for job, r in by_job.items()} == {
                    "load_delivery": dg.DagsterRunStatus.SUCCESS,
                    "annual_report_run": dg.DagsterRunStatus.SUCCESS,
                }
                # in sequence: one run ended before the other started
                first, second = sorted(records, key=lambda r: r.start_time)
                assert first.end_time <= second.start_time, (first.end_time, second.start_time)
                for record in records:
                    events = instance.all_logs(record.dagster_run.run_id)
                    assert not [
                        e
                        for e in events
                        if LOCK_ERROR in (e.user_message or "")
                        or (e.dagster_event and LOCK_ERROR in str(e.dagster_event.event_specific_data))
                    ]
                    assert not instance.all_logs(
                        record.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_UP_FOR_RETRY
                    )
    finally:
        stop(daemon)
        log.close()
    con = connect(tmp_path / "w.duckdb")
    try:
        states = con.execute("SELECT state, count(*) FROM raw.deliveries GROUP BY ALL ORDER BY 1").fetchall()
    finally:
        con.close()
    assert states == [("accepted", 6), ("superseded", 12)]
