"""One timed pass of the pipeline over a fresh warehouse file: the DuckDB floor, connect, load,
staging, validation, marts + indicators, reports, then the headline indicators against pandas."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from rich.progress import Progress

from benchmarks.stages import Stages, console
from benchmarks.steps import DOWNSTREAM_PARTS, WHOLE_RUN, Validate, build_downstream, render_reports
from benchmarks.tiers import SUPPRESSION_K
from kim.config import ProgrammeConfig


def count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]  # type: ignore[index]


def run_pipeline(
    config: ProgrammeConfig,
    landing: Path,
    warehouse: Path,
    key: str,
    validate: Validate | None,
    validated_tables: tuple[str, ...],
    profile_dir: Path | None,
    progress: Progress,
) -> dict[str, Any]:
    """One timed pass over a fresh warehouse file (validate=None: no validation stage)."""
    from warehouse.migrate import connect

    stages = Stages(profile_dir)
    reports_dir = warehouse.with_name(warehouse.stem + "-reports")
    floor_rows = time_floor(stages, config, landing, warehouse, progress)
    con = stages.run("connect", lambda: connect(warehouse))
    try:
        built = time_whole_run(stages, con, config, landing, key, validate, validated_tables, reports_dir, progress)
        stages.seconds["whole"] = sum(stages.seconds.get(stage, 0.0) for stage in WHOLE_RUN)
        headline = time_headline(stages, con, config, landing, progress)
        counts = warehouse_rows(con)
        summary = built["summary"]
        rows = {
            "raw": counts["raw"],
            "staging": built["staging_rows"],
            "marts": built["mart_rows"],
            "deliveries": counts["deliveries"],
            "deliveries_accepted_now": len(summary.accepted),
            "deliveries_rejected_now": len(summary.rejected),
            "quarantined_rows": summary.quarantined_rows,
        }
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    finally:
        con.close()
    return {
        "seconds": stages.seconds,
        "peak_rss_bytes": stages.peak_rss_bytes,
        "start_rss_bytes": stages.start_rss_bytes,
        "floor_rows": floor_rows,
        "report_files": built["report_files"],
        "indicator_parts_seconds": built["indicator_parts"],
        "rows": rows,
        "validation": built["validation"],
        "disclosure_audit": built["disclosure_audit"],
        "protection": built["protection"],
        **headline,
        "warehouse_bytes": warehouse.stat().st_size,
        "duckdb_threads": threads,
        "hot_spots": stages.hot_spots,
    }


def time_floor(stages: Stages, config: ProgrammeConfig, landing: Path, warehouse: Path, progress: Progress) -> Any:
    """Stage 0, the floor: DuckDB alone reads every delivery file, in its own file next to the
    warehouse (deleted afterwards)."""
    from benchmarks.floor import read_all

    floor_path = warehouse.with_name(warehouse.stem + "-floor.duckdb")
    task = progress.add_task("0 floor: DuckDB reads every delivery file", total=1)
    floor_con = duckdb.connect(str(floor_path))
    try:
        return stages.run(
            "floor",
            lambda: read_all(
                floor_con,
                landing,
                config,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            ),
        )
    finally:
        floor_con.close()
        floor_path.unlink(missing_ok=True)


def time_whole_run(
    stages: Stages,
    con: duckdb.DuckDBPyConnection,
    config: ProgrammeConfig,
    landing: Path,
    key: str,
    validate: Validate | None,
    validated_tables: tuple[str, ...],
    reports_dir: Path,
    progress: Progress,
) -> dict[str, Any]:
    """Stages 1-5 (load, staging, validation, marts + indicators, reports), each timed."""
    from warehouse.load import ingest_landing
    from warehouse.models import build_staging

    deliveries = sum(1 for _ in landing.glob("*/*/manifest.json"))
    task = progress.add_task("1 load", total=deliveries)
    summary = stages.run(
        "load",
        lambda: ingest_landing(
            con,
            landing,
            config,
            key,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        ),
    )
    if summary.rejected:
        console.print(f"[red]{len(summary.rejected)} deliveries were rejected, e.g. {summary.rejected[0]}[/red]")

    task = progress.add_task("2 staging", total=1)
    staging_rows = stages.run("staging", lambda: build_staging(con))
    progress.update(task, completed=1)

    validation_outcomes = None
    if validate is not None:
        task = progress.add_task("3 validation", total=len(validated_tables))
        validation_outcomes = stages.run(
            "validation", lambda: validate_tables(con, validate, validated_tables, lambda: progress.advance(task))
        )

    task = progress.add_task("4 marts + indicators", total=len(DOWNSTREAM_PARTS))
    indicator_parts: dict[str, float] = {}
    mart_rows: dict[str, int] = {}
    stages.run(
        "indicators",
        lambda: build_downstream(con, config, indicator_parts, mart_rows, advance=lambda: progress.advance(task)),
    )

    task = progress.add_task("4a publication plan + protection (design §6)", total=1)
    protection = stages.run("protection", lambda: protection_summary(con))
    progress.advance(task)

    task = progress.add_task("4b disclosure audit (design §6)", total=1)
    audit = stages.run("audit", lambda: audit_summary(con))
    progress.advance(task)

    task = progress.add_task("5 reports (published)", total=1)
    report_files = stages.run("reports", lambda: render_reports(con, config, reports_dir))
    progress.advance(task)
    return {
        "disclosure_audit": audit,
        "protection": protection,
        "summary": summary,
        "staging_rows": staging_rows,
        "validation": validation_outcomes,
        "indicator_parts": indicator_parts,
        "mart_rows": mart_rows,
        "report_files": report_files,
    }


def protection_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Stage 4a: the publication plan and the protection chosen against the audit, as every run
    does it after the indicators; with the information lost (warehouse.disclosure_protection)."""
    from reports.quality.disclosure import information_loss_rows
    from warehouse.disclosure_protection import protect_warehouse

    protection = protect_warehouse(con, SUPPRESSION_K)
    return {
        "passed": protection.passed,
        "rounds": len(protection.rounds),
        "rows_hidden_by_protection": protection.added.height,
        "breakdowns_withdrawn": protection.withdrawn.height,
        "blocks": protection.blocks,
        "information_loss": information_loss_rows(con),
    }


