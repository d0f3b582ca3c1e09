"""The sensors: landing_sensor (a dynamic partition and a load run per new, complete delivery) and
update_after_deliveries (one kim_full_run for the months the loads changed), and the per-delivery
partitions of raw/deliveries."""

from __future__ import annotations

from datetime import datetime

import dagster as dg
import pytest

from kim.contract import LOCAL_TIME_ZONE
from kim.settings import Settings
from pipelines.definitions import defs as load_definitions
from pipelines.defs.jobs import PARTITION_RANGE_END, PARTITION_RANGE_START
from pipelines.defs.partitions import DELIVERY_PARTITIONS_NAME, parse_delivery_partition_key
from pipelines.defs.raw import RAW_DELIVERIES, raw_deliveries
from pipelines.defs.resources import build_resources
from pipelines.defs.sensors import landing_sensor, update_after_deliveries
from pipelines.runner import run_pipeline
from synthetic import generate
from tests.conftest import STRONG_TEST_KEY, age_files
from tests.dagster_runs import in_memory_instance
from warehouse.migrate import connect

END = "2026-10"
PROVIDERS = ("abh", "awo", "caritas", "diakonie", "drk", "stadt")


@pytest.fixture
def settings(tmp_path, config) -> Settings:
    generate(config, tmp_path / "landing", months=2, seed=9, total_cases=120, end_period=END)
    age_files(tmp_path / "landing", 600)  # arrived ten minutes ago: complete
    return Settings(
        landing_dir=tmp_path / "landing",
        warehouse=tmp_path / "w.duckdb",
        reports_dir=tmp_path / "reports",
        config=config.path,
        pseudonym_key=STRONG_TEST_KEY,
        suppression_k=5,
    )


def evaluate(sensor, settings: Settings, instance, cursor: str | None):
    resources = {"kim": build_resources(settings)["kim"]} if sensor is landing_sensor else {}
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    return sensor(context)


def apply_partition_requests(instance, result: dg.SensorResult) -> None:
    """What the daemon does with a sensor result's dynamic partition requests."""
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))


def skipped(result) -> str:
    """Why a sensor evaluation requested nothing ('' if it requested runs)."""
    if isinstance(result, dg.SkipReason):
        return result.skip_message
    return "" if result.run_requests else result.skip_reason.skip_message


def current_month() -> str:
    today = datetime.now(LOCAL_TIME_ZONE).date()
    return f"{today.year:04d}-{today.month:02d}"


def test_the_partition_key_is_the_delivery_folder():
    assert parse_delivery_partition_key("caritas/2026-10") == ("caritas", "2026-10")
    for bad in ("caritas", "caritas/2026-13", "caritas/2026-10/x", "/2026-10", "2026-10|caritas"):
        with pytest.raises(ValueError, match="<provider>/<YYYY-MM>"):
            parse_delivery_partition_key(bad)


def test_sensor_adds_the_partition_and_requests_the_run_in_one_evaluation(settings, capsys):
    landing = settings.landing_dir
    # a delivery still being copied (just written), one from an unknown provider, one for a month
    # that has not ended yet
    still_copying = landing / "caritas" / "2026-08"
    still_copying.mkdir()
    (still_copying / "manifest.json").write_text("{}")
    for provider, period in (("hilfswerk", END), ("caritas", current_month())):
        (landing / provider / period).mkdir(parents=True)
        (landing / provider / period / "manifest.json").write_text("{}")
        age_files(landing / provider / period, 600)

    expected = sorted(f"{p}/{period}" for p in PROVIDERS for period in ("2026-09", END))
    with dg.instance_for_test() as instance:
        result = evaluate(landing_sensor, settings, instance, None)
        assert isinstance(result, dg.SensorResult)
        requests = result.run_requests
        assert sorted(r.partition_key for r in requests) == expected
        (add,) = result.dynamic_partitions_requests
        assert add.partitions_def_name == DELIVERY_PARTITIONS_NAME and sorted(add.partition_keys) == expected
        # the run key names the delivery and holds the content's checksum
        for request in requests:
            provider, period = request.partition_key.split("/")
            assert request.run_key.startswith(f"{provider}|{period}|") and len(request.run_key.split("|")[2]) == 64
            assert request.tags["kim/content_key"] == request.run_key.split("|")[2]
        warnings = capsys.readouterr().err  # (the sensor log of the tick)
        assert "'hilfswerk' is no provider configured" in warnings and "has not ended yet" in warnings
        apply_partition_requests(instance, result)
        assert sorted(instance.get_dynamic_partitions(DELIVERY_PARTITIONS_NAME)) == expected

        # nothing changed: nothing requested, no partition added
        quiet = evaluate(landing_sensor, settings, instance, result.cursor)
        assert quiet.run_requests == [] and not quiet.dynamic_partitions_requests
        # a re-export of one month (new manifest) gets a new run with a new run key, same partition
        first_key = next(r.run_key for r in requests if r.partition_key == f"awo/{END}")
        manifest = landing / "awo" / END / "manifest.json"
        exported = manifest.read_text()
        assert '"exported_at"' in exported.split(":00", 1)[0]  # the first ":00" is the export time's
        manifest.write_text(exported.replace(":00", ":01", 1))
        age_files(landing / "awo" / END, 120)
        again = evaluate(landing_sensor, settings, instance, result.cursor)
        assert [r.partition_key for r in again.run_requests] == [f"awo/{END}"]
        assert again.run_requests[0].run_key != first_key
        assert not again.dynamic_partitions_requests  # the partition exists already


