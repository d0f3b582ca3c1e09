"""Presolve of a reader's system before it is split into blocks: every step rewrites the system
into one with exactly the same integer solutions (mapped back variable by variable), so the
intervals computed on the reduced system are the exact intervals of the original one.

- A row with one variable left is a bound on that variable: `lower <= a x <= upper`, rounded
  inwards to integers (every variable is an integer count). The truth satisfies every row of the
  reader's system (`LinearSystem.holding`), so the rounding is widened back to the true value if
  float error would ever cut it off.
- A variable whose bounds meet is pinned: its only possible value is its true value, which is
  substituted into the rows as a known cell is (`reader_view`).
- An equality row with two variables of equal coefficient size, `a x + b y = c` with |a| = |b|,
  ties `y = s x + o` (s = -a/b = ±1; o integral: the truth satisfies the row, so o = y* - s x*).
  y is replaced by `s x + o` in every row and its bounds become bounds of x. Then x and y take
  their values together in every solution, integer ones included (s = ±1 and o integral keep
  integrality both ways), so y's interval is x's mapped by `s x + o`.
- A row left without variables is satisfied by the truth and dropped.

Rounds repeat until nothing changes. Each variable of the view keeps the labels of the rows that
pinned or tied it (its `reasons`), so a result still names the relations that gave it away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

BINDING_LABELS = 4  # labels kept per variable and row
ZERO = 1e-10  # a coefficient smaller than this after substitution is a cancellation (float error)
ROUNDING = 1e-6  # float error tolerated when a bound is rounded to an integer


@dataclass
class Reduced:
    """The reduced system and how each variable of the view maps onto it: pinned variables have
    `column == -1` and the value `offset`; the others are `sign * reduced[column] + offset`."""

    matrix: sp.csr_matrix  # rows x reduced columns
    row_lower: np.ndarray
    row_upper: np.ndarray
    labels: list[str]
    col_lower: np.ndarray  # integral
    col_upper: np.ndarray  # integral or +inf
    col_truth: np.ndarray
    columns: np.ndarray  # the view variable each reduced column stands for
    bound_reasons: list[tuple[str, ...]]  # per reduced column: rows turned into its bounds
    column: np.ndarray  # per view variable
    sign: np.ndarray
    offset: np.ndarray
    reasons: list[tuple[str, ...]]  # per view variable: rows that pinned or tied it


def _join(*parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(label for part in parts for label in part))[:BINDING_LABELS]


class _State:
    """The system during presolve, over the view's variables (eliminated ones have no entries)."""

    def __init__(self, matrix, row_lower, row_upper, labels, col_lower, truth):
        self.matrix = sp.csc_matrix(matrix, dtype=np.float64)
        self.row_lower = np.asarray(row_lower, dtype=np.float64).copy()
        self.row_upper = np.asarray(row_upper, dtype=np.float64).copy()
        # object arrays: dropping rows is one fancy index instead of a list comprehension
        self.labels = np.array(labels, dtype=object)
        self.row_reasons = np.empty(len(self.labels), dtype=object)
        self.row_reasons.fill(())
        n = self.matrix.shape[1]
        self.truth = np.asarray(truth, dtype=np.float64)
        self.col_lower = np.maximum(np.asarray(col_lower, dtype=np.float64), 0.0)  # counts are >= 0
        self.col_upper = np.full(n, math.inf)
        self.bound_reasons: list[tuple[str, ...]] = [()] * n
        self.alive = np.ones(n, dtype=bool)
        self.column = np.arange(n)  # the variable each view variable is expressed in
        self.sign = np.ones(n)
        self.offset = np.zeros(n)
        self.pinned = np.zeros(n, dtype=bool)
        self.reasons: list[tuple[str, ...]] = [()] * n

    def row_entries(self) -> sp.csr_matrix:
        matrix = self.matrix.tocsr()
        matrix.data[np.abs(matrix.data) < ZERO] = 0.0
        matrix.eliminate_zeros()
        return matrix

    def keep_rows(self, keep: np.ndarray) -> None:
        self.matrix = self.matrix.tocsr()[keep].tocsc()
        self.row_lower, self.row_upper = self.row_lower[keep], self.row_upper[keep]
        self.labels = self.labels[keep]
        self.row_reasons = self.row_reasons[keep]

    def tighten(self, variable: int, low: float, high: float, reasons: tuple[str, ...]) -> None:
        """Integer bounds from a row with this one variable, never past the true value."""
        truth = self.truth[variable]
        low = min(float(math.ceil(low - ROUNDING)), truth) if math.isfinite(low) else -math.inf
        high = max(float(math.floor(high + ROUNDING)), truth) if math.isfinite(high) else math.inf
        if low > self.col_lower[variable] or high < self.col_upper[variable]:
            self.bound_reasons[variable] = _join(self.bound_reasons[variable], reasons)
        self.col_lower[variable] = max(self.col_lower[variable], low)
        self.col_upper[variable] = min(self.col_upper[variable], high)

    def singletons(self, entries: sp.csr_matrix) -> bool:
        """Rows without variables are dropped; rows with one become bounds (and are dropped)."""
        counts = np.diff(entries.indptr)
        for row in np.flatnonzero(counts == 1):
            start = entries.indptr[row]
            variable, a = int(entries.indices[start]), float(entries.data[start])
            low, high = self.row_lower[row] / a, self.row_upper[row] / a
            self.tighten(variable, *((low, high) if a > 0 else (high, low)), _join((self.labels[row],), self.row_reasons[row]))  # fmt: skip
        if not (counts <= 1).any():
            return False
        self.matrix = entries.tocsc()
        self.keep_rows(counts > 1)
        return True

    def pin(self) -> bool:
        """Substitute every live variable whose bounds meet (its value is its true value)."""
        pinned = np.flatnonzero(self.alive & (self.col_lower == self.col_upper))
        if not pinned.size:
            return False
        values = self.truth[pinned]
        if np.any(values != self.col_lower[pinned]):
            raise RuntimeError("disclosure presolve: a pinned variable differs from its true value")
        for variable in pinned:
            self.reasons[variable] = _join(self.bound_reasons[variable], self.reasons[variable])
        self._substitute(pinned, sp.csc_matrix((self.matrix.shape[1], self.matrix.shape[1])), pinned, values)
        self._follow(pinned, pinned, np.zeros(pinned.size), values, pinned=True)
        return True

    def _substitute(self, gone: np.ndarray, transfer: sp.csc_matrix, touched: np.ndarray, constants: np.ndarray):
        """Columns `gone` leave the system: the matrix becomes matrix @ (kept + transfer) and the
        row bounds lose the constants (value per gone column); rows touched collect the reasons."""
        offsets = np.zeros(self.matrix.shape[1])
        offsets[gone] = constants
        shift = self.matrix @ offsets
        self.row_lower -= shift
        self.row_upper -= shift
        self._collect_row_reasons(self.matrix[:, gone].tocsr(), gone)
        keep = np.ones(self.matrix.shape[1])
        keep[gone] = 0.0
        self.matrix = (self.matrix @ (sp.diags(keep) + transfer)).tocsc()
        self.alive[gone] = False

    def _collect_row_reasons(self, sub: sp.csr_matrix, gone: np.ndarray) -> None:
        """Each row that held a gone column takes that column's reasons, in column order. One
        join per row gives what a join per entry gave (first BINDING_LABELS distinct labels of the
        concatenation); rows already full and columns without reasons change nothing."""
        gone_reasons = [self.reasons[int(g)] for g in gone]
        with_reasons = np.array([bool(r) for r in gone_reasons], dtype=bool)
        if not with_reasons.any():
            return
        per_row = np.bincount(
            np.repeat(np.arange(sub.shape[0]), np.diff(sub.indptr)),
            weights=with_reasons[sub.indices],
            minlength=sub.shape[0],
        )
        rows_with = np.flatnonzero(per_row > 0)
        for row in rows_with.tolist():
            if len(self.row_reasons[row]) >= BINDING_LABELS:
                continue
            positions = sub.indices[sub.indptr[row] : sub.indptr[row + 1]].tolist()
            self.row_reasons[row] = _join(self.row_reasons[row], *(gone_reasons[p] for p in positions))

    def _follow(self, gone: np.ndarray, into: np.ndarray, signs: np.ndarray, constants: np.ndarray, pinned: bool):
        """Every view variable expressed in a gone column is re-expressed (pinned: as a value)."""
        position = np.full(self.column.size, -1)
        position[gone] = np.arange(gone.size)
        variables = np.flatnonzero((position[np.maximum(self.column, 0)] >= 0) & (self.column >= 0) & ~self.pinned)
        i = position[self.column[variables]]
        self.offset[variables] += self.sign[variables] * constants[i]
        if pinned:
            self.pinned[variables] = True
            self.column[variables] = -1
        else:
            self.sign[variables] *= signs[i]
            self.column[variables] = into[i]
        # a gone variable is expressed in itself, so its own reasons stay as they are
        for variable, source in zip(variables.tolist(), gone[i].tolist(), strict=True):
            if variable != source and self.reasons[source] and len(self.reasons[variable]) < BINDING_LABELS:
                self.reasons[variable] = _join(self.reasons[variable], self.reasons[source])

    def merge(self, entries: sp.csr_matrix) -> bool:
        """Tie the variables of two-variable equality rows with coefficients of equal size."""
        counts = np.diff(entries.indptr)
        candidates = np.flatnonzero((counts == 2) & (self.row_lower == self.row_upper))
        gone, into, signs, constants = [], [], [], []
        gone_set: set[int] = set()
        into_set: set[int] = set()
        for row in candidates:
            start = entries.indptr[row]
            (x, y), (a, b) = entries.indices[start : start + 2].tolist(), entries.data[start : start + 2].tolist()
            if abs(abs(a) - abs(b)) > ZERO * max(abs(a), abs(b)) or x in gone_set or y in gone_set:
                continue
            if y in into_set:  # y already stands for another variable this round: keep y, drop x
                if x in into_set:
                    continue
                (x, a), (y, b) = (y, b), (x, a)
            s = -a / b
            s = 1.0 if s > 0 else -1.0
            o = self.truth[y] - s * self.truth[x]  # integral: true values are integers
            if abs(self.row_lower[row] / b - o) > ROUNDING * max(1.0, abs(o)):
                continue  # the row does not hold exactly on the truth: leave it to the solver
            gone_set.add(y)
            into_set.add(x)
            gone.append(y)
            into.append(x)
            signs.append(s)
            constants.append(o)
            self.reasons[y] = _join((self.labels[row],), self.row_reasons[row], self.reasons[y])
            low, high = self.col_lower[y] - o, self.col_upper[y] - o
            carried = _join((self.labels[row],), self.bound_reasons[y])  # y's bounds reach x by this row
            self.tighten(x, *((low, high) if s > 0 else (-high, -low)), carried)
        if not gone:
            return False
        gone_a, into_a = np.array(gone), np.array(into)
        signs_a, constants_a = np.array(signs), np.array(constants)
        n = self.matrix.shape[1]
        transfer = sp.csc_matrix((signs_a, (gone_a, into_a)), shape=(n, n))
        self._substitute(gone_a, transfer, gone_a, constants_a)
        self._follow(gone_a, into_a, signs_a, constants_a, pinned=False)
        return True

    def run(self) -> None:
        changed = True
        while changed:
            changed = self.singletons(self.row_entries())
            changed = self.pin() or changed
            if not changed:
                changed = self.merge(self.row_entries())


def presolve(
    matrix: sp.csr_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    labels: list[str],
    col_lower: np.ndarray,
    truth: np.ndarray,
) -> Reduced:
    """The reduced system of `lower <= matrix x <= upper`, x integral and >= col_lower (>= 0),
    whose truth is `truth`; see the module's description."""
    state = _State(matrix, row_lower, row_upper, labels, col_lower, truth)
    state.run()
    columns = np.flatnonzero(state.alive)
    position = np.full(state.alive.size, -1)
    position[columns] = np.arange(columns.size)
    entries = state.row_entries()
    return Reduced(
        matrix=entries[:, columns].tocsr(),
        row_lower=state.row_lower,
        row_upper=state.row_upper,
        labels=state.labels.tolist(),
        col_lower=state.col_lower[columns],
        col_upper=state.col_upper[columns],
        col_truth=state.truth[columns],
        columns=columns,
        bound_reasons=[state.bound_reasons[c] for c in columns],
        column=np.where(state.pinned, -1, position[np.maximum(state.column, 0)]),
        sign=state.sign,
        offset=state.offset,
        reasons=state.reasons,
    )
