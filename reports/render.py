"""Render the HTML reports from the warehouse (design §2 `reports/`, §4 `marts.*`).

Public API:
    render_reports(con, reports_dir, *, city, k, period=None)
        -> {"monthly": Path, "index": Path, "monthly_all": list[Path]}
        (period None: a monthly report for every month of marts.dim_periods; "monthly" is the
        newest one. With a period: that month only.)
    render_monthly(con, reports_dir, *, city, k, period=None) -> Path
    render_index(reports_dir, *, city) -> Path

Only these warehouse columns are read (queries in reports/sql/*.sql, all parameterised):
    marts.indicator_values(indicator_id, period, provider_id, dimension, dimension_value,
                           value, numerator, denominator, suppressed)
    marts.indicator_revisions(indicator_id, period, provider_id, dimension, dimension_value,
                              previous_/current_ value, numerator, denominator, suppressed,
                              previous_vintage, current_vintage)   -- optional
    marts.dim_providers(provider_id, provider_name, provider_kind)
    marts.dim_periods(period)
    marts.fct_deliveries(provider_id, period, exported_at, loaded_at, is_current, state)

Every figure passes through `reports.suppression.display` before it reaches a template or a
chart, so no suppressed value is ever rendered: tables, chart points, chart descriptions and
changes against earlier months are all made from published `Cell`s only.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import logging
import os
import re
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from reports import charts, labels
from reports import formatting as fmt
from reports.suppression import (
    MISSING,
    Cell,
    Kind,
    display,
    indicator_kind,
    legend,
    publishable,
)

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
SQL_DIR = PACKAGE_DIR / "sql"
TEMPLATES_DIR = PACKAGE_DIR / "templates"

MONTHLY_PREFIX = "monatsbericht_"
INDEX_NAME = "index.html"

# --------------------------------------------------------------------------------------------
# What the monthly report shows. Indicators that are not (yet) in the warehouse are skipped.

# Key figures for the whole city, in this order.
KEY_FIGURES = (
    "cases_active",
    "persons_active",
    "cases_new",
    "cases_closed",
    "focus_group_share_new",
    "caseload_per_fte",
    "handover_delay_median_days",
    "handover_contact_km_median_days",
    "handover_within_14d_share",
    "handovers_pending_over_30d",
    "needs_unmet_share",
    "needs_open_over_90d",
    "time_to_first_need_median_days",
    "cm_continuity_share",
    "status_change_retained_share",
)

# Shorter names for the key-figure cards (the full names are in labels.INDICATOR).
CARD_LABEL = {
    "handover_contact_km_median_days": "Median Wartezeit Übergabe inkl. wartender (Kaplan-Meier)",
}

# The trend chart's series.
TREND_SERIES = ("cases_active", "cases_new", "cases_closed")


@dataclass(frozen=True)
class ColumnSpec:
    indicator_id: str
    header: str
    always: bool = False  # shown even when the indicator is missing this month


PROVIDER_COLUMNS = (
    ColumnSpec("cases_active", "Aktive Fälle", always=True),
    ColumnSpec("cases_new", "Neue Fälle", always=True),
    ColumnSpec("cases_closed", "Abgeschlossene Fälle", always=True),
    ColumnSpec("handover_delay_median_days", "Median Wartezeit Übergabe (Tage)", always=True),
    ColumnSpec("needs_unmet_share", "Anteil ungedeckter Bedarfe", always=True),
    ColumnSpec("caseload_per_fte", "Fälle je Vollzeitstelle"),
)

HANDOVER_COLUMNS = (
    ColumnSpec("handover_delay_median_days", "Median Wartezeit (Tage)", always=True),
    ColumnSpec("handover_delay_p90_days", "90 % innerhalb von … Tagen"),
    ColumnSpec("handover_within_14d_share", "Anteil innerhalb von 14 Tagen"),
    ColumnSpec("handovers_pending_over_30d", "Seit über 30 Tagen ohne Ersttermin"),
    ColumnSpec("handover_contact_km_median_days", "Median inkl. noch wartender Übergaben (Kaplan-Meier, Tage)"),
)

NEEDS_COLUMNS = (
    ColumnSpec("needs_unmet_share", "Anteil ungedeckt", always=True),
    ColumnSpec("needs_unmet_count", "Ungedeckte Bedarfe (Anzahl)"),
)

OPEN_NEEDS_COLUMNS = (ColumnSpec("needs_open_over_90d", "Seit über 90 Tagen offene Bedarfe", always=True),)

PERSONS_COLUMNS = (
    ColumnSpec("persons_active", "Begleitete Personen"),
    ColumnSpec("cases_active", "Aktive Fälle"),
    ColumnSpec("cases_new", "Neue Fälle"),
    ColumnSpec("focus_group_share_new", "Anteil Duldung/Gestattung an neuen Fällen"),
)

CONTINUITY_COLUMNS = (
    ColumnSpec("cm_continuity_share", "Anteil abgeschlossener Fälle mit durchgehend einer Fallverantwortung"),
    ColumnSpec("status_change_retained_share", "Anteil weiter begleitet nach Statuswechsel"),
    ColumnSpec("caseload_per_fte", "Fälle je Vollzeitstelle"),
)

# Every indicator the monthly report shows somewhere (its definition is in the glossary).
SHOWN_INDICATORS = frozenset(
    KEY_FIGURES
    + TREND_SERIES
    + tuple(
        c.indicator_id
        for specs in (
            PROVIDER_COLUMNS,
            HANDOVER_COLUMNS,
            NEEDS_COLUMNS,
            OPEN_NEEDS_COLUMNS,
            PERSONS_COLUMNS,
            CONTINUITY_COLUMNS,
        )
        for c in specs
    )
    + ("caseload_band_case_managers", "delivery_on_time")
)

# The residence statuses of the KIM focus group (design §1, focus_group_share_new).
FOCUS_GROUP = ("duldung", "gestattung")


@dataclass(frozen=True)
class BreakdownSpec:
    """A city-wide breakdown of one indicator by a dimension: table plus bar chart.

    `indicator_id` orders the rows and is the charted figure. Text templates may use
    `{month}` (title, description) and `{overall}` (reference line label); `describe` turns
    the publishable chart points and the month into the chart's text description."""

    indicator_id: str
    dimension: str
    columns: tuple[ColumnSpec, ...]
    total_label: str  # label of the total row of the table
    omitted_what: str  # why bars are missing, named under the chart
    chart_id: str
    title: str
    describe: Callable[[list[tuple[str, float]], str], str]
    axis_label: str
    reference_label: str
    value_format: Callable[[float], str]
    share_axis: bool = False
    table_id: str = ""
    table_caption: str = ""  # may use {month}
    category_label: str | None = None  # axis label of the bars' categories


