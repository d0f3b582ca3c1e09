"""The provider report, section by section: own vs city-wide tables with bar charts, the
trend of the provider's case numbers and its delivery status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from reports import labels
from reports.kit import charts
from reports.kit import formatting as fmt
from reports.kit.cells import zero_count
from reports.kit.columns import ColumnSpec
from reports.kit.figures import Figures, columns_of
from reports.kit.publication import Publication
from reports.kit.tables import ChartBlock, Column, Row, Table
from reports.kit.text import (
    HIGHEST_SHOWN,
    LONGEST_SHOWN,
    UNPUBLISHED,
    UNPUBLISHED_OWN,
    UNPUBLISHED_SERIES,
    omitted_note,
)
from reports.provider.model import (
    CASE_SERIES,
    QUERIES,
    TIMELINESS_STATUS,
    TREND_MONTHS,
    DeliveryStatus,
    PairRow,
    PairTable,
    TimelinessRow,
)
from reports.suppression import Cell, Kind, display, indicator_kind, publishable


def pair_section(
    figures: Figures,
    provider_id: str,
    *,
    dimension: str,
    columns: Sequence[ColumnSpec],
    total_label: str,
    k: int,
) -> PairTable:
    """Own vs city-wide figures by one breakdown (rows: codes of own or city rows + total).
    A column whose breakdown is published on neither side this month is left out. The table is
    only the note when nothing is left, or when no row is left and a part was withheld; when the
    provider's own side is not published, the note says so above the table (its own cells are
    "k. A.", never a zero)."""
    candidates = columns_of(columns, figures)
    if not candidates:
        return PairTable([], [])
    own_shown = [c for c in candidates if figures.published(c.indicator_id, dimension, provider_id)]
    city_shown = [c for c in candidates if figures.published(c.indicator_id, dimension)]
    shown = [c for c in candidates if c in own_shown or c in city_shown]
    withheld = len(own_shown) < len(candidates) or len(city_shown) < len(candidates)
    if not shown:
        return PairTable([], [], UNPUBLISHED)
    ids = [c.indicator_id for c in shown]
    codes = figures.dimension_values(ids, dimension, provider_id) | figures.dimension_values(ids, dimension, "all")
    sort_id = ids[0]

    def breakdown_cell(indicator_id: str, unit: str, code: str) -> Cell:
        cell = figures.cell(indicator_id, unit, dimension, code)
        # Breakdown rows exist only where there are observations: a count without a row is 0
        # when the unit's total for the indicator exists and the breakdown is published.
        if (
            cell.status == "missing"
            and indicator_kind(indicator_id) is Kind.COUNT
            and figures.published(indicator_id, dimension, unit)
            and figures.cell(indicator_id, unit).status != "missing"
        ):
            return zero_count(k)
        return cell

    def own_cell(indicator_id: str, code: str) -> Cell:
        return breakdown_cell(indicator_id, provider_id, code)

    def city_cell(indicator_id: str, code: str) -> Cell:
        return breakdown_cell(indicator_id, "all", code)

    def key(code: str) -> tuple[int, float, int, str]:
        # Own published figures first (largest first), then hidden/missing ones in code-list
        # order. City-wide figures never decide the order (a hidden one would leak through it).
        cell = own_cell(sort_id, code)
        if cell.value is not None:
            return (0, -cell.value, labels.code_order(dimension, code), code)
        return (1, 0.0, labels.code_order(dimension, code), code)

    rows = [
        PairRow(
            code,
            labels.code_label(dimension, code),
            [(own_cell(c.indicator_id, code), city_cell(c.indicator_id, code)) for c in shown],
        )
        for code in sorted(codes, key=key)
    ]
    if rows:
        rows.append(
            PairRow(
                "all",
                total_label,
                [(figures.cell(c.indicator_id, provider_id), figures.cell(c.indicator_id, "all")) for c in shown],
                total=True,
            )
        )
    if not rows:
        return PairTable(shown, [], UNPUBLISHED if withheld else None)
    return PairTable(shown, rows, None if own_shown else UNPUBLISHED_OWN)


def bar_chart(
    table: PairTable,
    indicator_id: str,
    *,
    chart_id: str,
    title: str,
    describe,
    axis_label: str,
    reference_label: str,
    value_format,
    table_ref: str,
    table_caption: str,
    share_axis: bool = False,
) -> ChartBlock:
    """Bars of the provider's own publishable figures; dashed line: the city-wide total."""
    if table.empty or indicator_id not in [c.indicator_id for c in table.columns]:
        return ChartBlock(None)
    index = [c.indicator_id for c in table.columns].index(indicator_id)
    points, omitted = publishable((row.label, row.pairs[index][0]) for row in table.rows if not row.total)
    note = omitted_note(omitted)
    if not points:
        return ChartBlock(None, note)
    totals = [row for row in table.rows if row.total]
    city = totals[0].pairs[index][1] if totals else None
    reference = None
    if city is not None and city.value is not None:
        reference = (reference_label.format(overall=city.text), city.value)
    svg = charts.horizontal_bar_chart(
        points,
        chart_id=chart_id,
        title=title,
        description=describe(points, reference),
        axis_label=axis_label,
        value_format=value_format,
        reference=reference,
        share_axis=share_axis,
    )
    return ChartBlock(Markup(svg), note, table_ref=table_ref, table_ref_caption=table_caption)