def test_a_partition_run_loads_exactly_its_delivery(settings):
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(DELIVERY_PARTITIONS_NAME, [f"caritas/{END}"])
        result = dg.materialize(
            [raw_deliveries], partition_key=f"caritas/{END}", resources=build_resources(settings), instance=instance
        )
        (event,) = result.get_asset_materialization_events()
        metadata = event.materialization.metadata
        assert metadata["state"].value == "accepted" and metadata["rows"].value > 100
        assert metadata["loaded_now"].value is True
        # the first delivery: every month it covers is due for the indicators
        assert (metadata["recompute_from"].value, metadata["recompute_to"].value) == (END, END)
    con = connect(settings.warehouse)
    try:
        assert con.execute("SELECT provider_id, period, state FROM raw.deliveries").fetchall() == [
            ("caritas", END, "accepted")
        ]
    finally:
        con.close()


def test_a_rejected_delivery_fails_its_run_with_the_reason(settings):
    cases = settings.landing_dir / "caritas" / END / "cases.csv"
    cases.write_bytes(cases.read_bytes() + b"broken")
    age_files(cases.parent, 600)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(DELIVERY_PARTITIONS_NAME, [f"caritas/{END}"])
        result = dg.materialize(
            [raw_deliveries],
            partition_key=f"caritas/{END}",
            resources=build_resources(settings),
            instance=instance,
            raise_on_error=False,
        )
        assert not result.success
        (failure,) = [e for e in result.all_events if e.is_step_failure]
        description = failure.step_failure_data.user_failure_data.description
        assert "Delivery rejected" in description and "checksum_mismatch" in description
        # the partition shows the rejection in the UI
        (observation,) = instance.fetch_observations(RAW_DELIVERIES, limit=5).records
        assert observation.partition_key == f"caritas/{END}"
        assert observation.asset_observation.metadata["state"].value == "rejected"


@pytest.mark.e2e
def test_a_full_run_records_every_delivery_under_its_partition(settings):
    with in_memory_instance() as instance:
        run = run_pipeline(load_definitions(), settings, instance)
        assert run.result.success
        keys = instance.get_dynamic_partitions(DELIVERY_PARTITIONS_NAME)
        assert sorted(keys) == sorted(f"{p}/{period}" for p in PROVIDERS for period in ("2026-09", END))
        materialised = instance.get_materialized_partitions(RAW_DELIVERIES)
        assert len(materialised) == 12 and f"drk/{END}" in materialised
        # `kim run` updated everything itself: nothing for update_after_deliveries to do
        result = evaluate(update_after_deliveries, settings, instance, None)
        assert "change no indicator month" in skipped(result)


@pytest.mark.e2e
def test_after_loads_one_update_runs_for_the_months_they_change(settings, monkeypatch):
    """update_after_deliveries waits for queued loads, then requests kim_full_run with the months
    the loads planned; executing that request (as the daemon would) rebuilds staging, runs the
    checks and computes exactly those indicator months and the reports."""
    from dagster._core.test_utils import create_run_for_test

    for name, value in {
        "KIM_LANDING_DIR": settings.landing_dir,
        "KIM_WAREHOUSE": settings.warehouse,
        "KIM_REPORTS_DIR": settings.reports_dir,
        "KIM_PSEUDONYM_KEY": STRONG_TEST_KEY,
        "KIM_INTERNAL_REPORTS_DIR": settings.internal_reports,
    }.items():
        monkeypatch.setenv(name, str(value))
    definitions = load_definitions()  # its resources: the settings above, from the environment
    resources = build_resources(settings)
    with in_memory_instance() as instance:
        keys = [f"{p}/{period}" for p in PROVIDERS for period in ("2026-09", END)]
        instance.add_dynamic_partitions(DELIVERY_PARTITIONS_NAME, keys)
        assert skipped(evaluate(update_after_deliveries, settings, instance, None)).startswith("no delivery")
        for key in keys:
            assert dg.materialize([raw_deliveries], partition_key=key, resources=resources, instance=instance).success

        queued = create_run_for_test(instance, job_name="load_delivery", status=dg.DagsterRunStatus.STARTED)
        waiting = evaluate(update_after_deliveries, settings, instance, None)
        assert "waiting for the queued or running load_delivery runs" in skipped(waiting)
        instance.delete_run(queued.run_id)

        result = evaluate(update_after_deliveries, settings, instance, None)
        (request,) = result.run_requests
        assert (request.tags[PARTITION_RANGE_START], request.tags[PARTITION_RANGE_END]) == ("2026-09", END)
        assert f"drk/{END}" in request.tags["kim/trigger"]
        # the cursor moved past these loads: the next tick has nothing to do
        assert skipped(evaluate(update_after_deliveries, settings, instance, result.cursor)).startswith("no delivery")

        update = definitions.resolve_job_def(request.job_name or "kim_full_run").execute_in_process(
            instance=instance, tags=request.tags, raise_on_error=False
        )
        assert update.success
        months = sorted(
            e.partition
            for e in update.get_asset_materialization_events()
            if e.asset_key == dg.AssetKey(["marts", "indicator_values"])
        )
        assert months == ["2026-09", END]
        assert all(c.passed for c in update.get_asset_check_evaluations() if c.check_name.startswith("contract_"))
    assert (settings.reports_dir / f"monatsbericht_{END}.html").is_file()
