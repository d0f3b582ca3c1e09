"""Small-cell suppression (design §6), computed once into marts.indicator_values.suppressed.

Primary (vectorised): a count or ratio whose count (numerator) is 1..k-1 is hidden; a share,
median or per-case figure whose base (denominator) is below k, 0 and missing included, is hidden;
flags and amounts are never hidden (they are about providers and money, not people). Zero is never
hidden: it singles nobody out.

Secondary: "no hidden cell can be recomputed from published cells and totals". Hiding one more cell
per row or column is not enough: a hidden cell joining two otherwise protected blocks, or a pattern
spread over several breakdowns of the same provider totals, is still the solution of a set of
linear equations. So, per (indicator_id, period) of an additive kind (count, ratio: the count is
the numerator; share: numerator and denominator both add up, the hiding pattern is the same), the
cells are modelled as a linear system:

- for each reporting row r (every provider and 'all') and each breakdown D:
  sum over values v of cell(r, D, v) = cell(r, 'all', 'all');
- for each column (D, v), ('all', 'all') included:
  sum over providers p of cell(p, D, v) = cell('all', D, v);
- for a crossed breakdown (CROSSED_DIMENSIONS, e.g. category_reason = 'category|unmet_reason'),
  its cells also add up to each of its two parents' cells in the same row.

The unknowns are the hidden cells; everything else is known to the reader. A breakdown cell the
SQL did not emit has no observations, so it is a known zero; so is a cell without a value (a share
over 0, a ratio without FTE): it publishes nothing and is not part of the sums. Only equations that
hold on the stored figures are used: a breakdown that leaves observations out (a NULL value the
SQL's UNPIVOT drops), an 'all' that is not the providers' sum (distinct persons), or a total not in
the frame gives the reader no equation. A hidden cell is determined iff its unit vector lies in the
row space of the equations restricted to the hidden columns, i.e. iff it is zero in every vector of
their null space.

Repair is greedy. While a hidden cell is determined, hide one more published cell with a positive
base (numerator for count/ratio, denominator for share) that shares an equation with a determined
cell: among those that make at least one determined cell undetermined, the one with the smallest
base per cell it frees (on a synthetic year ~10 % fewer cells than plain smallest-base-first). If
no single cell frees any, hide the first cell of the cheapest pair that does, else the smallest
cell next to the determined cell with the smallest base, and go on. The hidden set only grows, so
this ends; and it ends protected: if every positive cell in the equations of the hidden cells were
hidden, the true figures would be a null-space vector that is non-zero in every hidden cell.

Cost: only groups with a hidden cell are looked at. The state of a group (which cells are
determined, and how) is updated per hidden cell with sparse matrix-vector products
(`_Determinacy`), never re-factorised, so a group of 13 providers x 12 values takes a few
milliseconds. That cost still grows with the square of the hidden cells: NRW-wide (tier L, 212
providers x 84 cells of category_reason, ~4,500 of them hidden) one month took 60-110 s. Groups
above ROW_BLOCK_THRESHOLD cells therefore use `_RowBlocks`, which is exact too but splits the
system along reporting rows (one month at tier L: under a second for every indicator). It hides
about 10 % more cells than the one-system solver on small tables. The property tests check both
against exact rational arithmetic. Medians and per-case figures get no secondary suppression
(they do not add up).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms.indicators import INDICATORS
from transforms.suppression_core import (
    PAIR_TRIALS,
    SPAN_TOLERANCE,
    TOLERANCE,
    _cheapest,
    _Equations,
    _secondary_cells,
)

KEY_COLUMNS = ["indicator_id", "period", "provider_id", "dimension", "dimension_value"]
GROUP_COLUMNS = ["indicator_id", "period"]

COUNT_KINDS = ("count", "ratio")  # primary on the numerator (a count of people or cases)
BASE_KINDS = ("share", "median", "per_case")  # primary on the denominator (number of observations)
NEVER_SUPPRESSED = ("flag", "amount")
KINDS = COUNT_KINDS + BASE_KINDS + NEVER_SUPPRESSED
# Kinds whose cells add up over providers and breakdown values, and the column holding the amount
# that adds up (and that decides which published cell is cheapest to hide).
SECONDARY_BASE = {"count": "numerator", "ratio": "numerator", "share": "denominator"}
# A crossed breakdown whose value is '<value of first>|<value of second>': its cells add up to the
# cells of both parents, which a reader can use too.
# Declared by the indicator specs (adds_up.crossed).
CROSSED_DIMENSIONS: dict[str, tuple[str, str]] = {
    name: parents for indicator in INDICATORS for name, parents in indicator.adds_up.crossed
}
CROSSED_SEPARATOR = "|"

# Groups with more cells than this (NRW-wide crossed breakdowns: hundreds of providers x 80 cells)
# are solved by `_RowBlocks`; the one-system solver's cost grows with the square of the hidden cells.
ROW_BLOCK_THRESHOLD = 2000
# The solver core (equations, determinacy, greedy choice) is transforms.suppression_core.


def primary_suppression(kind: pl.Expr, k: int) -> pl.Expr:
    return (
        pl.when(kind.is_in(COUNT_KINDS))
        .then(pl.col("numerator").is_between(1, k - 1).fill_null(False))
        .when(kind.is_in(BASE_KINDS))
        .then(pl.col("denominator").fill_null(0) < k)
        .otherwise(False)
    )


class _RowBlocks:
    """Exact determinacy for large groups, by decomposing the equations along reporting rows.

    Every equation either lies within one row (a breakdown adding up to the row's total, crossed
    cells adding up to their parents) or links rows (a column adding up over providers to 'all').
    With N_r an orthonormal basis of the null space of row r's own equations restricted to its
    hidden cells, every null vector of the whole system is z_r = N_r @ y_r with M @ y = 0, where
    M = [C_r @ N_r]_r stacks the linking equations C over the rows. Hidden cell j of row r is
    determined iff the functional y -> N_r[j] @ y_r vanishes on the null space of M, i.e. iff
    (N_r[j] placed in block r) lies in the row space of M. M has one row per linking equation
    (a few dozen) and one column per free direction, so this costs one small SVD per changed row
    and one thin SVD of M, instead of a factorisation of the whole system."""

    def __init__(self, equations: _Equations, row: np.ndarray):
        self.equations = equations
        self.row = row
        self.n_rows = int(row.max()) + 1 if row.size else 0
        members_row = row[equations.equation_cell]
        starts = equations.equation_start[:-1]
        filled = equations.equation_start[1:] > starts
        low = np.full(equations.size, -1)
        high = np.full(equations.size, -1)
        low[filled] = np.minimum.reduceat(members_row, starts[filled])
        high[filled] = np.maximum.reduceat(members_row, starts[filled])
        self.within = low == high
        linking = np.flatnonzero(~self.within)
        self.linking_index = np.full(equations.size, -1)
        self.linking_index[linking] = np.arange(linking.size)
        self.n_linking = linking.size
        self._cache: dict[tuple[int, bytes], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def _block(self, r: int, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N_r, C_r @ N_r) for row r with hidden cells `cells` (sorted), cached on the cell set."""
        key = (r, cells.tobytes())
        cached = self._cache.get(key)
        if cached is not None:
            return cached[0], cached[1]
        positions, lengths = self.equations._entries(cells)
        local = np.repeat(np.arange(cells.size), lengths)
        eqs = self.equations.cell_equation[positions]
        coefficients = self.equations.cell_coefficient[positions]
        own = self.within[eqs]
        if own.any():
            ids, rows_of = np.unique(eqs[own], return_inverse=True)
            matrix = np.zeros((ids.size, cells.size))
            np.add.at(matrix, (rows_of.reshape(-1), local[own]), coefficients[own])
            _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
            rank = int((singular > TOLERANCE).sum())
            null = vt[rank:].T
        else:
            null = np.eye(cells.size)
        linking = np.zeros((self.n_linking, cells.size))
        np.add.at(linking, (self.linking_index[eqs[~own]], local[~own]), coefficients[~own])
        result = (null, linking @ null, cells)
        self._cache[key] = result
        return result[0], result[1]

    def determined(self, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hidden cells the equations pin down, whether each is pinned by its own row alone)."""
        cells = np.flatnonzero(hidden)
        if not cells.size:
            return cells, np.zeros(0, dtype=bool)
        order = np.argsort(self.row[cells], kind="stable")
        cells = cells[order]
        bounds = np.flatnonzero(np.diff(self.row[cells])) + 1
        blocks = [(int(self.row[part[0]]), part) for part in np.split(cells, bounds)]
        nulls, linked = zip(*(self._block(r, part) for r, part in blocks))
        matrix = np.hstack(linked)
        if matrix.size:
            _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
            space = vt[singular > TOLERANCE * max(1.0, singular[0])].T
        else:
            space = np.zeros((matrix.shape[1], 0))
        offsets = np.cumsum([0, *(null.shape[1] for null in nulls)])
        residual = []
        for null, start, stop in zip(nulls, offsets[:-1], offsets[1:]):
            reach = null @ space[start:stop]
            residual.append((null**2).sum(axis=1) - (reach**2).sum(axis=1))
        own_norm = np.concatenate([(null**2).sum(axis=1) for null in nulls])
        pinned = np.concatenate(residual) < SPAN_TOLERANCE
        return cells[pinned], own_norm[pinned] < SPAN_TOLERANCE

    def row_equations(self, r: int) -> tuple[np.ndarray, _Equations]:
        """The cells of row r (indices into the group) and its own equations over them."""
        members = np.flatnonzero(self.row == r)
        positions, lengths = self.equations._entries(members)
        local = np.repeat(np.arange(members.size), lengths)
        eqs = self.equations.cell_equation[positions]
        own = self.within[eqs]
        _, renumbered = np.unique(eqs[own], return_inverse=True)
        return members, _Equations(
            renumbered.reshape(-1), local[own], self.equations.cell_coefficient[positions][own], members.size
        )


def _secondary_cells_by_rows(
    equations: _Equations, row: np.ndarray, hidden: np.ndarray, hideable: np.ndarray, base: np.ndarray
) -> list[int]:
    """`_secondary_cells` for large groups, on `_RowBlocks`. A cell pinned down by its own row is
    repaired within the row by the exact small solver; a cell pinned down only through the columns
    gets one more hidden cell next to it (the cheapest of the first PAIR_TRIALS that frees it,
    each tried together with the repair of its own row), and so on until nothing is determined."""
    hidden = hidden.copy()
    blocks = _RowBlocks(equations, row)
    row_systems: dict[int, tuple[np.ndarray, _Equations]] = {}
    added: list[int] = []

    def repair_row(r: int, mask: np.ndarray) -> list[int]:
        if r not in row_systems:
            row_systems[r] = blocks.row_equations(r)
        members, own = row_systems[r]
        if not own.size:
            return []
        picked = _secondary_cells(own, mask[members], hideable[members] & ~mask[members], base[members])
        return [int(members[i]) for i in picked]

    def hide(cells: list[int]) -> None:
        hidden[cells] = True
        added.extend(cells)

    for r in np.unique(row[hidden]).tolist():
        hide(repair_row(r, hidden))
    while True:
        pinned, by_own_row = blocks.determined(hidden)
        if not pinned.size:
            break
        if by_own_row.any():
            for r in np.unique(row[pinned[by_own_row]]).tolist():
                hide(repair_row(r, hidden))
            continue
        target = _cheapest(pinned, base)
        near = equations.near(np.array([target])) & hideable & ~hidden
        candidates = sorted(np.flatnonzero(near).tolist(), key=lambda i: (base[i], i))
        if not candidates:
            near = equations.near(np.flatnonzero(hidden)) & hideable & ~hidden
            candidates = sorted(np.flatnonzero(near).tolist(), key=lambda i: (base[i], i))
            if not candidates:
                break  # nothing left that could protect the cell (cannot happen, see the module doc)
        best: tuple[float, list[int]] | None = None
        for candidate in candidates[:PAIR_TRIALS]:
            trial = hidden.copy()
            trial[candidate] = True
            cells = [candidate, *repair_row(int(row[candidate]), trial)]
            trial[cells] = True
            cost = float(base[cells].sum())
            if best is not None and cost >= best[0]:
                continue
            still, _ = blocks.determined(trial)
            if target not in still:
                best = (cost, cells)
        if best is None:
            trial = hidden.copy()
            trial[candidates[0]] = True
            best = (0.0, [candidates[0], *repair_row(int(row[candidates[0]]), trial)])
        hide(best[1])
    return added


def _equations(
    provider: np.ndarray,
    dimension: np.ndarray,
    dimension_value: np.ndarray,
    row: np.ndarray,
    dim: np.ndarray,
    col: np.ndarray,
    base: np.ndarray,
) -> _Equations:
    """The equations of one group that hold on its figures; cells absent from it are zeros."""
    n = provider.size
    n_dims = int(dim.max()) + 1
    cells = np.arange(n)
    is_all_row = provider == "all"
    is_total = dimension == "all"
    total_dim = int(dim[is_total][0]) if is_total.any() else -1
    equation_parts: list[np.ndarray] = []
    cell_parts: list[np.ndarray] = []
    coefficient_parts: list[np.ndarray] = []

    def add(keys: np.ndarray, members: np.ndarray, sign: float) -> None:
        equation_parts.append(keys)
        cell_parts.append(members)
        coefficient_parts.append(np.full(members.size, sign))

    # Per row and breakdown, the values add up to the row's total.
    add(row[~is_total] * n_dims + dim[~is_total], cells[~is_total], 1.0)
    for d in range(n_dims):
        if d != total_dim:
            add(row[is_total] * n_dims + d, cells[is_total], -1.0)
    # Per (dimension, value), the providers add up to 'all'.
    offset = (int(row.max()) + 1) * n_dims
    add(offset + col[~is_all_row], cells[~is_all_row], 1.0)
    add(offset + col[is_all_row], cells[is_all_row], -1.0)
    # Per row and value of a parent, the crossed cells add up to the parent's cell.
    offset += int(col.max()) + 1
    names = set(dimension.tolist())
    for crossed, parents in CROSSED_DIMENSIONS.items():
        if crossed not in names:
            continue
        members = np.flatnonzero(dimension == crossed)
        parts = [str(v).split(CROSSED_SEPARATOR, 1) for v in dimension_value[members]]
        for position, parent in enumerate(parents):
            if parent not in names:
                continue
            keys: dict[tuple[int, str], int] = {}
            own = np.flatnonzero(dimension == parent)
            whole = [offset + keys.setdefault((int(row[i]), str(dimension_value[i])), len(keys)) for i in own]
            split = [(i, p) for i, p in zip(members, parts) if len(p) == 2]
            add(
                np.array(
                    [offset + keys.setdefault((int(row[i]), p[position]), len(keys)) for i, p in split], dtype=np.int64
                ),
                np.array([i for i, _ in split], dtype=np.int64),
                1.0,
            )
            add(np.array(whole, dtype=np.int64), own, -1.0)
            offset += len(keys)

    equation, cell, coefficient = (np.concatenate(parts) for parts in (equation_parts, cell_parts, coefficient_parts))
    # Only equations that hold on the figures are a reader's: a breakdown that leaves some
    # observations out (an empty value the SQL drops), or a total not in the data, gives none.
    residual = np.bincount(equation, weights=coefficient * base[cell], minlength=offset)
    holds = np.abs(residual) < 0.5
    keep = holds[equation]
    _, equation = np.unique(equation[keep], return_inverse=True)
    return _Equations(equation.reshape(-1), cell[keep], coefficient[keep], n)


def _secondary_suppression(frame: pl.DataFrame, row_block_threshold: int) -> list[int]:
    """`_row` ids of the cells to hide in addition to the primary ones."""
    base = pl.lit(0, dtype=pl.Int64)
    for kind, column in SECONDARY_BASE.items():
        base = pl.when(pl.col("_kind") == kind).then(pl.col(column)).otherwise(base)
    # A cell without a value or with a base of 0 is a known zero: never an unknown, never hidden to
    # protect another cell, and not part of the sums (a ratio's 'all' counts only providers with FTE).
    informative = pl.col("value").is_not_null() & (base.fill_null(0) > 0)
    cells = (
        frame.filter(pl.col("_kind").is_in(list(SECONDARY_BASE)))
        .with_columns(
            _base=pl.when(informative).then(base).otherwise(0).cast(pl.Float64),
            _unknown=pl.col("suppressed") & informative,
            _hideable=~pl.col("suppressed") & informative,
        )
        .filter(pl.col("_unknown").any().over(GROUP_COLUMNS))
        .with_columns(
            _r=pl.col("provider_id").rank("dense").over(GROUP_COLUMNS).cast(pl.Int64) - 1,
            _d=pl.col("dimension").rank("dense").over(GROUP_COLUMNS).cast(pl.Int64) - 1,
            _c=pl.concat_str(pl.col("dimension"), pl.lit("\x1f"), pl.col("dimension_value").fill_null("\x00"))
            .rank("dense")
            .over(GROUP_COLUMNS)
            .cast(pl.Int64)
            - 1,
            # The frame is sorted by KEY_COLUMNS, so each group is one run of rows.
            _group=(
                (pl.col("indicator_id") != pl.col("indicator_id").shift())
                | (pl.col("period") != pl.col("period").shift())
            )
            .fill_null(True)
            .cum_sum(),
        )
    )
    if cells.is_empty():
        return []
    group = cells.get_column("_group").to_numpy()
    bounds = np.flatnonzero(np.diff(group)) + 1
    columns = {
        name: cells.get_column(name).to_numpy()
        for name in [
            "_row",
            "provider_id",
            "dimension",
            "dimension_value",
            "_r",
            "_d",
            "_c",
            "_unknown",
            "_hideable",
            "_base",
        ]
    }
    extra: list[int] = []
    for start, stop in zip(np.r_[0, bounds], np.r_[bounds, group.size]):
        part = {name: array[start:stop] for name, array in columns.items()}
        equations = _equations(
            part["provider_id"],
            part["dimension"],
            part["dimension_value"],
            part["_r"],
            part["_d"],
            part["_c"],
            part["_base"],
        )
        if not equations.size:
            continue  # no totals in the data: nothing to subtract from
        if stop - start > row_block_threshold:
            picked = _secondary_cells_by_rows(
                equations, part["_r"], part["_unknown"].astype(bool), part["_hideable"].astype(bool), part["_base"]
            )
        else:
            picked = _secondary_cells(
                equations, part["_unknown"].astype(bool), part["_hideable"].astype(bool), part["_base"]
            )
        extra.extend(int(i) for i in part["_row"][picked])
    return extra


HIDDEN_ELSEWHERE = "hidden_elsewhere"


def apply_suppression(
    values: pl.DataFrame, kinds: dict[str, str], k: int, row_block_threshold: int = ROW_BLOCK_THRESHOLD
) -> pl.DataFrame:
    """Set the `suppressed` column; `kinds` maps indicator_id to one of KINDS.

    An optional boolean column `hidden_elsewhere` marks cells that must be hidden whatever their
    size, because another published table would give them away (a year's total of a monthly flow
    when one of its months is hidden); they count as primary cells and the column is dropped.
    Groups (indicator, period) with more than `row_block_threshold` cells are solved row by row
    (`_RowBlocks`); tests set it to 0 to check that solver on small tables."""
    unknown_kinds = sorted(set(kinds.values()) - set(KINDS))
    if unknown_kinds:
        raise ValueError(f"unknown indicator kind(s) {unknown_kinds}; expected one of {list(KINDS)}")
    unknown_ids = sorted(set(values.get_column("indicator_id").unique().to_list()) - set(kinds), key=str)
    if unknown_ids:
        raise ValueError(f"no kind for indicator(s) {unknown_ids}: cannot decide their suppression")
    kind = pl.col("indicator_id").replace_strict(kinds, return_dtype=pl.String)
    frame = (
        values.sort(KEY_COLUMNS)
        .with_row_index("_row")
        .with_columns(_kind=kind)
        .with_columns(suppressed=primary_suppression(pl.col("_kind"), k))
    )
    if HIDDEN_ELSEWHERE in frame.columns:
        frame = frame.with_columns(pl.col("suppressed") | pl.col(HIDDEN_ELSEWHERE).fill_null(False)).drop(
            HIDDEN_ELSEWHERE
        )
    extra = _secondary_suppression(frame, row_block_threshold)
    if extra:
        frame = frame.with_columns(pl.col("suppressed") | pl.col("_row").is_in(extra))
    return frame.drop("_row", "_kind")
