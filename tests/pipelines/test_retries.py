"""Retries of raw/deliveries: transient failures (a delivery still being copied, the warehouse
locked by another process) are tried again with backoff and then succeed; permanent ones (a
rejected delivery, a wrong partition key, no pseudonym key) fail once, with the reason, and are
not tried again. Real materialisations on a temporary warehouse; the step attempts are read from
the run's events in the Dagster instance."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest

from kim.settings import Settings
from pipelines.defs.partitions import DELIVERY_PARTITIONS_NAME
from pipelines.defs.raw import RAW_DELIVERIES, raw_deliveries
from pipelines.defs.resources import LOAD_RETRY_POLICY, WarehouseResource, build_resources
from pipelines.loading import DeliveryStillArriving, load_delivery_step, still_arriving
from synthetic import generate
from tests.conftest import STRONG_TEST_KEY, age_files
from warehouse.migrate import connect

END = "2026-10"
KEY = f"caritas/{END}"
ET = dg.DagsterEventType


@pytest.fixture
def settings(tmp_path, config) -> Settings:
    generate(config, tmp_path / "landing", months=1, seed=21, total_cases=80, end_period=END)
    age_files(tmp_path / "landing", 600)
    return Settings(
        landing_dir=tmp_path / "landing",
        warehouse=tmp_path / "w.duckdb",
        reports_dir=tmp_path / "reports",
        config=config.path,
        pseudonym_key=STRONG_TEST_KEY,
        suppression_k=5,
    )


@pytest.fixture
def instance():
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(DELIVERY_PARTITIONS_NAME, [KEY])
        yield instance


def load(instance, resources, key: str = KEY) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [raw_deliveries], partition_key=key, resources=resources, instance=instance, raise_on_error=False
    )


def attempts(instance, run_id: str) -> dict[str, int]:
    """How often each step event happened in the run, from the instance's event log."""
    kinds = (ET.STEP_START, ET.STEP_UP_FOR_RETRY, ET.STEP_RESTARTED, ET.STEP_FAILURE, ET.STEP_SUCCESS)
    return {kind.name: len(instance.all_logs(run_id, of_type=kind)) for kind in kinds}


def after_first_retry(instance, action) -> threading.Thread:
    """Run `action` in a thread once a step of a run in `instance` is up for retry: the transient
    cause goes away only after the first attempt met it, however slow the machine."""

    def wait_then_act() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(
            instance.all_logs(record.dagster_run.run_id, of_type=ET.STEP_UP_FOR_RETRY)
            for record in instance.get_run_records()
        ):
            time.sleep(0.2)
        action()

    thread = threading.Thread(target=wait_then_act)
    thread.start()
    return thread


def register(settings: Settings) -> list[tuple]:
    con = connect(settings.warehouse)
    try:
        return con.execute("SELECT provider_id, period, state, rejection_rule FROM raw.deliveries").fetchall()
    finally:
        con.close()


def rewrite(folder: Path, name: str, change) -> None:
    """Change a delivery file and keep manifest.json consistent (a finished, but bad, delivery)."""
    path = folder / name
    path.write_bytes(change(path.read_bytes()))
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8-sig"))
    manifest["files"][name]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    age_files(folder, 600)


# --- transient: tried again, then loaded ---------------------------------------------------------


def test_a_delivery_still_being_copied_is_tried_again_and_then_loaded(settings, instance, tmp_path):
    folder = settings.landing_dir / "caritas" / END
    parked = tmp_path / "cases.csv.part"
    shutil.move(folder / "cases.csv", parked)  # listed in manifest.json, still on its way

    def finish_copy() -> None:  # the upload completes
        shutil.move(parked, folder / "cases.csv")
        age_files(folder, 600)

    copier = after_first_retry(instance, finish_copy)
    try:
        result = load(instance, build_resources(settings))
    finally:
        copier.join()
    assert result.success
    steps = attempts(instance, result.run_id)
    assert steps["STEP_UP_FOR_RETRY"] >= 1 and steps["STEP_RESTARTED"] == steps["STEP_UP_FOR_RETRY"]
    assert steps["STEP_FAILURE"] == 0 and steps["STEP_SUCCESS"] == 1
    (retry, *_) = instance.all_logs(result.run_id, of_type=ET.STEP_UP_FOR_RETRY)
    assert "cases.csv listed in manifest.json" in str(retry.dagster_event.event_specific_data.error)
    assert register(settings) == [("caritas", END, "accepted", None)]  # never registered as rejected


