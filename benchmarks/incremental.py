"""Stage 7 (`--incremental`, issue 8): one new delivery of one provider flowing through to the
reports, against a full recompute of the same warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from rich.progress import Progress

from benchmarks.results import INCREMENTAL_TARGET
from benchmarks.stages import Stages
from benchmarks.steps import Validate, build_downstream, render_reports
from benchmarks.tiers import SUPPRESSION_K
from kim.config import ProgrammeConfig

PASSES = ("initial", "incremental", "full_recompute")


def hold_back_newest_delivery(config: ProgrammeConfig, landing: Path, work: Path) -> tuple[Path, Path]:
    """Move the newest delivery of the first case-delivering provider out of the landing folder;
    returns (where it was, where it is now)."""
    newest = max(folder.name for folder in landing.glob("*/*") if (folder / "manifest.json").is_file())
    provider = next(
        p
        for p in sorted(config.providers)
        if config.providers[p].kind != "abh" and (landing / p / newest / "manifest.json").is_file()
    )
    original = landing / provider / newest
    held = work / "held-back" / provider / newest
    held.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(original, held)
    return original, held


def run_incremental(
    config: ProgrammeConfig,
    landing: Path,
    work: Path,
    key: str,
    validate: Validate | None,
    validated_tables: tuple[str, ...],
    progress: Progress,
) -> dict[str, Any]:
    """Issue 8's incremental run: build everything without one provider's newest delivery, then let
    that delivery arrive and time how long it takes to reach the reports (only what it can change:
    load it, staging, validation of changed rows, the planned indicator months, yearly values,
    revisions, the reports from the first changed month on), against a full recompute of the same
    warehouse (staging, validation, every indicator month, every report: `kim run --full`)."""
    from warehouse.incremental import config_fingerprint, plan_indicator_recompute
    from warehouse.load import ingest_landing
    from warehouse.migrate import connect
    from warehouse.models import build_staging

    original, held = hold_back_newest_delivery(config, landing, work)
    warehouse = work / "warehouse-incremental.duckdb"
    reports_dir = work / "reports-incremental"
    con = connect(warehouse)
    passes: dict[str, Stages] = {name: Stages(None) for name in PASSES}
    parts: dict[str, dict[str, float]] = {name: {} for name in passes}
    rows: dict[str, int] = {}

    def downstream_and_reports(name: str, since: str | None, first: str | None, last: str | None) -> None:
        stages = passes[name]
        stages.run("staging", lambda: build_staging(con))
        if validate is not None:
            stages.run("validation", lambda: [validate(con, table) for table in validated_tables])
        stages.run("indicators", lambda: build_downstream(con, config, parts[name], rows, first, last))
        stages.run("reports", lambda: render_reports(con, config, reports_dir, since=since))

    try:
        task = progress.add_task("7 incremental: initial build, one new delivery, full recompute", total=3)
        try:
            passes["initial"].run("load", lambda: ingest_landing(con, landing, config, key))
            downstream_and_reports("initial", None, None, None)
        finally:
            shutil.move(held, original)
        progress.advance(task)

        incremental = passes["incremental"]
        summary = incremental.run("load", lambda: ingest_landing(con, landing, config, key))
        plan = incremental.run("plan", lambda: plan_indicator_recompute(con, config_fingerprint(config), SUPPRESSION_K))
        if plan.empty:
            raise RuntimeError(f"the new delivery {original} changed no indicator month: {plan.describe()}")
        downstream_and_reports("incremental", plan.first_period, plan.first_period, plan.last_period)
        progress.advance(task)

        downstream_and_reports("full_recompute", None, None, None)
        progress.advance(task)
    finally:
        con.close()
    seconds = {name: dict(stages.seconds, total=sum(stages.seconds.values())) for name, stages in passes.items()}
    return {
        "delivery": f"{original.parent.name}/{original.name}",
        "accepted": summary.accepted,
        "plan": plan.describe(),
        "seconds": seconds,
        "parts_seconds": parts,
        "ratio_incremental_to_full_recompute": seconds["incremental"]["total"] / seconds["full_recompute"]["total"],
        "ratio_incremental_to_initial_build": seconds["incremental"]["total"] / seconds["initial"]["total"],
        "target": INCREMENTAL_TARGET,
    }
