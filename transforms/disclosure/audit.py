"""The disclosure audit (design §6): for every hidden count of a release, the smallest and the
largest value a reader can deduce from everything published, as integers; protected when they are
at least k apart. The reader is the outside reader (every published figure, the legend, all
relations of the specs) and, for each insider, a provider that also knows its own exact figures
(checked on the other providers' cells).

    release = build_system(cells, public)           # the reader's system, once per release
    frame = audit(cells, public, k=5, insider="caritas")
    result = audit_release(cells, public, k=5, insiders=("caritas", "diakonie"))
"""

from __future__ import annotations

import os
import time
import weakref
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import Executor
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from kim.workers import worker_pool
from transforms.disclosure.block import BUDGET_METHOD
from transforms.disclosure.cells import (
    ALL,
    CELL_KEY,
    HIDDEN,
    PUBLISHED,
    UNPRINTED,
    WITHDRAWN,
    CellTable,
    PublicQuantities,
)
from transforms.disclosure.history import History, base_column, merge_history, validate_history
from transforms.disclosure.margins import add_margins
from transforms.disclosure.relations import HALF_STEP, add_relations
from transforms.disclosure.solve import (
    BlockCache,
    Bound,
    Pending,
    Prior,
    ReaderView,
    SolveOptions,
    SolveStats,
    finish_targets,
    prior_from,
    reader_view,
    start_targets,
)
from transforms.disclosure.system import LinearSystem, SystemBuilder, unique_rows
from transforms.indicators.registry import INDICATORS
from transforms.indicators.spec import Indicator

# Part of what a stored audit result depends on: raise it whenever the engine may give other
# intervals, methods or verdicts for the same release (warehouse.disclosure_audit reuses results).
ENGINE_VERSION = "8"
OUTSIDE = "outside"  # the reader without a provider's own figures
PARALLEL_HIDDEN = 1_000  # targets from which the blocks are solved in worker processes
READERS_IN_FLIGHT = 2  # insiders whose blocks are queued while an earlier one is collected
RESULT_SCHEMA = pl.Schema(
    [("reader", pl.String)]
    + [(name, pl.String) for name in CELL_KEY]
    + [
        ("true_value", pl.Int64),
        ("lower", pl.Float64),
        ("upper", pl.Float64),  # +inf: not bounded above
        ("width", pl.Float64),
        ("protected", pl.Boolean),
        ("method", pl.String),
        ("block", pl.Int64),
        ("binding", pl.List(pl.String)),
    ]
)


@dataclass
class ReleaseSystem:
    """A release's cells and the reader's system over them (only rows that hold on the truth)."""

    table: CellTable
    system: LinearSystem
    seconds: float


def build_system(
    cells: pl.DataFrame,
    public: pl.DataFrame | None = None,
    *,
    share_half_step: float = HALF_STEP["share"],
    indicators: tuple[Indicator, ...] = INDICATORS,
    history: History | None = None,
) -> ReleaseSystem:
    """The reader's system from the specs: margins, relations, the share rule; repeated rows once;
    rows that do not hold on the true values dropped (counted in `system.dropped`). `history`:
    every earlier release the reader holds (transforms.disclosure.history)."""
    started = time.perf_counter()
    half_steps = {**HALF_STEP, "share": share_half_step}

    def rows(table: CellTable, public: pl.DataFrame | None) -> LinearSystem:
        builder = SystemBuilder(table.size)
        add_relations(table, PublicQuantities(public), builder, indicators, half_steps)
        return margin_rows(table, indicators).then(builder.build())

    table = CellTable.from_frame(cells)
    system = rows(table, public)
    history = None if history is None else validate_history(history)
    if history is not None and history.cells.height:
        table, system = merge_history(table, system, history, rows, cache_key=(share_half_step, indicators))
    system = unique_rows(system).holding(table.true)
    return ReleaseSystem(table, system, time.perf_counter() - started)


# The margins of the last few cell tables: they depend only on the cells (keys), which the rounds
# of a protection keep while they hide and withdraw, so each round would build the same rows.
_MARGINS: dict[tuple[tuple, tuple[Indicator, ...]], LinearSystem] = {}
MARGIN_TABLES_KEPT = 8


def margin_rows(table: CellTable, indicators: tuple[Indicator, ...]) -> LinearSystem:
    """The margins of the specs over `table`'s cells (transforms.disclosure.margins)."""
    key = (tuple(table.keys), indicators)
    if key not in _MARGINS:
        builder = SystemBuilder(table.size)
        add_margins(table, builder, indicators)
        if len(_MARGINS) >= MARGIN_TABLES_KEPT:
            _MARGINS.pop(next(iter(_MARGINS)))
        _MARGINS[key] = builder.build()
    return _MARGINS[key]


