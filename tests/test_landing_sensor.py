"""The landing sensor and the per-delivery partitions of raw/deliveries."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pytest

from kim.settings import Settings
from pipelines.definitions import defs as load_definitions
from pipelines.defs.raw import RAW_DELIVERIES, raw_deliveries
from pipelines.defs.resources import build_resources
from pipelines.defs.sensors import landing_sensor
from pipelines.runner import run_pipeline
from synthetic import generate
from warehouse.migrate import connect

END = "2026-10"


def age_files(folder: Path, seconds: float) -> None:
    past = time.time() - seconds
    for path in folder.rglob("*"):
        os.utime(path, (past, past))


@pytest.fixture
def settings(tmp_path, config) -> Settings:
    generate(config, tmp_path / "landing", months=2, seed=9, total_cases=120, end_period=END)
    return Settings(
        landing_dir=tmp_path / "landing", warehouse=tmp_path / "w.duckdb", reports_dir=tmp_path / "reports",
        config=config.path, pseudonym_key="k", suppression_k=5,
    )


def evaluate(settings: Settings, instance, cursor: str | None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"kim": build_resources(settings)["kim"]})
    requests = list(landing_sensor(context))
    return requests, context.cursor


def test_sensor_requests_one_run_per_complete_new_delivery(settings):
    landing = settings.landing_dir
    age_files(landing, 600)
    # a delivery still being copied (just written) and one from an unknown provider
    still_copying = landing / "caritas" / "2026-11"
    still_copying.mkdir()
    (still_copying / "manifest.json").write_text("{}")
    (landing / "hilfswerk" / END).mkdir(parents=True)
    (landing / "hilfswerk" / END / "manifest.json").write_text("{}")
    age_files(landing / "hilfswerk", 600)

    with dg.instance_for_test() as instance:
        requests, cursor = evaluate(settings, instance, None)
        keys = sorted(r.partition_key for r in requests)
        assert keys == sorted(f"{period}|{p}" for p in ("abh", "awo", "caritas", "diakonie", "drk", "stadt")
                              for period in ("2026-09", END))
        assert all(r.run_key.startswith(f"{r.partition_key.split('|')[1]}|") for r in requests)
        # nothing changed: nothing requested
        assert evaluate(settings, instance, cursor)[0] == []
        # a re-export of one month (new manifest) gets a new run with a new run key
        first_key = next(r.run_key for r in requests if r.partition_key == f"{END}|awo")
        manifest = landing / "awo" / END / "manifest.json"
        exported = manifest.read_text()
        assert '"exported_at"' in exported.split(":00", 1)[0]  # the first ":00" is the export time's
        manifest.write_text(exported.replace(":00", ":01", 1))
        age_files(landing / "awo" / END, 120)
        again, _ = evaluate(settings, instance, cursor)
        assert [r.partition_key for r in again] == [f"{END}|awo"]
        assert again[0].run_key != first_key


def test_a_partition_run_loads_exactly_its_delivery(settings):
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [raw_deliveries], partition_key=f"{END}|caritas", resources=build_resources(settings), instance=instance
        )
        (event,) = result.get_asset_materialization_events()
        metadata = event.materialization.metadata
        assert metadata["state"].value == "accepted" and metadata["rows"].value > 100
    con = connect(settings.warehouse)
    try:
        assert con.execute("SELECT provider_id, period, state FROM raw.deliveries").fetchall() == [("caritas", END, "accepted")]
    finally:
        con.close()


def test_a_rejected_delivery_fails_its_run_with_the_reason(settings):
    cases = settings.landing_dir / "caritas" / END / "cases.csv"
    cases.write_bytes(cases.read_bytes() + b"broken")
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [raw_deliveries], partition_key=f"{END}|caritas", resources=build_resources(settings),
            instance=instance, raise_on_error=False,
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "Delivery rejected" in failure.step_failure_data.user_failure_data.description
    assert "checksum_mismatch" in failure.step_failure_data.user_failure_data.description


def test_a_full_run_records_every_delivery_under_its_partition(settings):
    with dg.instance_for_test() as instance:
        run = run_pipeline(load_definitions(), settings, instance)
        assert run.result.success
        materialised = instance.get_materialized_partitions(RAW_DELIVERIES)
        assert len(materialised) == 12 and f"{END}|drk" in materialised
