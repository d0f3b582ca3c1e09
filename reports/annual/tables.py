"""The annual report's tables and bar charts: by provider, by breakdown, per month, the gap
matrix and the largest gaps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from reports import labels
from reports.annual.figures import YearFigures
from reports.annual.model import Gap
from reports.annual.spec import MATRIX_REASON_LABEL
from reports.kit import charts
from reports.kit import formatting as fmt
from reports.kit.cells import zero_count
from reports.kit.columns import ColumnSpec
from reports.kit.figures import breakdown_columns, code_sorted, columns_of, sorted_breakdown
from reports.kit.tables import ChartBlock, Column, Matrix, MatrixRow, Row, Table
from reports.kit.text import UNPUBLISHED, UNPUBLISHED_COLUMNS, omitted_note
from reports.suppression import Cell, display, indicator_kind, publishable


def provider_table(
    figures: YearFigures,
    specs: Iterable[ColumnSpec],
    providers: Sequence[Mapping[str, Any]],
    city_label: str,
    chart_id: str | None = None,
) -> Table:
    columns = columns_of(specs, figures)
    rows = [
        Row(p["provider_id"], p["provider_name"], [figures.cell(c.indicator_id, p["provider_id"]) for c in columns])
        for p in providers
    ]
    rows.append(Row("all", city_label, [figures.cell(c.indicator_id) for c in columns], total=True))
    return Table(columns, rows if columns else [], chart_id)


def breakdown_table(
    figures: YearFigures,
    specs: Iterable[ColumnSpec],
    dimension: str,
    total_label: str,
    *,
    order_by: str | None = None,
    chart_id: str | None = None,
    full_code_list: bool = False,
) -> Table:
    """One row per breakdown value plus the total. `full_code_list`: every code of the code
    list, also those without observations (shown as 0), where the indicator exists. A breakdown
    that is not published per year is only the note."""
    shown, left_out = breakdown_columns(specs, figures.figures, dimension)
    # a column published with small groups pooled is printed pooled (its fine table holds only
    # the codes the pool left out)
    pooled_columns = [c for c in shown + left_out if _pools(figures, c.indicator_id, dimension + GROUPED_SUFFIX)]
    pooled = tuple(_pooled_table(figures, column, dimension, total_label) for column in pooled_columns)
    columns = [c for c in shown if c not in pooled_columns]
    left_out = [c for c in left_out if c not in pooled_columns]
    if left_out and not columns and not pooled:
        return Table([], [], chart_id, note=UNPUBLISHED)
    codes = figures.dimension_values([c.indicator_id for c in columns], dimension)
    if full_code_list and columns:
        codes |= set(labels.CODE_LISTS.get(dimension, {}))
    ordered = (
        sorted_breakdown(figures.figures, order_by, dimension, codes) if order_by else code_sorted(dimension, codes)
    )
    rows = [
        Row(
            code,
            labels.code_label(dimension, code),
            [figures.cell(c.indicator_id, "all", dimension, code) for c in columns],
        )
        for code in ordered
    ]
    if rows and columns:
        rows.append(Row("all", total_label, [figures.cell(c.indicator_id) for c in columns], total=True))
    else:
        rows = []
    footnote = UNPUBLISHED_COLUMNS if (rows or pooled) and left_out else None
    return Table(columns, rows, chart_id if rows else None, footnote=footnote, pooled=pooled)


def _pools(figures: YearFigures, indicator: str, grouped: str) -> bool:
    """The breakdown is published grouped and pools something this year (a year without a pool
    prints its fine table)."""
    values = figures.dimension_values([indicator], grouped) if figures.published(indicator, grouped) else set()
    return any(MEMBERS in value for value in values)


def _pooled_table(figures: YearFigures, column: Column, dimension: str, total_label: str) -> Table:
    """One column's breakdown with its small groups pooled (transforms.disclosure.grouping): the
    kept codes in code-list order, then the pool ("Übrige: …"), then the total."""
    grouped = dimension + GROUPED_SUFFIX
    values = figures.dimension_values([column.indicator_id], grouped)
    ordered = sorted(values, key=lambda group: (MEMBERS in group, code_sorted(dimension, group.split(MEMBERS))))
    rows = [Row(group, _group_label(dimension, group), [figures.cell(column.indicator_id, "all", grouped, group)]) for group in ordered]  # fmt: skip
    rows.append(Row("all", total_label, [figures.cell(column.indicator_id)], total=True))
    return Table([column], rows, footnote=POOLED_NOTE)


def bar_chart(
    figures: YearFigures,
    indicator_id: str,
    dimension: str,
    codes: Iterable[str],
    *,
    chart_id: str,
    title: str,
    describe,
    axis_label: str,
    value_format,
    reference_label: str | None,
    share_axis: bool = False,
) -> ChartBlock:
    # In code-list order: `codes` may be a set, whose order would change from run to run.
    ordered = sorted(codes, key=lambda code: (labels.code_order(dimension, code), code))
    points, omitted = publishable(
        (labels.code_label(dimension, code), figures.cell(indicator_id, "all", dimension, code)) for code in ordered
    )
    note = omitted_note(omitted)
    if not points:
        return ChartBlock(None, note)
    overall = figures.cell(indicator_id)
    svg = charts.horizontal_bar_chart(
        points,
        chart_id=chart_id,
        title=title,
        description=describe(points),
        axis_label=axis_label,
        value_format=value_format,
        reference=(reference_label.format(overall=overall.text), overall.value)
        if reference_label and overall.value is not None
        else None,
        share_axis=share_axis,
    )
    return ChartBlock(Markup(svg), note)


def series_table(
    periods: Sequence[str], series: Mapping[str, Mapping[str, Cell]], specs: Sequence[ColumnSpec], k: int, chart_id: str
) -> Table:
    columns = [Column(s.indicator_id, s.header) for s in specs]
    missing = display(None, indicator_kind("cases_new"), k)
    rows = [Row(p, fmt.month_year(p), [series.get(s.indicator_id, {}).get(p, missing) for s in specs]) for p in periods]
    return Table(columns, rows, chart_id)


def gap_matrix(figures: YearFigures, k: int) -> Matrix:
    """Unmet needs by category (rows) × reason (columns); the last cell of each row is the
    category's total (keyed by the category), the last row the reasons' totals."""
    indicator = "needs_unmet_count"
    if _pools(figures, indicator, GROUPED_GAPS):
        return grouped_gap_matrix(figures, k)
    if figures.has(indicator) and not figures.published(indicator, "category_reason"):
        return Matrix(indicator, "Bedarfskategorie", [], "Insgesamt", [], note=UNPUBLISHED)
    values = figures.dimension_values([indicator], "category_reason")
    pairs = [v.partition("|") for v in values if "|" in v]
    categories = code_sorted("category", {c for c, _, _ in pairs})
    reasons = code_sorted("unmet_reason", {r for _, _, r in pairs})
    zero = zero_count(k)
    rows = []
    hidden = total = 0
    for category in categories:
        cells = []
        for reason in reasons:
            key = f"{category}|{reason}"
            if key in values:
                cell = figures.cell(indicator, "all", "category_reason", key)
            else:  # no observations: a known zero (design: breakdown rows exist where observed)
                cell = zero
            hidden += cell.hidden
            total += 1
            cells.append((key, cell))
        cells.append((category, figures.cell(indicator, "all", "category", category)))
        rows.append(MatrixRow(category, labels.code_label("category", category), cells))
    if rows:
        totals = [(r, figures.cell(indicator, "all", "unmet_reason", r)) for r in reasons]
        totals.append(("all", figures.cell(indicator)))
        rows.append(MatrixRow("all", "Alle Kategorien", totals, total=True))
    columns = [Column(r, MATRIX_REASON_LABEL.get(r, labels.code_label("unmet_reason", r))) for r in reasons]
    return Matrix(indicator, "Bedarfskategorie", columns, "Insgesamt", rows, hidden / total if total else 0.0)


GROUPED_SUFFIX = "_grouped"  # transforms.disclosure.grouping (not imported: the solvers)
GROUPED_GAPS = "category_reason" + GROUPED_SUFFIX
MEMBERS = "+"  # joins the members of a pool
POOLED_NOTE = "Kleine Gruppen sind zu „Übrige“ zusammengefasst, damit keine Werte verdeckt werden müssen."
POOLED_REMARK = (
    "Kleine Bedarfskategorien und Gründe sind zu „Übrige“ zusammengefasst, damit die Tabelle "
    "möglichst wenige Felder verdecken muss."
)


def _group_label(code_list: str, group: str) -> str:
    """A pooled group of codes ('arbeit+familie') as "Übrige: Arbeit, Familie"; one code as itself."""
    codes = group.split(MEMBERS)
    if len(codes) == 1:
        return labels.code_label(code_list, group)
    return "Übrige: " + ", ".join(labels.code_label(code_list, code) for code in codes)


def grouped_gap_matrix(figures: YearFigures, k: int) -> Matrix:
    """The gap matrix with small categories and reasons pooled: the grouped cells of the year
    (value 'categories|reasons', members joined by '+'); the row and column totals are the groups
    over every reason and every category (the side naming the most members)."""
    indicator = "needs_unmet_count"
    values = figures.dimension_values([indicator], GROUPED_GAPS)
    pairs = [value.partition("|") for value in values]
    every_left = max((left for left, _, _ in pairs), key=lambda group: (group.count(MEMBERS), group))
    every_right = max((right for _, _, right in pairs), key=lambda group: (group.count(MEMBERS), group))
    lefts = sorted({left for left, _, _ in pairs} - {every_left}, key=lambda g: (MEMBERS in g, code_sorted("category", g.split(MEMBERS))))  # fmt: skip
    rights = sorted({right for _, _, right in pairs} - {every_right}, key=lambda g: (MEMBERS in g, code_sorted("unmet_reason", g.split(MEMBERS))))  # fmt: skip
    rows, hidden, total = [], 0, 0
    for left in lefts:
        cells = []
        for right in rights:
            key = f"{left}|{right}"
            cell = figures.cell(indicator, "all", GROUPED_GAPS, key)
            hidden += cell.hidden
            total += 1
            cells.append((key, cell))
        cells.append((f"{left}|{every_right}", figures.cell(indicator, "all", GROUPED_GAPS, f"{left}|{every_right}")))
        rows.append(MatrixRow(left, _group_label("category", left), cells))
    if rows:
        totals = [
            (f"{every_left}|{r}", figures.cell(indicator, "all", GROUPED_GAPS, f"{every_left}|{r}")) for r in rights
        ]
        totals.append(("all", figures.cell(indicator)))
        rows.append(MatrixRow("all", "Alle Kategorien", totals, total=True))
    columns = [Column(r, MATRIX_REASON_LABEL.get(r, _group_label("unmet_reason", r))) for r in rights]
    share = hidden / total if total else 0.0
    return Matrix(indicator, "Bedarfskategorie", columns, "Insgesamt", rows, share, remark=POOLED_REMARK)


def top_gaps(figures: YearFigures, limit: int = 5) -> list[Gap]:
    """Categories where needs stay unmet most often: by published share of unmet needs, then
    categories with only a published count; each with its published reasons, largest first."""
    categories = figures.dimension_values(["needs_unmet_count", "needs_unmet_share"], "category")
    by_count = [
        c
        for c in sorted_breakdown(figures.figures, "needs_unmet_count", "category", categories)
        if (figures.cell("needs_unmet_count", "all", "category", c).value or 0) > 0
    ]
    by_share = [
        c
        for c in sorted_breakdown(figures.figures, "needs_unmet_share", "category", categories)
        if (figures.cell("needs_unmet_share", "all", "category", c).value or 0) > 0
    ]
    ordered = by_share + [c for c in by_count if c not in by_share]
    pairs = figures.dimension_values(["needs_unmet_count"], "category_reason")
    gaps = []
    for category in ordered[:limit]:
        reasons = []
        for pair in pairs:
            cat, _, reason = pair.partition("|")
            if cat != category:
                continue
            cell = figures.cell("needs_unmet_count", "all", "category_reason", pair)
            if cell.value:
                reasons.append((labels.code_label("unmet_reason", reason), cell))
        reasons.sort(key=lambda rc: (-(rc[1].value or 0), rc[0]))
        gaps.append(
            Gap(
                category,
                labels.code_label("category", category),
                figures.cell("needs_unmet_count", "all", "category", category),
                figures.cell("needs_unmet_share", "all", "category", category),
                reasons,
            )
        )
    return gaps
