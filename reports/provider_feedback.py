"""Provider feedback report ("Rückmeldung an den Träger"), one per provider and month.

Public API:
    render_provider_reports(con, reports_dir, *, city, k, period=None, provider_ids=None)
        -> list[Path]   (reports_dir/traegerbericht_<provider_id>_<YYYY-MM>.html)
    build_provider_context(con, *, city, k, period, provider_id) -> dict

For the management of one provider: its own figures of the month beside the city-wide figures
('all'), the change against the previous month, handover delays by target service, unmet needs by
category, its delivery status and a trend of its case numbers over the last twelve months.

Privacy (design §6), on top of the display rules of `reports.suppression`:
- Only the provider's own rows and the city-wide rows are read (reports/sql/provider_*.sql). Other
  providers' rows are only counted, inside SQL, to decide whether a city-wide figure may be shown.
- The city-wide figure minus the provider's own figure is the rest of the city. Where fewer than
  two OTHER providers contribute to a city-wide cell (a non-zero count or a non-empty base), or the
  rest of the city has a base from 1 to k−1, the city-wide comparison is hidden ("–"): otherwise
  the provider could compute a single other provider's figure, or a count below k.
- Every figure, own or city-wide, passes through `reports.suppression.display`; changes against
  the previous month are only computed from two publishable figures.
- No pseudonym is read: only marts.indicator_values, marts.dim_providers and the delivery
  metadata of marts.fct_deliveries / marts.delivery_timeliness (periods and times).
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from reports import charts, labels
from reports import formatting as fmt
from reports.render import Column, Definition, Row, Table, _Figures, environment, latest_period, run_query, write_atomic
from reports.suppression import Cell, Kind, display, indicator_kind, legend, publishable

PREFIX = "traegerbericht_"
TEMPLATE = "traegerbericht.html.j2"
PROVIDER_KINDS = ("wohlfahrt", "stadt")
TREND_MONTHS = 12
CASE_SERIES = ("cases_active", "cases_new", "cases_closed")

# Provider ids are opaque strings of the exchange format (design §3); they become file names.
_PROVIDER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# The comparison table: groups of indicators, in this order. Missing indicators are skipped.
KEY_FIGURE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Fälle und Personen",
        (
            "cases_active",
            "cases_new",
            "cases_closed",
            "persons_active",
            "caseload_per_fte",
            "focus_group_share_new",
        ),
    ),
    (
        "Übergaben an andere Stellen",
        (
            "handover_delay_median_days",
            "handover_delay_p90_days",
            "handover_within_14d_share",
            "handovers_pending_over_30d",
        ),
    ),
    (
        "Bedarfe",
        (
            "needs_unmet_share",
            "needs_unmet_count",
            "needs_open_over_90d",
            "time_to_first_need_median_days",
        ),
    ),
    (
        "Kontinuität der Begleitung",
        (
            "cm_continuity_share",
            "status_change_retained_share",
        ),
    ),
)

# Cards at the top of the report.
CARD_FIGURES = ("cases_active", "cases_new", "cases_closed", "caseload_per_fte")

HANDOVER_COLUMNS = (
    ("handover_delay_median_days", "Median Wartezeit (Tage)"),
    ("handover_within_14d_share", "Anteil innerhalb von 14 Tagen"),
    ("handovers_pending_over_30d", "Seit über 30 Tagen ohne Ersttermin"),
)
NEEDS_COLUMNS = (
    ("needs_unmet_share", "Anteil ungedeckt"),
    ("needs_unmet_count", "Ungedeckte Bedarfe (Anzahl)"),
    ("needs_open_over_90d", "Seit über 90 Tagen offen"),
)

TIMELINESS_STATUS = {
    "fristgerecht": "fristgerecht",
    "verspaetet": "verspätet",
    "fehlt": "fehlt",
    "offen": "noch nicht fällig",
}

OWN = "Ihr Träger"
CITY_WIDE = "Stadt gesamt"

GUARD_NOTE = (
    "Stadtweiter Vergleichswert nicht ausgewiesen: Ohne Ihren Träger lägen ihm Angaben von "
    "weniger als zwei weiteren Trägern oder weniger als {k} Fälle zugrunde. Aus der Differenz "
    "ließen sich sonst die Zahlen eines einzelnen anderen Trägers ablesen."
)


# --------------------------------------------------------------------------------------------
# View model (display strings and Cells only, no raw figures)


@dataclass(frozen=True)
class ComparisonRow:
    indicator_id: str
    label: str
    own: Cell
    previous: Cell
    change: Cell
    city: Cell


@dataclass(frozen=True)
class ComparisonGroup:
    title: str
    key: str
    rows: list[ComparisonRow]


@dataclass(frozen=True)
class Card:
    indicator_id: str
    label: str
    own: Cell
    unit: str
    previous: Cell
    city: Cell


@dataclass(frozen=True)
class PairRow:
    key: str
    label: str
    pairs: list[tuple[Cell, Cell]]  # (own, city) per column
    total: bool = False


@dataclass(frozen=True)
class PairTable:
    columns: list[Column]  # each indicator shown twice: own and city-wide
    rows: list[PairRow]

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Chart:
    """An inline SVG chart, a note on values left out for privacy, and the id and caption of
    the table on the page that holds the chart's values."""

    svg: Markup | None
    omitted_note: str | None = None
    table_ref: str | None = None
    table_caption: str = ""