def known_cells(table: CellTable, insider: str | None) -> np.ndarray:
    known = table.status == PUBLISHED
    return known | table.provider_mask(insider) if insider else known


def target_cells(table: CellTable, insider: str | None, k: int) -> np.ndarray:
    """Hidden cells with a true value >= 1, and every count from 1 to k-1 that is not printed (a
    withdrawn breakdown, a table the plan does not publish): not printed must not mean deducible
    either. For an insider only those of the other providers."""
    small = (table.true >= 1) & (table.true < k)
    not_printed = (table.status == WITHDRAWN) | (table.status == UNPRINTED)
    wanted = ((table.status == HIDDEN) & (table.true >= 1)) | (not_printed & small & count_cells(table))
    if insider:
        wanted &= ~table.provider_mask(insider) & ~table.provider_mask(ALL)
    return np.flatnonzero(wanted)


# the last table's: every reader asks for the same (a weak reference: the table holds a whole
# release, its keys, index and printed figures, and must not outlive its protection round)
_COUNT_CELLS: list[tuple[weakref.ref[CellTable], np.ndarray]] = []


def count_cells(table: CellTable) -> np.ndarray:
    """The cells a count indicator prints (its numerator)."""
    if _COUNT_CELLS and _COUNT_CELLS[0][0]() is table:
        return _COUNT_CELLS[0][1]
    counts = {indicator.id for indicator in INDICATORS if indicator.kind == "count"}
    found = np.array([key[0] in counts and base_column(key[5]) == "numerator" for key in table.keys], dtype=bool)
    _COUNT_CELLS[:] = [(weakref.ref(table), found)]
    return found


@dataclass
class ReaderRun:
    reader: str
    bounds: dict[int, Bound]
    stats: SolveStats
    variables: int
    rows: int
    blocks: int
    reduced: dict[str, int]
    prior: Prior
    # targets the time budget left no time to read at all (not listed one by one: at tier L,
    # 212 insiders' rows would not fit in memory); each counts as not protected
    unread: int = 0


@dataclass
class StartedReader:
    reader: str
    view: ReaderView
    pending: Pending
    stats: SolveStats
    started: float


def start_reader(
    release: ReleaseSystem,
    insider: str | None,
    options: SolveOptions,
    prior: Prior | None = None,
    pool: Executor | None = None,
    cache: BlockCache | None = None,
    settled: Collection[tuple[str, ...]] = (),
) -> StartedReader:
    table = release.table
    started = time.perf_counter()
    view = reader_view(table, release.system, known_cells(table, insider))
    stats = SolveStats()
    targets = target_cells(table, insider, options.k)
    if settled:
        targets = np.array([c for c in targets.tolist() if table.keys[c] not in settled], dtype=np.int64)
    pending = start_targets(table, view, targets, stats, options, prior, pool, cache)
    return StartedReader(insider or OUTSIDE, view, pending, stats, time.perf_counter() - started)


def unread_reader(
    release: ReleaseSystem, insider: str | None, options: SolveOptions, settled: Collection[tuple[str, ...]] = ()
) -> ReaderRun:
    """A reader the time budget left no time for: its targets are counted, all not proven."""
    table = release.table
    targets = sum(1 for c in target_cells(table, insider, options.k).tolist() if table.keys[c] not in settled)
    reduced = {"variables": 0, "rows": 0, "blocks": 0, "largest_block": 0}
    return ReaderRun(insider or OUTSIDE, {}, SolveStats(), 0, 0, 0, reduced, Prior({}, {}, {}), unread=targets)


def finish_reader(started: StartedReader) -> ReaderRun:
    view, stats = started.view, started.stats
    begun = time.perf_counter()
    bounds = finish_targets(started.pending, stats)
    stats.seconds = started.started + time.perf_counter() - begun  # this reader's own time in this process
    return ReaderRun(
        reader=started.reader,
        bounds=bounds,
        stats=stats,
        variables=int(view.variables.size),
        rows=int(view.matrix.shape[0]),
        blocks=view.n_blocks,
        reduced={
            "variables": int(view.reduced.matrix.shape[1]),
            "rows": int(view.reduced.matrix.shape[0]),
            "blocks": view.n_reduced_blocks,
            "largest_block": int(np.bincount(view.reduced_block).max()) if view.reduced_block.size else 0,
        },
        prior=prior_from(view, bounds),
    )