def _describe_handovers(points: list[tuple[str, float]], month: str) -> str:
    longest = max(points, key=lambda p: p[1])
    shortest = min(points, key=lambda p: p[1])
    return (
        f"Balkendiagramm: Median der Wartezeit in Tagen je Zielstelle im {month}. "
        f"Am längsten: {longest[0]} mit {fmt.decimal_fixed(longest[1])} Tagen; "
        f"am kürzesten: {shortest[0]} mit {fmt.decimal_fixed(shortest[1])} Tagen. "
        "Die Werte stehen in der Tabelle unter der Grafik."
    )


def _describe_needs(points: list[tuple[str, float]], month: str) -> str:
    highest = max(points, key=lambda p: p[1])
    return (
        f"Balkendiagramm: Anteil der im {month} abgeschlossenen Bedarfe, die nicht "
        f"gedeckt werden konnten, je Bedarfskategorie. Höchster Anteil: {highest[0]} "
        f"mit {fmt.percent(highest[1])}. Die Werte stehen in der Tabelle unter der Grafik."
    )


HANDOVER_SECTION = BreakdownSpec(
    indicator_id="handover_delay_median_days",
    dimension="target_service",
    columns=HANDOVER_COLUMNS,
    total_label="Alle Zielstellen",
    omitted_what="zu wenige Übergaben",
    chart_id="grafik-uebergaben",
    title="Wartezeit bis zum ersten Termin nach Zielstelle, {month}",
    describe=_describe_handovers,
    axis_label="Median der Wartezeit in Tagen",
    reference_label="Alle Zielstellen: {overall} Tage",
    value_format=lambda v: fmt.decimal_fixed(v, 1),
    table_id="tabelle-uebergaben",
    table_caption="Wartezeit bis zum ersten Termin nach Zielstelle, Stadt gesamt, {month}",
    category_label="Zielstelle",
)

NEEDS_SECTION = BreakdownSpec(
    indicator_id="needs_unmet_share",
    dimension="category",
    columns=NEEDS_COLUMNS,
    total_label="Alle Bedarfskategorien",
    omitted_what="zu wenige abgeschlossene Bedarfe",
    chart_id="grafik-bedarfe",
    title="Anteil ungedeckter Bedarfe nach Bedarfskategorie, {month}",
    describe=_describe_needs,
    axis_label="Anteil nicht gedeckter Bedarfe",
    reference_label="Alle Kategorien: {overall}",
    value_format=fmt.percent,
    share_axis=True,
    table_id="tabelle-bedarfe",
    table_caption="Ungedeckte Bedarfe nach Bedarfskategorie, Stadt gesamt, {month}",
    category_label="Bedarfskategorie",
)

UNIT = {Kind.DAYS: "Tage"}