@dataclass(frozen=True)
class DeliveryStatus:
    available: bool  # marts.fct_deliveries exists
    period_label: str  # newest accepted delivery, or "–"
    exported: str
    loaded: str
    status: str  # "aktuell", "veraltet", "keine Lieferung"
    newest_timeliness: str | None  # on time or not, for the newest delivery's month
    report_month_on_time: Cell  # indicator delivery_on_time of the report month

    @property
    def stale(self) -> bool:
        return self.status != "aktuell"


@dataclass(frozen=True)
class TimelinessRow:
    period: str
    month: str
    due: str
    received: str
    status: str
    status_label: str

    @property
    def ok(self) -> bool:
        return self.status == "fristgerecht"


# --------------------------------------------------------------------------------------------
# Helpers


def _shift_period(period: str, months: int) -> str:
    first = fmt.parse_period(period)
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _check_provider_id(provider_id: str) -> str:
    if not isinstance(provider_id, str) or not _PROVIDER_ID_RE.match(provider_id):
        raise ValueError(f"provider id must match [A-Za-z0-9_-]{{1,64}}, got {provider_id!r}")
    return provider_id


def _label(indicator_id: str) -> str:
    return labels.indicator_label(indicator_id).replace(" (Tage)", "")


def _unit(kind: Kind) -> str:
    return "Tage" if kind is Kind.DAYS else ""


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if number != number else number  # NaN -> 0


def _hidden_cell(k: int, note: str) -> Cell:
    """The "hidden" sign of the display rules, with our own explanation."""
    cell = display({"value": 0.0, "denominator": 0, "suppressed": True}, Kind.SHARE, k)
    return dataclasses.replace(cell, note=note)


def _zero_count(k: int) -> Cell:
    return display({"value": 0.0, "numerator": 0, "suppressed": False}, Kind.COUNT, k)


def _signed(diff: float, text: str) -> str:
    if diff > 0:
        return f"+{text}"
    if diff < 0:
        return f"\u2212{text}"
    return f"\u00b1{text}"


def _change(current: Cell, previous: Cell, kind: Kind, k: int) -> Cell:
    """Change against the previous month, only from two publishable figures."""
    if current.hidden or previous.hidden:
        return _hidden_cell(k, "Keine Veränderung ausgewiesen: Ein Monatswert ist verdeckt.")
    if current.value is None or previous.value is None:
        return display(None, kind, k)  # "k. A."
    # From the figures as displayed (rounded), so the change matches the two printed values.
    if kind is Kind.COUNT:
        diff = float(round(current.value) - round(previous.value))
        text = _signed(diff, fmt.integer(abs(diff)))
    elif kind in (Kind.SHARE, Kind.MONEY_SHARE):
        diff = round(round(current.value * 100, 1) - round(previous.value * 100, 1), 1)
        text = _signed(diff, fmt.decimal_fixed(abs(diff), 1)) + "\u00a0Pp."
    else:
        diff = round(round(current.value, 1) - round(previous.value, 1), 1)
        text = _signed(diff, fmt.decimal_fixed(abs(diff), 1))
    return Cell(text, "value", diff)


