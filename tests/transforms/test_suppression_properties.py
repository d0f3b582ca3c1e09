"""Properties of small-cell suppression (design §6) on random consistent tables.

Each example is one indicator and month: 1-6 providers plus 'all', 1-2 breakdowns with 1-6 values,
the figures drawn per provider and combination of breakdown values (mostly small, some larger) and
every margin computed as a sum, so the table is what the SQL would emit. Whether a hidden cell can
be recomputed is checked here independently of transforms.suppression: exactly, with fractions,
as a rank test on the equations of the table.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.suppression import ROW_BLOCK_THRESHOLD, apply_suppression

INDICATOR = "x"
PERIOD = "2026-01"
SCHEMA = {
    "indicator_id": pl.String,
    "period": pl.String,
    "provider_id": pl.String,
    "dimension": pl.String,
    "dimension_value": pl.String,
    "value": pl.Float64,
    "numerator": pl.Int64,
    "denominator": pl.Int64,
}
Key = tuple[str, str, str]  # (provider_id, dimension, dimension_value)


@dataclass
class Table:
    kind: str
    providers: list[str]
    breakdowns: dict[str, list[str]]
    numerator: dict[Key, int]
    denominator: dict[Key, int]
    fte: dict[str, float]
    emit_zero_breakdowns: bool

    @property
    def rows(self) -> list[str]:
        return [*self.providers, "all"]

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [("all", "all"), *((d, v) for d, values in self.breakdowns.items() for v in values)]

    def keys(self) -> list[Key]:
        return [(r, d, v) for r in self.rows for d, v in self.columns]

    def base(self, key: Key) -> int:
        """The amount that adds up: the count, or for a share its denominator."""
        return self.denominator[key] if self.kind == "share" else self.numerator[key]

    def value(self, key: Key) -> float | None:
        if self.kind == "share":
            return self.numerator[key] / self.denominator[key] if self.denominator[key] else None
        if self.kind == "ratio":
            fte = sum(self.fte.values()) if key[0] == "all" else self.fte[key[0]]
            return self.numerator[key] / fte
        if self.kind in ("median", "per_case"):
            return 10.0 if self.denominator[key] else None
        return float(self.numerator[key])

    def frame(self) -> pl.DataFrame:
        rows = []
        for key in self.keys():
            if key[1] != "all" and not self.base(key) and not self.emit_zero_breakdowns:
                continue  # the SQL emits no row for a breakdown value without observations
            numerator = None if self.kind in ("median", "per_case") else self.numerator[key]
            denominator = self.denominator[key] if self.kind in ("share", "median", "per_case") else None
            rows.append((INDICATOR, PERIOD, *key, self.value(key), numerator, denominator))
        return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def figure(small_only: bool):
    """Mostly small figures (many zeros), sometimes larger ones."""
    small = st.one_of(st.just(0), st.integers(0, 3), st.integers(0, 12))
    return small if small_only else st.one_of(small, st.integers(13, 60))


@st.composite
def tables(draw, kinds=("count", "ratio", "share"), max_providers=6, max_breakdowns=2, max_values=6):
    kind = draw(st.sampled_from(kinds))
    providers = [f"p{i}" for i in range(draw(st.integers(1, max_providers)))]
    breakdowns = {
        f"d{j}": [f"v{i}" for i in range(draw(st.integers(1, max_values)))]
        for j in range(draw(st.integers(1, max_breakdowns)))
    }
    # Figures per provider and combination of breakdown values; two breakdowns get sparser ones so
    # that their margins stay small often enough.
    combos = list(itertools.product(*breakdowns.values()))
    entry = figure(small_only=len(breakdowns) > 1)
    if len(breakdowns) > 1:
        entry = st.one_of(st.just(0), st.just(0), entry)
    denominator_of = {(p, c): draw(entry) for p in providers for c in combos}
    numerator_of = {pc: draw(st.integers(0, base)) if kind == "share" else base for pc, base in denominator_of.items()}
    numerator: dict[Key, int] = {}
    denominator: dict[Key, int] = {}
    for row in [*providers, "all"]:
        members = providers if row == "all" else [row]
        for d, v in [("all", "all"), *((d, v) for d, vs in breakdowns.items() for v in vs)]:
            position = list(breakdowns).index(d) if d != "all" else None
            chosen = [(p, c) for p in members for c in combos if position is None or c[position] == v]
            numerator[(row, d, v)] = sum(numerator_of[pc] for pc in chosen)
            denominator[(row, d, v)] = sum(denominator_of[pc] for pc in chosen)
    fte = {p: draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0])) for p in providers}
    return Table(kind, providers, breakdowns, numerator, denominator, fte, draw(st.booleans()))


def suppressed(table: Table, k: int) -> set[Key]:
    result = apply_suppression(table.frame(), {INDICATOR: table.kind}, k)
    return {
        tuple(key)
        for key in result.filter(pl.col("suppressed")).select("provider_id", "dimension", "dimension_value").rows()
    }


# -- the independent, exact check -------------------------------------------------------------


def equations(table: Table) -> list[dict[Key, int]]:
    """What a reader can add up: each row's breakdown values to its total, each column's providers
    to 'all'. Cells missing from the frame are zeros, so the full grid is used."""
    result = []
    for row in table.rows:
        for d, values in table.breakdowns.items():
            result.append({(row, "all", "all"): -1, **{(row, d, v): 1 for v in values}})
    for d, v in table.columns:
        result.append({("all", d, v): -1, **{(p, d, v): 1 for p in table.providers}})
    return result


def rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix]
    found = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((i for i in range(found, len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        rows[found], rows[pivot] = rows[pivot], rows[found]
        for i in range(found + 1, len(rows)):
            if rows[i][column] != 0:
                factor = rows[i][column] / rows[found][column]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[found])]
        found += 1
    return found


def determined(table: Table, hidden: set[Key]) -> set[Key]:
    """Hidden cells a reader can recompute: cell i is determined iff dropping its column from the
    equations restricted to the hidden cells lowers their rank. A hidden cell without a value or
    with base 0 is a known zero, not an unknown."""
    unknowns = sorted(key for key in hidden if table.base(key) and table.value(key) is not None)
    system = [
        [Fraction(equation.get(u, 0)) for u in unknowns]
        for equation in equations(table)
        if any(u in equation for u in unknowns)
    ]
    full = rank(system)
    return {u for i, u in enumerate(unknowns) if rank([row[:i] + row[i + 1 :] for row in system]) < full}


# -- properties ---------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), k=st.integers(2, 6))
def test_published_cells_are_safe_and_no_hidden_cell_can_be_recomputed(table: Table, k: int):
    hidden = suppressed(table, k)
    present = set(table.frame().select("provider_id", "dimension", "dimension_value").rows())
    for key in present - hidden:
        if table.kind in ("count", "ratio"):
            assert not 1 <= table.numerator[key] < k, key  # (a) no published small count
        else:
            assert table.denominator[key] >= k, key  # (b) no published share over a small base
    if table.kind in ("count", "ratio"):
        assert all(table.numerator[key] for key in hidden)  # (c) zero is never hidden
    assert determined(table, hidden) == set()  # (d)


@settings(max_examples=40, deadline=None)
@given(table=tables(kinds=("median", "per_case")), k=st.integers(2, 6))
def test_medians_and_per_case_figures_hide_exactly_the_small_bases(table: Table, k: int):
    present = set(table.frame().select("provider_id", "dimension", "dimension_value").rows())
    assert suppressed(table, k) == {key for key in present if table.denominator[key] < k}


# -- brute force on tiny tables -------------------------------------------------------------------


def reduce_rows(rows: list[list[Fraction]], columns: int) -> list[int]:
    """Bring `rows` (in place) to reduced row echelon form over their first `columns` entries;
    returns the pivot column of each leading row."""
    pivots: list[int] = []
    for column in range(columns):
        pivot = next((i for i in range(len(pivots), len(rows)) if rows[i][column] != 0), None)
        if pivot is None:
            continue
        top = len(pivots)
        rows[top], rows[pivot] = rows[pivot], rows[top]
        rows[top] = [x / rows[top][column] for x in rows[top]]
        for i in range(len(rows)):
            if i != top and rows[i][column] != 0:
                rows[i] = [a - rows[i][column] * b for a, b in zip(rows[i], rows[top])]
        pivots.append(column)
    return pivots


def completions(table: Table, hidden: set[Key], limit: int = 20_000) -> dict[Key, set[int]] | None:
    """The values each hidden cell takes over every table of non-negative whole numbers that
    agrees with the published cells and the equations; None if there are too many to try."""
    unknowns = sorted(key for key in hidden if table.base(key) and table.value(key) is not None)
    rows = []
    for equation in equations(table):
        if any(u in equation for u in unknowns):
            known = sum(c * table.base(key) for key, c in equation.items() if key not in unknowns)
            rows.append([Fraction(equation.get(u, 0)) for u in unknowns] + [Fraction(-known)])
    pivots = reduce_rows(rows, len(unknowns))
    free = [i for i in range(len(unknowns)) if i not in pivots]
    # A free cell is at most the smallest published total it is part of.
    bounds = []
    for i in free:
        totals = [
            table.base(key)
            for equation in equations(table)
            if equation.get(unknowns[i]) == 1
            for key, c in equation.items()
            if c == -1 and key not in unknowns
        ]
        bounds.append(min(totals, default=table.base(("all", "all", "all"))))
    if math.prod(b + 1 for b in bounds) > limit:
        return None
    seen: dict[Key, set[int]] = {u: set() for u in unknowns}
    for choice in itertools.product(*(range(b + 1) for b in bounds)):
        x: list[Fraction] = [Fraction(0)] * len(unknowns)
        for i, v in zip(free, choice):
            x[i] = Fraction(v)
        for row, column in zip(rows, pivots):
            x[column] = row[-1] - sum(row[i] * x[i] for i in free)
        if all(v >= 0 and v.denominator == 1 for v in x):
            for u, v in zip(unknowns, x):
                seen[u].add(int(v))
    return seen


@settings(max_examples=80, deadline=None)
@given(table=tables(kinds=("count",), max_providers=3, max_values=3), k=st.integers(2, 6))
def test_no_hidden_cell_is_pinned_down_by_whole_non_negative_numbers_either(table: Table, k: int):
    """Stronger than (d) where it is cheap to check: even knowing that counts are whole numbers
    of at least 0, a reader still finds two values for every hidden cell."""
    seen = completions(table, suppressed(table, k))
    if seen is not None:
        assert all(len(values) > 1 for values in seen.values()), seen


# -- crossed breakdowns and large groups ------------------------------------------------------------

CROSSED = "category_reason"  # transforms.suppression.CROSSED_DIMENSIONS: (category, unmet_reason)


@st.composite
def crossed_tables(draw, max_providers=5, max_values=3):
    """needs_unmet_count-like tables: per provider and (category, reason) a count; published by
    category, by unmet_reason and by category_reason ('<category>|<reason>'), every margin a sum."""
    providers = [f"p{i}" for i in range(draw(st.integers(1, max_providers)))]
    categories = [f"c{i}" for i in range(draw(st.integers(1, max_values)))]
    reasons = [f"u{i}" for i in range(draw(st.integers(1, max_values)))]
    entry = st.one_of(st.just(0), st.just(0), st.integers(1, 4), st.integers(0, 12))
    count = {(p, c, u): draw(entry) for p in providers for c in categories for u in reasons}
    numerator: dict[Key, int] = {}
    for row in [*providers, "all"]:
        members = providers if row == "all" else [row]

        def total(where, members=members) -> int:
            return sum(n for (p, c, u), n in count.items() if p in members and where(c, u))

        numerator[(row, "all", "all")] = total(lambda c, u: True)
        for c in categories:
            numerator[(row, "category", c)] = total(lambda cc, u, c=c: cc == c)
        for u in reasons:
            numerator[(row, "unmet_reason", u)] = total(lambda c, uu, u=u: uu == u)
        for c in categories:
            for u in reasons:
                numerator[(row, CROSSED, f"{c}|{u}")] = total(lambda cc, uu, c=c, u=u: (cc, uu) == (c, u))
    breakdowns = {
        "category": categories,
        "unmet_reason": reasons,
        CROSSED: [f"{c}|{u}" for c in categories for u in reasons],
    }
    return Table("count", providers, breakdowns, numerator, dict(numerator), {}, draw(st.booleans()))


def crossed_equations(table: Table) -> list[dict[Key, int]]:
    """equations() plus: per row, each category's and each reason's crossed cells add up to it."""
    result = equations(table)
    for row in table.rows:
        for position, parent in enumerate(("category", "unmet_reason")):
            for value in table.breakdowns[parent]:
                result.append(
                    {
                        (row, parent, value): -1,
                        **{
                            (row, CROSSED, crossed): 1
                            for crossed in table.breakdowns[CROSSED]
                            if crossed.split("|")[position] == value
                        },
                    }
                )
    return result


def determined_by_elimination(table: Table, hidden: set[Key], system: list[dict[Key, int]]) -> set[Key]:
    """Exact, with one reduced row echelon form: hidden cell u is determined iff e_u is in the row
    space of the equations restricted to the hidden cells, i.e. iff some reduced row is e_u."""
    unknowns = sorted(key for key in hidden if table.base(key))
    rows = [
        [Fraction(equation.get(u, 0)) for u in unknowns] for equation in system if any(u in equation for u in unknowns)
    ]
    pivots = reduce_rows(rows, len(unknowns))
    return {unknowns[column] for row, column in zip(rows, pivots) if sum(1 for x in row if x != 0) == 1}


@pytest.mark.parametrize("row_block_threshold", [0, ROW_BLOCK_THRESHOLD], ids=["by rows", "one system"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=crossed_tables(), k=st.integers(2, 6))
def test_crossed_breakdowns_are_protected_by_both_solvers(table: Table, k: int, row_block_threshold: int):
    result = apply_suppression(table.frame(), {INDICATOR: "count"}, k, row_block_threshold=row_block_threshold)
    hidden = {
        tuple(key)
        for key in result.filter(pl.col("suppressed")).select("provider_id", "dimension", "dimension_value").rows()
    }
    assert all(not 1 <= table.numerator[key] < k for key in set(table.keys()) - hidden)
    assert determined_by_elimination(table, hidden, crossed_equations(table)) == set()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), k=st.integers(2, 6))
def test_the_row_decomposition_protects_what_the_one_system_solver_protects(table: Table, k: int):
    """Large groups go to `_RowBlocks` (transforms.suppression.ROW_BLOCK_THRESHOLD); forced here
    on small tables, so the exact check above can judge it."""
    result = apply_suppression(table.frame(), {INDICATOR: table.kind}, k, row_block_threshold=0)
    hidden = {
        tuple(key)
        for key in result.filter(pl.col("suppressed")).select("provider_id", "dimension", "dimension_value").rows()
    }
    assert determined(table, hidden) == set()
    if table.kind in ("count", "ratio"):
        assert all(table.numerator[key] for key in hidden)