def load_while_held(instance, settings, holder: subprocess.Popen):
    """Load while `holder` (a process that printed 'locked') keeps the warehouse; it lets go once
    the load step's first retry is logged."""
    assert holder.stdout.readline().strip() == "locked"
    release = after_first_retry(instance, lambda: holder.communicate("release\n", timeout=60))
    try:
        resources = build_resources(settings)
        resources["warehouse"] = WarehouseResource(database=str(settings.warehouse), connect_retries=2)
        return load(instance, resources)
    finally:
        release.join()
        holder.wait(timeout=30)


def test_a_locked_warehouse_is_tried_again_and_then_loaded(settings, instance):
    connect(settings.warehouse).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
            "sys.stdin.readline(); con.close()",
            str(settings.warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    result = load_while_held(instance, settings, holder)
    assert result.success
    steps = attempts(instance, result.run_id)
    assert steps["STEP_UP_FOR_RETRY"] >= 1 and steps["STEP_SUCCESS"] == 1
    (retry, *_) = instance.all_logs(result.run_id, of_type=ET.STEP_UP_FOR_RETRY)
    error = str(retry.dagster_event.event_specific_data.error)
    assert "is busy" in error and "tried again" in error
    assert register(settings) == [("caritas", END, "accepted", None)]


def test_a_step_waits_out_a_kim_run_holding_the_run_lock(settings, instance):
    """While `kim run` (another process) holds <warehouse>.lock, a Dagster step does not touch the
    file: it fails as transient, naming the holder, and succeeds once the lock is released."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pipelines.warehouse_lock import warehouse_lock\n"
            "with warehouse_lock(sys.argv[1], 'kim run'):\n    print('locked', flush=True); sys.stdin.readline()",
            str(settings.warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    result = load_while_held(instance, settings, holder)
    assert result.success
    (retry, *_) = instance.all_logs(result.run_id, of_type=ET.STEP_UP_FOR_RETRY)
    error = str(retry.dagster_event.event_specific_data.error)
    assert f"another kim run (pid {holder.pid}, since" in error and "run lock" in error


def test_the_load_retry_policy_backs_off_exponentially_with_jitter():
    assert LOAD_RETRY_POLICY.backoff == dg.Backoff.EXPONENTIAL and LOAD_RETRY_POLICY.jitter == dg.Jitter.PLUS_MINUS
    # attempt n waits (2^n - 1) x delay, +/- delay: about 5, 15, 35, 75 s
    delays = [LOAD_RETRY_POLICY.calculate_delay(n) for n in range(1, LOAD_RETRY_POLICY.max_retries + 1)]
    for n, delay in enumerate(delays, start=1):
        assert abs(delay - (2**n - 1) * 5) <= 5


def test_still_arriving_tells_a_folder_being_copied_from_a_finished_one(settings):
    folder = settings.landing_dir / "caritas" / END
    now = time.time()
    assert still_arriving(folder, now) is None
    (folder / "contacts.csv").touch()
    assert "changed 0 s ago" in still_arriving(folder, time.time())
    age_files(folder, 600)
    (folder / "manifest.json").rename(folder / "manifest.tmp")
    assert "no manifest.json yet" in still_arriving(folder, now)


def test_on_the_last_attempt_an_incomplete_delivery_is_loaded_and_rejected(settings):
    """No endless waiting: when the retries are used up, the delivery is taken as it is, so it is
    registered as rejected with its reason (here: a listed file missing)."""
    folder = settings.landing_dir / "caritas" / END
    (folder / "needs.csv").unlink()
    resources = build_resources(settings)
    events = []
    context = SimpleNamespace(
        retry_number=0,
        partition_key=KEY,
        asset_key=RAW_DELIVERIES,
        run=SimpleNamespace(tags={}),
        log=SimpleNamespace(warning=events.append, info=events.append),
        log_event=events.append,
    )
    arguments = (
        folder,
        resources["warehouse"].get_connection,
        resources["kim"].programme_config(),
        resources["kim"].require_pseudonym_key,
        5,
        LOAD_RETRY_POLICY.max_retries,
    )
    with pytest.raises(DeliveryStillArriving, match=r"needs\.csv listed in manifest\.json"):
        load_delivery_step(context, *arguments)
    context.retry_number = LOAD_RETRY_POLICY.max_retries
    with pytest.raises(dg.Failure) as failure:
        load_delivery_step(context, *arguments)
    assert not failure.value.allow_retries
    assert "[file_missing]" in failure.value.description and "needs.csv" in failure.value.description
    assert register(settings) == [("caritas", END, "rejected", "file_missing")]


# --- permanent: failed once, with the reason ----------------------------------------------------


def _wrong_checksum(folder: Path) -> None:
    (folder / "cases.csv").write_bytes((folder / "cases.csv").read_bytes() + b"broken")
    age_files(folder, 600)


def _identifier_column(folder: Path) -> None:
    rewrite(folder, "cases.csv", lambda data: data.replace(b"birth_year", b"nachname", 1))


@pytest.mark.parametrize(
    ("breaks", "rule", "file_name"),
    [
        (_wrong_checksum, "checksum_mismatch", "cases.csv"),
        (_identifier_column, "pii_column", "cases.csv"),
    ],
)
def test_a_rejected_delivery_fails_once_with_the_reason_and_no_retry(settings, instance, breaks, rule, file_name):
    breaks(settings.landing_dir / "caritas" / END)
    result = load(instance, build_resources(settings))
    assert not result.success
    steps = attempts(instance, result.run_id)
    assert steps == {"STEP_START": 1, "STEP_UP_FOR_RETRY": 0, "STEP_RESTARTED": 0, "STEP_FAILURE": 1, "STEP_SUCCESS": 0}
    (failure,) = instance.all_logs(result.run_id, of_type=ET.STEP_FAILURE)
    data = failure.dagster_event.step_failure_data.user_failure_data
    assert data.description.startswith("Delivery rejected: ")
    assert f"[{rule}]" in data.description and file_name in data.description
    assert "corrected export" in data.description  # what to do
    assert data.metadata["rejection_rule"].value == rule
    assert data.metadata["rejection_file"].value == file_name
    assert data.metadata["state"].value == "rejected"
    assert register(settings) == [("caritas", END, "rejected", rule)]
    # the same files again (e.g. the sensor's first tick): rejected again at once, still no retry
    again = load(instance, build_resources(settings))
    assert attempts(instance, again.run_id)["STEP_UP_FOR_RETRY"] == 0
    (failure,) = instance.all_logs(again.run_id, of_type=ET.STEP_FAILURE)
    assert "registered earlier" in failure.dagster_event.step_failure_data.user_failure_data.description
    assert len(register(settings)) == 1


def test_a_missing_pseudonym_key_fails_once(settings, instance, monkeypatch):
    monkeypatch.delenv("KIM_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("KIM_DEMO_MODE", raising=False)
    resources = build_resources(Settings(**{**settings.__dict__, "pseudonym_key": None}))
    result = load(instance, resources)
    assert not result.success
    assert attempts(instance, result.run_id)["STEP_UP_FOR_RETRY"] == 0
    (failure,) = instance.all_logs(result.run_id, of_type=ET.STEP_FAILURE)
    assert "KIM_PSEUDONYM_KEY is not set" in failure.dagster_event.step_failure_data.user_failure_data.description


def test_a_partition_without_a_delivery_folder_fails_once(settings, instance):
    instance.add_dynamic_partitions(DELIVERY_PARTITIONS_NAME, ["caritas/2026-09", "caritas-2026-09"])
    for key, message in (
        ("caritas/2026-09", "There is no delivery folder"),
        ("caritas-2026-09", "<provider>/<YYYY-MM>"),
    ):
        result = load(instance, build_resources(settings), key)
        assert not result.success
        assert attempts(instance, result.run_id)["STEP_UP_FOR_RETRY"] == 0
        (failure,) = instance.all_logs(result.run_id, of_type=ET.STEP_FAILURE)
        assert message in failure.dagster_event.step_failure_data.user_failure_data.description


def test_a_linked_delivery_folder_is_refused_at_once_without_looking_behind_the_link(settings, instance, tmp_path):
    """A symlinked delivery folder is a permanent rejection. The 'still being copied' check must
    not look behind the link either: fresh files there would otherwise make it wait and retry."""
    folder = settings.landing_dir / "caritas" / END
    outside = tmp_path / "elsewhere"
    folder.rename(outside)
    folder.symlink_to(outside, target_is_directory=True)
    age_files(outside, 0)  # files behind the link changed just now
    result = load(instance, build_resources(settings))
    assert not result.success
    steps = attempts(instance, result.run_id)
    assert steps["STEP_UP_FOR_RETRY"] == 0 and steps["STEP_FAILURE"] == 1
    (failure,) = instance.all_logs(result.run_id, of_type=ET.STEP_FAILURE)
    assert "[path_outside_landing]" in failure.dagster_event.step_failure_data.user_failure_data.description
