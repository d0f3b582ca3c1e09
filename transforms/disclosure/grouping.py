"""Merged categories for crossed breakdowns (design §6, utility): a city's yearly crossed table
(e.g. unmet needs by category x reason) in which many cells are small is published with its
smallest categories and reasons pooled, instead of as a table of "•".

Pooling: while the table has a cell of 1..k-1, the category or reason of such a cell with the
smallest total (outside the pool) joins the pool of its side; it stops when every small cell lies
in the pools' row and column. (Leaving small cells in the pools' row or column to the protection
was measured worse on the demo: the protection then hides the large cells beside them.) The pools differ from year to year (each year's table on its own).

A grouped cell is the sum of its members' cells and is stored as a row of its own, dimension
`<crossed>_grouped`, value `<categories>|<reasons>` with the members of each side joined by "+"
(codes never hold "+" or "|"): `wohnen|kein_angebot`, `arbeit+familie|kosten+sonstiges`. The row
totals have every reason on the reason side, the column totals every category on the category
side. So the release says itself what each grouped cell adds up (the audit's relation
`transforms.disclosure.margins.add_grouped_margins`), and the fine table becomes unpublished: its
cells stay audit targets (status withdrawn), so the pooled figures cannot give a small one away.
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from transforms.indicators.registry import INDICATORS

GROUPED_SUFFIX = "_grouped"
MEMBERS = "+"
GROUP_ABOVE = 0.10  # group a table when more than this share of its non-empty yearly cells is small
VALUE_COLUMNS = ["indicator_id", "period", "provider_id", "dimension", "dimension_value", "value", "numerator", "denominator"]  # fmt: skip


def crossed_tables() -> list[tuple[str, str]]:
    """(count indicator, crossed dimension) of every spec: the tables that can be grouped."""
    return [(i.id, crossed) for i in INDICATORS if i.kind == "count" for crossed, _ in i.adds_up.crossed]


def members(value: str) -> tuple[list[str], list[str]]:
    """A grouped value's members: (categories, reasons)."""
    left, _, right = value.partition("|")
    return left.split(MEMBERS), right.split(MEMBERS)


def pools(cells: dict[tuple[str, str], int], k: int) -> tuple[set[str], set[str]]:
    """The pooled members of each side of one table (see the module)."""
    totals: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    for (left, right), count in cells.items():
        totals[0][left] += count
        totals[1][right] += count
    pooled: tuple[set[str], set[str]] = (set(), set())
    while True:
        merged: Counter[tuple[str, str]] = Counter()
        for (left, right), count in cells.items():
            merged[(_side(left, pooled[0]), _side(right, pooled[1]))] += count
        candidates = {
            (side, key[side]) for key, count in merged.items() if 0 < count < k for side in (0, 1) if key[side] != "*"
        }
        if not candidates:
            return pooled
        side, member = min(candidates, key=lambda item: (totals[item[0]][item[1]], item))
        pooled[side].add(member)


def _side(member: str, pooled: set[str]) -> str:
    return "*" if member in pooled else member


def _group_value(member: str, pooled: set[str]) -> str:
    return MEMBERS.join(sorted(pooled)) if member in pooled else member


def grouped_tables(yearly: pl.DataFrame, k: int) -> set[tuple[str, str]]:
    """The (indicator, crossed dimension) tables of the city whose yearly cells are small in more
    than GROUP_ABOVE of the non-empty ones (in any year)."""
    found = set()
    city = yearly.filter(pl.col("provider_id") == "all")
    for indicator, crossed in crossed_tables():
        rows = city.filter((pl.col("indicator_id") == indicator) & (pl.col("dimension") == crossed))
        shares = (
            rows.filter(pl.col("numerator") > 0)
            .group_by("period")
            .agg(((pl.col("numerator") < k).sum() / pl.len()).alias("small"))
        )
        if shares.height and shares["small"].max() > GROUP_ABOVE:  # type: ignore[operator]
            found.add((indicator, crossed))
    return found


def grouped_rows(yearly: pl.DataFrame, tables: set[tuple[str, str]], k: int) -> pl.DataFrame:
    """The grouped cells, row totals and column totals of every table in `tables`, per year, as
    rows of marts.indicator_values_yearly (a count's value is its numerator)."""
    frames = []
    for indicator, crossed in sorted(tables):
        rows = yearly.filter(
            (pl.col("provider_id") == "all") & (pl.col("indicator_id") == indicator) & (pl.col("dimension") == crossed)
        )
        for (period,), table in rows.filter(pl.col("numerator") > 0).group_by("period"):
            frames.append(_one_table(indicator, crossed, str(period), table, k))
    if not frames:
        return pl.DataFrame(schema=yearly.select(VALUE_COLUMNS).schema)
    return pl.concat(frames).cast(yearly.select(VALUE_COLUMNS).schema).sort(VALUE_COLUMNS[:5])


def _one_table(indicator: str, crossed: str, period: str, table: pl.DataFrame, k: int) -> pl.DataFrame:
    # one small table (at most categories x reasons cells): the pooling decision is a loop over it
    cells = {tuple(value.split("|", 1)): int(count) for value, count in table.select("dimension_value", "numerator").iter_rows()}  # fmt: skip
    pooled_left, pooled_right = pools(cells, k)
    every_left = MEMBERS.join(sorted({left for left, _ in cells}))
    every_right = MEMBERS.join(sorted({right for _, right in cells}))
    sums: Counter[str] = Counter()
    for (left, right), count in cells.items():
        group_left, group_right = _group_value(left, pooled_left), _group_value(right, pooled_right)
        for value in (f"{group_left}|{group_right}", f"{group_left}|{every_right}", f"{every_left}|{group_right}"):
            sums[value] += count
    return pl.DataFrame(
        {
            "indicator_id": indicator,
            "period": period,
            "provider_id": "all",
            "dimension": crossed + GROUPED_SUFFIX,
            "dimension_value": list(sums),
            "value": [float(n) for n in sums.values()],
            "numerator": list(sums.values()),
            "denominator": [None] * len(sums),
        }
    )
