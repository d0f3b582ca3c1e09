"""Merged categories (design §6, utility): a city's yearly breakdown in which many cells could
not be printed is published with those categories pooled ("Übrige"), instead of as a table of
"•". Crossed breakdowns (unmet needs by category x reason) pool categories and reasons.

A cell cannot be printed (`unsafe`) when it is a count of 1..k-1, or when a provider holding its
own figure would learn that the other providers together have 1..k-1 of it (city - own): that
provider would narrow every other provider's cell below k (design §6, insider).

Pooling: while the merged table has an unsafe cell, one member beside it (its category or its
reason; for a pool's cell, any member that adds to it) joins the pool of its side: the one whose
pooling loses least, first the large cells (BIG or more) that stop being printed on their own,
then the smallest total. It stops when no merged cell is unsafe (or nothing is left to pool).
The parents of a grouped crossed table (its category and reason breakdowns) pool on their own
when that pool lies within the crossed table's, else they start from the crossed pool: the pools
of one indicator nest, so no difference of two pools gives a small count away. The
pools differ from year to year (each year's table on its own).

A grouped cell is the sum of its members' cells and is stored as a row of its own, dimension
`<breakdown>_grouped`; its value names its members joined by "+" (codes never hold "+" or "|"):
`schule+sonstiges`, and for a crossed table `<categories>|<reasons>`: `wohnen|kein_angebot`,
`arbeit+familie|kosten+sonstiges`. A crossed table's row totals have every reason on the reason
side, its column totals every category on the category side. So the release says itself what
each grouped cell adds up (the audit's relation `transforms.disclosure.margins.
add_grouped_margins`). The grouped table is what the annual report prints.

A grouped cell that pools nothing (a kept code, a kept category's row total) repeats a fine row
(ALIAS_COLUMNS): the fine row stays printed and is what the audit and the protection see, and the
grouped row takes its status, so one figure is never two cells to protect. The fine rows that lie
in a pool (`pooled_fine_rows`) are not printed: they stay audit targets, so the pooled figures
cannot give a small one away.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

import polars as pl

from transforms.indicators.registry import INDICATORS

GROUPED_SUFFIX = "_grouped"
MEMBERS = "+"
POOL = "*"
CITY = "all"
BIG = 20  # a cell of this size stays printed on its own where pooling can choose
GROUP_ABOVE = 0.10  # group a table when more than this share of its non-empty yearly cells is unsafe
ALIAS_COLUMNS = ("alias_dimension", "alias_value")
VALUE_COLUMNS = ["indicator_id", "period", "provider_id", "dimension", "dimension_value", "value", "numerator", "denominator"]  # fmt: skip

Key = tuple[str, str]  # (category, reason); a plain breakdown has reason ""
Counts = Mapping[str, int]  # CITY -> the city's count, provider -> the provider's own
Pools = tuple[set[str], set[str]]


def crossed_tables() -> dict[tuple[str, str], tuple[str, str]]:
    """(count indicator, crossed dimension) -> its two parent breakdowns, for every spec."""
    return {(i.id, crossed): parents for i in INDICATORS if i.kind == "count" for crossed, parents in i.adds_up.crossed}


def plain_tables() -> list[tuple[str, str]]:
    """(count indicator, breakdown) of every spec's breakdowns that are not crossed."""
    crossed = crossed_tables()
    return [(i.id, b) for i in INDICATORS if i.kind == "count" for b in i.breakdowns if (i.id, b) not in crossed]


def members(value: str) -> tuple[list[str], list[str]]:
    """A grouped crossed value's members: (categories, reasons)."""
    left, _, right = value.partition("|")
    return left.split(MEMBERS), right.split(MEMBERS)


def unsafe(counts: Counts, k: int) -> bool:
    """A count of 1..k-1, or one whose other providers hold 1..k-1 together (see the module)."""
    city = counts.get(CITY, 0)
    return 0 < city < k or any(0 < city - own < k for unit, own in counts.items() if unit != CITY)


def pools(cells: Mapping[Key, Counts], k: int, *, start: Pools | None = None) -> Pools:
    """The pooled members of each side of one table (see the module). `cells`: (category,
    reason) -> counts; a plain breakdown has reason "" and pools only categories."""
    pooled: Pools = (set(start[0]), set(start[1])) if start else (set(), set())
    sides = (0, 1) if any(right for _, right in cells) else (0,)
    totals: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    for (left, right), counts in cells.items():
        totals[0][left] += counts.get(CITY, 0)
        totals[1][right] += counts.get(CITY, 0)
    while True:
        candidates: set[tuple[int, str]] = set()
        for key, counts in merged(cells, pooled).items():
            if unsafe(counts, k):
                candidates |= _beside(cells, pooled, key, sides)
        if not candidates:
            return pooled
        side, member = min(candidates, key=lambda c: (_lost(cells, pooled, *c), totals[c[0]][c[1]], c))
        pooled[side].add(member)


