"""The monthly report, section by section: each function builds one part of the page from the
month's figures (`Figures`) and what all months share (`MonthlyData`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from kim.contract import DELIVERY_DUE_DAYS
from reports import labels
from reports.kit import charts
from reports.kit import formatting as fmt
from reports.kit.columns import MONTHLY_KEY_FIGURES, ColumnSpec
from reports.kit.figures import Figures, breakdown_columns, code_sorted, columns_of, sorted_breakdown
from reports.kit.tables import ChartBlock, Column, DataColumn, DataTable, Matrix, MatrixRow, Row, Table
from reports.kit.text import (
    UNPUBLISHED,
    UNPUBLISHED_COLUMNS,
    UNPUBLISHED_COLUMNS_MONTHLY,
    UNPUBLISHED_MONTHLY,
    omitted_note,
    short_label,
)
from reports.monthly.changes import change
from reports.monthly.data import MonthlyData
from reports.monthly.model import DeliveryNotice, DeliveryRow, KeyFigure, Revision
from reports.monthly.spec import ANNUAL_BREAKDOWNS, MATRIX_HEADER, TREND_SERIES, UNIT, BreakdownSpec
from reports.suppression import MISSING, display, indicator_kind, publishable


def due_date(period: str) -> dt.date:
    """The day a delivery for `period` is due: the 10th day after the month's end."""
    month_end = fmt.parse_period(fmt.shift_period(period, 1)) - dt.timedelta(days=1)
    return month_end + dt.timedelta(days=DELIVERY_DUE_DAYS)


def unpublished_note(dimension: str, *, columns: bool = False) -> str:
    """The note in place of a city-wide breakdown that is not published per month (`columns`: under
    a table some of whose columns are not): it is published per year (the plan publishes every
    city-wide breakdown per year), in the annual report when that report shows the breakdown."""
    if dimension in ANNUAL_BREAKDOWNS:
        return UNPUBLISHED_COLUMNS_MONTHLY if columns else UNPUBLISHED_MONTHLY
    return UNPUBLISHED_COLUMNS if columns else UNPUBLISHED


def withheld_table(dimension: str) -> Table:
    """A breakdown not published this month: no rows, only the note."""
    return Table([], [], note=unpublished_note(dimension))


def with_footnote(table: Table, dimension: str, left_out: list[Column]) -> Table:
    """`table`, with the footnote when columns were left out as not published this month."""
    if not left_out or table.empty:
        return table
    return dataclasses.replace(table, footnote=unpublished_note(dimension, columns=True))


def breakdown_table(
    figures: Figures, columns: list[Column], dimension: str, codes: list[str], total_label: str
) -> Table:
    """One row per breakdown value (counts without observations show 0) plus the total."""
    return Table(
        columns,
        [
            Row(
                code,
                labels.code_label(dimension, code),
                [figures.breakdown_cell(c.indicator_id, dimension, code) for c in columns],
            )
            for code in codes
        ]
        + ([Row("all", total_label, [figures.cell(c.indicator_id) for c in columns], total=True)] if codes else []),
    )


def breakdown_section(figures: Figures, spec: BreakdownSpec, month: str) -> tuple[Table, ChartBlock]:
    """Table (one row per dimension value plus the city total) and bar chart of `spec`.
    Only publishable values become bars; hidden ones are named in the omitted note."""
    dimension = spec.dimension
    columns, left_out = breakdown_columns(spec.columns, figures, dimension)
    if left_out and not columns:
        return withheld_table(dimension), ChartBlock(None)
    codes = sorted_breakdown(
        figures,
        spec.indicator_id,
        dimension,
        figures.dimension_values([c.indicator_id for c in columns], dimension),
    )
    table = with_footnote(breakdown_table(figures, columns, dimension, codes, spec.total_label), dimension, left_out)
    points, omitted = publishable(
        (labels.code_label(dimension, code), figures.cell(spec.indicator_id, "all", dimension, code)) for code in codes
    )
    note = omitted_note(omitted)
    if not points:
        return table, ChartBlock(None, note)
    overall = figures.cell(spec.indicator_id)
    svg = charts.horizontal_bar_chart(
        points,
        chart_id=spec.chart_id,
        title=spec.title.format(month=month),
        description=spec.describe(points, month),
        axis_label=spec.axis_label,
        value_format=spec.value_format,
        reference=(spec.reference_label.format(overall=overall.text), overall.value)
        if overall.value is not None
        else None,
        share_axis=spec.share_axis,
        category_label=spec.category_label,
    )
    return table, ChartBlock(
        Markup(svg), note, table_ref=spec.table_id or None, table_ref_caption=spec.table_caption.format(month=month)
    )


