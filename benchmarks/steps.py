"""What the benchmark times after the load: validation as the staging asset checks do it, the
downstream build (dimensions and SQL models through `warehouse.models.build_marts`, then the
indicator build, yearly values and revisions) and the published reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.tiers import SUPPRESSION_K
from kim.config import ProgrammeConfig

# function(con, table) validating one staging table
Validate = Callable[[duckdb.DuckDBPyConnection, str], Any]

# After the load, in this order (stage 4 runs the parts one by one and times each).
DOWNSTREAM_PARTS = ("marts", "indicator_values", "indicator_values_yearly", "indicator_revisions")
# The stages of one whole run of the pipeline (floor, connect and the pandas baseline are not).
WHOLE_RUN = ("load", "staging", "validation", "indicators", "protection", "audit", "reports")


def validation_function() -> tuple[str, Validate, tuple[str, ...]]:
    """(implementation name, function(con, table), tables to validate)."""
    from kim.contract import TABLES

    return (
        "warehouse.validation.validate_and_record (validate_staging + shift_outcomes + record_outcomes)",
        validate_and_record,
        tuple(TABLES),
    )


def validate_and_record(con: duckdb.DuckDBPyConnection, table: str) -> list[Any]:
    """What the staging asset checks do for one table (warehouse.validation.validate_and_record)."""
    from warehouse.validation import validate_and_record as validate

    return validate(con, table)


def build_downstream(
    con: duckdb.DuckDBPyConnection,
    config: ProgrammeConfig,
    parts: dict[str, float],
    rows: dict[str, int],
    first_period: str | None = None,
    last_period: str | None = None,
    advance: Callable[[], None] = lambda: None,
) -> None:
    """What the pipeline builds after staging and validation: dimensions and every SQL mart model
    (`build_marts`, in its dependency order), the indicator values of first..last (all months by
    default; the build is recorded as the Dagster asset records it), the yearly values and the
    revisions. Times each part (each model on its own) into `parts`, row counts into `rows`."""
    from warehouse.incremental import config_fingerprint, plan_indicator_recompute, record_indicator_build
    from warehouse.indicator_build import build_indicator_values, build_yearly_indicator_values
    from warehouse.models import build_marts
    from warehouse.revisions import build_indicator_revisions

    def timed(name: str, function: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = function()
        parts[name] = parts.get(name, 0.0) + time.perf_counter() - start
        return result

    fingerprint = config_fingerprint(config)
    plan = timed("plan", lambda: plan_indicator_recompute(con, fingerprint, SUPPRESSION_K))
    rows.update(build_marts(con, config, on_model=timed))
    advance()
    values = timed("indicator_values", lambda: build_indicator_values(con, SUPPRESSION_K, first_period, last_period))
    timed(
        "indicator_values",
        lambda: record_indicator_build(con, plan, fingerprint, SUPPRESSION_K, first_period, last_period),
    )
    rows["indicator_values"] = values.height
    advance()
    rows["indicator_values_yearly"] = timed(
        "indicator_values_yearly", lambda: build_yearly_indicator_values(con, SUPPRESSION_K)
    ).height
    advance()
    timed("indicator_revisions", lambda: build_indicator_revisions(con, config, SUPPRESSION_K))
    advance()


def render_reports(
    con: duckdb.DuckDBPyConnection, config: ProgrammeConfig, reports_dir: Path, since: str | None = None
) -> dict[str, int]:
    """Every published report (reports.publish), or with `since` only those a change from that
    month on can alter; returns the number of files per type."""
    from reports.kit.chart_cache import chart_cache
    from reports.publish import render_published_reports

    # The charts of this reports folder are kept beside it: a first render draws every chart, a
    # later one (the incremental case) only those whose figures changed.
    with chart_cache(reports_dir.with_name(reports_dir.name + "-chart-cache")):
        written = render_published_reports(con, reports_dir, city=config.city, k=SUPPRESSION_K, since=since)
    written["monthly"] = written["monthly"]["monthly_all"]  # the newest is in monthly_all too
    return {kind: len(paths) if isinstance(paths, list) else 1 for kind, paths in written.items()}
