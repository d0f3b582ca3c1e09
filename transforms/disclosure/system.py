"""The reader's linear system (design §6, attacker model): rows `lower <= sum(coefficient x cell)
<= upper` over the cells of a release, each with a kind (which rule of the specs it comes from)
and a readable label. Built over every cell, published ones included; a reader's view substitutes
the cells that reader knows (transforms.disclosure.solve). Only rows that hold on the true values
are a reader's: `LinearSystem.holding` keeps those and counts the others by kind.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import scipy.sparse as sp

INF = float("inf")
# A row holds on the true values when its activity is within its bounds up to this tolerance
# (relative to the size of the bound: quotient rows carry float coefficients).
HOLD_TOLERANCE = 1e-7

# Row kinds: the adds_up margins, the declared relations, and the two rules every reader knows.
MARGIN_KINDS = ("providers", "breakdowns", "crossed", "grouped", "months")
RELATION_KINDS = ("equal", "at_most", "at_least", "quotient")
RULE_KINDS = ("share_base",)  # a share's numerator is at most its denominator
DROPPED_EXAMPLES = 3  # labels kept per kind of row that does not hold


@dataclass
class Expression:
    """A linear expression over cells plus a constant (public quantities, cells known to be 0)."""

    terms: dict[int, float] = field(default_factory=dict)
    constant: float = 0.0

    def add(self, other: Expression, factor: float = 1.0) -> Expression:
        terms = dict(self.terms)
        for cell, coefficient in other.terms.items():
            terms[cell] = terms.get(cell, 0.0) + factor * coefficient
        return Expression(terms, self.constant + factor * other.constant)


class SystemBuilder:
    """Collects rows; `build` turns them into a LinearSystem (a sparse rows x cells matrix)."""

    def __init__(self, n_cells: int):
        self.n_cells = n_cells
        # typed arrays, not lists: 8 bytes per entry instead of a Python object each (the margins
        # of a release at tier L have 6 million entries)
        self.row_of = array("q")
        self.cell_of = array("q")
        self.coefficient_of = array("d")
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.kinds: list[str] = []
        self.labels: list[str] = []
        self.skipped: Counter[str] = Counter()  # rows not built, by reason

    def add(self, expression: Expression, lower: float, upper: float, kind: str, label: str) -> None:
        """lower <= expression <= upper; a row without any cell tells nobody anything and is skipped."""
        terms = [(cell, c) for cell, c in expression.terms.items() if c != 0.0]
        if not terms:
            self.skipped["no cell"] += 1
            return
        row = len(self.lower)
        for cell, coefficient in terms:
            self.row_of.append(row)
            self.cell_of.append(cell)
            self.coefficient_of.append(coefficient)
        self.lower.append(lower - expression.constant)
        self.upper.append(upper - expression.constant)
        self.kinds.append(kind)
        self.labels.append(label)

    def equal(self, expression: Expression, kind: str, label: str, value: float = 0.0) -> None:
        self.add(expression, value, value, kind, label)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def build(self) -> LinearSystem:
        rows, cells = np.array(self.row_of, dtype=np.int64), np.array(self.cell_of, dtype=np.int64)
        coefficients = np.array(self.coefficient_of, dtype=np.float64)
        matrix = sp.csr_matrix((coefficients, (rows, cells)), shape=(len(self.lower), self.n_cells))
        matrix.sum_duplicates()
        return LinearSystem(
            matrix=matrix,
            lower=np.array(self.lower, dtype=np.float64),
            upper=np.array(self.upper, dtype=np.float64),
            kinds=np.array(self.kinds, dtype=object),
            labels=list(self.labels),
            skipped=Counter(self.skipped),
        )


@dataclass
class LinearSystem:
    matrix: sp.csr_matrix  # rows x cells
    lower: np.ndarray
    upper: np.ndarray
    kinds: np.ndarray
    labels: list[str]
    skipped: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)  # rows that do not hold on the true values
    dropped_examples: list[str] = field(default_factory=list)  # a few of their labels per kind

    @property
    def size(self) -> int:
        return len(self.labels)

    def counts(self) -> dict[str, int]:
        """Rows by kind."""
        return dict(sorted(Counter(self.kinds.tolist()).items()))

    def holds(self, true: np.ndarray) -> np.ndarray:
        """Which rows hold on the true values (within HOLD_TOLERANCE relative to the bounds)."""
        activity = self.matrix @ true
        scale = np.maximum(1.0, np.abs(activity))
        return (activity >= self.lower - HOLD_TOLERANCE * scale) & (activity <= self.upper + HOLD_TOLERANCE * scale)

    def select(self, rows: np.ndarray) -> LinearSystem:
        rows = np.asarray(rows)
        return LinearSystem(
            matrix=self.matrix[rows],
            lower=self.lower[rows],
            upper=self.upper[rows],
            kinds=self.kinds[rows],
            labels=[self.labels[i] for i in (np.flatnonzero(rows) if rows.dtype == bool else rows)],
            skipped=Counter(self.skipped),
            dropped=Counter(self.dropped),
            dropped_examples=list(self.dropped_examples),
        )

    def then(self, other: LinearSystem) -> LinearSystem:
        """This system's rows followed by `other`'s (over the same cells)."""
        return LinearSystem(
            matrix=sp.vstack([self.matrix, other.matrix], format="csr"),
            lower=np.concatenate([self.lower, other.lower]),
            upper=np.concatenate([self.upper, other.upper]),
            kinds=np.concatenate([self.kinds, other.kinds]),
            labels=self.labels + other.labels,
            skipped=self.skipped + other.skipped,
            dropped=self.dropped + other.dropped,
            dropped_examples=self.dropped_examples + other.dropped_examples,
        )

    def holding(self, true: np.ndarray) -> LinearSystem:
        """Only the rows that hold on the true values; the others are counted in `dropped`."""
        holds = self.holds(true)
        kept = self.select(holds)
        for row in np.flatnonzero(~holds):
            kind = str(self.kinds[row])
            if kept.dropped[kind] < DROPPED_EXAMPLES:
                kept.dropped_examples.append(f"{kind}: {self.labels[row]}")
            kept.dropped[kind] += 1
        return kept


def unique_rows(system: LinearSystem) -> LinearSystem:
    """The system without repeated rows (a count's value and numerator margins are the same): rows
    with the same cells and coefficients (rounded to 12 decimals) in the same order and the same
    bounds (9 decimals) are one; the first is kept. Compared by value in Polars, not row by row."""
    matrix = system.matrix
    lengths = np.diff(matrix.indptr)
    entries = pl.DataFrame(
        {
            "row": np.repeat(np.arange(system.size, dtype=np.int64), lengths),
            "cell": matrix.indices.astype(np.int64),
            "coefficient": np.round(matrix.data, 12),
        }
    )
    rows = pl.DataFrame(
        {
            "row": np.arange(system.size, dtype=np.int64),
            "lower": np.round(system.lower.astype(np.float64), 9),
            "upper": np.round(system.upper.astype(np.float64), 9),
        }
    ).join(entries.group_by("row").agg("cell", "coefficient"), on="row", how="left", maintain_order="left")
    keep = rows.unique(["cell", "coefficient", "lower", "upper"], keep="first", maintain_order=True)["row"]
    result = system.select(keep.to_numpy())
    result.skipped["repeated"] += system.size - keep.len()
    return result


def count_by(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