def provider_table(
    figures: Figures,
    specs: Iterable[ColumnSpec],
    providers: Sequence[Mapping[str, Any]],
    *,
    city: str,
    badges: Mapping[str, str] | None = None,
) -> Table:
    """One row per case-managing provider (configured ones by name, unknown ids as they are;
    the Ausländerbehörde has no cases) plus the city total."""
    columns = columns_of(specs, figures)
    names = {p["provider_id"]: p["provider_name"] for p in providers}
    kinds = {p["provider_id"]: p["provider_kind"] for p in providers}
    unknown = sorted(figures.providers() - set(names))
    rows = []
    for pid, name in [(p["provider_id"], p["provider_name"]) for p in providers] + [(pid, pid) for pid in unknown]:
        if kinds.get(pid) == "abh":
            continue
        rows.append(Row(pid, name, [figures.cell(c.indicator_id, pid) for c in columns], badge=(badges or {}).get(pid)))
    rows.append(Row("all", f"Stadt {city} gesamt", [figures.cell(c.indicator_id) for c in columns], total=True))
    return Table(columns, rows)


def simple_breakdown(
    figures: Figures,
    specs: Iterable[ColumnSpec],
    dimension: str,
    total_label: str,
    *,
    by_size: bool = True,
    all_codes: bool = False,
) -> Table:
    """A city-wide breakdown table. `all_codes`: every value of the dimension's code list
    gets a row once the breakdown has any (e.g. all caseload bands of a distribution)."""
    columns, left_out = breakdown_columns(specs, figures, dimension)
    if left_out and not columns:
        return withheld_table(dimension)
    values = figures.dimension_values([c.indicator_id for c in columns], dimension)
    if all_codes and values:
        values |= set(labels.CODE_LISTS.get(dimension, {}))
    codes = (
        sorted_breakdown(figures, columns[0].indicator_id, dimension, values)
        if by_size and columns
        else code_sorted(dimension, values)
    )
    return with_footnote(breakdown_table(figures, columns, dimension, codes, total_label), dimension, left_out)


def key_figures(figures: Figures, data: MonthlyData, period: str) -> list[KeyFigure]:
    previous = fmt.previous_period(period)
    last_year = fmt.shift_period(period, -12)
    out = []
    for indicator_id in MONTHLY_KEY_FIGURES:
        if not figures.has(indicator_id):
            continue
        kind = indicator_kind(indicator_id)
        cell = figures.cell(indicator_id)
        prev_cell = data.series_cell(indicator_id, previous)
        year_cell = data.series_cell(indicator_id, last_year)
        label = short_label(indicator_id)
        out.append(
            KeyFigure(
                indicator_id=indicator_id,
                label=label,
                cell=cell,
                unit=UNIT.get(kind, ""),
                previous=prev_cell,
                previous_label=fmt.month_year(previous),
                last_year=year_cell,
                last_year_label=fmt.month_year(last_year),
                change_previous=change(cell, prev_cell, kind),
                change_last_year=change(cell, year_cell, kind),
            )
        )
    return out