def merged(cells: Mapping[Key, Counts], pooled: Pools) -> dict[Key, Counter[str]]:
    """The table with the pooled members of each side as one member, POOL."""
    result: dict[Key, Counter[str]] = defaultdict(Counter)
    for (left, right), counts in cells.items():
        result[(_side(left, pooled[0]), _side(right, pooled[1]))].update(counts)
    return result


def _beside(cells: Mapping[Key, Counts], pooled: Pools, key: Key, sides: tuple[int, ...]) -> set[tuple[int, str]]:
    """The members whose pooling changes the merged cell `key`."""
    found = set()
    for side in sides:
        if key[side] != POOL:
            found.add((side, key[side]))
            continue
        other = 1 - side
        found |= {
            (side, fine[side])
            for fine, counts in cells.items()
            if fine[side] not in pooled[side]
            and _side(fine[other], pooled[other]) == key[other]
            and counts.get(CITY, 0)
        }
    return found


def _lost(cells: Mapping[Key, Counts], pooled: Pools, side: int, member: str) -> int:
    """The large cells that pooling `member` stops printing on their own."""
    other = 1 - side
    return sum(
        counts.get(CITY, 0)
        for fine, counts in cells.items()
        if fine[side] == member and fine[other] not in pooled[other] and counts.get(CITY, 0) >= BIG
    )


def _side(member: str, pooled: set[str]) -> str:
    return POOL if member in pooled else member


def _group_value(member: str, pooled: set[str]) -> str:
    return MEMBERS.join(sorted(pooled)) if member in pooled else member