# Column headers of the gap matrix with soft hyphens, so that nine columns fit an A4 page
# (the labels are labels.UNMET_REASON's).
MATRIX_HEADER = {
    "kein_angebot": "Kein passendes Angebot",
    "wartezeit": "Zu lange Warte\u00adzeit",
    "zugangsvoraussetzungen": "Zugangs\u00advoraus\u00adsetzungen nicht erfüllt",
    "sprachbarriere": "Sprach\u00adbarriere",
    "erreichbarkeit": "Schlechte Erreich\u00adbarkeit",
}

# Days after the end of the month by which a delivery is due (design §5 delivery_on_time).
DELIVERY_DUE_DAYS = 10


# --------------------------------------------------------------------------------------------
# View model handed to the templates (display strings and Cells only, no raw figures).


@dataclass(frozen=True)
class Column:
    indicator_id: str
    header: str


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Cell]
    total: bool = False
    badge: str | None = None


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: list[Row]

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Change:
    """The change of a published figure against an earlier published one, in words.

    `arrow` is decoration (hidden from screen readers); `text` says the direction in words."""

    direction: str  # "up", "down", "same"
    arrow: str
    text: str


@dataclass(frozen=True)
class KeyFigure:
    indicator_id: str
    label: str
    cell: Cell
    unit: str
    previous: Cell | None
    previous_label: str
    last_year: Cell | None = None
    last_year_label: str = ""
    change_previous: Change | None = None
    change_last_year: Change | None = None


@dataclass(frozen=True)
class DataColumn:
    key: str  # e.g. a period
    header: str  # short header
    title: str = ""  # full header (shown as a tooltip)


@dataclass(frozen=True)
class DataTable:
    """A compact table with the values behind a chart. Rows are series (row.key = indicator),
    columns e.g. months (column.key = period)."""

    table_id: str
    caption: str
    first_header: str
    columns: list[DataColumn]
    rows: list[Row]


@dataclass(frozen=True)
class ChartBlock:
    """A chart (inline SVG) with what a reader needs besides the picture: a note on values left
    out for privacy, and the values as a table — either own `data` tables printed with the
    chart, or `table_ref`, the id of a table on the same page that holds the chart's values."""

    svg: Markup | None
    omitted_note: str | None = None
    data: tuple[DataTable, ...] = ()
    table_ref: str | None = None
    table_ref_caption: str = ""


@dataclass(frozen=True)
class MatrixRow:
    key: str
    label: str
    cells: list[tuple[str, Cell]]  # (data key "category|reason", cell); the last is the total
    total: bool = False


@dataclass(frozen=True)
class Matrix:
    """A crossed breakdown (rows × columns) with row and column totals."""

    indicator_id: str
    row_header: str
    columns: list[Column]  # Column.indicator_id holds the column code
    total_header: str
    rows: list[MatrixRow]

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class DeliveryRow:
    provider_id: str
    provider_name: str
    kind_label: str
    period_label: str
    exported: str
    loaded: str
    status: str  # "aktuell", "veraltet", "keine Lieferung"
    on_time: Cell = MISSING  # delivery_on_time for the report month ("ja", "nein", "k. A.")

    @property
    def stale(self) -> bool:
        return self.status != "aktuell"

    @property
    def late(self) -> bool:
        return self.on_time.value is not None and self.on_time.value < 0.5


@dataclass(frozen=True)
class DeliveryNotice:
    """One provider flagged at the top of the report, with the reasons in words."""

    provider_id: str
    provider_name: str
    reasons: list[str]


@dataclass(frozen=True)
class Revision:
    indicator_id: str
    label: str
    period: str
    month: str
    before: Cell
    now: Cell
    change: Change | None


@dataclass(frozen=True)
class Definition:
    term: str
    text: str


@dataclass(frozen=True)
class IndexEntry:
    href: str
    title: str
    filename: str
    period: str = ""  # "YYYY-MM" or "YYYY" taken from the file name, "" if none

    @property
    def year(self) -> str:
        return self.period[:4]


@dataclass(frozen=True)
class IndexGroup:
    title: str
    entries: list[IndexEntry] = field(default_factory=list)

    @property
    def by_year(self) -> list[tuple[str, list[IndexEntry]]]:
        """Entries by year (newest first), for long groups such as the monthly reports."""
        years: dict[str, list[IndexEntry]] = {}
        for entry in self.entries:
            years.setdefault(entry.year or "ohne Jahr", []).append(entry)
        return list(years.items())


# --------------------------------------------------------------------------------------------
# Plumbing


@functools.cache
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run_query(con: Any, name: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(_sql(name), dict(params or {}))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row)) for row in cursor.fetchall()]


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of all reports (autoescaping on for every template)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so readers never see half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def newest_period(con: Any, query: str, empty_message: str) -> str:
    """The period a report covers by default: the first row of `query`, or ValueError."""
    rows = run_query(con, query)
    period = rows[0]["period"] if rows else None
    if period is None:
        raise ValueError(empty_message)
    return str(period)


def latest_period(con: Any) -> str:
    return newest_period(con, "latest_period", "marts.indicator_values is empty: there is no period to report on")


