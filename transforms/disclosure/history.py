"""Earlier releases in the reader's system (design §6: the reader holds every report of every
release, issue 19).

An earlier release is its cells as they were then (true value, status, printed figure) and its
public quantities. A cell whose true value has not changed since is the same unknown in both
releases, so what the earlier release printed of it the reader knows now: printed then means known
now (even if it shows "•" today), hidden then means at least 1 and a target (a figure once hidden
stays protected). A cell whose value has changed since (a corrected delivery) is another unknown,
the cell's earlier *vintage*; the earlier release's equations over its vintages and over the
unchanged cells join the system. Vintages with the same key and the same value in several earlier
releases are one unknown. Both identifications are what a reader could at most know (that nothing
else changed), so the audit stays on the safe side.

    history = History(cells=earlier_cells, public=earlier_public)   # with a release_id column
    release = build_system(cells, public, history=history)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import scipy.sparse as sp

from transforms.disclosure.cells import (
    CELL_SCHEMA,
    COUNT_COLUMNS,
    HIDDEN,
    PUBLIC_SCHEMA,
    PUBLISHED,
    CellTable,
    Key,
    validate_cells,
)
from transforms.disclosure.system import LinearSystem

RELEASE_ID = "release_id"
HISTORY_CELL_SCHEMA = pl.Schema([(RELEASE_ID, pl.String), *CELL_SCHEMA.items()])
HISTORY_PUBLIC_SCHEMA = pl.Schema([(RELEASE_ID, pl.String), *PUBLIC_SCHEMA.items()])
VINTAGE_MARK = "@"  # a vintage's count column reads 'numerator@2026-10.1'
BuildRows = Callable[[CellTable, pl.DataFrame], LinearSystem]


@dataclass(frozen=True)
class History:
    """The cells and public quantities of every earlier (approved) release, one `release_id` each.
    An earlier release never changes, so its table and equations are built once per History and
    kept (`earlier`): the protection rebuilds the reader's system every round."""

    cells: pl.DataFrame
    public: pl.DataFrame
    validated: bool = False
    _built: dict[tuple[str, object], tuple[CellTable, LinearSystem]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def earlier(self, release_id: str, build_rows: BuildRows, key: object) -> tuple[CellTable, LinearSystem]:
        """The release's table and its equations (built by `build_rows`; `key` names how)."""
        found = self._built.get((release_id, key))
        if found is None:
            table = CellTable.from_frame(self.release_cells(release_id))
            found = self._built[(release_id, key)] = (table, build_rows(table, self.release_public(release_id)))
        return found

    @classmethod
    def empty(cls) -> History:
        return cls(pl.DataFrame(schema=HISTORY_CELL_SCHEMA), pl.DataFrame(schema=HISTORY_PUBLIC_SCHEMA))

    def __bool__(self) -> bool:  # an empty history adds nothing (the give-back audits without one)
        return self.cells.height > 0

    @property
    def releases(self) -> list[str]:
        return sorted(self.cells[RELEASE_ID].unique().to_list())

    def release_cells(self, release_id: str) -> pl.DataFrame:
        return self.cells.filter(pl.col(RELEASE_ID) == release_id).drop(RELEASE_ID)

    def release_public(self, release_id: str) -> pl.DataFrame:
        return self.public.filter(pl.col(RELEASE_ID) == release_id).drop(RELEASE_ID)


def base_column(column: str) -> str:
    """'numerator' of a vintage's 'numerator@2026-10.1'."""
    return column.split(VINTAGE_MARK, 1)[0]


def merge_history(table: CellTable, system: LinearSystem, history: History, build_rows: BuildRows, cache_key: object = None) -> tuple[CellTable, LinearSystem]:  # fmt: skip
    """The current release's table and system with every earlier release joined: statuses raised
    by what was printed before, vintages appended as cells, the earlier equations as rows."""
    status = table.status.copy()
    keys, true, extra_status = list(table.keys), list(table.true.tolist()), []
    vintage_of: dict[tuple[Key, float], int] = {}
    known = np.zeros(table.size, dtype=bool)  # printed before, unchanged: hiding it now protects nothing
    blocks = [system]
    for release_id in history.releases:
        earlier, earlier_rows = history.earlier(release_id, build_rows, cache_key)
        # The protection merges the same history every round: the cells that are the same unknown
        # in both releases are found with arrays, and only changed cells go through Python.
        current = np.fromiter((table.index.get(key, -1) for key in earlier.keys), dtype=np.int64, count=earlier.size)
        same = current >= 0
        same[same] = table.true[current[same]] == earlier.true[same]
        matched, was = current[same], earlier.status[same].astype(np.int8)
        status[matched] = _raised_all(status[matched], was)
        known[matched] |= was == PUBLISHED
        columns = np.empty(earlier.size, dtype=np.int64)
        columns[same] = matched
        changed_rows: set[tuple[str, ...]] = set()
        for position in np.flatnonzero(~same).tolist():
            cell_key, truth, was_then = (
                earlier.keys[position],
                float(earlier.true[position]),
                int(earlier.status[position]),
            )
            changed_rows.add(cell_key[:5])
            vintage = vintage_of.get((cell_key, truth))
            if vintage is None:
                vintage = vintage_of[(cell_key, truth)] = len(keys)
                keys.append((*cell_key[:5], f"{cell_key[5]}{VINTAGE_MARK}{release_id}"))
                true.append(truth)
                extra_status.append(was_then)
            else:
                extra_status[vintage - table.size] = _raised(extra_status[vintage - table.size], was_then)
            columns[position] = vintage
        _figures_known(table, earlier, changed_rows, known)
        blocks.append(_remapped(earlier_rows, columns))
    merged = _merged_table(table, keys, np.array(true), np.concatenate([status, np.array(extra_status, dtype=np.int8)]))
    merged.known_before = np.concatenate([known, np.zeros(len(keys) - table.size, dtype=bool)])
    return merged, _stacked(blocks, merged.size)


def _figures_known(table: CellTable, earlier: CellTable, changed_rows: set[tuple[str, ...]], known: np.ndarray) -> None:
    """Mark the cells of every row whose figure (a share, a ratio) the earlier release printed and
    whose counts have not changed since: that figure's equation stays with the reader."""
    for row in earlier.printed:
        if row in changed_rows:
            continue
        for column in COUNT_COLUMNS:
            position = table.index.get((*row, column))
            if position is not None:
                known[position] = True


def _raised(now: int, before: int) -> int:
    """_raised_all for one cell."""
    return int(_raised_all(np.array([now], dtype=np.int8), np.array([before], dtype=np.int8))[0])


def _raised_all(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    """What the reader knows of unchanged cells: published in either, else hidden in either."""
    published = (now == PUBLISHED) | (before == PUBLISHED)
    hidden = (now == HIDDEN) | (before == HIDDEN)
    return np.where(published, PUBLISHED, np.where(hidden, HIDDEN, now)).astype(now.dtype)


def _remapped(system: LinearSystem, columns: np.ndarray) -> LinearSystem:
    """The earlier system with its columns renumbered into the merged table (not yet resized)."""
    coo = system.matrix.tocoo()
    matrix = sp.csr_matrix((coo.data, (coo.row, columns[coo.col])), shape=(system.size, int(columns.max()) + 1))
    return LinearSystem(matrix, system.lower, system.upper, system.kinds, [f"früher: {label}" for label in system.labels])  # fmt: skip


def _stacked(systems: list[LinearSystem], n_cells: int) -> LinearSystem:
    matrices = []
    for part in systems:
        matrix = part.matrix.tocsr()
        matrix.resize((part.size, n_cells))
        matrices.append(matrix)
    first = systems[0]
    return LinearSystem(
        matrix=sp.vstack(matrices, format="csr"),
        lower=np.concatenate([part.lower for part in systems]),
        upper=np.concatenate([part.upper for part in systems]),
        kinds=np.concatenate([part.kinds for part in systems]),
        labels=[label for part in systems for label in part.labels],
        skipped=first.skipped.copy(),
        dropped=first.dropped.copy(),
        dropped_examples=list(first.dropped_examples),
    )


def _merged_table(table: CellTable, keys: list[Key], true: np.ndarray, status: np.ndarray) -> CellTable:
    merged = CellTable(
        keys=keys,
        true=true.astype(np.float64),
        status=status.astype(np.int8),
        index={key: position for position, key in enumerate(keys)},
        printed=table.printed,
        units=table.units,
        by_indicator=table.by_indicator,
    )
    merged.release_size = table.size
    return merged


def validate_history(history: History) -> History:
    """The history with the audit's schemas (checked once: a validated history is returned as it
    is, with what it has built); raises ValueError like validate_cells, naming the release."""
    if history.validated:
        return history
    if RELEASE_ID not in history.cells.columns or RELEASE_ID not in history.public.columns:
        raise ValueError(f"history: a {RELEASE_ID} column is required")
    parts = []
    for release_id in sorted(history.cells[RELEASE_ID].unique().to_list()):
        try:
            cells = validate_cells(history.cells.filter(pl.col(RELEASE_ID) == release_id).drop(RELEASE_ID))
        except ValueError as error:
            raise ValueError(f"history, release {release_id}: {error}") from None
        parts.append(cells.with_columns(pl.lit(release_id).alias(RELEASE_ID)).select(list(HISTORY_CELL_SCHEMA)))
    cells = pl.concat(parts) if parts else pl.DataFrame(schema=HISTORY_CELL_SCHEMA)
    public = history.public.select(list(HISTORY_PUBLIC_SCHEMA)).cast(HISTORY_PUBLIC_SCHEMA)
    return History(cells, public, validated=True)