def _cells(yearly: pl.DataFrame, indicator: str, dimension: str) -> dict[str, dict[Key, Counter[str]]]:
    """Per year, (category, reason) -> counts of the city and each provider (non-empty city cells)."""
    rows = yearly.filter((pl.col("indicator_id") == indicator) & (pl.col("dimension") == dimension))
    found: dict[str, dict[Key, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for period, provider, value, count in rows.select(
        "period", "provider_id", "dimension_value", "numerator"
    ).iter_rows():
        left, _, right = str(value).partition("|")
        found[str(period)][(left, right)][str(provider)] += int(count or 0)
    return {period: {key: c for key, c in table.items() if c.get(CITY, 0) > 0} for period, table in found.items()}


def _needs_grouping(cells: dict[str, dict[Key, Counter[str]]], k: int) -> bool:
    return any(
        table and sum(unsafe(c, k) for c in table.values()) / len(table) > GROUP_ABOVE for table in cells.values()
    )


def grouped_tables(yearly: pl.DataFrame, k: int) -> set[tuple[str, str]]:
    """The (indicator, breakdown) tables of the city whose yearly cells are unsafe in more than
    GROUP_ABOVE of the non-empty ones (in any year), and the parents of such a crossed table."""
    found = set()
    for (indicator, crossed), parents in crossed_tables().items():
        if _needs_grouping(_cells(yearly, indicator, crossed), k):
            found |= {(indicator, crossed), (indicator, parents[0]), (indicator, parents[1])}
    for indicator, dimension in plain_tables():
        if (indicator, dimension) not in found and _needs_grouping(_cells(yearly, indicator, dimension), k):
            found.add((indicator, dimension))
    return found


def grouped_rows(yearly: pl.DataFrame, tables: set[tuple[str, str]], k: int) -> pl.DataFrame:
    """The grouped cells of every table in `tables` per year (a crossed table with its row and
    column totals), as rows of marts.indicator_values_yearly (a count's value is its numerator),
    plus ALIAS_COLUMNS: for a grouped cell that pools nothing (a kept code, a kept category's row
    total), the fine row it repeats; null for a pool."""
    frames = []
    done: set[tuple[str, str]] = set()
    for (indicator, crossed), parents in sorted(crossed_tables().items()):
        if (indicator, crossed) not in tables:
            continue
        of_parent = [_cells(yearly, indicator, parent) for parent in parents]  # read once, not per year
        for period, table in sorted(_cells(yearly, indicator, crossed).items()):
            pooled = pools(table, k)
            frames.append(_frame(indicator, crossed, period, *_crossed_sums(table, pooled, crossed, parents)))
            for side, parent in enumerate(parents):
                frames.append(_plain(of_parent[side].get(period, {}), indicator, parent, period, k, pooled[side]))
        done |= {(indicator, crossed), (indicator, parents[0]), (indicator, parents[1])}
    for indicator, dimension in sorted(tables - done):
        for period, table in sorted(_cells(yearly, indicator, dimension).items()):
            frames.append(_plain(table, indicator, dimension, period, k, None))
    schema = yearly.select(VALUE_COLUMNS).schema | dict.fromkeys(ALIAS_COLUMNS, pl.String)
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames).cast(schema).sort(VALUE_COLUMNS[:5])  # type: ignore[arg-type]


def fine_cells(dimension: str, value: str, crossed: bool) -> list[tuple[str, str]]:
    """The fine (dimension, value) cells a grouped cell of the breakdown `dimension` adds up."""
    if crossed:
        lefts, rights = members(value)
        return [(dimension, f"{left}|{right}") for left in lefts for right in rights]
    return [(dimension, member) for member in value.split(MEMBERS)]


def pooled_fine_rows(grouped: pl.DataFrame) -> pl.DataFrame:
    """The fine city rows that lie in a pool (indicator_id, period, provider_id, dimension,
    dimension_value): they are not printed, their pool is."""
    crossed = set(crossed_tables())
    keys = set()
    pools_only = grouped.filter(pl.col(ALIAS_COLUMNS[0]).is_null())
    for indicator, period, dimension, value in pools_only.select("indicator_id", "period", "dimension", "dimension_value").iter_rows():  # fmt: skip
        fine = dimension.removesuffix(GROUPED_SUFFIX)
        for fine_dimension, fine_value in fine_cells(fine, value, (indicator, fine) in crossed):
            keys.add((indicator, period, CITY, fine_dimension, fine_value))
    return pl.DataFrame(sorted(keys), schema=dict.fromkeys(VALUE_COLUMNS[:5], pl.String), orient="row")


def _plain(
    table: Mapping[Key, Counts], indicator: str, dimension: str, period: str, k: int, within: set[str] | None
) -> pl.DataFrame:
    """A plain breakdown's year (`table`) grouped on its own; a parent of a grouped crossed table
    (`within`: the crossed table's pool of this side) keeps that only if its pool lies within the
    crossed one, else it starts from the crossed pool (the pools must nest)."""
    pooled = pools(table, k)[0] if table else set()
    if within is not None and not pooled <= within:
        pooled = pools(table, k, start=(within, set()))[0]
    sums: Counter[str] = Counter()
    aliases: dict[str, tuple[str, str] | None] = {}
    for (left, _), counts in table.items():
        value = _group_value(left, pooled)
        sums[value] += counts[CITY]
        aliases[value] = None if left in pooled else (dimension, left)
    return _frame(indicator, dimension, period, sums, aliases)


def _crossed_sums(
    table: Mapping[Key, Counts], pooled: Pools, crossed: str, parents: tuple[str, str]
) -> tuple[Counter[str], dict[str, tuple[str, str] | None]]:
    every_left = MEMBERS.join(sorted({left for left, _ in table}))
    every_right = MEMBERS.join(sorted({right for _, right in table}))
    sums: Counter[str] = Counter()
    aliases: dict[str, tuple[str, str] | None] = {}
    for (left, right), counts in table.items():
        kept = (left not in pooled[0], right not in pooled[1])
        group_left, group_right = _group_value(left, pooled[0]), _group_value(right, pooled[1])
        # (value, the fine row it repeats when it pools nothing); with every member of a side
        # pooled, a cell is its row's or column's total: counted once
        shapes = {
            f"{group_left}|{group_right}": (crossed, f"{left}|{right}") if all(kept) else None,
            f"{group_left}|{every_right}": (parents[0], left) if kept[0] else None,
            f"{every_left}|{group_right}": (parents[1], right) if kept[1] else None,
        }
        for value, alias in shapes.items():
            sums[value] += counts[CITY]
            aliases.setdefault(value, alias)
    return sums, aliases


def _frame(
    indicator: str, dimension: str, period: str, sums: Mapping[str, int], aliases: Mapping[str, tuple[str, str] | None]
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "indicator_id": indicator,
            "period": period,
            "provider_id": CITY,
            "dimension": dimension + GROUPED_SUFFIX,
            "dimension_value": list(sums),
            "value": [float(n) for n in sums.values()],
            "numerator": list(sums.values()),
            "denominator": [None] * len(sums),
            ALIAS_COLUMNS[0]: [(aliases[v] or (None, None))[0] for v in sums],
            ALIAS_COLUMNS[1]: [(aliases[v] or (None, None))[1] for v in sums],
        },
        schema_overrides={"denominator": pl.Int64, ALIAS_COLUMNS[0]: pl.String, ALIAS_COLUMNS[1]: pl.String},
    )
