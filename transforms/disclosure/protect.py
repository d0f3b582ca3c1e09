"""Suppression chosen against the audit (design §6, issue 15): hide more figures until every reader's
interval of every hidden count is at least k wide.

The release starts from the primary (and per-table secondary) suppression. Each round audits it
(transforms.disclosure.audit, every reader: the outside reader and each insider) and, for every
target some reader narrows below k, looks at the equations it takes part in: where the other cells
that reader does not know cannot absorb a change of k, one more published row is hidden in that
equation, the one that loses least information (`hiding_cost`: a provider's monthly breakdown cell
before a provider's total, before a city-wide figure, before a yearly one; among those the smallest
count that still gives enough room). In the insiders' stage a count chosen so, a hidden count
itself, gets its own partners in the same round (transforms.disclosure.choose, `Chooser._close`, up
to CLOSE_WAVES steps of the pattern) instead of one step per round. Hiding a row hides its count
columns (HIDDEN_COLUMNS) and its printed figure. The hidden set only grows, so the rounds end; the
last round's audit is the verdict (`Protection.passed`). A round that finds no equation to widen
hides every published row in every equation of the still-narrow targets instead.

Linked across tables, months and years, providers and `all`, stock and flow, shares and their
counts, insiders: because the audit's system is, every relation of the specs takes part.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from transforms.disclosure.audit import AuditResult, audit_release, build_system
from transforms.disclosure.cells import (
    CELL_KEY,
    HIDDEN,
    ROW_KEY,
    CellTable,
    validate_cells,
)
from transforms.disclosure.choose import (
    HIDDEN_COLUMNS,
    PRINTED_COLUMNS,
    Chooser,
    Narrow,
    closing_for,
    hiding_cost,
    own_cells,
)
from transforms.disclosure.history import History, validate_history
from transforms.disclosure.solve import BlockCache
from transforms.disclosure.unhide import give_back
from transforms.indicators.registry import KINDS

MAX_ROUNDS = 100
# Rounds in a row a target must be narrow (for the same reader) before it gets the protection LP
# (transforms.disclosure.witness); most narrow targets are protected by the next round's cheaper
# choice. At tier M, 2 hid a third more rows in the outside reader's stage than the rounds alone.
STUBBORN_ROUNDS = 3
GROUP_KEY = ("indicator_id", "period", "dimension")


@dataclass
class Protection:
    """The protected release: `cells` with the added hidden cells, the rows hidden in addition
    (ROW_KEY columns plus `round`), the final audit, per-round figures and the breakdowns
    withdrawn for a period (GROUP_KEY plus `round`)."""

    cells: pl.DataFrame
    added: pl.DataFrame
    audit: AuditResult
    rounds: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    withdrawn: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=[*GROUP_KEY, "round"]))
    # set by the caller that owns the budget (warehouse.disclosure_protection): the seconds ran
    # out before the release passed, so a failed audit is the budget's doing, not the data's
    out_of_time: bool = False
    # set by warehouse.disclosure_protection: nothing it depends on changed since the stored
    # protection passed, which was taken instead of protecting again (no rounds, no audit)
    reused: bool = False
    # set by warehouse.disclosure_protection: distinct blocks solved, and taken from earlier steps
    blocks: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.audit.passed


def hide_rows(cells: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """`cells` with every row of `rows` (ROW_KEY) hidden: its HIDDEN_COLUMNS hidden, its printed
    figure gone."""
    if rows.is_empty():
        return cells
    marked = rows.select(ROW_KEY).unique().with_columns(_hide=pl.lit(True))
    kinds = pl.col("indicator_id").replace_strict(KINDS, default="")
    hides = pl.lit(False)
    for kind, columns in HIDDEN_COLUMNS.items():
        hides = hides | ((kinds == kind) & pl.col("column").is_in(list(columns)))
    return (
        cells.join(marked, on=list(ROW_KEY), how="left")
        .with_columns(
            status=pl.when(pl.col("_hide") & hides & (pl.col("status") == "published"))
            .then(pl.lit("hidden"))
            .otherwise(pl.col("status")),
            value=pl.when(pl.col("_hide")).then(None).otherwise(pl.col("value")),
        )
        .drop("_hide")
    )


def withdraw_groups(cells: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """`cells` with every breakdown of `groups` (GROUP_KEY) withdrawn for every unit: the table is
    not published for that period at all (its small counts stay audit targets)."""
    if groups.is_empty():
        return cells
    marked = groups.select(GROUP_KEY).unique().with_columns(_withdrawn=pl.lit(True))
    return (
        cells.join(marked, on=list(GROUP_KEY), how="left")
        .with_columns(
            status=pl.when(pl.col("_withdrawn") & pl.col("status").is_in(["published", "hidden"]))
            .then(pl.lit("withdrawn"))
            .otherwise(pl.col("status")),
            value=pl.when(pl.col("_withdrawn")).then(None).otherwise(pl.col("value")),
        )
        .drop("_withdrawn")
    )


def _narrow_targets(result: AuditResult, table: CellTable) -> list[Narrow]:
    frame = result.unprotected.select("reader", *CELL_KEY, "binding")
    return [(row[0], table.index[tuple(row[1:-1])], tuple(row[-1] or ())) for row in frame.iter_rows()]


def _deadline(max_seconds: float) -> float | None:
    """The wall-clock time after which the audits start no LP: a round cut off there leaves its
    open targets unprotected (transforms.disclosure.block.BUDGET_METHOD)."""
    return time.time() + max_seconds if math.isfinite(max_seconds) else None


def protect_release(
    cells: pl.DataFrame,
    public: pl.DataFrame | None = None,
    k: int = 5,
    insiders: Iterable[str] = (),
    *,
    max_rounds: int = MAX_ROUNDS,
    max_seconds: float = math.inf,
    workers: int | None = None,
    on_round: Callable[[dict[str, float]], Any] | None = None,
    exact_stage: bool = True,
    give_back_batches: int = 0,
    give_back_rows: pl.Expr | None = None,
    cache: BlockCache | None = None,
    history: History | None = None,
) -> Protection:
    """Hide more rows of `cells` (and withdraw breakdowns) until the audit passes for the outside
    reader and every insider, or the budget (rounds, seconds) is spent: the outside reader with LP
    bounds, then every insider too, then (`exact_stage`) integer verdicts. The returned audit is
    the last round's, passed only when the last stage passed. Then up to `give_back_batches`
    batches publish again rows hidden without need (LP stage only) that `give_back_rows` selects
    (None: all). `cache`: blocks solved before (an earlier protection of a similar release), shared
    and extended. `history`: earlier releases (their cells cannot change: more of this is hidden)."""
    started, insiders, cells, deadline = time.perf_counter(), tuple(insiders), validate_cells(cells), _deadline(max_seconds)  # fmt: skip
    start, history = cells, (None if history is None else validate_history(history))  # fmt: skip
    # per round: the rows hidden, the breakdowns withdrawn, its figures
    added, withdrawn, rounds = list[pl.DataFrame](), list[pl.DataFrame](), list[dict[str, float]]()
    stages = [((), True), (insiders, True)] + ([(insiders, False)] if exact_stage else [])
    stage, final_passed = (0 if insiders else 1), False
    cache = {} if cache is None else cache  # blocks no round touched are not solved again
    settled: dict[str, set[tuple[str, ...]]] = {}  # per reader, targets protected (see _settle)
    narrow_before: dict[tuple[str, tuple], int] = {}  # (reader, cell key) -> rounds narrow in a row
    for round_number in range(1, max_rounds + 1):
        begun = time.perf_counter()
        readers, lp_only = stages[stage]
        release, built_for = build_system(cells, public, history=history), cells
        result = audit_release(cells, public, k, readers, exact=False, workers=workers, lp_only=lp_only, release=release, cache=cache, settled=settled if lp_only else None, deadline=deadline)  # fmt: skip
        _settle(settled, result)
        narrow = _narrow_targets(result, release.table)
        rounds.append({"round": round_number, "stage": stage, "hidden": int((release.table.status == HIDDEN).sum()), "unprotected": len(narrow) + result.counts.get("unread", 0), "seconds": time.perf_counter() - begun})  # fmt: skip
        if on_round is not None:
            on_round(rounds[-1])
        final_passed = result.passed and stage == len(stages) - 1
        if result.passed and stage < len(stages) - 1:
            stage += 1
            continue
        if result.passed or round_number == max_rounds or time.perf_counter() - started > max_seconds:
            break
        chooser, own = Chooser(release, k), own_cells(release.table, insiders)
        stubborn, narrow_before = _stubborn(narrow, release.table.keys, narrow_before)
        for totals in (False, True):
            rows, groups = chooser.choose(narrow, own, totals=totals, readers=closing_for(readers), stubborn=stubborn)
            hidden = pl.DataFrame(sorted(rows), schema=list(ROW_KEY), orient="row")
            gone = pl.DataFrame(sorted(groups), schema=list(GROUP_KEY), orient="row")
            changed = withdraw_groups(hide_rows(cells, hidden), gone)
            if not changed.select("status", "value").equals(cells.select("status", "value")):
                break
        else:
            break  # nothing left to hide or withdraw
        added.append(hidden.with_columns(round=pl.lit(round_number)))
        withdrawn.append(gone.with_columns(round=pl.lit(round_number)))
        cells = changed
    if stage < len(stages) - 1 or (result.passed and not final_passed):
        # the budget ended (maybe right after a stage passed): the last stage's verdict, on the last round's system
        readers, lp_only = stages[-1]
        result = audit_release(cells, public, k, readers, exact=False, workers=workers, lp_only=lp_only, cache=cache, history=history, deadline=deadline, release=release if built_for is cells else None)  # fmt: skip
        final_passed = result.passed
    result.passed = final_passed  # a verdict on the cells returned, at the last stage
    kept = _stacked(added, [*ROW_KEY, "round"])
    seconds = max_seconds - (time.perf_counter() - started)
    if final_passed and give_back_batches > 0 and seconds > 0 and not exact_stage and kept.height:
        cells, kept, result = _give_back(start, cells, kept, public, k, insiders, (give_back_batches, seconds, give_back_rows), cache, workers, rounds, result, (history, settled))  # fmt: skip
    return Protection(
        cells,
        kept,
        result,
        rounds,
        time.perf_counter() - started,
        _stacked(withdrawn, [*GROUP_KEY, "round"]),
    )


def _give_back(
    start: pl.DataFrame,
    cells: pl.DataFrame,
    kept: pl.DataFrame,
    public: pl.DataFrame | None,
    k: int,
    insiders: tuple[str, ...],
    limits: tuple[int, float, pl.Expr | None],
    cache: BlockCache,
    workers: int | None,
    rounds: list[dict[str, float]],
    result: AuditResult,
    known: tuple[History | None, dict[str, set[tuple[str, ...]]]],
) -> tuple[pl.DataFrame, pl.DataFrame, AuditResult]:
    """transforms.disclosure.unhide on the rows the rounds hid (those `limits`' expression selects);
    the rows still hidden and the audit. `known`: the earlier releases and, per reader, the targets the
    rounds proved."""
    begun, (most, seconds, only), (history, settled) = time.perf_counter(), limits, known
    offered = kept if only is None else kept.filter(only)
    candidates = {tuple(row) for row in offered.select(ROW_KEY).iter_rows()}
    cells, given, after, batches = give_back(start, cells, candidates, public, k, insiders, batches=most, seconds=seconds, cache=cache, cost=hiding_cost, workers=workers, history=history, settled=settled)  # fmt: skip
    result = after if after is not None else result
    given_rows = pl.DataFrame(sorted(given), schema=dict.fromkeys(ROW_KEY, pl.String), orient="row")
    kept = kept.join(given_rows, on=list(ROW_KEY), how="anti")
    rounds.append({"round": len(rounds) + 1, "stage": -1, "given_back": len(given), "batches": batches, "unprotected": result.counts["unprotected"], "seconds": time.perf_counter() - begun})  # fmt: skip
    return cells, kept, result


def _stubborn(
    narrow: list[Narrow], keys: list[tuple], before: dict[tuple[str, tuple], int]
) -> tuple[set[tuple[str, int]], dict[tuple[str, tuple], int]]:
    """The (reader, target) narrow in the last STUBBORN_ROUNDS rounds, this one included (by cell
    key: positions are per table), and for the next round how many rounds in a row each narrow
    target has been narrow."""
    now = {(reader, keys[cell]): before.get((reader, keys[cell]), 0) + 1 for reader, cell, _ in narrow}
    return {(reader, cell) for reader, cell, _ in narrow if now[(reader, keys[cell])] >= STUBBORN_ROUNDS}, now


def _settle(settled: dict[str, set[tuple[str, ...]]], result: AuditResult) -> None:
    """Remember the targets found protected, per reader: hiding more only widens every interval (a
    point the reader could not exclude stays possible, with a newly hidden cell at its true value),
    so later LP rounds do not solve them again (the give-back audits everything)."""
    for reader, *key in result.cells.filter(pl.col("protected")).select("reader", *CELL_KEY).iter_rows():
        settled.setdefault(reader, set()).add(tuple(key))


def _stacked(frames: list[pl.DataFrame], columns: list[str]) -> pl.DataFrame:
    schema = pl.Schema({name: (pl.Int32 if name == "round" else pl.String) for name in columns})
    return pl.concat([f.cast(schema) for f in frames]) if frames else pl.DataFrame(schema=schema)


__all__ = [
    "GROUP_KEY",
    "HIDDEN_COLUMNS",
    "PRINTED_COLUMNS",
    "Protection",
    "hide_rows",
    "protect_release",
    "withdraw_groups",
]
