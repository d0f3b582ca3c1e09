"""KIM Monitor benchmark: time the pipeline's stages at a scale tier of design §8.

    .venv/bin/python -m benchmarks.run --tier S|M|L [--out DIR] [--keep] [--landing DIR]
                                         [--repeat N] [--profile]

Generates the tier's synthetic deliveries, then times in a fresh DuckDB file (one per repetition):

1. load        warehouse.load.ingest_landing (after warehouse.migrate.connect) -- the baseline
2. staging     warehouse.models.build_staging
3. validation  warehouse.validation.validate_staging for every table of exchange format v1 (not at L)
4. indicators  build_dim_providers, every mart model, transforms.indicators.build_indicator_values
5. headline    the SQL of the three headline indicators on the built warehouse, and the pandas
               baseline (benchmarks/pandas_baseline.py) for them on the same delivery files: read,
               compute; its values must equal marts.indicator_values (exit code 1 if not)

and writes benchmarks/results/<tier>-<date>.json. Performance is judged by the ratios of stages to
the load measured in the same run (validation/load, staging/load, indicators/load) and by the
speed-ups against pandas (pandas seconds / our seconds), never by absolute seconds: those depend on
the machine. Generation is reported but not part of any ratio. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.metadata
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

BENCHMARK_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCHMARK_DIR.parent
RESULTS_DIR = BENCHMARK_DIR / "results"

SEED = 42
SUPPRESSION_K = 5


@dataclass(frozen=True)
class Tier:
    name: str
    config: Path
    months: int
    cases: int
    description: str
    newest_only: bool = False  # synthetic/newest_only.py
    validate: bool = True


def _tiers() -> dict[str, Tier]:
    """The tiers of synthetic.scales (what `kim generate --scale` writes); L skips validation."""
    from synthetic.scales import SCALES

    return {
        name: Tier(
            name,
            scale.config,
            scale.months,
            scale.cases,
            scale.description + ("; no validation" if scale.newest_only else ""),
            newest_only=scale.newest_only,
            validate=not scale.newest_only,
        )
        for name, scale in SCALES.items()
    }


sys.path.insert(0, str(PROJECT_ROOT))
TIERS = _tiers()

# Stages in the order they run; the first is the baseline of every ratio.
BASELINE = "load"
RATIOS = {
    "staging/load": "staging",
    "validation/load": "validation",
    "indicators/load": "indicators",
}

# Speed-ups of ours against the pandas baseline: pandas seconds / our seconds (> 1 = ours faster).
SPEEDUPS = {
    "pandas_total/indicators": ("pandas_total", "indicators"),
    "pandas_compute/indicators": ("pandas_compute", "indicators"),
    "pandas_total/headline_sql": ("pandas_total", "headline_sql"),
    "pandas_compute/headline_sql": ("pandas_compute", "headline_sql"),
}
SPEEDUP_TARGET = 10.0
# Issue 8's targets.
FLOOR_TARGET = 3.0  # the whole run at most 3x the DuckDB floor (tier L)
PEAK_RSS_TARGET_BYTES = 6 * 2**30  # tier L
INCREMENTAL_TARGET = 0.10  # one new delivery at most 10 % of a full recompute (tier M)
FLOOR_RATIOS = {"load/floor": "load", "whole/floor": "whole"}

console = Console(stderr=True)


class LoggedProgress(Progress):
    """Rich progress bars; where stderr is not a terminal (CI, a log file) a plain line per tenth."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._logged: dict[int, int] = {}
        self._started = time.perf_counter()

    def update(self, task_id, **kwargs: Any) -> None:  # type: ignore[override]
        super().update(task_id, **kwargs)
        self._log(task_id)

    def advance(self, task_id, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._log(task_id)

    def _log(self, task_id) -> None:
        if self.console.is_terminal:
            return
        task = next(t for t in self.tasks if t.id == task_id)
        if not task.total:
            return
        tenth = int(10 * task.completed / task.total)
        if tenth > self._logged.get(task_id, 0):
            self._logged[task_id] = tenth
            self.console.print(
                f"[{time.perf_counter() - self._started:7.1f}s] {task.description}: "
                f"{int(task.completed)}/{int(task.total)}",
                highlight=False,
            )


# --- What is timed ------------------------------------------------------------------------------


def validation_function() -> tuple[str, Callable[[Any, str], Any], tuple[str, ...]]:
    """(implementation name, function(con, table), tables to validate)."""
    from kim.contract import TABLES

    return (
        "warehouse.validation.validate_staging + shift_outcomes + record_outcomes",
        validate_and_record,
        tuple(TABLES),
    )


def validate_and_record(con, table: str) -> list[Any]:
    """What the staging asset checks do for one table: the contract suites (reusing outcomes of
    rows already checked in this state), the shift warnings, and both kept in dq.check_results."""
    from warehouse.validation import record_outcomes, shift_outcomes, validate_staging

    outcomes = validate_staging(con, table) + shift_outcomes(con, table)
    record_outcomes(con, outcomes)
    return outcomes


class Stages:
    """Times named stages with perf_counter; optionally profiles each with cProfile."""

    def __init__(self, profile_dir: Path | None) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_rss_bytes: dict[str, int] = {}
        self.profile_dir = profile_dir
        self.hot_spots: dict[str, list[dict[str, Any]]] = {}

    def run(self, name: str, function: Callable[[], Any]) -> Any:
        from benchmarks.memory import PeakRss

        profiler = cProfile.Profile() if self.profile_dir else None
        peak = PeakRss()
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            with peak:
                return function()
        finally:
            if profiler:
                profiler.disable()
            self.seconds[name] = time.perf_counter() - start
            self.peak_rss_bytes[name] = peak.bytes
            if profiler:
                self._save_profile(name, profiler)

    def _save_profile(self, name: str, profiler: cProfile.Profile) -> None:
        path = self.profile_dir / f"{name}.prof"
        profiler.dump_stats(path)
        stats = pstats.Stats(profiler, stream=io.StringIO())
        rows = []
        for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items():
            rows.append(
                {
                    "function": f"{_short_path(filename)}:{line}({function})",
                    "calls": calls,
                    "own_seconds": round(own, 4),
                    "cumulative_seconds": round(cumulative, 4),
                }
            )
        rows.sort(key=lambda row: row["own_seconds"], reverse=True)
        self.hot_spots[name] = rows[:15]


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def count(con, relation: str) -> int:
    return con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]


