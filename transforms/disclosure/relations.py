"""The `relations` of the specs as rows of the reader's system: `equal` / `at_most` / `at_least`
(left against the sum of the right terms) and `quotient` (a printed figure is its numerator over its
denominator up to the printed rounding: with s the printed figure and d half the printed step,
`num - (s - d) * den >= 0` and `num - (s + d) * den <= 0`). Terms at another period, of another
indicator, summed over the providers or public (funded FTE, a period's cost) are resolved per
anchor cell; a term outside the release makes that instance unknown to the reader (not built).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from transforms.disclosure.cells import ALL, CellTable, PublicQuantities, RowKey, cell_name, is_month, shift_month
from transforms.disclosure.margins import count_columns
from transforms.disclosure.system import INF, Expression, SystemBuilder
from transforms.indicators.registry import INDICATORS_BY_ID
from transforms.indicators.spec import Indicator, Relation, Term

# Half the printed rounding step of a figure by kind: shares with one decimal of a percent,
# ratios (cases per FTE) with one decimal, costs per case in whole euros.
HALF_STEP = {"share": 0.0005, "ratio": 0.05, "per_case": 0.5}
# Rounding bounds are widened by this relative amount so that float error never cuts off the truth.
WIDEN = 1e-9


def resolve(table: CellTable, public: PublicQuantities, term: Term, anchor: RowKey) -> Expression | None:
    """The term as an expression over cells at `anchor` (its period, unit and, unless the term
    names one, its breakdown cell); None when the reader cannot know it from this release."""
    _, period, provider, dimension, dimension_value = anchor
    if term.public is not None:
        quantity = public.get(term.public, period, provider)
        return None if quantity is None else Expression({}, term.coefficient * quantity)
    assert term.indicator is not None  # the spec loader fills in the own indicator
    columns = count_columns(INDICATORS_BY_ID[term.indicator], (term.column,))
    if not columns:
        return None  # a figure that is no count (a median, an amount): no cell
    if term.period_offset and not is_month(period):
        return None  # an offset counts months
    target = shift_month(period, term.period_offset) if term.period_offset else period
    if term.dimension is not None and term.dimension_value is not None:
        dimension, dimension_value = term.dimension, term.dimension_value
    units = table.providers(term.indicator, target) if term.sum_over_providers else [provider]
    if not units:
        return None
    terms: dict[int, float] = {}
    for unit in units:
        position = table.index.get((term.indicator, target, unit, dimension, dimension_value, columns[0]))
        if position is not None:
            terms[position] = terms.get(position, 0.0) + term.coefficient
        elif not table.covers(term.indicator, target, unit):
            return None  # outside the release
    return Expression(terms)


def anchors(table: CellTable, relation: Relation) -> Iterator[RowKey]:
    """The rows of the left term's indicator the relation is about (cells, providers, periods)."""
    indicator = relation.left.indicator
    seen: set[RowKey] = set()
    for position in table.by_indicator.get(indicator or "", []):
        row: RowKey = table.keys[position][:5]
        if row in seen:
            continue
        seen.add(row)
        _, period, provider, dimension, _ = row
        if relation.cells == "total" and dimension != ALL:
            continue
        if (relation.providers == "each" and provider == ALL) or (relation.providers == "all" and provider != ALL):
            continue
        if (relation.periods == "months" and not is_month(period)) or (
            relation.periods == "years" and is_month(period)
        ):
            continue
        yield row


def add_linear(table: CellTable, public: PublicQuantities, builder: SystemBuilder, spec: Indicator, relation: Relation):
    bounds = {"equal": (0.0, 0.0), "at_most": (-INF, 0.0), "at_least": (0.0, INF)}[relation.type]
    for anchor in anchors(table, relation):
        left = resolve(table, public, relation.left, anchor)
        right = [resolve(table, public, term, anchor) for term in relation.right]
        if left is None or any(term is None for term in right):
            builder.skip(f"{relation.type}: a term outside the release")
            continue
        expression = left
        for term in right:
            expression = expression.add(term, -1.0)  # type: ignore[arg-type]
        label = f"{spec.id}: {relation.about} [{cell_name(anchor)}]"
        builder.add(expression, *bounds, relation.type, label)


def add_quotient(
    table: CellTable,
    public: PublicQuantities,
    builder: SystemBuilder,
    spec: Indicator,
    relation: Relation,
    half_steps: Mapping[str, float],
):
    half = half_steps.get(spec.kind)
    assert relation.numerator is not None and relation.denominator is not None
    for anchor in anchors(table, relation):
        printed = table.printed.get(anchor)
        if half is None or printed is None:
            builder.skip("quotient: figure not printed")
            continue
        numerator = resolve(table, public, relation.numerator, anchor)
        denominator = resolve(table, public, relation.denominator, anchor)
        if numerator is None or denominator is None:
            builder.skip("quotient: a term outside the release")
            continue
        shown = round(printed / (2 * half)) * 2 * half
        low, high = shown - half * (1 + WIDEN) - 1e-12, shown + half * (1 + WIDEN) + 1e-12
        name = f"{spec.id} printed {shown:.6g} [{cell_name(anchor)}]"
        if low > 0:
            builder.add(numerator.add(denominator, -low), 0.0, INF, "quotient", f"{name}: at least {shown - half:.6g}")
        builder.add(numerator.add(denominator, -high), -INF, 0.0, "quotient", f"{name}: at most {shown + half:.6g}")


def add_relations(
    table: CellTable,
    public: PublicQuantities,
    builder: SystemBuilder,
    indicators: tuple[Indicator, ...],
    half_steps: Mapping[str, float],
) -> None:
    """Every relation of every spec whose left indicator the release holds."""
    for spec in indicators:
        for relation in spec.relations:
            if relation.left.indicator not in table.by_indicator:
                continue
            if relation.type == "quotient":
                add_quotient(table, public, builder, spec, relation, half_steps)
            else:
                add_linear(table, public, builder, spec, relation)