def deliveries(
    figures: Figures, data: MonthlyData, period: str, month: str
) -> tuple[list[DeliveryRow], list[DeliveryNotice]]:
    """The Datenstand table and the providers flagged at the top: no delivery at all, newest
    delivery older than the report month (stale), or the month's delivery not on time
    (delivery_on_time = 0)."""
    rows: list[DeliveryRow] = []
    notices: list[DeliveryNotice] = []
    due = fmt.date_short(due_date(period))
    for provider in data.providers:
        pid = provider["provider_id"]
        delivery = data.deliveries.get(pid)
        if delivery is None:
            status, period_label, exported, loaded = "keine Lieferung", "–", "–", "–"
        else:
            status = "veraltet" if delivery["period"] < period else "aktuell"
            period_label = fmt.month_year(delivery["period"])
            exported = fmt.date_short(delivery["exported_local"])
            loaded = fmt.date_short(delivery["loaded_local"])
        row = DeliveryRow(
            provider_id=pid,
            provider_name=provider["provider_name"],
            kind_label=labels.code_label("provider_kind", provider["provider_kind"]),
            period_label=period_label,
            exported=exported,
            loaded=loaded,
            status=status,
            on_time=figures.cell("delivery_on_time", pid),
        )
        rows.append(row)
        reasons = []
        if status == "keine Lieferung":
            reasons.append("keine Lieferung")
        elif status == "veraltet":
            reasons.append(
                f"letzte Lieferung: {period_label}; keine Lieferung für {month}, "
                "die Zahlen beruhen auf der letzten Lieferung und können "
                "unvollständig sein"
            )
        if row.late:
            reasons.append(f"Lieferung für {month} nicht fristgerecht bis {due} eingegangen")
        if reasons:
            notices.append(DeliveryNotice(pid, provider["provider_name"], reasons))
    return rows, notices


def trend(data: MonthlyData, *, city: str, period: str, month: str) -> ChartBlock:
    """Active, new and closed cases per month up to the report month: chart and the values
    as compact tables (one per calendar year, months as columns)."""
    periods = sorted(
        {p for p in data.periods if p <= period}
        | {p for name in TREND_SERIES for p in data.series.get(name, {}) if p <= period}
    )
    cells = {name: {p: c for p, c in data.series.get(name, {}).items() if p <= period} for name in TREND_SERIES}
    published = {name: {p: c.value for p, c in cells[name].items() if c.value is not None} for name in TREND_SERIES}
    if not periods or not any(published.values()):
        return ChartBlock(None)
    hidden_months = sorted({p for name in TREND_SERIES for p, c in cells[name].items() if c.hidden})
    active_now = cells["cases_active"].get(period)
    desc = (
        f"Liniendiagramm der aktiven Fälle in {city} von {fmt.month_year(periods[0])} bis "
        f"{month}"
        + (f"; im {month} {active_now.text} aktive Fälle" if active_now else "")
        + ". Darunter Säulen mit den neuen und den abgeschlossenen Fällen je Monat."
        " Die Werte stehen in der Tabelle unter der Grafik."
    )
    svg = charts.trend_chart(
        periods,
        published["cases_active"],
        published["cases_new"],
        published["cases_closed"],
        report_period=period,
        chart_id="grafik-verlauf",
        title=f"Fallzahlen im Verlauf, {city}",
        description=desc,
    )
    years: dict[str, list[str]] = {}
    for p in periods:
        years.setdefault(p[:4], []).append(p)
    tables = tuple(
        DataTable(
            table_id=f"tabelle-verlauf-{year}",
            caption=f"Fallzahlen je Monat {year}, Stadt gesamt",
            first_header="Kennzahl",
            columns=[DataColumn(p, _month_abbr(p), fmt.month_year(p)) for p in months],
            rows=[
                Row(name, labels.indicator_label(name), [cells[name].get(p, MISSING) for p in months])
                for name in TREND_SERIES
            ],
        )
        for year, months in sorted(years.items(), reverse=True)
    )
    return ChartBlock(
        Markup(svg),
        omitted_note([fmt.month_year(p) for p in hidden_months]),
        data=tables,
    )


_MONTH_ABBR = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.")


def _month_abbr(period: str) -> str:
    return _MONTH_ABBR[fmt.parse_period(period).month - 1]