class _CityGuard:
    """Decides whether a city-wide cell may stand next to the provider's own figure.

    city − own = the rest of the city. Hidden when fewer than two other providers contribute to
    the cell, or when the rest of the city has a base from 1 to k−1."""

    def __init__(
        self,
        contributors: Iterable[Mapping[str, Any]],
        k: int,
        rows: Mapping[tuple[str, str, str, str], Mapping[str, Any]],
    ):
        self.k = k
        self._contributors = {
            (r["indicator_id"], r["dimension"], r["dimension_value"]): int(r["contributors"] or 0) for r in contributors
        }
        self._rows = rows  # own and city-wide rows of the month, by key
        self._note = GUARD_NOTE.format(k=k)

    def _rest_base(self, indicator_id: str, provider_id: str, dimension: str, value: str) -> float | None:
        city = self._rows.get((indicator_id, "all", dimension, value))
        if city is None:
            return None
        own = self._rows.get((indicator_id, provider_id, dimension, value)) or {}
        kind = indicator_kind(indicator_id)
        if kind is Kind.COUNT:
            field = "value"
        elif kind is Kind.RATIO:
            field = "numerator"
        elif kind in (Kind.SHARE, Kind.DAYS, Kind.MONEY_PER_CASE):
            field = "denominator"
        else:
            return None
        if city.get(field) is None:
            return None
        return _number(city.get(field)) - _number(own.get(field))

    def allows(self, indicator_id: str, provider_id: str, dimension: str = "all", value: str = "all") -> bool:
        if self._contributors.get((indicator_id, dimension, value), 0) < 2:
            return False
        rest = self._rest_base(indicator_id, provider_id, dimension, value)
        return not (rest is not None and 0 < round(rest) < self.k)

    def check(
        self, cell: Cell, indicator_id: str, provider_id: str, dimension: str = "all", value: str = "all"
    ) -> Cell:
        """`cell` (a city-wide cell from `display`), or the hidden sign if the guard says no."""
        if cell.status == "missing":
            return cell
        if not self.allows(indicator_id, provider_id, dimension, value):
            return _hidden_cell(self.k, self._note)
        return cell

    def city_cell(
        self, figures: _Figures, indicator_id: str, provider_id: str, dimension: str = "all", value: str = "all"
    ) -> Cell:
        return self.check(
            figures.cell(indicator_id, "all", dimension, value), indicator_id, provider_id, dimension, value
        )


def _legend(k: int) -> list[tuple[str, str]]:
    """The signs of the display rules; "–" also marks a hidden city-wide comparison figure."""
    hidden = _hidden_cell(k, "").text
    return [
        (
            sign,
            text
            + (
                " Beim stadtweiten Vergleichswert auch: nicht ausgewiesen, damit die "
                "Zahlen eines einzelnen anderen Trägers nicht zurückgerechnet werden "
                "können."
                if sign == hidden
                else ""
            ),
        )
        for sign, text in legend(k)
    ]


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def _omitted_note(omitted: list[str], what: str) -> str | None:
    if not omitted:
        return None
    return (
        f"Aus Datenschutzgründen nicht dargestellt ({what}): {_join(omitted)}. "
        "Die zugehörigen Werte sind auch in der Tabelle verdeckt."
    )


# --------------------------------------------------------------------------------------------
# Sections


def _pair_section(
    figures: _Figures,
    guard: _CityGuard,
    provider_id: str,
    *,
    dimension: str,
    columns: Sequence[tuple[str, str]],
    total_label: str,
    k: int,
) -> PairTable:
    """Own vs city-wide figures by one breakdown (rows: codes of own or city rows + total)."""
    shown = [Column(ind, header) for ind, header in columns if figures.has(ind)]
    if not shown:
        return PairTable([], [])
    ids = [c.indicator_id for c in shown]
    codes = figures.dimension_values(ids, dimension, provider_id) | figures.dimension_values(ids, dimension, "all")
    sort_id = ids[0]

    def breakdown_cell(indicator_id: str, unit: str, code: str) -> Cell:
        cell = figures.cell(indicator_id, unit, dimension, code)
        # Breakdown rows exist only where there are observations: a count without a row is 0
        # when the unit's total for the indicator exists.
        if (
            cell.status == "missing"
            and indicator_kind(indicator_id) is Kind.COUNT
            and figures.cell(indicator_id, unit).status != "missing"
        ):
            return _zero_count(k)
        return cell

    def own_cell(indicator_id: str, code: str) -> Cell:
        return breakdown_cell(indicator_id, provider_id, code)

    def city_cell(indicator_id: str, code: str) -> Cell:
        return guard.check(breakdown_cell(indicator_id, "all", code), indicator_id, provider_id, dimension, code)

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
                [
                    (figures.cell(c.indicator_id, provider_id), guard.city_cell(figures, c.indicator_id, provider_id))
                    for c in shown
                ],
                total=True,
            )
        )
    return PairTable(shown, rows)


