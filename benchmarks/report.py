"""The tables a run prints to stdout: stages and ratios, the headline indicators against pandas,
per-model seconds, rows, hot spots, and the floor, peak RSS, incremental run and targets (issues 15, 17)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.results import RATIOS
from benchmarks.steps import WHOLE_RUN
from benchmarks.tiers import Tier

STAGE_LABELS = {
    "staging": "2 staging",
    "validation": "3 validation",
    "indicators": "4 marts + indicators",
    "protection": "4a publication plan + protection",
    "audit": "4b disclosure audit",
}
INCREMENTAL_COLUMNS = ("load", "plan", "staging", "validation", "indicators", "protection", "audit", "reports", "total")


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
    out.print(stages_table(tier, generation, seconds, ratios))
    print_headline(out, seconds, speedups, run)
    out.print(parts_table(run))
    out.print(rows_table(run))
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
    print_hot_spots(out, run["hot_spots"])


def stages_table(tier: Tier, generation: float | None, seconds: dict[str, float], ratios: dict[str, float]) -> Table:
    table = Table(title=f"KIM Monitor benchmark, tier {tier.name}: {tier.description}")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("ratio to load", justify="right")
    table.add_row("generation (not in ratios)", "reused" if generation is None else f"{generation:.2f}", "")
    table.add_row("connect + migrate", f"{seconds['connect']:.2f}", "")
    table.add_row("1 load (baseline)", f"{seconds['load']:.2f}", "1.000")
    for name, stage in RATIOS.items():
        if stage in seconds:
            table.add_row(STAGE_LABELS[stage], f"{seconds[stage]:.2f}", f"{ratios[name]:.3f}")
        else:
            table.add_row(STAGE_LABELS[stage], "skipped", "")
    return table


def print_headline(out: Console, seconds: dict[str, float], speedups: dict[str, float], run: dict[str, Any]) -> None:
    from benchmarks.headline import TOLERANCE

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
    comparison = run["comparison"]
    compared = ", ".join(f"{name} {count:,}" for name, count in comparison.compared_rows.items())
    if comparison.match:
        out.print(
            f"[green]values match[/green] (tolerance {TOLERANCE:g}): {compared} rows compared; "
            f"{comparison.ours_without_observations:,} rows of ours without observations "
            f"(value NULL, denominator 0) set aside"
        )
    else:
        out.print(f"[red]VALUES DIFFER[/red]: {comparison.describe()}")


def parts_table(run: dict[str, Any]) -> Table:
    parts = Table(title="marts + indicators, per model (first repetition)")
    parts.add_column("model")
    parts.add_column("seconds", justify="right")
    parts.add_column("rows", justify="right")
    for name, value in run["indicator_parts_seconds"].items():
        parts.add_row(name, f"{value:.3f}", f"{run['rows']['marts'].get(name, '')}")
    return parts


def rows_table(run: dict[str, Any]) -> Table:
    rows = Table(title="rows (raw = every loaded delivery; staging = current deliveries)")
    rows.add_column("table")
    rows.add_column("raw", justify="right")
    rows.add_column("staging", justify="right")
    staging = run["rows"]["staging"]
    for name, value in run["rows"]["raw"].items():
        rows.add_row(name, f"{value:,}", f"{staging.get(name, ''):,}" if name in staging else "")
    return rows


def print_hot_spots(out: Console, hot_spots: dict[str, list[dict[str, Any]]]) -> None:
    for stage, spots in hot_spots.items():
        if stage == "connect":
            continue
        out.print(f"[bold]hot spots in {stage}[/bold] (own time, cProfile)")
        for spot in spots[:5]:
            out.print(
                f"  {spot['own_seconds']:8.3f}s own {spot['cumulative_seconds']:8.3f}s cum "
                f"{spot['calls']:>9} calls  {spot['function']}"
            )


def print_issue_8(result: dict[str, Any]) -> None:
    out = Console()
    out.print(floor_table(result))
    incremental = result.get("incremental")
    if incremental:
        out.print(incremental_table(incremental))
        for case in ("new_month", "correction"):
            out.print(
                f"{case}: plan {incremental['plans'][case]}; / full recompute = "
                f"{incremental[f'ratio_{case}_to_full_recompute']:.1%}"
            )
    for name, target in result["targets"].items():
        measured = target["measured"]
        shown = (
            f"{measured / 2**30:.2f} GiB"
            if "rss" in name
            else f"{measured:.1%}"
            if name.startswith(("incremental", "disclosure"))
            else f"{measured:.2f}"
        )
        colour = "green" if target["met"] else "red"
        out.print(
            f"[{colour}]{'met' if target['met'] else 'NOT met'}[/{colour}] {name}: {shown} "
            f"(stated for tier {target['stated_for']})"
        )


def floor_table(result: dict[str, Any]) -> Table:
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
    return table


def incremental_table(incremental: dict[str, Any]) -> Table:
    table = Table(title=f"incremental: {incremental['delivery']} as a new month, then corrected, vs full recompute")
    table.add_column("pass")
    for stage in INCREMENTAL_COLUMNS:
        table.add_column(stage, justify="right")
    for name, stages in incremental["seconds"].items():
        table.add_row(name, *(f"{stages[s]:.2f}" if s in stages else "" for s in INCREMENTAL_COLUMNS))
    return table