def gap_matrix(figures: Figures) -> Matrix:
    """Unmet needs by category (rows) × unmet reason (columns), with both totals.

    Cells come from needs_unmet_count: dimension category_reason ('category|reason'), the row
    totals from dimension category, the column totals from unmet_reason, the corner from the
    city total. A combination without a row had no unmet need: 0. Not published per month: the
    note instead."""
    indicator = "needs_unmet_count"
    if figures.has(indicator) and not figures.published(indicator, "category_reason"):
        return Matrix(indicator, "Bedarfskategorie", [], "Insgesamt", [], note=unpublished_note("category_reason"))
    crossed = figures.dimension_values([indicator], "category_reason")
    categories = figures.dimension_values([indicator], "category") | {value.partition("|")[0] for value in crossed}
    reasons = figures.dimension_values([indicator], "unmet_reason") | {value.partition("|")[2] for value in crossed}
    if not categories or not reasons:
        return Matrix(indicator, "Bedarfskategorie", [], "Insgesamt", [])
    reason_codes = code_sorted("unmet_reason", reasons)
    columns = [Column(code, MATRIX_HEADER.get(code, labels.code_label("unmet_reason", code))) for code in reason_codes]
    rows = []
    for category in sorted_breakdown(figures, indicator, "category", categories):
        cells = [
            (f"{category}|{reason}", figures.breakdown_cell(indicator, "category_reason", f"{category}|{reason}"))
            for reason in reason_codes
        ]
        cells.append((f"{category}|all", figures.breakdown_cell(indicator, "category", category)))
        rows.append(MatrixRow(category, labels.code_label("category", category), cells))
    totals = [(f"all|{reason}", figures.breakdown_cell(indicator, "unmet_reason", reason)) for reason in reason_codes]
    totals.append(("all|all", figures.cell(indicator)))
    rows.append(MatrixRow("all", "Alle Bedarfskategorien", totals, total=True))
    return Matrix(indicator, "Bedarfskategorie", columns, "Insgesamt", rows)


def revisions(data: MonthlyData, period: str) -> list[Revision] | None:
    """Revised city-wide figures, shown in the report of the newest month only (the one the
    revisions table compares with the month before). None: no section. Only figures whose earlier
    value is the one the newest approved release printed: a value of a data state no release
    printed would be published here for the first time, beside the disclosure audit (design §6)."""
    if data.revisions is None:
        return None
    vintages = {row["current_vintage"] for row in data.revisions}
    if period not in (vintages or {data.newest}):
        return None
    order = {indicator_id: i for i, indicator_id in enumerate(labels.INDICATOR)}
    out = []
    for row in data.revisions:
        indicator_id = row["indicator_id"]
        kind = indicator_kind(indicator_id)
        before = display(
            {
                "value": row["previous_value"],
                "numerator": row["previous_numerator"],
                "denominator": row["previous_denominator"],
                "suppressed": row["previous_suppressed"],
            },
            kind,
            data.k,
        )
        now = display(
            {
                "value": row["current_value"],
                "numerator": row["current_numerator"],
                "denominator": row["current_denominator"],
                "suppressed": row["current_suppressed"],
            },
            kind,
            data.k,
        )
        if before.value is None or now.value is None or before.text == now.text:
            continue  # hidden on a side, or no visible difference
        if data.released.get((indicator_id, row["period"])) != before.text:
            continue  # the earlier figure was never published as it stands
        out.append(
            Revision(
                indicator_id=indicator_id,
                label=labels.indicator_label(indicator_id),
                period=row["period"],
                month=fmt.month_year(row["period"]),
                before=before,
                now=now,
                change=change(now, before, kind),
            )
        )
    out.sort(key=lambda r: (order.get(r.indicator_id, len(order)), r.indicator_id, r.period), reverse=False)
    return out


def persons_sentence(figures: Figures, month: str) -> str | None:
    persons, cases = figures.cell("persons_active"), figures.cell("cases_active")
    if persons.value is None or cases.value is None or persons.hidden or cases.hidden:
        return None
    return f"Im {month} wurden stadtweit {persons.text} Personen in {cases.text} aktiven Fällen begleitet."