def _bar_chart(
    table: PairTable,
    indicator_id: str,
    *,
    chart_id: str,
    title: str,
    describe,
    axis_label: str,
    reference_label: str,
    value_format,
    omitted_what: str,
    table_ref: str,
    table_caption: str,
    share_axis: bool = False,
) -> Chart:
    """Bars of the provider's own publishable figures; dashed line: the city-wide total."""
    if table.empty or indicator_id not in [c.indicator_id for c in table.columns]:
        return Chart(None)
    index = [c.indicator_id for c in table.columns].index(indicator_id)
    points, omitted = publishable((row.label, row.pairs[index][0]) for row in table.rows if not row.total)
    note = _omitted_note(omitted, omitted_what)
    if not points:
        return Chart(None, note)
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
    return Chart(Markup(svg), note, table_ref, table_caption)


def _describe_handovers(points, reference, *, name: str, month: str) -> str:
    longest = max(points, key=lambda p: p[1])
    shortest = min(points, key=lambda p: p[1])
    text = (
        f"Balkendiagramm: Median der Wartezeit in Tagen je Zielstelle für Übergaben von "
        f"{name} mit erstem Termin im {month}. Am längsten: {longest[0]} mit "
        f"{fmt.decimal_fixed(longest[1])} Tagen; am kürzesten: {shortest[0]} mit "
        f"{fmt.decimal_fixed(shortest[1])} Tagen."
    )
    if reference:
        text += f" Gestrichelte Linie: {reference[0]}."
    return text


def _describe_needs(points, reference, *, name: str, month: str) -> str:
    highest = max(points, key=lambda p: p[1])
    text = (
        f"Balkendiagramm: Anteil der im {month} abgeschlossenen Bedarfe von {name}, die "
        f"nicht gedeckt werden konnten, je Bedarfskategorie. Höchster Anteil: {highest[0]} "
        f"mit {fmt.percent(highest[1])}."
    )
    if reference:
        text += f" Gestrichelte Linie: {reference[0]}."
    return text


_TREND_PANEL_TITLE = "Aktive Fälle im Monat, Stadt gesamt"


def _trend_section(con: Any, *, provider_id: str, name: str, period: str, month: str, k: int) -> tuple[Chart, Table]:
    first = _shift_period(period, -(TREND_MONTHS - 1))
    rows = run_query(con, "provider_series", {"provider_id": provider_id, "first": first, "period": period})
    periods = [r["period"] for r in run_query(con, "provider_periods", {"first": first, "period": period})]
    periods = sorted(set(periods) | {r["period"] for r in rows})
    series: dict[str, dict[str, Cell]] = {name_: {} for name_ in CASE_SERIES}
    for row in rows:
        series[row["indicator_id"]][row["period"]] = display(row, indicator_kind(row["indicator_id"]), k)

    caption = f"Fallzahlen von {name} je Monat"
    table = Table(
        [Column(ind, labels.indicator_label(ind)) for ind in CASE_SERIES],
        [
            Row(
                p,
                fmt.month_year(p),
                [series[ind].get(p) or display(None, indicator_kind(ind), k) for ind in CASE_SERIES],
            )
            for p in periods
        ],
    )
    published = {ind: {p: c.value for p, c in series[ind].items() if c.value is not None} for ind in CASE_SERIES}
    if not periods or not any(published.values()):
        return Chart(None), table
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
    )
    # charts.trend_chart titles its upper panel for the whole city; here it shows one provider.
    svg = svg.replace(f">{_TREND_PANEL_TITLE}<", f">Aktive Fälle im Monat, {html.escape(name, quote=False)}<")
    note = _omitted_note([fmt.month_year(p) for p in hidden_months], "Monate mit verdeckten Werten")
    return Chart(Markup(svg), note, "tabelle-verlauf", caption), table