def run_reader(
    release: ReleaseSystem,
    insider: str | None,
    options: SolveOptions,
    prior: Prior | None = None,
    pool: Executor | None = None,
    cache: BlockCache | None = None,
    settled: Collection[tuple[str, ...]] = (),
) -> ReaderRun:
    return finish_reader(start_reader(release, insider, options, prior, pool, cache, settled))


def result_frame(table: CellTable, run: ReaderRun, k: int) -> pl.DataFrame:
    """One row per target: key, true value, interval, width, protected, method, binding."""
    rows = []
    for cell, bound in sorted(run.bounds.items()):
        truth = int(table.true[cell])
        if not bound.lower <= truth <= bound.upper:
            raise RuntimeError(f"disclosure audit: the true value {truth} of {table.keys[cell]} is outside {bound}")
        width = bound.upper - bound.lower
        binding = list(bound.binding)
        # A MILP stopped by its time limit proved only an outer interval: the reader may do better,
        # so a width >= k is not a proof of protection (the release fails instead).
        protected = width >= k and bound.method not in ("milp_limit", BUDGET_METHOD)
        rows.append((run.reader, *table.keys[cell], truth, bound.lower, bound.upper, width, protected, bound.method, bound.block, binding))  # fmt: skip
    return pl.DataFrame(rows, schema=RESULT_SCHEMA, orient="row")


def audit(
    cells: pl.DataFrame,
    public: pl.DataFrame | None = None,
    k: int = 5,
    insider: str | None = None,
    *,
    share_half_step: float = HALF_STEP["share"],
    exact: bool = True,
    witnesses: bool = True,
    release: ReleaseSystem | None = None,
    history: History | None = None,
) -> pl.DataFrame:
    """The interval of every target for one reader (the outside reader, or `insider`). `exact`,
    `witnesses`: see SolveOptions."""
    if k < 1:
        raise ValueError("k must be at least 1")
    release = release or build_system(cells, public, share_half_step=share_half_step, history=history)
    return result_frame(release.table, run_reader(release, insider, SolveOptions(k, exact, witnesses)), k)


@dataclass
class AuditResult:
    """The audit of a release: per reader and target the interval (`cells`), whether every
    interval is at least k wide (`passed`), counts (system size, solves, targets, unprotected per
    reader) and timings in seconds."""

    cells: pl.DataFrame
    passed: bool
    k: int
    counts: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    dropped_examples: list[str] = field(default_factory=list)

    @property
    def unprotected(self) -> pl.DataFrame:
        return self.cells.filter(~pl.col("protected"))


def _release_counts(release: ReleaseSystem) -> dict[str, Any]:
    table, system = release.table, release.system
    hidden = table.status == HIDDEN
    return {
        "cells": table.size,
        "hidden": int(hidden.sum()),
        "hidden_zero": int((hidden & (table.true == 0)).sum()),
        "unprinted": int((table.status == UNPRINTED).sum()),
        "withdrawn": int((table.status == WITHDRAWN).sum()),
        "rows": system.size,
        "rows_by_kind": system.counts(),
        "dropped_by_kind": dict(sorted(system.dropped.items())),
        "skipped": dict(sorted(system.skipped.items())),
    }


def _reader_counts(run: ReaderRun, frame: pl.DataFrame) -> dict[str, Any]:
    stats = run.stats
    return {
        "variables": run.variables,
        "rows": run.rows,
        "blocks": run.blocks,
        "presolved": run.reduced,
        "blocks_solved": stats.blocks_solved,
        "blocks_reused": stats.blocks_reused,
        "lp_solves": stats.lp_solves,
        "milp_solves": stats.milp_solves,
        "milp_time_limits": stats.milp_limits,
        "methods": dict(sorted(stats.methods.items())),
        "targets": frame.height + run.unread,
        "unprotected": int((~frame["protected"]).sum()) + run.unread,
        "unread": run.unread,
    }


class _SharedPools:
    """The pools of a shared_workers() scope, one per worker count, each started when first asked."""

    def __init__(self) -> None:
        self.stack = ExitStack()
        self.pools: dict[int, Executor] = {}

    def get(self, workers: int) -> Executor:
        if workers not in self.pools:
            self.pools[workers] = self.stack.enter_context(worker_pool(workers))
        return self.pools[workers]


_SHARED: ContextVar[_SharedPools | None] = ContextVar("shared_worker_pools", default=None)


@contextmanager
def shared_workers() -> Iterator[None]:
    """Audits inside this scope solve their blocks in one pool of worker processes, started by the
    first audit that needs one and shut down with the scope, instead of a fresh pool each: the
    protection audits once per round, and a fresh pool's workers import the solver first (about
    0.9 s). The workers keep no state between tasks, so results are those of fresh pools."""
    shared = _SharedPools()
    token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(token)
        shared.stack.close()


