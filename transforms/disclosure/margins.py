"""The margins every reader knows, from each spec's `adds_up` (transforms/indicators/README.md):
providers add up to 'all', a breakdown's values to the total, a crossed breakdown's cells to each
cell of both parents, and the months of a flow to its year. Plus the rule that a share's numerator
is at most its denominator. A cell the release does not hold in a group it covers is 0; a margin
over a group the release does not cover is not built.
"""

from __future__ import annotations

from collections import defaultdict

from transforms.disclosure.cells import ALL, CellTable, cell_name, is_month
from transforms.disclosure.grouping import GROUPED_SUFFIX, fine_cells
from transforms.disclosure.system import Expression, SystemBuilder
from transforms.indicators.spec import Indicator


def count_columns(indicator: Indicator, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The cell columns a spec's column names stand for: a count's `value` is its numerator;
    the value of any other kind is no count and has no cell."""
    resolved = []
    for column in columns:
        if column == "value":
            if indicator.kind == "count":
                resolved.append("numerator")
        else:
            resolved.append(column)
    return tuple(dict.fromkeys(resolved))


def _sum(cells: list[int]) -> Expression:
    return Expression(dict.fromkeys(cells, 1.0))


def _total_minus(total: int | None, parts: list[int]) -> Expression:
    """total - sum(parts) (a missing total is 0)."""
    expression = Expression({} if total is None else {total: 1.0})
    return expression.add(_sum(parts), -1.0)


def add_provider_margins(table: CellTable, builder: SystemBuilder, indicator: Indicator, columns: tuple[str, ...]):
    groups: dict[tuple[str, str, str, str], dict[str, int]] = defaultdict(dict)
    for position in table.by_indicator.get(indicator.id, []):
        _, period, provider, dimension, value, column = table.keys[position]
        if column in columns and not dimension.endswith(GROUPED_SUFFIX):  # grouped: the city only
            groups[(period, dimension, value, column)][provider] = position
    covered = {
        period: table.covers(indicator.id, period, ALL) and bool(table.providers(indicator.id, period))
        for (period, *_rest) in groups
    }
    for (period, dimension, value, column), by_unit in groups.items():
        parts = [position for unit, position in by_unit.items() if unit != ALL]
        if not covered[period]:
            builder.skip("providers: not covered")
            continue
        cell = (indicator.id, period, ALL, dimension, value, column)
        builder.equal(
            _total_minus(by_unit.get(ALL), parts),
            "providers",
            f"providers add up to all: {cell_name(cell)}",
        )


def _unit_groups(table: CellTable, indicator: Indicator, columns: tuple[str, ...]):
    """(period, unit, column) -> {(dimension, dimension value): position}."""
    groups: dict[tuple[str, str, str], dict[tuple[str, str], int]] = defaultdict(dict)
    for position in table.by_indicator.get(indicator.id, []):
        _, period, provider, dimension, value, column = table.keys[position]
        if column in columns:
            groups[(period, provider, column)][(dimension, value)] = position
    return groups


def add_breakdown_margins(table: CellTable, builder: SystemBuilder, indicator: Indicator, columns: tuple[str, ...]):
    for (period, provider, column), cells in _unit_groups(table, indicator, columns).items():
        for breakdown in indicator.breakdowns:
            parts = [position for (dimension, _), position in cells.items() if dimension == breakdown]
            if not parts:
                continue
            cell = (indicator.id, period, provider, ALL, ALL, column)
            builder.equal(
                _total_minus(cells.get((ALL, ALL)), parts),
                "breakdowns",
                f"{breakdown} adds up to the total: {cell_name(cell)}",
            )


def add_crossed_margins(table: CellTable, builder: SystemBuilder, indicator: Indicator, columns: tuple[str, ...]):
    for (period, provider, column), cells in _unit_groups(table, indicator, columns).items():
        for crossed, parents in indicator.adds_up.crossed:
            crossed_cells = {
                tuple(value.split("|", 1)): position
                for (dimension, value), position in cells.items()
                if dimension == crossed and "|" in value
            }
            if not crossed_cells:
                continue
            for side, parent in enumerate(parents):
                values = {key[side] for key in crossed_cells} | {v for (d, v) in cells if d == parent}
                for value in sorted(values):
                    parts = [position for key, position in crossed_cells.items() if key[side] == value]
                    cell = (indicator.id, period, provider, parent, value, column)
                    builder.equal(
                        _total_minus(cells.get((parent, value)), parts),
                        "crossed",
                        f"{crossed} adds up to {parent}={value}: {cell_name(cell)}",
                    )


def add_grouped_margins(table: CellTable, builder: SystemBuilder, indicator: Indicator, columns: tuple[str, ...]):
    """A grouped cell (transforms.disclosure.grouping) is the sum of the cells of its members,
    which its value names (a crossed one `<categories>|<reasons>`); a member the release does not
    hold is 0."""
    crossed = {name for name, _ in indicator.adds_up.crossed}
    for (_period, _provider, _column), cells in _unit_groups(table, indicator, columns).items():
        for (dimension, value), position in cells.items():
            if not dimension.endswith(GROUPED_SUFFIX):
                continue
            fine_dimension = dimension.removesuffix(GROUPED_SUFFIX)
            fine = fine_cells(fine_dimension, value, fine_dimension in crossed)
            builder.equal(
                _total_minus(position, [cells[key] for key in fine if key in cells]),
                "grouped",
                f"members add up to the grouped cell: {cell_name(table.keys[position])}",
            )


def add_month_margins(table: CellTable, builder: SystemBuilder, indicator: Indicator, columns: tuple[str, ...]):
    periods = {period for (ind, period) in table.units if ind == indicator.id}
    months_of: dict[str, list[str]] = defaultdict(list)
    for period in periods:
        if is_month(period):
            months_of[period[:4]].append(period)
    groups: dict[tuple[str, str, str, str], dict[str, int]] = defaultdict(dict)
    for position in table.by_indicator.get(indicator.id, []):
        _, period, provider, dimension, value, column = table.keys[position]
        if column in columns and not dimension.endswith(GROUPED_SUFFIX):  # grouped: yearly only
            groups[(provider, dimension, value, column)][period] = position
    for (provider, dimension, value, column), by_period in groups.items():
        for year in sorted(p for p in periods if not is_month(p)):
            months = [m for m in months_of.get(year, []) if table.covers(indicator.id, m, provider)]
            if not months or not table.covers(indicator.id, year, provider):
                continue
            parts = [by_period[m] for m in months if m in by_period]
            if not parts and year not in by_period:
                continue
            cell = (indicator.id, year, provider, dimension, value, column)
            builder.equal(
                _total_minus(by_period.get(year), parts),
                "months",
                f"months {min(months)}..{max(months)} add up to the year: {cell_name(cell)}",
            )


def add_share_bases(table: CellTable, builder: SystemBuilder, indicator: Indicator) -> None:
    """A share's numerator is at most its denominator."""
    if indicator.kind != "share":
        return
    for position in table.by_indicator.get(indicator.id, []):
        key = table.keys[position]
        if key[5] != "numerator":
            continue
        base = table.index.get((*key[:5], "denominator"))
        if base is None:
            continue
        builder.add(
            Expression({position: 1.0, base: -1.0}),
            -float("inf"),
            0.0,
            "share_base",
            f"numerator at most denominator: {cell_name(key[:5])}",
        )


def add_margins(table: CellTable, builder: SystemBuilder, indicators: tuple[Indicator, ...]) -> None:
    """Every margin of every spec's adds_up, and the share rule."""
    for indicator in indicators:
        if indicator.id not in table.by_indicator:
            continue
        columns = count_columns(indicator, indicator.adds_up.columns)
        over = indicator.adds_up.over
        if columns and "providers" in over:
            add_provider_margins(table, builder, indicator, columns)
        if columns and "breakdowns" in over:
            add_breakdown_margins(table, builder, indicator, columns)
        if columns and indicator.adds_up.crossed:
            add_crossed_margins(table, builder, indicator, columns)
        if columns:
            add_grouped_margins(table, builder, indicator, columns)
        if columns and "months" in over:
            add_month_margins(table, builder, indicator, columns)
        add_share_bases(table, builder, indicator)