class _Figures:
    """Indicator rows of one month, looked up by (indicator, provider, dimension, value)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], k: int):
        self.k = k
        self._rows: dict[tuple[str, str, str, str], Mapping[str, Any]] = {}
        for row in rows:
            key = (row["indicator_id"], row["provider_id"], row["dimension"], row["dimension_value"])
            self._rows[key] = row
        self.indicators = {key[0] for key in self._rows}
        self._breakdowns: set[tuple[str, str, str]] | None = None

    def has(self, indicator_id: str) -> bool:
        return indicator_id in self.indicators

    def cell(self, indicator_id: str, provider_id: str = "all", dimension: str = "all", value: str = "all") -> Cell:
        row = self._rows.get((indicator_id, provider_id, dimension, value))
        return display(row, indicator_kind(indicator_id), self.k)

    def providers(self) -> set[str]:
        return {key[1] for key in self._rows if key[1] != "all"}

    def dimension_values(self, indicator_ids: Iterable[str], dimension: str, provider_id: str = "all") -> set[str]:
        wanted = set(indicator_ids)
        return {
            key[3]
            for key in self._rows
            if key[0] in wanted and key[1] == provider_id and key[2] == dimension and key[3] != "all"
        }

    def breakdown_cell(self, indicator_id: str, dimension: str, value: str, provider_id: str = "all") -> Cell:
        """Like `cell`, for a breakdown value. A count whose breakdown row is absent while the
        breakdown exists this month (other values have rows, or the total is 0) had no
        observations: it shows 0 — a known zero that the suppression treats as published
        (transforms/suppression.py) — instead of "k. A."."""
        row = self._rows.get((indicator_id, provider_id, dimension, value))
        if row is not None or indicator_kind(indicator_id) is not Kind.COUNT:
            return display(row, indicator_kind(indicator_id), self.k)
        total = self._rows.get((indicator_id, provider_id, "all", "all"))
        if total is None or total.get("value") is None:
            return MISSING
        if float(total["value"]) == 0 or self._has_breakdown(indicator_id, provider_id, dimension):
            return Cell("0", "zero", 0.0)
        return MISSING

    def _has_breakdown(self, indicator_id: str, provider_id: str, dimension: str) -> bool:
        if self._breakdowns is None:
            self._breakdowns = {key[:3] for key in self._rows}
        return (indicator_id, provider_id, dimension) in self._breakdowns


def _columns(specs: Iterable[ColumnSpec], figures: _Figures) -> list[Column]:
    return [Column(s.indicator_id, s.header) for s in specs if s.always or figures.has(s.indicator_id)]


def _sorted_breakdown(figures: _Figures, sort_indicator: str, dimension: str, values: Iterable[str]) -> list[str]:
    """Published values first (largest first), then hidden/missing ones in code-list order.
    Hidden cells carry no value, so the order never reveals a suppressed figure."""

    def key(code: str) -> tuple[int, float, int, str]:
        cell = figures.cell(sort_indicator, "all", dimension, code)
        if cell.value is not None:
            return (0, -cell.value, labels.code_order(dimension, code), code)
        return (1, 0.0, labels.code_order(dimension, code), code)

    return sorted(values, key=key)


def _code_sorted(dimension: str, values: Iterable[str]) -> list[str]:
    return sorted(values, key=lambda c: (labels.code_order(dimension, c), c))


def _join_labels(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def _omitted_note(omitted: list[str], what: str) -> str | None:
    if not omitted:
        return None
    return (
        f"Aus Datenschutzgründen nicht dargestellt ({what}): {_join_labels(omitted)}. "
        "Die zugehörigen Werte sind auch in der Tabelle verdeckt."
    )


def _shift_period(period: str, months: int) -> str:
    first = fmt.parse_period(period)
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _due_date(period: str) -> dt.date:
    """The day a delivery for `period` is due: the 10th day after the month's end."""
    month_end = fmt.parse_period(_shift_period(period, 1)) - dt.timedelta(days=1)
    return month_end + dt.timedelta(days=DELIVERY_DUE_DAYS)


