"""KIM Monitor benchmark: time the pipeline's stages at a scale tier of design §8.

    .venv/bin/python -m benchmarks.run --tier S|M|L [--out DIR] [--keep] [--landing DIR]
                                         [--repeat N] [--profile]

Generates the tier's synthetic deliveries, then times in a fresh DuckDB file (one per repetition):

1. load        warehouse.load.ingest_landing (after warehouse.migrate.connect) -- the baseline
2. staging     warehouse.models.build_staging
3. validation  checks.validation.validate_staging for every table of exchange format v1 (not at L)
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
    BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
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
    # Only each provider's newest delivery (+ the abh providers' first one): benchmarks/newest_only.py
    newest_only: bool = False
    validate: bool = True


TIERS = {
    "S": Tier("S", PROJECT_ROOT / "config" / "leverkusen.yaml", 24, 3000,
              "one city (Leverkusen): 5 providers + abh, 24 monthly deliveries, ~3,000 cases"),
    "M": Tier("M", BENCHMARK_DIR / "config_m.yaml", 36, 40000,
              "a large city: 12 providers + abh, 36 monthly deliveries, ~40,000 cases"),
    "L": Tier("L", BENCHMARK_DIR / "config_l.yaml", 36, 500000,
              "all of NRW: 53 districts x (4 providers + abh), ~500,000 cases, 36 months; only the "
              "newest delivery per provider is generated and loaded, no validation",
              newest_only=True, validate=False),
}

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
                f"{int(task.completed)}/{int(task.total)}", highlight=False)


# --- What is timed ------------------------------------------------------------------------------


def validation_function() -> tuple[str, Callable[[Any, str], Any], tuple[str, ...]]:
    """(implementation name, function(con, table), tables to validate)."""
    from checks.validation import validate_staging
    from transforms.exchange_format import TABLES

    return "checks.validation.validate_staging", validate_staging, tuple(TABLES)


class Stages:
    """Times named stages with perf_counter; optionally profiles each with cProfile."""

    def __init__(self, profile_dir: Path | None) -> None:
        self.seconds: dict[str, float] = {}
        self.profile_dir = profile_dir
        self.hot_spots: dict[str, list[dict[str, Any]]] = {}

    def run(self, name: str, function: Callable[[], Any]) -> Any:
        profiler = cProfile.Profile() if self.profile_dir else None
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            return function()
        finally:
            if profiler:
                profiler.disable()
            self.seconds[name] = time.perf_counter() - start
            if profiler:
                self._save_profile(name, profiler)

    def _save_profile(self, name: str, profiler: cProfile.Profile) -> None:
        path = self.profile_dir / f"{name}.prof"
        profiler.dump_stats(path)
        stats = pstats.Stats(profiler, stream=io.StringIO())
        rows = []
        for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items():
            rows.append({
                "function": f"{_short_path(filename)}:{line}({function})",
                "calls": calls,
                "own_seconds": round(own, 4),
                "cumulative_seconds": round(cumulative, 4),
            })
        rows.sort(key=lambda row: row["own_seconds"], reverse=True)
        self.hot_spots[name] = rows[:15]


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def count(con, relation: str) -> int:
    return con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]


def run_pipeline(
    config, landing: Path, warehouse: Path, key: str, validate, validated_tables: tuple[str, ...],
    profile_dir: Path | None, progress: Progress,
) -> dict[str, Any]:
    """One timed pass over a fresh warehouse file (validate=None: no validation stage)."""
    from benchmarks.headline import compare, fetch_ours, run_headline_sql
    from benchmarks.pandas_baseline import compute_indicators, read_newest_deliveries
    from transforms.exchange_format import TABLES
    from transforms.indicators import build_indicator_values
    from warehouse.load import ingest_landing
    from warehouse.migrate import connect
    from warehouse.models import MART_MODELS, build_dim_providers, build_mart, build_staging

    stages = Stages(profile_dir)
    con = stages.run("connect", lambda: connect(warehouse))
    try:
        deliveries = sum(1 for _ in landing.glob("*/*/manifest.json"))
        task = progress.add_task("1 load", total=deliveries)
        summary = stages.run("load", lambda: ingest_landing(
            con, landing, config, key,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        ))
        if summary.rejected:
            console.print(f"[red]{len(summary.rejected)} deliveries were rejected, e.g. "
                          f"{summary.rejected[0]}[/red]")

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

        task = progress.add_task("4 marts + indicators", total=len(MART_MODELS) + 2)
        indicator_parts: dict[str, float] = {}
        mart_rows: dict[str, int] = {}

        def timed_part(name: str, function: Callable[[], Any]) -> Any:
            start = time.perf_counter()
            result = function()
            indicator_parts[name] = time.perf_counter() - start
            progress.advance(task)
            return result

        def marts_and_indicators() -> None:
            mart_rows["dim_providers"] = timed_part(
                "dim_providers", lambda: build_dim_providers(con, config))
            for name in MART_MODELS:
                mart_rows[name] = timed_part(name, lambda name=name: build_mart(con, name))
            values = timed_part(
                "indicator_values", lambda: build_indicator_values(con, SUPPRESSION_K))
            mart_rows["indicator_values"] = values.height

        stages.run("indicators", marts_and_indicators)

        # 5: ours for the three headline indicators only, then pandas on the same delivery files.
        task = progress.add_task("5 headline indicators: SQL, pandas read, pandas compute", total=3)
        headline_rows = stages.run("headline_sql", lambda: run_headline_sql(con))
        progress.advance(task)
        newest = stages.run("pandas_read", lambda: read_newest_deliveries(landing, config))
        progress.advance(task)
        theirs = stages.run("pandas_compute", lambda: compute_indicators(newest, config))
        progress.advance(task)
        stages.seconds["pandas_total"] = stages.seconds["pandas_read"] + stages.seconds["pandas_compute"]
        comparison = compare(fetch_ours(con), theirs)
        pandas_rows = {"cases": len(newest.cases), "needs": len(newest.needs),
                       "handovers": len(newest.handovers), "deliveries_read": len(newest.folders),
                       "periods": len(newest.periods), "indicator_rows": len(theirs)}

        raw_rows = {table: count(con, f"raw.{table}") for table in TABLES}
        raw_rows["quarantine.rejected_rows"] = count(con, "quarantine.rejected_rows")
        delivery_states = dict(con.execute(
            "SELECT state, count(*) FROM raw.deliveries GROUP BY state ORDER BY state").fetchall())
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    finally:
        con.close()
    return {
        "seconds": stages.seconds,
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
                ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
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
    seconds = {
        stage: statistics.median(run["seconds"][stage] for run in runs)
        for stage in runs[0]["seconds"]
    }
    return seconds, ratios_of(seconds)


def ratios_of(seconds: dict[str, float]) -> dict[str, float]:
    return {name: seconds[stage] / seconds[BASELINE] for name, stage in RATIOS.items() if stage in seconds}


def speedups_of(seconds: dict[str, float]) -> dict[str, float]:
    return {name: seconds[pandas] / seconds[ours] for name, (pandas, ours) in SPEEDUPS.items()}


def print_report(tier: Tier, generation: float | None, seconds: dict[str, float],
                 ratios: dict[str, float], speedups: dict[str, float], run: dict[str, Any],
                 validation_impl: str) -> None:
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
    versus = Table(title="headline indicators (cases_active, handover_delay_median_days, "
                         "needs_unmet_share): pandas baseline vs ours")
    versus.add_column("what")
    versus.add_column("seconds", justify="right")
    versus.add_column("pandas / this", justify="right")
    versus.add_row("pandas read (newest deliveries, 3 tables)", f"{seconds['pandas_read']:.3f}", "")
    versus.add_row("pandas compute", f"{seconds['pandas_compute']:.3f}", "")
    versus.add_row("pandas read + compute", f"{seconds['pandas_total']:.3f}", "")
    versus.add_row("ours: 4 marts + all indicators (+ suppression)", f"{seconds['indicators']:.3f}",
                   f"{speedups['pandas_total/indicators']:.1f}x total, "
                   f"{speedups['pandas_compute/indicators']:.1f}x compute")
    versus.add_row("ours: SQL of the 3 headline indicators", f"{seconds['headline_sql']:.3f}",
                   f"{speedups['pandas_total/headline_sql']:.1f}x total, "
                   f"{speedups['pandas_compute/headline_sql']:.1f}x compute")
    out.print(versus)
    rows = ", ".join(f"{name} {count:,}" for name, count in comparison.compared_rows.items())
    if comparison.match:
        out.print(f"[green]values match[/green] (tolerance {TOLERANCE:g}): {rows} rows compared; "
                  f"{comparison.ours_without_observations:,} rows of ours without observations "
                  f"(value NULL, denominator 0) set aside")
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
        rows.add_row(name, f"{value:,}", f"{run['rows']['staging'].get(name, ''):,}"
                     if name in run["rows"]["staging"] else "")
    out.print(rows)
    pandas_rows = run["pandas_rows"]
    out.print(f"pandas read {pandas_rows['deliveries_read']} newest deliveries: "
              f"{pandas_rows['cases']:,} cases, {pandas_rows['needs']:,} needs, "
              f"{pandas_rows['handovers']:,} handovers; {pandas_rows['periods']} periods")
    out.print(f"deliveries: {run['rows']['deliveries']}  validation: {validation_impl}  "
              f"duckdb threads: {run['duckdb_threads']}")
    for stage, spots in run["hot_spots"].items():
        if stage == "connect":
            continue
        out.print(f"[bold]hot spots in {stage}[/bold] (own time, cProfile)")
        for spot in spots[:5]:
            out.print(f"  {spot['own_seconds']:8.3f}s own {spot['cumulative_seconds']:8.3f}s cum "
                      f"{spot['calls']:>9} calls  {spot['function']}")


# --- Command line -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tier", choices=list(TIERS), required=True, help="scale tier of design §8")
    parser.add_argument("--out", type=Path, help="folder for the working files (deliveries, warehouse "
                        "files); a new sub-folder is made in it. Default: the system temp folder")
    parser.add_argument("--keep", action="store_true",
                        help="keep the working files (deliveries, warehouse, profiles) afterwards")
    parser.add_argument("--landing", type=Path, help="reuse deliveries generated by an earlier run "
                        "(<work>/landing of a --keep run) instead of generating them")
    parser.add_argument("--repeat", type=int, default=1,
                        help="timed passes, each in a fresh DuckDB file; the median is reported")
    parser.add_argument("--profile", action="store_true",
                        help="profile each stage with cProfile (slower; result file gets -profiled)")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="where the JSON result goes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    tier = TIERS[args.tier]
    sys.path.insert(0, str(PROJECT_ROOT))

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
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    )
    try:
        generation_seconds: float | None = None
        with progress:
            if args.landing:
                landing = args.landing.resolve()
                if not any(landing.glob("*/*/manifest.json")):
                    raise SystemExit(f"{landing} holds no deliveries (<provider>/<YYYY-MM>/manifest.json)")
            elif tier.newest_only:
                from benchmarks.newest_only import generate_newest_only, planned_deliveries

                landing = work / "landing"
                task = progress.add_task(
                    f"0 generate (newest delivery of {len(config.providers)} providers, "
                    f"{tier.cases:,} cases over {tier.months} months)",
                    total=planned_deliveries(config, tier.months))
                start = time.perf_counter()
                generate_newest_only(
                    config, landing, months=tier.months, seed=SEED, total_cases=tier.cases,
                    progress=lambda done, total: progress.update(task, completed=done, total=total))
                generation_seconds = time.perf_counter() - start
            else:
                from synthetic import generate

                landing = work / "landing"
                task = progress.add_task(
                    f"0 generate ({len(config.providers)} providers × {tier.months} months, "
                    f"{tier.cases:,} cases)", total=len(config.providers) * tier.months)
                start = time.perf_counter()
                generate(config, landing, months=tier.months, seed=SEED, total_cases=tier.cases,
                         progress=lambda done, total: progress.update(task, completed=done, total=total))
                generation_seconds = time.perf_counter() - start
            landing_bytes = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file())

            runs = []
            for repetition in range(1, args.repeat + 1):
                profile_dir = None
                if args.profile:
                    profile_dir = work / f"profile-{repetition}"
                    profile_dir.mkdir()
                runs.append(run_pipeline(
                    config, landing, work / f"warehouse-{repetition}.duckdb", DEMO_PSEUDONYM_KEY,
                    validate if tier.validate else None, validated_tables, profile_dir, progress,
                ))

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
            "speedups_vs_pandas": speedups,
            "pandas_baseline": {
                "script": "benchmarks/pandas_baseline.py",
                "indicators": list(HEADLINE_INDICATORS),
                "pandas": _version("pandas"),
                "xlsx_reader": f"fastexcel {_version('fastexcel')} .to_pandas() (no openpyxl or "
                               "python-calamine for pandas.read_excel)",
                "seconds": {stage: seconds[stage]
                            for stage in ("pandas_read", "pandas_compute", "pandas_total")},
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
                {"seconds": run["seconds"], "ratios": ratios_of(run["seconds"]),
                 "speedups_vs_pandas": speedups_of(run["seconds"])}
                for run in runs
            ],
            "machine": {**machine(), "duckdb_threads": first["duckdb_threads"]},
            "git": git_state(),
        }
        if args.profile:
            result["hot_spots"] = first["hot_spots"]
        print_report(tier, generation_seconds, seconds, ratios, speedups, first, validation_impl)
        args.results.mkdir(parents=True, exist_ok=True)
        suffix = "-profiled" if args.profile else ""
        path = results_path(args.results, tier.name, suffix)
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n",
                        encoding="utf-8")
        console.print(f"results: {path}")
        if mismatched:
            console.print(
                f"[red bold]FAILED: the pandas baseline and marts.indicator_values disagree "
                f"(repetition {', '.join(map(str, mismatched))}).[/red bold]\n"
                + next(run["comparison"] for run in runs if not run["comparison"].match).describe())
            return 1
    finally:
        if args.keep:
            console.print(f"kept working files in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