def _delivery_section(
    con: Any, *, provider_id: str, period: str, figures: _Figures, k: int
) -> tuple[DeliveryStatus, list[TimelinessRow], str | None]:
    relations = {r["table_name"] for r in run_query(con, "provider_relations")}
    on_time = figures.cell("delivery_on_time", provider_id)
    timeliness: list[TimelinessRow] = []
    if "delivery_timeliness" in relations:
        first = _shift_period(period, -(TREND_MONTHS - 1))
        for r in run_query(con, "provider_timeliness", {"provider_id": provider_id, "first": first, "period": period}):
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
    newest = run_query(con, "provider_delivery", {"provider_id": provider_id})
    as_of_rows = run_query(con, "provider_data_as_of")
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


# --------------------------------------------------------------------------------------------
# Context and rendering


def build_provider_context(con: Any, *, city: str, k: int, period: str, provider_id: str) -> dict[str, Any]:
    """Everything the provider feedback template needs, already suppressed and formatted."""
    fmt.parse_period(period)
    _check_provider_id(provider_id)
    info = run_query(con, "provider_info", {"provider_id": provider_id})
    if not info:
        raise ValueError(f"provider {provider_id!r} is not in marts.dim_providers")
    provider = info[0]
    if provider["provider_kind"] not in PROVIDER_KINDS:
        raise ValueError(
            f"provider {provider_id!r} ({provider['provider_kind']}) manages no cases:"
            " there is no feedback report for it"
        )
    name = str(provider["provider_name"] or provider_id)
    month = fmt.month_year(period)
    previous = fmt.previous_period(period)
    previous_month = fmt.month_year(previous)

    rows = run_query(con, "provider_values", {"provider_id": provider_id, "period": period, "previous": previous})
    # Defence in depth: nothing but the provider's own and the city-wide rows is ever used.
    rows = [r for r in rows if r["provider_id"] in (provider_id, "all")]
    current_rows = [r for r in rows if r["period"] == period]
    figures = _Figures(current_rows, k)
    before = _Figures([r for r in rows if r["period"] == previous], k)
    raw = {(r["indicator_id"], r["provider_id"], r["dimension"], r["dimension_value"]): r for r in current_rows}
    guard = _CityGuard(
        run_query(con, "provider_other_contributors", {"provider_id": provider_id, "period": period}), k, raw
    )

    # ---- Kennzahlen im Vergleich
    def comparison(indicator_id: str) -> ComparisonRow:
        kind = indicator_kind(indicator_id)
        own = figures.cell(indicator_id, provider_id)
        prev = before.cell(indicator_id, provider_id)
        return ComparisonRow(
            indicator_id=indicator_id,
            label=labels.indicator_label(indicator_id),
            own=own,
            previous=prev,
            change=_change(own, prev, kind, k),
            city=guard.city_cell(figures, indicator_id, provider_id),
        )

    groups = []
    for index, (title, indicator_ids) in enumerate(KEY_FIGURE_GROUPS):
        present = [i for i in indicator_ids if figures.has(i) or before.has(i)]
        if present:
            groups.append(ComparisonGroup(title, f"gruppe-{index + 1}", [comparison(i) for i in present]))
    cards = [
        Card(
            i,
            _label(i),
            figures.cell(i, provider_id),
            _unit(indicator_kind(i)),
            before.cell(i, provider_id),
            guard.city_cell(figures, i, provider_id),
        )
        for i in CARD_FIGURES
        if figures.has(i)
    ]
    city_hidden = any(row.city.hidden for g in groups for row in g.rows)

    # ---- Übergaben, Bedarfe
    handover_table = _pair_section(
        figures,
        guard,
        provider_id,
        dimension="target_service",
        columns=HANDOVER_COLUMNS,
        total_label="Alle Zielstellen",
        k=k,
    )
    handover_chart = _bar_chart(
        handover_table,
        "handover_delay_median_days",
        chart_id="grafik-uebergaben",
        title=f"Wartezeit bis zum ersten Termin je Zielstelle (Ihr Träger), {month}",
        describe=lambda pts, ref: _describe_handovers(pts, ref, name=name, month=month),
        axis_label="Median der Wartezeit in Tagen",
        reference_label="Stadt gesamt, alle Zielstellen: {overall} Tage",
        value_format=lambda v: fmt.decimal_fixed(v, 1),
        omitted_what="zu wenige Übergaben",
        table_ref="tabelle-uebergaben",
        table_caption=f"Übergaben nach Zielstelle, {name} und Stadt gesamt, {month}",
    )
    needs_table = _pair_section(
        figures,
        guard,
        provider_id,
        dimension="category",
        columns=NEEDS_COLUMNS,
        total_label="Alle Bedarfskategorien",
        k=k,
    )
    needs_chart = _bar_chart(
        needs_table,
        "needs_unmet_share",
        chart_id="grafik-bedarfe",
        title=f"Anteil ungedeckter Bedarfe je Kategorie (Ihr Träger), {month}",
        describe=lambda pts, ref: _describe_needs(pts, ref, name=name, month=month),
        axis_label="Anteil nicht gedeckter Bedarfe",
        reference_label="Stadt gesamt, alle Kategorien: {overall}",
        value_format=fmt.percent,
        omitted_what="zu wenige abgeschlossene Bedarfe",
        table_ref="tabelle-bedarfe",
        table_caption=f"Bedarfe nach Bedarfskategorie, {name} und Stadt gesamt, {month}",
        share_axis=True,
    )

    # ---- Verlauf, Lieferungen
    trend, trend_table = _trend_section(con, provider_id=provider_id, name=name, period=period, month=month, k=k)
    delivery, timeliness, data_as_of = _delivery_section(
        con, provider_id=provider_id, period=period, figures=figures, k=k
    )

    # ---- Hinweise
    shown = [row.indicator_id for g in groups for row in g.rows]
    definitions = [
        Definition(_label(i), labels.INDICATOR_DEFINITION[i]) for i in shown if labels.INDICATOR_DEFINITION.get(i)
    ]
    if figures.has("delivery_on_time") and labels.INDICATOR_DEFINITION.get("delivery_on_time"):
        definitions.append(Definition(_label("delivery_on_time"), labels.INDICATOR_DEFINITION["delivery_on_time"]))

    return {
        "city": city,
        "k": k,
        "period": period,
        "month": month,
        "previous_month": previous_month,
        "provider_id": provider_id,
        "provider_name": name,
        "provider_kind_label": labels.code_label("provider_kind", provider["provider_kind"]),
        "title": f"Rückmeldung an den Träger: {name} – {month}",
        "data_as_of": data_as_of,
        "own_label": OWN,
        "city_label": CITY_WIDE,
        "cards": cards,
        "groups": groups,
        "city_hidden": city_hidden,
        "trend": trend,
        "trend_table": trend_table,
        "handover_table": handover_table,
        "handover_chart": handover_chart,
        "needs_table": needs_table,
        "needs_chart": needs_chart,
        "delivery": delivery,
        "timeliness": timeliness,
        "definitions": definitions,
        "legend": _legend(k),
    }