def _breakdown_table(
    figures: _Figures, columns: list[Column], dimension: str, codes: list[str], total_label: str
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


def _breakdown_section(figures: _Figures, spec: BreakdownSpec, month: str) -> tuple[Table, ChartBlock]:
    """Table (one row per dimension value plus the city total) and bar chart of `spec`.
    Only publishable values become bars; hidden ones are named in the omitted note."""
    dimension = spec.dimension
    columns = _columns(spec.columns, figures)
    codes = _sorted_breakdown(
        figures,
        spec.indicator_id,
        dimension,
        figures.dimension_values([c.indicator_id for c in columns], dimension),
    )
    table = _breakdown_table(figures, columns, dimension, codes, spec.total_label)
    points, omitted = publishable(
        (labels.code_label(dimension, code), figures.cell(spec.indicator_id, "all", dimension, code)) for code in codes
    )
    note = _omitted_note(omitted, spec.omitted_what)
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


def _provider_table(
    figures: _Figures,
    specs: Iterable[ColumnSpec],
    providers: list[Mapping[str, Any]],
    *,
    city: str,
    badges: Mapping[str, str] | None = None,
) -> Table:
    """One row per case-managing provider (configured ones by name, unknown ids as they are;
    the Ausländerbehörde has no cases) plus the city total."""
    columns = _columns(specs, figures)
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


# ---- Changes against earlier months


_MINUS = "\u2212"


def _signed(number: str, negative: bool) -> str:
    return (_MINUS if negative else "+") + number


def change(current: Cell | None, before: Cell | None, kind: Kind) -> Change | None:
    """The change from `before` to `current`, only when both are published figures (a hidden
    or missing one gives None). Computed from the values as displayed (rounded), so the change
    matches the two numbers a reader sees."""
    if current is None or before is None or current.value is None or before.value is None:
        return None
    if current.hidden or before.hidden or kind is Kind.FLAG:
        return None
    up_word, down_word = "mehr", "weniger"
    relative = ""
    if kind is Kind.COUNT:
        now, then = round(current.value), round(before.value)
        diff = float(now - then)
        amount = fmt.integer(abs(diff))
        if then > 0 and diff:
            relative = f" ({_signed(fmt.decimal_fixed(abs(diff) / then * 100, 1), diff < 0)} %)"
    elif kind in (Kind.SHARE, Kind.MONEY_SHARE):
        diff = round(current.value * 1000) / 10 - round(before.value * 1000) / 10
        diff = round(diff, 1)
        amount = f"{fmt.decimal_fixed(abs(diff), 1)} %-Punkte"
    elif kind is Kind.DAYS:
        diff = round(round(current.value, 1) - round(before.value, 1), 1)
        amount = f"{fmt.decimal_fixed(abs(diff), 1)} Tage"
        up_word, down_word = "länger", "kürzer"
    elif kind in (Kind.MONEY, Kind.MONEY_PER_CASE):
        diff = float(round(current.value) - round(before.value))
        amount = fmt.euro(abs(diff))
    else:  # ratios
        diff = round(round(current.value, 1) - round(before.value, 1), 1)
        amount = fmt.decimal_fixed(abs(diff), 1)
    if diff == 0:
        return Change("same", "=", "unverändert")
    if diff > 0:
        return Change("up", "▲", f"{amount} {up_word}{relative}")
    return Change("down", "▼", f"{amount} {down_word}{relative}")


# --------------------------------------------------------------------------------------------
# Data shared by the monthly reports of all months (read once per run)


@dataclass
class MonthlyData:
    """What every monthly report needs besides the month's own indicator rows."""

    k: int
    providers: list[dict[str, Any]]
    deliveries: dict[str, dict[str, Any]]
    periods: list[str]  # all months of marts.dim_periods
    series: dict[str, dict[str, Cell]]  # city-wide totals: indicator -> period -> Cell
    data_as_of: str | None
    revisions: list[dict[str, Any]] | None  # None: no marts.indicator_revisions
    newest: str | None = None  # the newest month with indicator values

    @classmethod
    def load(cls, con: Any, *, k: int, up_to: str) -> MonthlyData:
        providers = run_query(con, "providers")
        deliveries = {row["provider_id"]: row for row in run_query(con, "newest_deliveries")}
        periods = [row["period"] for row in run_query(con, "periods", {"period": up_to})]
        series: dict[str, dict[str, Cell]] = {}
        for row in run_query(con, "city_series", {"period": up_to}):
            cell = display(row, indicator_kind(row["indicator_id"]), k)
            series.setdefault(row["indicator_id"], {})[row["period"]] = cell
        loaded = [d["loaded_local"] for d in deliveries.values() if d["loaded_local"]]
        revisions = None
        if run_query(con, "indicator_revisions_exists")[0]["n"]:
            revisions = run_query(con, "indicator_revisions_city")
        return cls(
            k=k,
            providers=providers,
            deliveries=deliveries,
            periods=periods,
            series=series,
            data_as_of=fmt.date_long(max(loaded)) if loaded else None,
            revisions=revisions,
            newest=run_query(con, "latest_period")[0]["period"],
        )

    def series_cell(self, indicator_id: str, period: str) -> Cell | None:
        """The city-wide figure of `period`: None when the month is not covered at all,
        "k. A." when it is covered but has no figure."""
        cell = self.series.get(indicator_id, {}).get(period)
        if cell is not None:
            return cell
        covered = period in self.periods or any(period in s for s in self.series.values())
        return MISSING if covered else None


# --------------------------------------------------------------------------------------------
# Monthly report, section by section


def _key_figures(figures: _Figures, data: MonthlyData, period: str) -> list[KeyFigure]:
    previous = fmt.previous_period(period)
    last_year = _shift_period(period, -12)
    out = []
    for indicator_id in KEY_FIGURES:
        if not figures.has(indicator_id):
            continue
        kind = indicator_kind(indicator_id)
        cell = figures.cell(indicator_id)
        prev_cell = data.series_cell(indicator_id, previous)
        year_cell = data.series_cell(indicator_id, last_year)
        label = CARD_LABEL.get(indicator_id, labels.indicator_label(indicator_id).replace(" (Tage)", ""))
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


def _deliveries(
    figures: _Figures, data: MonthlyData, period: str, month: str
) -> tuple[list[DeliveryRow], list[DeliveryNotice]]:
    """The Datenstand table and the providers flagged at the top: no delivery at all, newest
    delivery older than the report month (stale), or the month's delivery not on time
    (delivery_on_time = 0)."""
    rows: list[DeliveryRow] = []
    notices: list[DeliveryNotice] = []
    due = fmt.date_short(_due_date(period))
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


def _trend(data: MonthlyData, *, city: str, period: str, month: str) -> ChartBlock:
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
        _omitted_note([fmt.month_year(p) for p in hidden_months], "Monate mit verdeckten Werten"),
        data=tables,
    )