# After the load, in this order (stage 4 runs the parts one by one and times each).
DOWNSTREAM_PARTS = ("dim_providers", "sql models", "indicator_values", "indicator_values_yearly", "indicator_revisions")
# The stages of one whole run of the pipeline (floor, connect and the pandas baseline are not).
WHOLE_RUN = ("load", "staging", "validation", "indicators", "reports")


def build_downstream(
    con,
    config,
    parts: dict[str, float],
    rows: dict[str, int],
    first_period: str | None = None,
    last_period: str | None = None,
    advance: Callable[[], None] = lambda: None,
) -> None:
    """What the pipeline builds after staging and validation: dimensions, every SQL mart model,
    the indicator values of first..last (all months by default; the build is recorded as the
    Dagster asset records it), the yearly values and the revisions. Times each part into `parts`."""
    from warehouse.incremental import config_fingerprint, plan_indicator_recompute, record_indicator_build
    from warehouse.indicator_build import build_indicator_values, build_yearly_indicator_values
    from warehouse.models import MART_MODELS, build_dim_providers, build_mart
    from warehouse.revisions import build_indicator_revisions

    def timed(name: str, function: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = function()
        parts[name] = parts.get(name, 0.0) + time.perf_counter() - start
        return result

    fingerprint = config_fingerprint(config)
    plan = timed("plan", lambda: plan_indicator_recompute(con, fingerprint, SUPPRESSION_K))
    rows["dim_providers"] = timed("dim_providers", lambda: build_dim_providers(con, config))
    advance()
    for name in MART_MODELS:
        rows[name] = timed(name, lambda name=name: build_mart(con, name))
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


def render_reports(con, config, reports_dir: Path, since: str | None = None) -> dict[str, int]:
    """Every published report (reports.publish), or with `since` only those a change from that
    month on can alter; returns the number of files per type."""
    from reports.publish import render_published_reports

    written = render_published_reports(con, reports_dir, city=config.city, k=SUPPRESSION_K, since=since)
    written["monthly"] = written["monthly"]["monthly_all"]  # the newest is in monthly_all too
    return {kind: len(paths) if isinstance(paths, list) else 1 for kind, paths in written.items()}


def run_pipeline(
    config,
    landing: Path,
    warehouse: Path,
    key: str,
    validate,
    validated_tables: tuple[str, ...],
    profile_dir: Path | None,
    progress: Progress,
) -> dict[str, Any]:
    """One timed pass over a fresh warehouse file (validate=None: no validation stage)."""
    import duckdb

    from benchmarks.floor import read_all
    from benchmarks.headline import compare, fetch_ours, run_headline_sql
    from benchmarks.pandas_baseline import compute_indicators, read_newest_deliveries
    from kim.contract import TABLES
    from warehouse.load import ingest_landing
    from warehouse.migrate import connect
    from warehouse.models import build_staging

    stages = Stages(profile_dir)
    reports_dir = warehouse.with_name(warehouse.stem + "-reports")
    # 0: the floor, in its own DuckDB file next to the warehouse.
    floor_path = warehouse.with_name(warehouse.stem + "-floor.duckdb")
    task = progress.add_task("0 floor: DuckDB reads every delivery file", total=1)
    floor_con = duckdb.connect(str(floor_path))
    try:
        floor_rows = stages.run(
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

    con = stages.run("connect", lambda: connect(warehouse))
    try:
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

        def validation() -> dict[str, dict[str, int]]:
            outcomes = {}
            for table in validated_tables:
                result = validate(con, table)
                items = list(getattr(result, "outcomes", result) or [])
                outcomes[table] = {
                    "outcomes": len(items),
                    "failed": sum(1 for item in items if getattr(item, "success", True) is False),
                }
                progress.advance(task)
            return outcomes

        validation_outcomes = None
        if validate is not None:
            task = progress.add_task("3 validation", total=len(validated_tables))
            validation_outcomes = stages.run("validation", validation)

        task = progress.add_task("4 marts + indicators", total=len(DOWNSTREAM_PARTS))
        indicator_parts: dict[str, float] = {}
        mart_rows: dict[str, int] = {}
        stages.run(
            "indicators",
            lambda: build_downstream(con, config, indicator_parts, mart_rows, advance=lambda: progress.advance(task)),
        )

        task = progress.add_task("5 reports (published)", total=1)
        report_files = stages.run("reports", lambda: render_reports(con, config, reports_dir))
        progress.advance(task)

        stages.seconds["whole"] = sum(stages.seconds.get(stage, 0.0) for stage in WHOLE_RUN)

        # 6: ours for the three headline indicators only, then pandas on the same delivery files.
        task = progress.add_task("6 headline indicators: SQL, pandas read, pandas compute", total=3)
        headline_rows = stages.run("headline_sql", lambda: run_headline_sql(con))
        progress.advance(task)
        newest = stages.run("pandas_read", lambda: read_newest_deliveries(landing, config))
        progress.advance(task)
        theirs = stages.run("pandas_compute", lambda: compute_indicators(newest, config))
        progress.advance(task)
        stages.seconds["pandas_total"] = stages.seconds["pandas_read"] + stages.seconds["pandas_compute"]
        comparison = compare(fetch_ours(con), theirs)
        pandas_rows = {
            "cases": len(newest.cases),
            "needs": len(newest.needs),
            "handovers": len(newest.handovers),
            "deliveries_read": len(newest.folders),
            "periods": len(newest.periods),
            "indicator_rows": len(theirs),
        }

        raw_rows = {table: count(con, f"raw.{table}") for table in TABLES}
        raw_rows["quarantine.rejected_rows"] = count(con, "quarantine.rejected_rows")
        delivery_states = dict(
            con.execute("SELECT state, count(*) FROM raw.deliveries GROUP BY state ORDER BY state").fetchall()
        )
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    finally:
        con.close()
    return {
        "seconds": stages.seconds,
        "peak_rss_bytes": stages.peak_rss_bytes,
        "floor_rows": floor_rows,
        "report_files": report_files,
        "indicator_parts_seconds": indicator_parts,
        "rows": {
            "raw": raw_rows,
            "staging": staging_rows,
            "marts": mart_rows,
            "deliveries": delivery_states,
            "deliveries_accepted_now": len(summary.accepted),
            "deliveries_rejected_now": len(summary.rejected),
            "quarantined_rows": summary.quarantined_rows,
        },
        "validation": validation_outcomes,
        "headline_sql_rows": headline_rows,
        "pandas_rows": pandas_rows,
        "comparison": comparison,
        "warehouse_bytes": warehouse.stat().st_size,
        "duckdb_threads": threads,
        "hot_spots": stages.hot_spots,
    }


def hold_back_newest_delivery(config, landing: Path, work: Path) -> tuple[Path, Path]:
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
    config, landing: Path, work: Path, key: str, validate, validated_tables: tuple[str, ...], progress: Progress
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
    passes: dict[str, Stages] = {name: Stages(None) for name in ("initial", "incremental", "full_recompute")}
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


# --- Machine and results ------------------------------------------------------------------------


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _proc_field(path: str, name: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    memory = _proc_field("/proc/meminfo", "MemTotal")
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
        "memory_gib": round(int(memory.split()[0]) / 2**20, 1) if memory else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": _version("duckdb"),
        "polars": _version("polars"),
        "great_expectations": _version("great_expectations"),
        "pyarrow": _version("pyarrow"),
        "numpy": _version("numpy"),
    }


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            return subprocess.run(
                ["git", *args],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    status = git("status", "--porcelain")
    return {"commit": git("rev-parse", "HEAD"), "dirty_files": len(status.splitlines()) if status else 0}


def results_path(directory: Path, tier: str, suffix: str) -> Path:
    """<tier>-<date>[suffix].json; a later run the same day gets -2, -3 … instead of overwriting."""
    stem = f"{tier}-{datetime.now():%Y-%m-%d}{suffix}"
    path = directory / f"{stem}.json"
    number = 2
    while path.exists():
        path = directory / f"{stem}-{number}.json"
        number += 1
    return path


def summarise(runs: list[dict[str, Any]]) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds per stage over the repetitions, and the ratios of those medians."""
    seconds = {stage: statistics.median(run["seconds"][stage] for run in runs) for stage in runs[0]["seconds"]}
    return seconds, ratios_of(seconds)


def ratios_of(seconds: dict[str, float]) -> dict[str, float]:
    return {name: seconds[stage] / seconds[BASELINE] for name, stage in RATIOS.items() if stage in seconds}


def speedups_of(seconds: dict[str, float]) -> dict[str, float]:
    return {name: seconds[pandas] / seconds[ours] for name, (pandas, ours) in SPEEDUPS.items()}


def floor_ratios_of(seconds: dict[str, float]) -> dict[str, float]:
    return {name: seconds[stage] / seconds["floor"] for name, stage in FLOOR_RATIOS.items()}


def process_peak_rss_bytes() -> int:
    from benchmarks.memory import process_peak_rss_bytes as peak

    return peak()


def targets(
    tier: str,
    seconds: dict[str, float],
    speedups: dict[str, float],
    peak_rss: dict[str, int],
    incremental: dict[str, Any] | None,
) -> dict[str, dict[str, Any]]:
    """Issue 8's targets, each with the measured figure and whether it is met (they are stated
    for tier L, and the incremental one for tier M; other tiers report them for orientation)."""
    result = {
        "whole_run_at_most_3x_floor": {
            "measured": seconds["whole"] / seconds["floor"],
            "met": seconds["whole"] / seconds["floor"] <= FLOOR_TARGET,
        },
        "whole_run_under_10_minutes": {"measured": seconds["whole"], "met": seconds["whole"] < 600},
        "headline_indicators_10x_pandas": {
            "measured": speedups["pandas_total/headline_sql"],
            "met": speedups["pandas_total/headline_sql"] >= SPEEDUP_TARGET,
        },
        "peak_rss_at_most_6_gib": {
            "measured": max(peak_rss.values()),
            "met": max(peak_rss.values()) <= PEAK_RSS_TARGET_BYTES,
        },
    }
    if incremental:
        ratio = incremental["ratio_incremental_to_full_recompute"]
        result["incremental_at_most_10_percent"] = {"measured": ratio, "met": ratio <= INCREMENTAL_TARGET}
    return {
        name: dict(target, stated_for="M" if name.startswith("incremental") else "L", tier=tier)
        for name, target in result.items()
    }


def print_issue_8(result: dict[str, Any]) -> None:
    out = Console()
    seconds, peak = result["seconds"], result["peak_rss_bytes"]
    table = Table(title=f"tier {result['tier']}: stages against the DuckDB floor, peak RSS per stage")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("x floor", justify="right")
    table.add_column("peak RSS MiB", justify="right")
    for stage in ("floor", *WHOLE_RUN, "whole"):
        if stage not in seconds:
            continue
        rss = peak.get(stage, max(peak.get(s, 0) for s in WHOLE_RUN) if stage == "whole" else 0)
        table.add_row(stage, f"{seconds[stage]:.2f}", f"{seconds[stage] / seconds['floor']:.2f}", f"{rss / 2**20:,.0f}")
    out.print(table)
    incremental = result.get("incremental")
    if incremental:
        inc = Table(title=f"incremental: one new delivery ({incremental['delivery']}) vs full recompute")
        inc.add_column("pass")
        for stage in ("load", "plan", "staging", "validation", "indicators", "reports", "total"):
            inc.add_column(stage, justify="right")
        for name, stages in incremental["seconds"].items():
            inc.add_row(
                name,
                *(
                    f"{stages[s]:.2f}" if s in stages else ""
                    for s in ("load", "plan", "staging", "validation", "indicators", "reports", "total")
                ),
            )
        out.print(inc)
        out.print(
            f"plan: {incremental['plan']}; incremental / full recompute = "
            f"{incremental['ratio_incremental_to_full_recompute']:.1%}"
        )
    for name, target in result["targets"].items():
        measured = target["measured"]
        shown = (
            f"{measured / 2**30:.2f} GiB"
            if "rss" in name
            else f"{measured:.1%}"
            if name.startswith("incremental")
            else f"{measured:.2f}"
        )
        colour = "green" if target["met"] else "red"
        out.print(
            f"[{colour}]{'met' if target['met'] else 'NOT met'}[/{colour}] {name}: {shown} "
            f"(stated for tier {target['stated_for']})"
        )


def print_report(
    tier: Tier,
    generation: float | None,
    seconds: dict[str, float],
    ratios: dict[str, float],
    speedups: dict[str, float],
    run: dict[str, Any],
    validation_impl: str,
) -> None:
    out = Console()
    table = Table(title=f"KIM Monitor benchmark, tier {tier.name}: {tier.description}")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("ratio to load", justify="right")
    table.add_row("generation (not in ratios)", "reused" if generation is None else f"{generation:.2f}", "")
    table.add_row("connect + migrate", f"{seconds['connect']:.2f}", "")
    table.add_row("1 load (baseline)", f"{seconds['load']:.2f}", "1.000")
    for name, stage in RATIOS.items():
        label = {"staging": "2 staging", "validation": "3 validation", "indicators": "4 marts + indicators"}[stage]
        if stage in seconds:
            table.add_row(label, f"{seconds[stage]:.2f}", f"{ratios[name]:.3f}")
        else:
            table.add_row(label, "skipped", "")
    out.print(table)

    from benchmarks.headline import TOLERANCE

    comparison = run["comparison"]
    versus = Table(
        title="headline indicators (cases_active, handover_delay_median_days, "
        "needs_unmet_share): pandas baseline vs ours"
    )
    versus.add_column("what")
    versus.add_column("seconds", justify="right")
    versus.add_column("pandas / this", justify="right")
    versus.add_row("pandas read (newest deliveries, 3 tables)", f"{seconds['pandas_read']:.3f}", "")
    versus.add_row("pandas compute", f"{seconds['pandas_compute']:.3f}", "")
    versus.add_row("pandas read + compute", f"{seconds['pandas_total']:.3f}", "")
    versus.add_row(
        "ours: 4 marts + all indicators (+ suppression)",
        f"{seconds['indicators']:.3f}",
        f"{speedups['pandas_total/indicators']:.1f}x total, {speedups['pandas_compute/indicators']:.1f}x compute",
    )
    versus.add_row(
        "ours: SQL of the 3 headline indicators",
        f"{seconds['headline_sql']:.3f}",
        f"{speedups['pandas_total/headline_sql']:.1f}x total, {speedups['pandas_compute/headline_sql']:.1f}x compute",
    )
    out.print(versus)
    rows = ", ".join(f"{name} {count:,}" for name, count in comparison.compared_rows.items())
    if comparison.match:
        out.print(
            f"[green]values match[/green] (tolerance {TOLERANCE:g}): {rows} rows compared; "
            f"{comparison.ours_without_observations:,} rows of ours without observations "
            f"(value NULL, denominator 0) set aside"
        )
    else:
        out.print(f"[red]VALUES DIFFER[/red]: {comparison.describe()}")

    parts = Table(title="marts + indicators, per model (first repetition)")
    parts.add_column("model")
    parts.add_column("seconds", justify="right")
    parts.add_column("rows", justify="right")
    for name, value in run["indicator_parts_seconds"].items():
        parts.add_row(name, f"{value:.3f}", f"{run['rows']['marts'].get(name, '')}")
    out.print(parts)

    rows = Table(title="rows (raw = every loaded delivery; staging = current deliveries)")
    rows.add_column("table")
    rows.add_column("raw", justify="right")
    rows.add_column("staging", justify="right")
    for name, value in run["rows"]["raw"].items():
        rows.add_row(
            name, f"{value:,}", f"{run['rows']['staging'].get(name, ''):,}" if name in run["rows"]["staging"] else ""
        )
    out.print(rows)
    pandas_rows = run["pandas_rows"]
    out.print(
        f"pandas read {pandas_rows['deliveries_read']} newest deliveries: "
        f"{pandas_rows['cases']:,} cases, {pandas_rows['needs']:,} needs, "
        f"{pandas_rows['handovers']:,} handovers; {pandas_rows['periods']} periods"
    )
    out.print(
        f"deliveries: {run['rows']['deliveries']}  validation: {validation_impl}  "
        f"duckdb threads: {run['duckdb_threads']}"
    )
    for stage, spots in run["hot_spots"].items():
        if stage == "connect":
            continue
        out.print(f"[bold]hot spots in {stage}[/bold] (own time, cProfile)")
        for spot in spots[:5]:
            out.print(
                f"  {spot['own_seconds']:8.3f}s own {spot['cumulative_seconds']:8.3f}s cum "
                f"{spot['calls']:>9} calls  {spot['function']}"
            )


# --- Command line -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tier", choices=list(TIERS), required=True, help="scale tier of design §8")
    parser.add_argument(
        "--out",
        type=Path,
        help="folder for the working files (deliveries, warehouse "
        "files); a new sub-folder is made in it. Default: the system temp folder",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the working files (deliveries, warehouse, profiles) afterwards"
    )
    parser.add_argument(
        "--landing",
        type=Path,
        help="reuse deliveries generated by an earlier run (<work>/landing of a --keep run) instead of generating them",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="timed passes, each in a fresh DuckDB file; the median is reported"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile each stage with cProfile (slower; result file gets -profiled)"
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="also time one new delivery of one provider flowing through to the reports, "
        "against a full recompute (issue 8; meant for tier M)",
    )
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="where the JSON result goes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    tier = TIERS[args.tier]

    from kim.config import load_config
    from kim.settings import DEMO_PSEUDONYM_KEY

    validation_impl, validate, validated_tables = validation_function()
    # Importing GX is a per-process cost, not validation work: do it before any timing.
    start = time.perf_counter()
    import great_expectations  # noqa: F401

    gx_import_seconds = time.perf_counter() - start

    config = load_config(tier.config)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"kim-bench-{tier.name}-", dir=args.out))
    console.print(f"tier {tier.name}: {tier.description}; working files in {work}")
    progress = LoggedProgress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    try:
        generation_seconds: float | None = None
        with progress:
            if args.landing:
                landing = args.landing.resolve()
                if not any(landing.glob("*/*/manifest.json")):
                    raise SystemExit(f"{landing} holds no deliveries (<provider>/<YYYY-MM>/manifest.json)")
            elif tier.newest_only:
                from synthetic.newest_only import generate_newest_only, planned_deliveries

                landing = work / "landing"
                task = progress.add_task(
                    f"0 generate (newest delivery of {len(config.providers)} providers, "
                    f"{tier.cases:,} cases over {tier.months} months)",
                    total=planned_deliveries(config, tier.months),
                )
                start = time.perf_counter()
                generate_newest_only(
                    config,
                    landing,
                    months=tier.months,
                    seed=SEED,
                    total_cases=tier.cases,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
                generation_seconds = time.perf_counter() - start
            else:
                from synthetic import generate

                landing = work / "landing"
                task = progress.add_task(
                    f"0 generate ({len(config.providers)} providers × {tier.months} months, {tier.cases:,} cases)",
                    total=len(config.providers) * tier.months,
                )
                start = time.perf_counter()
                generate(
                    config,
                    landing,
                    months=tier.months,
                    seed=SEED,
                    total_cases=tier.cases,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
                generation_seconds = time.perf_counter() - start
            landing_bytes = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())

            runs = []
            for repetition in range(1, args.repeat + 1):
                profile_dir = None
                if args.profile:
                    profile_dir = work / f"profile-{repetition}"
                    profile_dir.mkdir()
                runs.append(
                    run_pipeline(
                        config,
                        landing,
                        work / f"warehouse-{repetition}.duckdb",
                        DEMO_PSEUDONYM_KEY,
                        validate if tier.validate else None,
                        validated_tables,
                        profile_dir,
                        progress,
                    )
                )
            incremental = None
            if args.incremental:
                incremental = run_incremental(
                    config,
                    landing,
                    work,
                    DEMO_PSEUDONYM_KEY,
                    validate if tier.validate else None,
                    validated_tables,
                    progress,
                )

        from benchmarks.pandas_baseline import HEADLINE_INDICATORS

        seconds, ratios = summarise(runs)
        speedups = speedups_of(seconds)
        first = runs[0]
        mismatched = [number for number, run in enumerate(runs, start=1) if not run["comparison"].match]
        result = {
            "tier": tier.name,
            "description": tier.description,
            "started": datetime.now().astimezone().isoformat(timespec="seconds"),
            "config": str(tier.config.relative_to(PROJECT_ROOT)),
            "months": tier.months,
            "cases": tier.cases,
            "seed": SEED,
            "providers": len(config.providers),
            "deliveries": sum(1 for _ in landing.glob("*/*/manifest.json")),
            "landing_bytes": landing_bytes,
            "landing_reused": str(args.landing) if args.landing else None,
            "generation_seconds": generation_seconds,
            "gx_import_seconds": gx_import_seconds,
            "newest_only": tier.newest_only,
            "validation_impl": validation_impl if tier.validate else None,
            "validated_tables": list(validated_tables) if tier.validate else [],
            "profiled": args.profile,
            "repetitions": args.repeat,
            "seconds": seconds,
            "ratios": ratios,
            "floor_ratios": floor_ratios_of(seconds),
            "peak_rss_bytes": first["peak_rss_bytes"],
            "process_peak_rss_bytes": process_peak_rss_bytes(),
            "floor": {
                "files": first["floor_rows"]["files"],
                "rows": first["floor_rows"]["rows"],
                "reader": "DuckDB read_csv per file (cp1252 as latin-1); XLSX via fastexcel -> Arrow",
            },
            "report_files": first["report_files"],
            "targets": targets(tier.name, seconds, speedups, first["peak_rss_bytes"], incremental),
            "incremental": incremental,
            "speedups_vs_pandas": speedups,
            "pandas_baseline": {
                "script": "benchmarks/pandas_baseline.py",
                "indicators": list(HEADLINE_INDICATORS),
                "pandas": _version("pandas"),
                "xlsx_reader": f"fastexcel {_version('fastexcel')} .to_pandas() (no openpyxl or "
                "python-calamine for pandas.read_excel)",
                "seconds": {stage: seconds[stage] for stage in ("pandas_read", "pandas_compute", "pandas_total")},
                "ours_seconds": {stage: seconds[stage] for stage in ("indicators", "headline_sql")},
                "speedup_target": SPEEDUP_TARGET,
                "speedup_target_met": {name: value >= SPEEDUP_TARGET for name, value in speedups.items()},
                "rows": first["pandas_rows"],
                "headline_sql_rows": first["headline_sql_rows"],
                "values": first["comparison"].as_dict(),
                "repetitions_with_mismatches": mismatched,
            },
            "indicator_parts_seconds": first["indicator_parts_seconds"],
            "rows": first["rows"],
            "validation_outcomes": first["validation"],
            "warehouse_bytes": first["warehouse_bytes"],
            "runs": [
                {
                    "seconds": run["seconds"],
                    "ratios": ratios_of(run["seconds"]),
                    "speedups_vs_pandas": speedups_of(run["seconds"]),
                }
                for run in runs
            ],
            "machine": {**machine(), "duckdb_threads": first["duckdb_threads"]},
            "git": git_state(),
        }
        if args.profile:
            result["hot_spots"] = first["hot_spots"]
        print_report(tier, generation_seconds, seconds, ratios, speedups, first, validation_impl)
        print_issue_8(result)
        args.results.mkdir(parents=True, exist_ok=True)
        suffix = "-profiled" if args.profile else ""
        path = results_path(args.results, tier.name, suffix)
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        console.print(f"results: {path}")
        if mismatched:
            console.print(
                f"[red bold]FAILED: the pandas baseline and marts.indicator_values disagree "
                f"(repetition {', '.join(map(str, mismatched))}).[/red bold]\n"
                + next(run["comparison"] for run in runs if not run["comparison"].match).describe()
            )
            return 1
    finally:
        if args.keep:
            console.print(f"kept working files in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
