"""Give back what the protection hid without need (design §6: hide as little as the protection
needs). The rounds of transforms.disclosure.protect are greedy: a cell chosen for one narrow
target may turn out unnecessary once another cell hidden later gives the same room. This pass
tries to publish such rows again, the most informative first, and keeps each one published only
if the audit still passes for every reader.

Batches are sound because blocks are independent: the candidates of one batch lie in different
blocks of the outside reader (connected components of the unknown cells through the reader's
relations), an insider's blocks are parts of the outside reader's (it knows more, the relations
are the same), and publishing a cell only splits blocks. So a target narrowed after a batch lies
in the block of exactly one candidate, which is hidden again; the other candidates' blocks pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import polars as pl

from transforms.disclosure.audit import AuditResult, audit_release, build_system, count_cells, known_cells
from transforms.disclosure.cells import CELL_KEY, HIDDEN, ROW_KEY, CellTable
from transforms.disclosure.history import History
from transforms.disclosure.solve import BlockCache, reader_view

RowKey = tuple[str, ...]
Cost = Callable[[CellTable], np.ndarray]  # per cell, the information lost by hiding its row


def _batch(
    cells: pl.DataFrame, public: pl.DataFrame | None, candidates: set[RowKey], cost: Cost, history: History | None
) -> tuple[dict[RowKey, int], dict[tuple[str, ...], int]]:
    """One candidate row per block of the outside reader, the costliest (most informative) first;
    and every unknown cell's block."""
    release = build_system(cells, public, history=history)
    table = release.table
    view = reader_view(table, release.system, known_cells(table, None))
    block_of: dict[tuple[str, ...], int] = {
        table.keys[int(cell)]: int(block) for cell, block in zip(view.variables, view.var_block, strict=True)
    }
    wanted = (table.status == HIDDEN) & count_cells(table)
    positions = [c for c in np.flatnonzero(wanted).tolist() if table.keys[c][:5] in candidates]
    weight = cost(table)
    positions.sort(key=lambda c: -float(weight[c]))
    batch: dict[RowKey, int] = {}
    taken: set[int] = set()
    for cell in positions:
        block = block_of[table.keys[cell]]
        if block not in taken:
            taken.add(block)
            batch[table.keys[cell][:5]] = block
    return batch, block_of


def _outside_blocks(
    settled: Mapping[str, set[tuple[str, ...]]] | None, block_of: dict[tuple[str, ...], int], blocks: set[int]
) -> dict[str, set[tuple[str, ...]]] | None:
    """The settled targets whose block holds no candidate: publishing a candidate changes only its
    own block, so they stay proven (a target in no block of the outside reader is solved again)."""
    if settled is None:
        return None
    changed = blocks | {-1}
    return {reader: {t for t in targets if block_of.get(t, -1) not in changed} for reader, targets in settled.items()}


def publish_rows(start: pl.DataFrame, cells: pl.DataFrame, rows: Iterable[RowKey]) -> pl.DataFrame:
    """`cells` with every row of `rows` as it was at the start (status and printed value)."""
    rows = list(rows)
    if not rows:
        return cells
    marked = pl.DataFrame(rows, schema=dict.fromkeys(ROW_KEY, pl.String), orient="row").with_columns(_back=pl.lit(True))
    before = start.select(*CELL_KEY, _status=pl.col("status"), _value=pl.col("value"))
    return (
        cells.join(marked, on=list(ROW_KEY), how="left")
        .join(before, on=list(CELL_KEY), how="left")
        .with_columns(
            status=pl.when(pl.col("_back")).then(pl.col("_status")).otherwise(pl.col("status")),
            value=pl.when(pl.col("_back")).then(pl.col("_value")).otherwise(pl.col("value")),
        )
        .drop("_back", "_status", "_value")
    )


def give_back(
    start: pl.DataFrame,
    cells: pl.DataFrame,
    candidates: set[RowKey],
    public: pl.DataFrame | None,
    k: int,
    insiders: tuple[str, ...],
    *,
    batches: int,
    seconds: float,
    cache: BlockCache,
    cost: Cost,
    workers: int | None = None,
    history: History | None = None,
    settled: Mapping[str, set[tuple[str, ...]]] | None = None,
) -> tuple[pl.DataFrame, set[RowKey], AuditResult | None, int]:
    """Publish again, in at most `batches` batches (a count, not a time: the same release gives the
    same result) and within `seconds` (the rest of the budget), every candidate row (hidden by the
    protection) whose block still passes the audit without it. Returns the cells, the rows given
    back, the audit of the returned cells (None: nothing was tried, or the last batch was not kept
    whole; the returned cells then pass by the blocks' independence, see the module, and the
    caller's last verdict stands) and the number of batches.
    `history`: the earlier releases the reader also holds (in the blocks and every audit).
    `settled`: per reader, the targets the protection proved for `cells`; a trial solves again only
    those in a candidate's block (the other blocks are the same problems), and the result then
    lists only what it solved."""
    deadline = time.perf_counter() + seconds
    wall_deadline = time.time() + seconds  # a trial cut off by it keeps nothing (unsolved = narrow)
    remaining, given, result, done = set(candidates), set[RowKey](), None, 0
    while remaining and done < batches and time.perf_counter() < deadline:
        batch, block_of = _batch(cells, public, remaining, cost, history)
        if not batch:
            break
        trial = publish_rows(start, cells, batch)
        outside = _outside_blocks(settled, block_of, set(batch.values()))
        result = audit_release(
            trial,
            public,
            k,
            insiders,
            exact=False,
            lp_only=True,
            workers=workers,
            cache=cache,
            history=history,
            settled=outside,
            deadline=wall_deadline,
        )
        narrowed = {block_of.get(tuple(key), -1) for key in result.unprotected.select(CELL_KEY).iter_rows()}
        # a reader the deadline left unread has no rows to point at a block: keep nothing
        kept = set() if result.counts.get("unread") else {row for row, block in batch.items() if block not in narrowed}
        cells = publish_rows(start, cells, kept) if kept != set(batch) else trial
        given |= kept
        remaining -= set(batch)
        done += 1
        if kept != set(batch):
            # the audit above was of the trial, not of the cells returned; those pass without
            # another audit: the kept rows' blocks passed in the trial, the others are as before
            result = None
    return cells, given, result, done