_MONTH_ABBR = ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.")


def _month_abbr(period: str) -> str:
    return _MONTH_ABBR[fmt.parse_period(period).month - 1]


def _gap_matrix(figures: _Figures) -> Matrix:
    """Unmet needs by category (rows) × unmet reason (columns), with both totals.

    Cells come from needs_unmet_count: dimension category_reason ('category|reason'), the row
    totals from dimension category, the column totals from unmet_reason, the corner from the
    city total. A combination without a row had no unmet need: 0."""
    indicator = "needs_unmet_count"
    crossed = figures.dimension_values([indicator], "category_reason")
    categories = figures.dimension_values([indicator], "category") | {value.partition("|")[0] for value in crossed}
    reasons = figures.dimension_values([indicator], "unmet_reason") | {value.partition("|")[2] for value in crossed}
    if not categories or not reasons:
        return Matrix(indicator, "Bedarfskategorie", [], "Insgesamt", [])
    reason_codes = _code_sorted("unmet_reason", reasons)
    columns = [Column(code, MATRIX_HEADER.get(code, labels.code_label("unmet_reason", code))) for code in reason_codes]
    rows = []
    for category in _sorted_breakdown(figures, indicator, "category", categories):
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


def _simple_breakdown(
    figures: _Figures,
    specs: Iterable[ColumnSpec],
    dimension: str,
    total_label: str,
    *,
    by_size: bool = True,
    all_codes: bool = False,
) -> Table:
    """A city-wide breakdown table. `all_codes`: every value of the dimension's code list
    gets a row once the breakdown has any (e.g. all caseload bands of a distribution)."""
    columns = _columns(specs, figures)
    values = figures.dimension_values([c.indicator_id for c in columns], dimension)
    if all_codes and values:
        values |= set(labels.CODE_LISTS.get(dimension, {}))
    codes = (
        _sorted_breakdown(figures, columns[0].indicator_id, dimension, values)
        if by_size and columns
        else _code_sorted(dimension, values)
    )
    return _breakdown_table(figures, columns, dimension, codes, total_label)


def _revisions(data: MonthlyData, period: str) -> list[Revision] | None:
    """Revised city-wide figures, shown in the report of the newest month only (the one the
    revisions table compares with the month before). None: no section."""
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


def _persons_sentence(figures: _Figures, month: str) -> str | None:
    persons, cases = figures.cell("persons_active"), figures.cell("cases_active")
    if persons.value is None or cases.value is None or persons.hidden or cases.hidden:
        return None
    return f"Im {month} wurden stadtweit {persons.text} Personen in {cases.text} aktiven Fällen begleitet."