def audit_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Stage 4b: the disclosure audit of the release, as every run does it before the reports."""
    from warehouse.disclosure_audit import distinct_unprotected, run_disclosure_audit

    result = run_disclosure_audit(con, SUPPRESSION_K)
    counts = result.counts
    return {
        "passed": result.passed,
        "cells": counts.get("cells"),
        "hidden": counts.get("hidden"),
        "constraints": counts.get("rows"),
        "targets": counts.get("targets"),
        "unprotected_distinct": distinct_unprotected(result),
        "readers": len(counts.get("readers", {})),
        "blocks": counts.get("blocks", {}),
        "seconds": result.seconds,
    }


def validate_tables(
    con: duckdb.DuckDBPyConnection, validate: Validate, tables: tuple[str, ...], advance: Callable[[], None]
) -> dict[str, dict[str, int]]:
    """Stage 3: validate every table; outcomes and failures per table."""
    outcomes = {}
    for table in tables:
        result = validate(con, table)
        items = list(getattr(result, "outcomes", result) or [])
        outcomes[table] = {
            "outcomes": len(items),
            "failed": sum(1 for item in items if getattr(item, "success", True) is False),
        }
        advance()
    return outcomes


def time_headline(
    stages: Stages, con: duckdb.DuckDBPyConnection, config: ProgrammeConfig, landing: Path, progress: Progress
) -> dict[str, Any]:
    """Stage 6: ours for the three headline indicators only, then pandas on the same delivery files;
    the values must agree."""
    from benchmarks.headline import compare, fetch_ours, run_headline_sql
    from benchmarks.pandas_baseline import compute_indicators, read_newest_deliveries

    task = progress.add_task("6 headline indicators: SQL, pandas read, pandas compute", total=3)
    headline_rows = stages.run("headline_sql", lambda: run_headline_sql(con))
    progress.advance(task)
    newest = stages.run("pandas_read", lambda: read_newest_deliveries(landing, config))
    progress.advance(task)
    theirs = stages.run("pandas_compute", lambda: compute_indicators(newest, config))
    progress.advance(task)
    stages.seconds["pandas_total"] = stages.seconds["pandas_read"] + stages.seconds["pandas_compute"]
    return {
        "headline_sql_rows": headline_rows,
        "pandas_rows": {
            "cases": len(newest.cases),
            "needs": len(newest.needs),
            "handovers": len(newest.handovers),
            "deliveries_read": len(newest.folders),
            "periods": len(newest.periods),
            "indicator_rows": len(theirs),
        },
        "comparison": compare(fetch_ours(con), theirs),
    }


def warehouse_rows(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Rows in raw.* and quarantine, and the deliveries per register state."""
    from kim.contract import TABLES

    raw_rows = {table: count(con, f"raw.{table}") for table in TABLES}
    raw_rows["quarantine.rejected_rows"] = count(con, "quarantine.rejected_rows")
    delivery_states = dict(
        con.execute("SELECT state, count(*) FROM raw.deliveries GROUP BY state ORDER BY state").fetchall()
    )
    return {"raw": raw_rows, "deliveries": delivery_states}
