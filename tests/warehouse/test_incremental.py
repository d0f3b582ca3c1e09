"""Month partitions: a new delivery recomputes only the months it can change, and the result is
exactly the table a full rebuild gives."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime

import dagster as dg
import duckdb
import pytest

from kim.settings import Settings
from synthetic.generator import generate
from tests.conftest import STRONG_TEST_KEY, d, load_hand_built_delivery
from tests.dagster_runs import in_memory_instance
from warehouse.disclosure_protection import protect_warehouse
from warehouse.incremental import config_fingerprint, plan_indicator_recompute, record_indicator_build
from warehouse.indicator_build import build_indicator_values
from warehouse.load import IngestSummary, ensure_pseudonym_key, ingest_delivery
from warehouse.migrate import connect
from warehouse.models import build_models
from warehouse.protection_runs import FORGET_RUNS

K = 5


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs()


DIFFERENCE = "SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})"


def incremental_build(con, config, k: int = K):
    """What the indicator_values asset does for the months a plan names."""
    build_models(con, config)
    fingerprint = config_fingerprint(config)
    plan = plan_indicator_recompute(con, fingerprint, k)
    if not plan.empty:
        build_indicator_values(con, k, plan.first_period, plan.last_period)
    record_indicator_build(con, plan, fingerprint, k, plan.first_period, plan.last_period)
    return plan


def same_as_full_rebuild(con, *, published: bool = False) -> bool:
    """Copy the incrementally built table, rebuild everything, and compare row for row.
    `published`: after a pipeline run, whose publication step (warehouse.disclosure_protection)
    set the flags; the full rebuild then runs that step too."""
    con.execute("CREATE OR REPLACE TEMP TABLE incremental AS FROM marts.indicator_values")
    build_indicator_values(con, K)
    if published:
        con.execute(FORGET_RUNS)  # protect from the figures, not take the run's stored protection
        protect_warehouse(con, K)
    differences = [
        con.execute(DIFFERENCE.format(a=a, b=b)).fetchall()[0][0]
        for a, b in (("incremental", "marts.indicator_values"), ("marts.indicator_values", "incremental"))
    ]
    return differences == [0, 0]


def test_month_by_month_deliveries_give_the_full_rebuild(tmp_path, config):
    folders = generate(config, tmp_path / "landing", months=8, seed=3, total_cases=500, end_period="2024-08")
    con = connect(tmp_path / "w.duckdb")
    ensure_pseudonym_key(con, "k")
    plans = []
    for period in sorted({folder.name for folder in folders}):
        for folder in (f for f in folders if f.name == period):
            ingest_delivery(con, folder, config, "k", IngestSummary())
        plans.append(incremental_build(con, config))
        # once built, nothing is left to do until something changes
        assert plan_indicator_recompute(con, config_fingerprint(config), K).empty
    assert plans[0].full and plans[0].first_period == "2024-01"
    # later deliveries recompute only recent months (the first changed date), not all eight
    assert plans[-1].first_period == "2024-07" and plans[-1].last_period == "2024-08" and not plans[-1].full
    assert same_as_full_rebuild(con)
    con.close()


CASES = [
    dict(
        case_id="x1",
        person_id="p1",
        case_manager_id="m1",
        opened_on=d("2023-06-01"),
        birth_year=1990,
        gender="w",
        nationality="SYR",
        residence_status="duldung",
        referral_source="selbst",
    ),
    dict(
        case_id="x2",
        person_id="p2",
        case_manager_id="m1",
        opened_on=d("2023-07-01"),
        birth_year=1980,
        gender="m",
        nationality="AFG",
        residence_status="gestattung",
        referral_source="selbst",
    ),
]


def load(con, config, period: str, cases: list[dict], provider: str = "caritas", exported_at=None) -> None:
    load_hand_built_delivery(con, config, provider, period, {"cases": cases}, exported_at=exported_at)


@pytest.fixture
def built(warehouse, config):
    """caritas January to March 2024 with two long-running open cases, built incrementally."""
    for period in ("2024-01", "2024-02", "2024-03"):
        load(warehouse, config, period, CASES)
    incremental_build(warehouse, config)
    return warehouse


def test_a_closure_recomputes_from_the_closing_month(built, config):
    # April's delivery closes x1 on 10 April: January to March keep their figures
    load(built, config, "2024-04", [dict(CASES[0], closed_on=d("2024-04-10"), closing_reason="umzug"), CASES[1]])
    plan = incremental_build(built, config)
    assert (plan.first_period, plan.last_period, plan.full) == ("2024-04", "2024-04", False)
    assert same_as_full_rebuild(built)


def test_a_back_dated_closure_recomputes_from_the_month_it_names(built, config):
    # April's delivery reports that x2 was closed on 15 February: February's figures move
    load(built, config, "2024-04", [CASES[0], dict(CASES[1], closed_on=d("2024-02-15"), closing_reason="abbruch")])
    plan = incremental_build(built, config)
    assert (plan.first_period, plan.last_period) == ("2024-02", "2024-04")
    closed = built.execute(
        "SELECT period, value FROM marts.indicator_values WHERE indicator_id = 'cases_closed' "
        "AND provider_id = 'caritas' AND dimension = 'all' ORDER BY period"
    ).fetchall()
    assert closed == [("2024-01", 0.0), ("2024-02", 1.0), ("2024-03", 0.0), ("2024-04", 0.0)]
    assert same_as_full_rebuild(built)


def test_a_change_of_the_current_case_manager_only_recomputes_nothing_but_new_months(built, config):
    # no indicator reads the case's current case manager (caseloads come from assignments)
    load(built, config, "2024-04", [dict(CASES[0], case_manager_id="m7"), CASES[1]])
    plan = incremental_build(built, config)
    assert (plan.first_period, plan.last_period) == ("2024-04", "2024-04")
    assert same_as_full_rebuild(built)


def test_an_old_month_delivered_late_recomputes_only_its_timeliness(built, config):
    # diakonie's January arrives on 20 March, after its deadline (10 February): only January changes
    # (delivery_on_time, and diakonie's figures — it is now current for diakonie)
    load(built, config, "2024-01", CASES, provider="diakonie", exported_at=datetime(2024, 3, 20, tzinfo=UTC))
    plan = incremental_build(built, config)
    assert plan.first_period == "2024-01"
    assert same_as_full_rebuild(built)
    # a re-delivery of caritas' January with the same content but later: superseded on arrival,
    # the current delivery does not change, only the arrival of January is looked at again
    before = built.execute("SELECT count(*) FROM marts.indicator_builds").fetchall()[0][0]
    load(
        built, config, "2024-01", CASES + [dict(CASES[0], case_id="x9")], exported_at=datetime(2024, 3, 25, tzinfo=UTC)
    )
    plan = incremental_build(built, config)
    assert plan.empty  # it arrived for a month that already had a delivery: first arrival unchanged
    assert built.execute("SELECT count(*) FROM marts.indicator_builds").fetchall()[0][0] == before + 1


def test_a_new_k_or_a_new_configuration_rebuilds_everything(built, config):
    assert plan_indicator_recompute(built, config_fingerprint(config), K).empty
    plan = plan_indicator_recompute(built, config_fingerprint(config), 7)
    assert plan.full and "suppression k changed from 5 to 7" in plan.reasons[0]
    providers = dict(config.providers)
    providers["caritas"] = replace(providers["caritas"], fte={**providers["caritas"].fte, 2024: 9.0})
    changed = replace(config, providers=providers)
    plan = plan_indicator_recompute(built, config_fingerprint(changed), K)
    assert plan.full and (plan.first_period, plan.last_period) == ("2024-01", "2024-03")


def test_a_partial_range_leaves_the_rest_planned(built, config):
    load(built, config, "2024-04", [CASES[0], dict(CASES[1], closed_on=d("2024-02-15"), closing_reason="abbruch")])
    build_models(built, config)
    fingerprint = config_fingerprint(config)
    plan = plan_indicator_recompute(built, fingerprint, K)
    # someone materialises only April in the UI: February and March are still due afterwards
    build_indicator_values(built, K, "2024-04", "2024-04")
    record_indicator_build(built, plan, fingerprint, K, "2024-04", "2024-04")
    still_due = plan_indicator_recompute(built, fingerprint, K)
    assert (still_due.first_period, still_due.last_period) == ("2024-02", "2024-04")
    settled = built.execute("SELECT settled FROM marts.indicator_builds ORDER BY built_at").fetchall()
    assert settled == [(True,), (False,)]


@pytest.mark.e2e
def test_the_pipeline_recomputes_only_new_months_and_matches_a_full_rebuild(definitions, config, tmp_path):
    """Through Dagster: `run_pipeline` materialises the indicator partitions the plan names."""
    from pipelines.runner import run_pipeline

    folders = generate(config, tmp_path / "all", months=8, seed=3, total_cases=500, end_period="2024-08")
    landing = tmp_path / "landing"
    for folder in folders:
        if folder.name <= "2024-07":
            shutil.copytree(folder, landing / folder.parent.name / folder.name)
    settings = Settings(
        landing_dir=landing,
        warehouse=tmp_path / "w.duckdb",
        reports_dir=tmp_path / "reports",
        config=config.path,
        pseudonym_key=STRONG_TEST_KEY,
        suppression_k=K,
    )
    with in_memory_instance() as instance:
        first = run_pipeline(definitions, settings, instance)
        assert first.result.success and first.plan.full
        for folder in folders:
            if folder.name == "2024-08":
                shutil.copytree(folder, landing / folder.parent.name / folder.name)
        second = run_pipeline(definitions, settings, instance)
        assert second.result.success and not second.plan.full, second.plan.describe()
        materialised = [
            event.partition
            for event in second.result.get_asset_materialization_events()
            if event.asset_key == dg.AssetKey(["marts", "indicator_values"])
        ]
        assert sorted(materialised) == ["2024-07", "2024-08"]  # August's deliveries change July on
        # ... and only the monthly reports from July on are rendered again
        (report,) = [
            event
            for event in second.result.get_asset_materialization_events()
            if event.asset_key == dg.AssetKey(["reports", "monthly_monitoring"])
        ]
        metadata = report.step_materialization_data.materialization.metadata
        assert metadata["from_month"].value == "2024-07" and metadata["reports_rendered"].value == 2
    con = duckdb.connect(str(settings.warehouse))
    try:
        assert same_as_full_rebuild(con, published=True)
    finally:
        con.close()


def test_revisions_show_how_last_months_figures_moved(warehouse, config):
    """caritas' February delivery back-dates the closure of x1 to 25 January; diakonie (January
    only) does not change. The revisions compare vintage 2024-01 with the current figures."""
    from warehouse.revisions import build_indicator_revisions

    january = [CASES[0], dict(CASES[1], closed_on=d("2024-01-20"), closing_reason="abbruch")]
    load(warehouse, config, "2024-01", january)
    load(warehouse, config, "2024-01", CASES, provider="diakonie")
    load(warehouse, config, "2024-02", [dict(CASES[0], closed_on=d("2024-01-25"), closing_reason="umzug"), january[1]])
    incremental_build(warehouse, config)
    revisions = build_indicator_revisions(warehouse, config, K)
    assert (revisions.previous_vintage, revisions.current_vintage) == ("2024-01", "2024-02")
    rows = warehouse.execute(
        "SELECT provider_id, dimension, dimension_value, previous_value, current_value, previous_vintage, "
        "current_vintage FROM marts.indicator_revisions WHERE indicator_id = 'cases_closed' ORDER BY ALL"
    ).fetchall()
    # January: caritas closed 1 case (x2) as reported in January, 2 (x1 and x2) as reported now
    assert rows == [
        ("all", "all", "all", 1.0, 2.0, "2024-01", "2024-02"),
        ("all", "closing_reason", "umzug", None, 1.0, "2024-01", "2024-02"),  # a new breakdown cell
        # x2 (Jul 2023 - 20 Jan) and now x1 (Jun 2023 - 25 Jan) both ran 6 to 12 months
        ("all", "duration_band", "6_bis_12_monate", 1.0, 2.0, "2024-01", "2024-02"),
        ("caritas", "all", "all", 1.0, 2.0, "2024-01", "2024-02"),
        ("caritas", "closing_reason", "umzug", None, 1.0, "2024-01", "2024-02"),
        ("caritas", "duration_band", "6_bis_12_monate", 1.0, 2.0, "2024-01", "2024-02"),
    ]
    # diakonie's figures did not move; February has no previous figure and is no revision
    assert (
        warehouse.execute(
            "SELECT count(*) FROM marts.indicator_revisions WHERE provider_id = 'diakonie' OR period = '2024-02'"
        ).fetchall()[0][0]
        == 0
    )
    # the vintage database is gone, the warehouse is the current database again
    assert warehouse.execute("SELECT current_database()").fetchall()[0][0] == "warehouse"
    assert "vintage" not in {
        row[0] for row in warehouse.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    }
