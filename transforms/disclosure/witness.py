"""The cells to hide for a target that no single equation narrows (transforms.disclosure.choose):
the reader's own LP, turned round (the protection LP of τ-ARGUS and sdcTable).

A target narrowed by several rows together has no row "without room" to widen, and hiding the
cheapest cell of a binding row moves the reader's optimum by one step per round: at the demo, one
target stayed narrow for 18 rounds that way. Instead, look for a point the reader would have to
accept once more is hidden: the release's true values, moved so that the target lies k above
(or below) its true value, where every row of the reader's system still holds, cells the reader
does not know stay within their bounds, and published cells may move only at their hiding cost.
The published cells the cheapest such point moves are the ones to hide. Hiding them makes the point
one of the reader's (hiding only widens what the reader can exclude), so the target's interval is
then at least k wide for this reader: one round instead of many. The next round's audit still
decides; the point only guides the choice (solver tolerances do not matter for the verdict).

Only cells within a few rows of the target move (at most `MAX_CELLS`); the others stay at their
true values, which keeps the point valid for the whole system (every row a moved cell is part of is
in the LP)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

MAX_CELLS = 4_000  # cells that may move in one protection LP
STEPS = 4  # rows walked out from the target through cells that can move
MOVED = 1e-7  # a published cell moved by more than this is hidden


def _rows_of(columns: sp.csc_matrix, cells: np.ndarray) -> np.ndarray:
    """The rows any of `cells` is part of, sorted."""
    return np.unique(np.concatenate([columns.indices[columns.indptr[c] : columns.indptr[c + 1]] for c in cells]))


def neighbourhood(rows: sp.csr_matrix, columns: sp.csc_matrix, target: int, movable: np.ndarray) -> np.ndarray:
    """The movable cells reached from `target` through at most STEPS rows (at most MAX_CELLS, the
    nearest first, in cell order within a step)."""
    reached = np.zeros(movable.size, dtype=bool)
    reached[target] = True
    frontier = np.array([target])
    for _ in range(STEPS):
        row_ids = _rows_of(columns, frontier)
        if not row_ids.size:
            break
        found = np.unique(np.concatenate([rows.indices[rows.indptr[r] : rows.indptr[r + 1]] for r in row_ids]))
        found = found[movable[found] & ~reached[found]]
        room = MAX_CELLS - int(reached.sum())
        if found.size > room:
            found = found[:room]
        reached[found] = True
        frontier = found
        if not frontier.size or room <= found.size:
            break
    return np.flatnonzero(reached)


def protection_lp(
    rows: sp.csr_matrix,
    columns: sp.csc_matrix,
    bounds: tuple[np.ndarray, np.ndarray],
    true: np.ndarray,
    unknown: np.ndarray,
    eligible: np.ndarray,
    floor: np.ndarray,
    cost: np.ndarray,
    target: int,
    k: int,
) -> list[int] | None:
    """The published cells to hide so that `target` can lie k away from its true value for this
    reader (the cheaper of up and down); None when no such point exists within the neighbourhood.
    `unknown`: cells the reader does not know (they move freely above `floor`: 1 for a hidden count,
    else 0); `eligible`: published cells that may be hidden (they move at `cost` per unit, above a
    floor of 1); every other cell stays at its true value."""
    movable = unknown | eligible
    near = neighbourhood(rows, columns, target, movable)
    row_ids = _rows_of(columns, near)
    if not row_ids.size:
        return None
    touched = rows[row_ids]
    activity = touched @ true
    equal = bounds[0][row_ids] == bounds[1][row_ids]
    lower, upper = bounds[0][row_ids] - activity, bounds[1][row_ids] - activity
    local = touched[:, near].tocsr()
    paid = eligible[near]
    best: tuple[float, list[int]] | None = None
    for direction in (1, -1):
        if true[target] + direction * k < floor[target]:
            continue
        found = _solve(local, (lower, upper, equal), true[near], floor[near], paid, cost[near], int(np.searchsorted(near, target)), direction * k)  # fmt: skip
        if found is not None and (best is None or found[0] < best[0]):
            best = (found[0], near[found[1]].tolist())
    return None if best is None else best[1]


def _solve(
    local: sp.csr_matrix,
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray],
    true: np.ndarray,
    floor: np.ndarray,
    paid: np.ndarray,
    cost: np.ndarray,
    target: int,
    shift: int,
) -> tuple[float, np.ndarray] | None:
    """min cost·|y| over the paid cells, with the rows' bounds on local·y (`equal`: the equations),
    every cell above its floor (a paid cell above 1) and y[target] = shift. Variables: y (one per
    cell), then u >= |y| per paid cell. Returns the cost and the positions of the paid cells that
    move."""
    n = local.shape[1]
    paid_ids = np.flatnonzero(paid)
    m = paid_ids.size
    lower, upper, equal = bounds
    above, below = np.isfinite(upper) & ~equal, np.isfinite(lower) & ~equal
    pad = sp.csr_matrix((local.shape[0], m))
    picks = sp.csr_matrix((np.ones(m), (paid_ids, np.arange(m))), shape=(n, m))
    ones = sp.identity(m, format="csr")
    a_ub = sp.vstack(
        [
            sp.hstack([local[above], pad[above]]),
            sp.hstack([-local[below], pad[below]]),
            sp.hstack([picks.T, -ones]),  # y - u <= 0
            sp.hstack([-picks.T, -ones]),  # -y - u <= 0
        ],
        format="csr",
    )
    b_ub = np.concatenate([upper[above], -lower[below], np.zeros(2 * m)])
    a_eq = sp.hstack([local[equal], pad[equal]], format="csr")
    lows = np.where(paid, 1.0, floor) - true
    upper_bounds = np.full(n + m, np.inf)
    lower_bounds = np.concatenate([lows, np.zeros(m)])
    lower_bounds[target] = upper_bounds[target] = float(shift)
    objective = np.concatenate([np.zeros(n), cost[paid_ids]])
    result = linprog(
        objective,
        A_ub=a_ub if a_ub.shape[0] else None,
        b_ub=b_ub if a_ub.shape[0] else None,
        A_eq=a_eq if a_eq.shape[0] else None,
        b_eq=upper[equal] if a_eq.shape[0] else None,
        bounds=np.column_stack([lower_bounds, upper_bounds]),
        method="highs",
    )
    if result.status != 0:
        return None
    moved = paid_ids[np.abs(result.x[paid_ids]) > MOVED]
    return float(result.fun), moved
