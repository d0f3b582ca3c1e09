"""Render the HTML reports from the warehouse (design §2 `reports/`, §4 `marts.*`).

Public API:
    render_reports(con, reports_dir, *, city, k, period=None) -> {"monthly": Path, "index": Path}
    render_monthly(con, reports_dir, *, city, k, period=None) -> Path
    render_index(reports_dir, *, city) -> Path

Only these warehouse columns are read (queries in reports/sql/*.sql, all parameterised):
    marts.indicator_values(indicator_id, period, provider_id, dimension, dimension_value,
                           value, numerator, denominator, suppressed)
    marts.dim_providers(provider_id, provider_name, provider_kind)
    marts.dim_periods(period)
    marts.fct_deliveries(provider_id, period, exported_at, loaded_at, is_current, state)

Every figure passes through `reports.suppression.display` before it reaches a template or a
chart, so no suppressed value is ever rendered.
"""

from __future__ import annotations

import functools
import html
import os
import re
import tempfile
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from reports import charts
from reports import formatting as fmt
from reports import labels
from reports.suppression import Cell, Kind, display, indicator_kind, legend, publishable

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
    "cases_new",
    "cases_closed",
    "handover_delay_median_days",
    "needs_unmet_share",
    "caseload_per_fte",
    "handover_within_14d_share",
    "handovers_pending_over_30d",
    "needs_open_over_90d",
    "focus_group_share_new",
    "cm_continuity_share",
    "status_change_retained_share",
)


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
)

NEEDS_COLUMNS = (
    ColumnSpec("needs_unmet_share", "Anteil ungedeckt", always=True),
    ColumnSpec("needs_unmet_count", "Ungedeckte Bedarfe (Anzahl)"),
    ColumnSpec("needs_open_over_90d", "Seit über 90 Tagen offen"),
)


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


def _describe_handovers(points: list[tuple[str, float]], month: str) -> str:
    longest = max(points, key=lambda p: p[1])
    shortest = min(points, key=lambda p: p[1])
    return (
        f"Balkendiagramm: Median der Wartezeit in Tagen je Zielstelle im {month}. "
        f"Am längsten: {longest[0]} mit {fmt.decimal_fixed(longest[1])} Tagen; "
        f"am kürzesten: {shortest[0]} mit {fmt.decimal_fixed(shortest[1])} Tagen."
    )


def _describe_needs(points: list[tuple[str, float]], month: str) -> str:
    highest = max(points, key=lambda p: p[1])
    return (
        f"Balkendiagramm: Anteil der im {month} abgeschlossenen Bedarfe, die nicht "
        f"gedeckt werden konnten, je Bedarfskategorie. Höchster Anteil: {highest[0]} "
        f"mit {fmt.percent(highest[1])}."
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
)

UNIT = {Kind.DAYS: "Tage"}


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
class KeyFigure:
    indicator_id: str
    label: str
    cell: Cell
    unit: str
    previous: Cell | None
    previous_label: str


@dataclass(frozen=True)
class ChartBlock:
    svg: Markup | None
    omitted_note: str | None = None


@dataclass(frozen=True)
class DeliveryRow:
    provider_id: str
    provider_name: str
    kind_label: str
    period_label: str
    exported: str
    loaded: str
    status: str  # "aktuell", "veraltet", "keine Lieferung"

    @property
    def stale(self) -> bool:
        return self.status != "aktuell"


@dataclass(frozen=True)
class Definition:
    term: str
    text: str


@dataclass(frozen=True)
class IndexEntry:
    href: str
    title: str
    filename: str


@dataclass(frozen=True)
class IndexGroup:
    title: str
    entries: list[IndexEntry] = field(default_factory=list)


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
            key = (row["indicator_id"], row["provider_id"], row["dimension"],
                   row["dimension_value"])
            self._rows[key] = row
        self.indicators = {key[0] for key in self._rows}

    def has(self, indicator_id: str) -> bool:
        return indicator_id in self.indicators

    def cell(self, indicator_id: str, provider_id: str = "all", dimension: str = "all",
             value: str = "all") -> Cell:
        row = self._rows.get((indicator_id, provider_id, dimension, value))
        return display(row, indicator_kind(indicator_id), self.k)

    def providers(self) -> set[str]:
        return {key[1] for key in self._rows if key[1] != "all"}

    def dimension_values(self, indicator_ids: Iterable[str], dimension: str,
                         provider_id: str = "all") -> set[str]:
        wanted = set(indicator_ids)
        return {
            key[3] for key in self._rows
            if key[0] in wanted and key[1] == provider_id and key[2] == dimension
            and key[3] != "all"
        }