def report_path(reports_dir: Path, provider_id: str, period: str) -> Path:
    fmt.parse_period(period)
    _check_provider_id(provider_id)
    return Path(reports_dir) / f"{PREFIX}{provider_id}_{period}.html"


def render_provider_reports(
    con: Any,
    reports_dir: Path,
    *,
    city: str,
    k: int,
    period: str | None = None,
    provider_ids: Iterable[str] | None = None,
) -> list[Path]:
    """Render reports_dir/traegerbericht_<provider_id>_<YYYY-MM>.html for each provider (default:
    every provider of kind 'wohlfahrt' or 'stadt' in marts.dim_providers) and `period` (default:
    the newest period in marts.indicator_values). Returns the paths written, in provider order."""
    if period is None:
        period = latest_period(con)
    fmt.parse_period(period)  # also keeps the file name safe
    if provider_ids is None:
        ids = [r["provider_id"] for r in run_query(con, "provider_ids")]
    else:
        ids = list(dict.fromkeys([provider_ids] if isinstance(provider_ids, str) else provider_ids))
    template = environment().get_template(TEMPLATE)
    paths = []
    for provider_id in ids:
        path = report_path(reports_dir, provider_id, period)
        context = build_provider_context(con, city=city, k=k, period=period, provider_id=provider_id)
        write_atomic(path, template.render(**context))
        paths.append(path)
    return paths