def build_monthly_context(
    con: Any, *, city: str, k: int, period: str, data: MonthlyData | None = None
) -> dict[str, Any]:
    """Everything the monthly template needs, already suppressed and formatted. `data` (read
    once by `render_reports` for all months) is loaded here when not given."""
    fmt.parse_period(period)
    month = fmt.month_year(period)
    if data is None:
        data = MonthlyData.load(con, k=k, up_to=period)
    figures = _Figures(run_query(con, "indicator_values_for_period", {"period": period}), k)

    # ---- Datenstand first: flagged providers are named at the top and in the tables
    delivery_rows, notices = _deliveries(figures, data, period, month)
    stale = [row for row in delivery_rows if row.stale]
    badges = {row.provider_id: row.status for row in stale}

    # ---- Überblick
    key_figures = _key_figures(figures, data, period)
    provider_table = _provider_table(figures, PROVIDER_COLUMNS, data.providers, city=city, badges=badges)

    # ---- Fallzahlen im Verlauf
    trend = _trend(data, city=city, period=period, month=month)
    closing_table = _breakdown_table(
        figures,
        [Column("cases_closed", "Abgeschlossene Fälle")],
        "closing_reason",
        _code_sorted("closing_reason", figures.dimension_values(["cases_closed"], "closing_reason")),
        "Alle Abschlussgründe",
    )

    # ---- Personen, Fälle und Zielgruppe
    persons_table = _provider_table(figures, PERSONS_COLUMNS, data.providers, city=city, badges=badges)
    residence_table = _simple_breakdown(
        figures,
        [ColumnSpec("cases_new", "Neue Fälle", always=True)],
        "residence_status",
        "Alle neuen Fälle",
        by_size=False,
    )

    # ---- Übergaben, Ungedeckte Bedarfe
    handover_table, handover_chart = _breakdown_section(figures, HANDOVER_SECTION, month)
    needs_table, needs_chart = _breakdown_section(figures, NEEDS_SECTION, month)
    gap_matrix = _gap_matrix(figures)
    open_needs_table = _simple_breakdown(figures, OPEN_NEEDS_COLUMNS, "category", "Alle Bedarfskategorien")

    # ---- Kontinuität der Fallverantwortung
    continuity_table = _provider_table(figures, CONTINUITY_COLUMNS, data.providers, city=city, badges=badges)
    caseload_table = _simple_breakdown(
        figures,
        [ColumnSpec("caseload_band_case_managers", "Fallverantwortliche", always=True)],
        "caseload_band",
        "Alle Fallverantwortlichen mit Fällen",
        by_size=False,
        all_codes=True,
    )
    status_change_table = _simple_breakdown(
        figures,
        [ColumnSpec("status_change_retained_share", "Anteil weiter begleitet", always=True)],
        "status_to",
        "Alle Statuswechsel",
        by_size=False,
    )

    # ---- Korrekturen gegenüber dem Vormonat
    revisions = _revisions(data, period)

    # ---- Hinweise
    shown = [i for i in labels.INDICATOR if figures.has(i) and i in SHOWN_INDICATORS]
    definitions = [
        Definition(labels.indicator_label(i).replace(" (Tage)", ""), labels.INDICATOR_DEFINITION.get(i, ""))
        for i in shown
        if labels.INDICATOR_DEFINITION.get(i)
    ]

    return {
        "city": city,
        "k": k,
        "period": period,
        "month": month,
        "previous_month": fmt.month_year(fmt.previous_period(period)),
        "title": f"Monatsbericht Kommunales Integrationsmanagement {city} – {month}",
        "data_as_of": data.data_as_of,
        "key_figures": key_figures,
        "provider_table": provider_table,
        "stale": stale,
        "notices": notices,
        "due_date": fmt.date_short(_due_date(period)),
        "due_days": DELIVERY_DUE_DAYS,
        "trend": trend,
        "closing_table": closing_table,
        "persons_table": persons_table,
        "persons_sentence": _persons_sentence(figures, month),
        "residence_table": residence_table,
        "focus_group": [labels.code_label("residence_status", c) for c in FOCUS_GROUP],
        "handover_table": handover_table,
        "handover_chart": handover_chart,
        "needs_table": needs_table,
        "needs_chart": needs_chart,
        "gap_matrix": gap_matrix,
        "open_needs_table": open_needs_table,
        "continuity_table": continuity_table,
        "caseload_table": caseload_table,
        "status_change_table": status_change_table,
        "revisions": revisions,
        "deliveries": delivery_rows,
        "definitions": definitions,
        "legend": legend(k),
        "has": figures.has,
    }


def _render_monthly(con: Any, reports_dir: Path, *, city: str, k: int, period: str, data: MonthlyData | None) -> Path:
    fmt.parse_period(period)  # also keeps the file name safe
    context = build_monthly_context(con, city=city, k=k, period=period, data=data)
    page = environment().get_template("monatsbericht.html.j2").render(**context)
    path = Path(reports_dir) / f"{MONTHLY_PREFIX}{period}.html"
    write_atomic(path, page)
    return path


def render_monthly(con: Any, reports_dir: Path, *, city: str, k: int, period: str | None = None) -> Path:
    """Render reports_dir/monatsbericht_<YYYY-MM>.html and return its path."""
    if period is None:
        period = latest_period(con)
    fmt.parse_period(period)
    return _render_monthly(con, reports_dir, city=city, k=k, period=period, data=None)


def report_periods(con: Any) -> list[str]:
    """Every month that gets a monthly report (oldest first): the months of
    marts.dim_periods up to the newest month with indicator values."""
    periods = []
    for row in run_query(con, "report_periods"):
        try:
            fmt.parse_period(row["period"])
        except (TypeError, ValueError):
            log.warning("skipping malformed period %r", row["period"])
            continue
        periods.append(row["period"])
    return periods