def _columns(specs: Iterable[ColumnSpec], figures: _Figures) -> list[Column]:
    return [Column(s.indicator_id, s.header) for s in specs
            if s.always or figures.has(s.indicator_id)]


def _sorted_breakdown(figures: _Figures, sort_indicator: str, dimension: str,
                      values: Iterable[str]) -> list[str]:
    """Published values first (largest first), then hidden/missing ones in code-list order.
    Hidden cells carry no value, so the order never reveals a suppressed figure."""

    def key(code: str) -> tuple[int, float, int, str]:
        cell = figures.cell(sort_indicator, "all", dimension, code)
        if cell.value is not None:
            return (0, -cell.value, labels.code_order(dimension, code), code)
        return (1, 0.0, labels.code_order(dimension, code), code)

    return sorted(values, key=key)


def _join_labels(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def _omitted_note(omitted: list[str], what: str) -> str | None:
    if not omitted:
        return None
    return (f"Aus Datenschutzgründen nicht dargestellt ({what}): {_join_labels(omitted)}. "
            "Die zugehörigen Werte sind auch in der Tabelle verdeckt.")


def _breakdown_section(figures: _Figures, spec: BreakdownSpec,
                       month: str) -> tuple[Table, ChartBlock]:
    """Table (one row per dimension value plus the city total) and bar chart of `spec`.
    Only publishable values become bars; hidden ones are named in the omitted note."""
    dimension = spec.dimension
    columns = _columns(spec.columns, figures)
    codes = _sorted_breakdown(
        figures, spec.indicator_id, dimension,
        figures.dimension_values([c.indicator_id for c in columns], dimension),
    )
    table = Table(
        columns,
        [
            Row(code, labels.code_label(dimension, code),
                [figures.cell(c.indicator_id, "all", dimension, code) for c in columns])
            for code in codes
        ] + ([Row("all", spec.total_label,
                  [figures.cell(c.indicator_id) for c in columns], total=True)]
             if codes else []),
    )
    points, omitted = publishable(
        (labels.code_label(dimension, code),
         figures.cell(spec.indicator_id, "all", dimension, code))
        for code in codes
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
        if overall.value is not None else None,
        share_axis=spec.share_axis,
    )
    return table, ChartBlock(Markup(svg), note)


# --------------------------------------------------------------------------------------------
# Monthly report


def build_monthly_context(con: Any, *, city: str, k: int, period: str) -> dict[str, Any]:
    """Everything the monthly template needs, already suppressed and formatted."""
    fmt.parse_period(period)
    month = fmt.month_year(period)
    previous = fmt.previous_period(period)

    figures = _Figures(run_query(con, "indicator_values_for_period", {"period": period}), k)
    series_rows = run_query(con, "city_series", {"period": period})
    providers = run_query(con, "providers")
    deliveries = {row["provider_id"]: row for row in run_query(con, "newest_deliveries")}
    periods = [row["period"] for row in run_query(con, "periods", {"period": period})]
    series_periods = sorted({row["period"] for row in series_rows})
    periods = sorted(set(periods) | set(series_periods))

    series: dict[str, dict[str, Cell]] = {}
    for row in series_rows:
        cell = display(row, indicator_kind(row["indicator_id"]), k)
        series.setdefault(row["indicator_id"], {})[row["period"]] = cell

    provider_names = {p["provider_id"]: p["provider_name"] for p in providers}
    provider_kinds = {p["provider_id"]: p["provider_kind"] for p in providers}

    # ---- Datenstand (needed first: stale providers are flagged in the overview too)
    delivery_rows: list[DeliveryRow] = []
    for provider in providers:
        pid = provider["provider_id"]
        delivery = deliveries.get(pid)
        if delivery is None:
            status, period_label, exported, loaded = "keine Lieferung", "–", "–", "–"
        else:
            status = "veraltet" if delivery["period"] < period else "aktuell"
            period_label = fmt.month_year(delivery["period"])
            exported = fmt.date_short(delivery["exported_local"])
            loaded = fmt.date_short(delivery["loaded_local"])
        delivery_rows.append(DeliveryRow(
            provider_id=pid,
            provider_name=provider["provider_name"],
            kind_label=labels.code_label("provider_kind", provider["provider_kind"]),
            period_label=period_label,
            exported=exported,
            loaded=loaded,
            status=status,
        ))
    stale = [row for row in delivery_rows if row.stale]
    stale_ids = {row.provider_id: row.status for row in stale}
    loaded_times = [d["loaded_local"] for d in deliveries.values() if d["loaded_local"]]
    data_as_of = fmt.date_long(max(loaded_times)) if loaded_times else None

    # ---- Überblick
    key_figures = []
    for indicator_id in KEY_FIGURES:
        if not figures.has(indicator_id):
            continue
        kind = indicator_kind(indicator_id)
        prev_cell = series.get(indicator_id, {}).get(previous)
        key_figures.append(KeyFigure(
            indicator_id=indicator_id,
            label=labels.indicator_label(indicator_id).replace(" (Tage)", ""),
            cell=figures.cell(indicator_id),
            unit=UNIT.get(kind, ""),
            previous=prev_cell,
            previous_label=fmt.month_year(previous),
        ))

    provider_columns = _columns(PROVIDER_COLUMNS, figures)
    case_providers = [p for p in providers if p["provider_kind"] != "abh"]
    unknown = sorted(figures.providers() - set(provider_names))
    provider_rows = []
    for pid, name in [(p["provider_id"], p["provider_name"]) for p in case_providers] + [
        (pid, pid) for pid in unknown
    ]:
        if provider_kinds.get(pid) == "abh":
            continue
        provider_rows.append(Row(
            key=pid,
            label=name,
            cells=[figures.cell(c.indicator_id, pid) for c in provider_columns],
            badge=stale_ids.get(pid),
        ))
    provider_rows.append(Row(
        key="all",
        label=f"Stadt {city} gesamt",
        cells=[figures.cell(c.indicator_id) for c in provider_columns],
        total=True,
    ))
    provider_table = Table(provider_columns, provider_rows)

    # ---- Fallzahlen im Verlauf
    published_series = {
        name: {p: c.value for p, c in series.get(name, {}).items() if c.value is not None}
        for name in ("cases_active", "cases_new", "cases_closed")
    }
    hidden_months = sorted({
        p for name in ("cases_active", "cases_new", "cases_closed")
        for p, c in series.get(name, {}).items() if c.hidden
    })
    trend = ChartBlock(None)
    if periods and any(published_series.values()):
        active_now = series.get("cases_active", {}).get(period)
        desc = (
            f"Liniendiagramm der aktiven Fälle in {city} von {fmt.month_year(periods[0])} bis "
            f"{month}"
            + (f"; im {month} {active_now.text} aktive Fälle" if active_now else "")
            + ". Darunter Säulen mit den neuen und den abgeschlossenen Fällen je Monat."
        )
        svg = charts.trend_chart(
            periods,
            published_series["cases_active"],
            published_series["cases_new"],
            published_series["cases_closed"],
            report_period=period,
            chart_id="grafik-verlauf",
            title=f"Fallzahlen im Verlauf, {city}",
            description=desc,
        )
        trend = ChartBlock(
            Markup(svg),
            _omitted_note([fmt.month_year(p) for p in hidden_months],
                          "Monate mit verdeckten Werten"),
        )

    closing_values = figures.dimension_values(["cases_closed"], "closing_reason")
    closing_table = Table(
        [Column("cases_closed", "Abgeschlossene Fälle")],
        [
            Row(code, labels.code_label("closing_reason", code),
                [figures.cell("cases_closed", "all", "closing_reason", code)])
            for code in sorted(closing_values,
                               key=lambda c: (labels.code_order("closing_reason", c), c))
        ] + ([Row("all", "Alle Abschlussgründe", [figures.cell("cases_closed")], total=True)]
             if closing_values else []),
    )

    # ---- Übergaben, Ungedeckte Bedarfe
    handover_table, handover_chart = _breakdown_section(figures, HANDOVER_SECTION, month)
    needs_table, needs_chart = _breakdown_section(figures, NEEDS_SECTION, month)

    # ---- Hinweise
    shown = [i for i in labels.INDICATOR if figures.has(i)]
    shown += sorted(i for i in figures.indicators if i not in labels.INDICATOR)
    definitions = [
        Definition(labels.indicator_label(i).replace(" (Tage)", ""),
                   labels.INDICATOR_DEFINITION.get(i, ""))
        for i in shown if labels.INDICATOR_DEFINITION.get(i)
    ]

    return {
        "city": city,
        "k": k,
        "period": period,
        "month": month,
        "title": f"Monatsbericht Kommunales Integrationsmanagement {city} – {month}",
        "data_as_of": data_as_of,
        "key_figures": key_figures,
        "provider_table": provider_table,
        "stale": stale,
        "trend": trend,
        "closing_table": closing_table,
        "handover_table": handover_table,
        "handover_chart": handover_chart,
        "needs_table": needs_table,
        "needs_chart": needs_chart,
        "deliveries": delivery_rows,
        "definitions": definitions,
        "legend": legend(k),
        "has": figures.has,
    }


def render_monthly(con: Any, reports_dir: Path, *, city: str, k: int,
                   period: str | None = None) -> Path:
    """Render reports_dir/monatsbericht_<YYYY-MM>.html and return its path."""
    if period is None:
        period = latest_period(con)
    fmt.parse_period(period)  # also keeps the file name safe
    context = build_monthly_context(con, city=city, k=k, period=period)
    page = environment().get_template("monatsbericht.html.j2").render(**context)
    path = Path(reports_dir) / f"{MONTHLY_PREFIX}{period}.html"
    write_atomic(path, page)
    return path


# --------------------------------------------------------------------------------------------
# Index of all reports in the folder

REPORT_SUFFIXES = (".html", ".pdf", ".csv", ".xlsx")

# File name prefix -> group heading (other renderers should follow these names).
INDEX_GROUPS = (
    (("monatsbericht",), "Monatsberichte"),
    (("jahresbericht", "jahresevaluation", "evaluation"), "Jahresberichte und Evaluation"),
    (("rueckmeldung", "traegerbericht", "provider_feedback", "feedback"),
     "Rückmeldungen an die Träger"),
    (("datenqualitaet", "data_quality", "dq"), "Datenqualität (intern)"),
)
OTHER_GROUP = "Weitere Berichte"

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


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


def render_index(reports_dir: Path, *, city: str) -> Path:
    """(Re)write reports_dir/index.html linking every report file in the folder and its
    subfolders (HTML, PDF, CSV, XLSX; hidden and temporary files are skipped)."""
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
            IndexEntry(href=urllib.parse.quote(rel.as_posix()), title=_report_title(path),
                       filename=rel.as_posix())
        )
    order = [title for _, title in INDEX_GROUPS] + [OTHER_GROUP]
    index_groups = [
        IndexGroup(title, sorted(groups[title], key=lambda e: e.filename, reverse=True))
        for title in order if title in groups
    ]
    page = environment().get_template("index.html.j2").render(
        city=city,
        title=f"Berichte Kommunales Integrationsmanagement {city}",
        groups=index_groups,
        count=len(files),
    )
    path = reports_dir / INDEX_NAME
    write_atomic(path, page)
    return path


def render_reports(con: Any, reports_dir: Path, *, city: str, k: int,
                   period: str | None = None) -> dict[str, Path]:
    """Render the monthly report for `period` (default: the newest period in
    marts.indicator_values) and the index of all reports in `reports_dir`."""
    monthly = render_monthly(con, reports_dir, city=city, k=k, period=period)
    index = render_index(reports_dir, city=city)
    return {"monthly": monthly, "index": index}
