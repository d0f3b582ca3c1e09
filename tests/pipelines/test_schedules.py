"""The schedules: what they request, and that the monthly run executes with the indicator months."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.defs.jobs import (
    PARTITION_RANGE_END,
    PARTITION_RANGE_START,
    annual_report_schedule,
    monthly_report_schedule,
)
from synthetic import generate
from tests.conftest import STRONG_TEST_KEY
from tests.dagster_runs import in_memory_instance

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_monthly_run_recomputes_every_indicator_month_up_to_the_current_one():
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 11, 6, 0, tzinfo=BERLIN))
    request = monthly_report_schedule(context)
    # config/leverkusen.yaml reports from 2024-01; the month of the run is a partition already
    assert request.tags[PARTITION_RANGE_START] == "2024-01"
    assert request.tags[PARTITION_RANGE_END] == "2026-11"
    assert monthly_report_schedule.cron_schedule == "0 6 11 * *"
    assert monthly_report_schedule.execution_timezone == "Europe/Berlin"


def test_the_annual_run_follows_the_january_monthly_run():
    assert annual_report_schedule.cron_schedule == "0 7 15 1 *"  # after the monthly run of 11 January
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2027, 1, 15, 7, 0, tzinfo=BERLIN))
    assert isinstance(annual_report_schedule(context), dg.RunRequest)


@pytest.mark.e2e
def test_the_scheduled_jobs_run_on_a_loaded_warehouse(tmp_path, monkeypatch, config):
    """Load a small landing folder, then execute kim_full_run with the monthly schedule's tags and
    the annual job, as the daemon would."""
    from pipelines.definitions import defs
    from warehouse.load import ingest_landing
    from warehouse.migrate import connect

    generate(config, tmp_path / "landing", months=3, seed=4, total_cases=200, end_period="2024-03")
    for name, value in {
        "KIM_LANDING_DIR": tmp_path / "landing",
        "KIM_WAREHOUSE": tmp_path / "w.duckdb",
        "KIM_REPORTS_DIR": tmp_path / "reports",
        "KIM_PSEUDONYM_KEY": STRONG_TEST_KEY,
    }.items():
        monkeypatch.setenv(name, str(value))
    con = connect(tmp_path / "w.duckdb")
    ingest_landing(con, tmp_path / "landing", config, "k")
    con.close()
    definitions = defs()
    request = monthly_report_schedule(
        dg.build_schedule_context(scheduled_execution_time=datetime(2024, 4, 11, 6, 0, tzinfo=BERLIN))
    )
    with in_memory_instance() as instance:
        monthly = definitions.resolve_job_def("kim_full_run").execute_in_process(instance=instance, tags=request.tags)
        assert monthly.success
        annual = definitions.resolve_job_def("annual_report_run").execute_in_process(instance=instance)
        assert annual.success
    assert (tmp_path / "reports" / "monatsbericht_2024-03.html").is_file()
    assert (tmp_path / "reports" / "jahresbericht_2024.html").is_file()
    assert (tmp_path / "reports" / "traegerbericht_caritas_2024-03.html").is_file()