def describe_handovers(points, reference, *, name: str, month: str) -> str:
    longest = max(points, key=lambda p: p[1])
    shortest = min(points, key=lambda p: p[1])
    text = (
        f"Balkendiagramm: Median der Wartezeit in Tagen je Zielstelle für Übergaben von "
        f"{name} mit erstem Termin im {month}. {LONGEST_SHOWN}: {longest[0]} mit "
        f"{fmt.decimal_fixed(longest[1])} Tagen; am kürzesten: {shortest[0]} mit "
        f"{fmt.decimal_fixed(shortest[1])} Tagen."
    )
    if reference:
        text += f" Gestrichelte Linie: {reference[0]}."
    return text


def describe_needs(points, reference, *, name: str, month: str) -> str:
    highest = max(points, key=lambda p: p[1])
    text = (
        f"Balkendiagramm: Anteil der im {month} abgeschlossenen Bedarfe von {name}, die "
        f"nicht gedeckt werden konnten, je Bedarfskategorie. {HIGHEST_SHOWN}: {highest[0]} "
        f"mit {fmt.percent(highest[1])}."
    )
    if reference:
        text += f" Gestrichelte Linie: {reference[0]}."
    return text


def trend_section(
    con: Any, *, provider_id: str, name: str, period: str, month: str, k: int, publication: Publication
) -> tuple[ChartBlock, Table]:
    """The provider's case numbers per month: chart and table. A series that is not published per
    month is left out of both; when none is, the table is only the note."""
    shown = [ind for ind in CASE_SERIES if publication.published(ind, "all", provider_id)]
    if not shown:
        return ChartBlock(None), Table([], [], note=UNPUBLISHED_SERIES)
    first = fmt.shift_period(period, -(TREND_MONTHS - 1))
    rows = QUERIES.run(con, "provider_series", {"provider_id": provider_id, "first": first, "period": period})
    rows = publication.rows(rows)
    periods = [r["period"] for r in QUERIES.run(con, "provider_periods", {"first": first, "period": period})]
    periods = sorted(set(periods) | {r["period"] for r in rows})
    series: dict[str, dict[str, Cell]] = {name_: {} for name_ in CASE_SERIES}
    for row in rows:
        series[row["indicator_id"]][row["period"]] = display(row, indicator_kind(row["indicator_id"]), k)

    caption = f"Fallzahlen von {name} je Monat"
    table = Table(
        [Column(ind, labels.indicator_label(ind)) for ind in shown],
        [
            Row(p, fmt.month_year(p), [series[ind].get(p) or display(None, indicator_kind(ind), k) for ind in shown])
            for p in periods
        ],
    )
    published = {ind: {p: c.value for p, c in series[ind].items() if c.value is not None} for ind in CASE_SERIES}
    if not periods or not any(published.values()):
        return ChartBlock(None), table
    hidden_months = sorted({p for ind in CASE_SERIES for p, c in series[ind].items() if c.hidden})
    active_now = series["cases_active"].get(period)
    desc = (
        f"Liniendiagramm der aktiven Fälle von {name} von {fmt.month_year(periods[0])} bis "
        f"{month}"
        + (
            f"; im {month} {active_now.text} aktive Fälle"
            if active_now is not None and active_now.value is not None
            else ""
        )
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
        title=f"Fallzahlen im Verlauf, {name}",
        description=desc,
        active_title=f"Aktive Fälle im Monat, {name}",
    )
    note = omitted_note([fmt.month_year(p) for p in hidden_months])
    return ChartBlock(Markup(svg), note, table_ref="tabelle-verlauf", table_ref_caption=caption), table


def delivery_section(
    con: Any, *, provider_id: str, period: str, figures: Figures, k: int
) -> tuple[DeliveryStatus, list[TimelinessRow], str | None]:
    relations = {r["table_name"] for r in QUERIES.run(con, "provider_relations")}
    on_time = figures.cell("delivery_on_time", provider_id)
    timeliness: list[TimelinessRow] = []
    if "delivery_timeliness" in relations:
        first = fmt.shift_period(period, -(TREND_MONTHS - 1))
        for r in QUERIES.run(
            con, "provider_timeliness", {"provider_id": provider_id, "first": first, "period": period}
        ):
            status = str(r["status"] or "")
            timeliness.append(
                TimelinessRow(
                    period=r["period"],
                    month=fmt.month_year(r["period"]),
                    due=fmt.date_short(r["due_on"]),
                    received=fmt.date_short(r["received_local"]),
                    status=status,
                    status_label=TIMELINESS_STATUS.get(status, status or "–"),
                )
            )
    if "fct_deliveries" not in relations:
        return (DeliveryStatus(False, "–", "–", "–", "keine Lieferung", None, on_time), timeliness, None)
    newest = QUERIES.run(con, "provider_delivery", {"provider_id": provider_id})
    as_of_rows = QUERIES.run(con, "provider_data_as_of")
    as_of = as_of_rows[0]["loaded_local"] if as_of_rows else None
    data_as_of = fmt.date_long(as_of) if as_of else None
    if not newest:
        return (DeliveryStatus(True, "–", "–", "–", "keine Lieferung", None, on_time), timeliness, data_as_of)
    row = newest[0]
    by_period = {t.period: t for t in timeliness}
    newest_timeliness = by_period.get(row["period"])
    return (
        DeliveryStatus(
            available=True,
            period_label=fmt.month_year(row["period"]),
            exported=fmt.date_short(row["exported_local"]),
            loaded=fmt.date_short(row["loaded_local"]),
            status="veraltet" if row["period"] < period else "aktuell",
            newest_timeliness=newest_timeliness.status_label if newest_timeliness else None,
            report_month_on_time=on_time,
        ),
        timeliness,
        data_as_of,
    )
