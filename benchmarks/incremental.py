"""Stage 7 (`--incremental`, issues 8 and 17): one provider's newest month reaching the reports,
against a full recompute of the same warehouse. Two cases, one after the other:

- **new month** — a delivery that only adds its month (synthetic.month_only): the provider's
  snapshot of the month before plus the rows wholly in the new month;
- **correction** — then the provider's real snapshot of that month, which also closes cases,
  resolves needs and decides handovers of earlier months: a back-dated correction.

Each incremental pass does what a scheduled run does after a delivery: load it, plan, staging,
validation, the planned indicator months, yearly values and revisions, the protection and the audit
of the release (with the blocks kept from the run before), and the reports the plan's months can
change. The full recompute does every stage for every month, with no kept disclosure blocks or
stored audit (what a first run on these deliveries would do after the load)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from rich.progress import Progress

from benchmarks.pipeline import audit_summary, protection_summary
from benchmarks.results import INCREMENTAL_TARGET
from benchmarks.stages import Stages
from benchmarks.steps import Validate, build_downstream, render_reports
from benchmarks.tiers import SEED, SUPPRESSION_K, Tier
from kim.config import ProgrammeConfig
from warehouse.protection_runs import FORGET_RUNS

PASSES = ("initial", "new_month", "correction", "full_recompute")
# What a first run would not have: the blocks the disclosure engine kept, the stored audits and
# the stored protections (warehouse.protection_runs).
FORGET_DISCLOSURE_WORK = ("DELETE FROM dq.disclosure_block_cache", "DELETE FROM dq.disclosure_audit_cells", "DELETE FROM dq.disclosure_audits", FORGET_RUNS)  # fmt: skip


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


def _exported_at(delivery: Path) -> datetime:
    return datetime.fromisoformat(json.loads((delivery / "manifest.json").read_text())["exported_at"])


def run_incremental(
    config: ProgrammeConfig,
    tier: Tier,
    landing: Path,
    work: Path,
    key: str,
    validate: Validate | None,
    validated_tables: tuple[str, ...],
    progress: Progress,
) -> dict[str, Any]:
    """The initial build without one provider's newest month, the new-month and the correction
    passes, and the full recompute (see the module)."""
    from warehouse.incremental import config_fingerprint, plan_indicator_recompute
    from warehouse.load import ingest_landing
    from warehouse.migrate import connect
    from warehouse.models import build_staging

    original, held = hold_back_newest_delivery(config, landing, work)
    reports_dir = work / "reports-incremental"
    con = connect(work / "warehouse-incremental.duckdb")
    passes: dict[str, Stages] = {name: Stages(None) for name in PASSES}
    parts: dict[str, dict[str, float]] = {name: {} for name in passes}
    rows: dict[str, int] = {}
    plans: dict[str, str] = {}
    verdicts: dict[str, dict[str, Any]] = {}

    def downstream_and_reports(name: str, since: str | None, first: str | None, last: str | None) -> None:
        stages = passes[name]
        stages.run("staging", lambda: build_staging(con))
        if validate is not None:
            stages.run("validation", lambda: [validate(con, table) for table in validated_tables])
        stages.run("indicators", lambda: build_downstream(con, config, parts[name], rows, first, last))
        protection = stages.run("protection", lambda: protection_summary(con))
        audit = stages.run("audit", lambda: audit_summary(con))
        verdicts[name] = {
            "protection_passed": protection["passed"],
            "audit_passed": audit["passed"],
            # how much of each step earlier passes had done (dq.disclosure_block_cache)
            "protection_blocks": protection["blocks"],
            "audit_blocks": audit["blocks"],
        }
        stages.run("reports", lambda: render_reports(con, config, reports_dir, since=since))

    def arrival(name: str) -> None:
        stages = passes[name]
        stages.run("load", lambda: ingest_landing(con, landing, config, key))
        plan = stages.run("plan", lambda: plan_indicator_recompute(con, config_fingerprint(config), SUPPRESSION_K))
        if plan.empty:
            raise RuntimeError(f"the delivery of the {name} pass changed no indicator month: {plan.describe()}")
        plans[name] = plan.describe()
        downstream_and_reports(name, plan.first_period, plan.first_period, plan.last_period)
        progress.advance(task)

    task = progress.add_task("7 incremental: initial build, new month, correction, full recompute", total=4)
    try:
        try:
            passes["initial"].run("load", lambda: ingest_landing(con, landing, config, key))
            downstream_and_reports("initial", None, None, None)
            progress.advance(task)
            real_exported_at = _exported_at(held)
            _write_month_only(config, tier, landing, original, real_exported_at - timedelta(days=1))
            arrival("new_month")
        finally:
            shutil.rmtree(original, ignore_errors=True)
            shutil.move(held, original)
        arrival("correction")
        _forget_disclosure_work(con)
        downstream_and_reports("full_recompute", None, None, None)
        progress.advance(task)
    finally:
        con.close()
    return _summary(original, passes, parts, plans, verdicts)


def _write_month_only(config: ProgrammeConfig, tier: Tier, landing: Path, real: Path, exported_at: datetime) -> None:
    from synthetic.month_only import write_month_only_delivery

    written = write_month_only_delivery(
        config, landing, real.parent.name, tier.months, SEED, tier.cases, exported_at, end_period=real.name
    )
    assert written == real, (written, real)


def _forget_disclosure_work(con: duckdb.DuckDBPyConnection) -> None:
    for statement in FORGET_DISCLOSURE_WORK:
        con.execute(statement)


def _summary(
    original: Path,
    passes: dict[str, Stages],
    parts: dict[str, dict[str, float]],
    plans: dict[str, str],
    verdicts: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    seconds = {name: dict(stages.seconds, total=sum(stages.seconds.values())) for name, stages in passes.items()}
    full = seconds["full_recompute"]["total"]
    return {
        "delivery": f"{original.parent.name}/{original.name}",
        "plans": plans,
        "verdicts": verdicts,
        "seconds": seconds,
        "parts_seconds": parts,
        "ratio_new_month_to_full_recompute": seconds["new_month"]["total"] / full,
        "ratio_correction_to_full_recompute": seconds["correction"]["total"] / full,
        "ratio_new_month_to_initial_build": seconds["new_month"]["total"] / seconds["initial"]["total"],
        "target": INCREMENTAL_TARGET,
    }