def render_all_monthly(
    con: Any, reports_dir: Path, *, city: str, k: int, periods: Iterable[str] | None = None
) -> list[Path]:
    """Render the monthly report of every month (default: `report_periods`), reading what
    the months share once. Returns the paths, oldest month first."""
    periods = sorted(report_periods(con) if periods is None else periods)
    if not periods:
        raise ValueError("marts.indicator_values is empty: there is no period to report on")
    for period in periods:
        fmt.parse_period(period)
    data = MonthlyData.load(con, k=k, up_to=periods[-1])
    paths = []
    for period in periods:
        started = time.perf_counter()
        paths.append(_render_monthly(con, reports_dir, city=city, k=k, period=period, data=data))
        log.debug("monthly report %s rendered in %.2f s", period, time.perf_counter() - started)
    return paths


# --------------------------------------------------------------------------------------------
# Index of all reports in the folder

REPORT_SUFFIXES = (".html", ".pdf", ".csv", ".xlsx")

# File name prefix -> group heading (other renderers should follow these names).
INDEX_GROUPS = (
    (("monatsbericht",), "Monatsberichte"),
    (("jahresbericht", "jahresevaluation", "evaluation"), "Jahresberichte und Evaluation"),
    (("rueckmeldung", "traegerbericht", "provider_feedback", "feedback"), "Rückmeldungen an die Träger"),
    (("datenqualitaet", "data_quality", "dq"), "Datenqualität (intern)"),
)
OTHER_GROUP = "Weitere Berichte"

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_MONTH_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(0[1-9]|1[0-2])(?!\d)")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _report_title(path: Path) -> str:
    if path.suffix.lower() == ".html":
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                head = handle.read(65536)
        except OSError:
            head = ""
        match = _TITLE_RE.search(head)
        if match:
            title = " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())
            if title:
                return title
    return path.name


def _group_of(path: Path) -> str:
    name = path.name.lower()
    for prefixes, title in INDEX_GROUPS:
        if any(name.startswith(prefix) for prefix in prefixes):
            return title
    return OTHER_GROUP


def _period_of(filename: str) -> str:
    """The period a report file is about, from its name: 'YYYY-MM', else 'YYYY', else ''."""
    match = _MONTH_IN_NAME.search(filename)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    match = _YEAR_IN_NAME.search(filename)
    return match.group(1) if match else ""


def _newest_first(entries: list[IndexEntry]) -> list[IndexEntry]:
    """Newest period first (a year sorts after the months of that year), files without a
    period last; within one period by file name."""

    def key(entry: IndexEntry) -> tuple[int, str]:
        period = entry.period if len(entry.period) == 7 else entry.period + "-99"
        return (0 if entry.period else 1, period)

    by_name = sorted(entries, key=lambda e: e.filename)
    dated = sorted((e for e in by_name if e.period), key=key, reverse=True)
    return dated + [e for e in by_name if not e.period]


def render_index(reports_dir: Path, *, city: str) -> Path:
    """(Re)write reports_dir/index.html linking every report file in the folder and its
    subfolders (HTML, PDF, CSV, XLSX; hidden and temporary files are skipped), grouped by
    type, newest period first."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for path in sorted(reports_dir.rglob("*")):
        rel = path.relative_to(reports_dir)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() not in REPORT_SUFFIXES or rel.as_posix() == INDEX_NAME:
            continue
        files.append((rel, path))
    groups: dict[str, list[IndexEntry]] = {}
    for rel, path in files:
        groups.setdefault(_group_of(path), []).append(
            IndexEntry(
                href=urllib.parse.quote(rel.as_posix()),
                title=_report_title(path),
                filename=rel.as_posix(),
                period=_period_of(path.name),
            )
        )
    order = [title for _, title in INDEX_GROUPS] + [OTHER_GROUP]
    index_groups = [IndexGroup(title, _newest_first(groups[title])) for title in order if title in groups]
    page = (
        environment()
        .get_template("index.html.j2")
        .render(
            city=city,
            title=f"Berichte Kommunales Integrationsmanagement {city}",
            groups=index_groups,
            count=len(files),
        )
    )
    path = reports_dir / INDEX_NAME
    write_atomic(path, page)
    return path


def render_reports(con: Any, reports_dir: Path, *, city: str, k: int, period: str | None = None) -> dict[str, Any]:
    """Render the monthly reports and the index of all reports in `reports_dir`.

    period None: a report for every month of marts.dim_periods (up to the newest month with
    indicator values); "monthly" is the newest. With a period: that month only.
    Returns {"monthly": Path, "index": Path, "monthly_all": [Path, …] (oldest first)}."""
    if period is None:
        monthly_all = render_all_monthly(con, reports_dir, city=city, k=k)
    else:
        fmt.parse_period(period)
        monthly_all = render_all_monthly(con, reports_dir, city=city, k=k, periods=[period])
    index = render_index(reports_dir, city=city)
    return {"monthly": monthly_all[-1], "index": index, "monthly_all": monthly_all}