def _pool(release: ReleaseSystem, options: SolveOptions) -> AbstractContextManager[Executor | None]:
    """Worker processes for a release with enough targets to pay for starting them (PARALLEL_HIDDEN):
    the scope's shared pool inside shared_workers(), else a fresh pool."""
    workers = options.workers if options.workers is not None else min(2, os.cpu_count() or 1)
    if workers < 2 or target_cells(release.table, None, options.k).size < PARALLEL_HIDDEN:
        return nullcontext(None)
    shared = _SHARED.get()
    if shared is not None:
        return nullcontext(shared.get(workers))
    # Fresh processes (forkserver), never forks of this one: a fork inherits HiGHS's thread pool
    # without its threads once this process has solved anything, and its MILPs then wait forever.
    # They exit with a killed run (kim.workers).
    return worker_pool(workers)


def audit_release(
    cells: pl.DataFrame,
    public: pl.DataFrame | None = None,
    k: int = 5,
    insiders: Iterable[str] = (),
    *,
    share_half_step: float = HALF_STEP["share"],
    exact: bool = True,
    witnesses: bool = True,
    workers: int | None = None,
    lp_only: bool = False,
    release: ReleaseSystem | None = None,
    cache: BlockCache | None = None,
    settled: Mapping[str, Collection[tuple[str, ...]]] | None = None,
    history: History | None = None,
    deadline: float | None = None,
) -> AuditResult:
    """The outside reader and every insider; blocks an insider's figures do not touch reuse the
    outside reader's intervals, and a target already unprotected for the outside reader is not
    solved again for an insider (method 'outside'). Passed when no interval of any reader is
    narrower than k. `exact`, `witnesses`, `workers`: see SolveOptions. `cache`: blocks solved
    before as the same problem keep their intervals (kept over the rounds of a protection).
    `settled`: per reader, targets not solved again (transforms.disclosure.protect: a target
    protected before more was hidden stays protected) and left out of the result. `history`: the
    earlier releases the reader also holds. `deadline` (time.time()): no LP is started after it, and
    every target not settled by then counts as unprotected (method 'budget')."""
    if k < 1:
        raise ValueError("k must be at least 1")
    release = release or build_system(cells, public, share_half_step=share_half_step, history=history)
    options = SolveOptions(k, exact, witnesses, workers, lp_only, deadline)
    with _pool(release, options) as pool:
        done = settled or {}
        outside = unread_reader(release, None, options, done.get(OUTSIDE, ())) if options.out_of_time() else run_reader(release, None, options, pool=pool, cache=cache, settled=done.get(OUTSIDE, ()))  # fmt: skip
        # the next insiders' blocks are queued before one is collected, so the workers stay busy,
        # but only a few at a time: each view holds a presolved copy of the system (at tier L,
        # 212 insiders held at once took over 11 GiB). Past the deadline no view is built.
        finished: dict[str, ReaderRun] = {}
        insiders = tuple(insiders)
        waiting: deque[StartedReader] = deque()
        for insider in insiders:
            if options.out_of_time():
                finished[insider] = unread_reader(release, insider, options, done.get(insider, ()))
                continue
            waiting.append(start_reader(release, insider, options, outside.prior, pool, cache, done.get(insider, ())))
            if len(waiting) > READERS_IN_FLIGHT:
                run = finish_reader(waiting.popleft())
                finished[run.reader] = run
        finished.update((reader.reader, finish_reader(reader)) for reader in waiting)
        runs = [outside] + [finished[insider] for insider in insiders]
    frames = [result_frame(release.table, run, k) for run in runs]
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=RESULT_SCHEMA)
    unread = sum(run.unread for run in runs)
    counts = _release_counts(release) | {
        "readers": {run.reader: _reader_counts(run, part) for run, part in zip(runs, frames, strict=True)},
        "targets": frame.height + unread,
        "unprotected": int((~frame["protected"]).sum()) + unread,
        "unread": unread,  # targets of readers the time budget left unread (no rows in `cells`)
    }
    seconds = {"system": release.seconds} | {run.reader: run.stats.seconds for run in runs}
    seconds["total"] = sum(seconds.values())
    return AuditResult(
        cells=frame,
        passed=not unread and (bool(frame["protected"].all()) if frame.height else True),
        k=k,
        counts=counts,
        seconds=seconds,
        dropped_examples=list(release.system.dropped_examples),
    )
