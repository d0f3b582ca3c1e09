"""Annual evaluation report ("Jahresbericht", design §1, §2 `reports/`) — published.

Public API:
    render_annual_reports(con, reports_dir, *, city, k, years=None) -> list[Path]
    build_annual_context(con, *, city, k, year) -> dict

Writes reports_dir/jahresbericht_<YYYY>.html per year (default: every year in
marts.indicator_values_yearly). The index (reports.render.render_index) lists these files under
"Jahresberichte und Evaluation" the next time it is rendered.

The story of one year for the council and the ministry, in plain German: summary, reach,
process quality, results, structural gaps, budget, data quality (aggregate, about providers
only), methodology.

Warehouse inputs (queries in reports/sql/annual_*.sql, all parameterised):
    marts.indicator_values_yearly  every yearly figure (period 'YYYY'), already suppressed
    marts.indicator_values         city-wide monthly figures within the year (trend charts)
    marts.dim_periods              the months of the year the warehouse covers
    marts.dim_providers, marts.dim_provider_years (funded FTE)
    marts.fct_deliveries           counts of accepted / rejected deliveries, row totals and
                                   quarantined rows per provider (no keys, no messages)
    marts.delivery_timeliness      on time / late / missing per provider and month [optional]

Privacy (design §6): every figure about people is a stored row passed through
`reports.suppression.display`; charts get only publishable values. The report computes no count
about people itself (no sums, no differences). Two rules of its own only ever show less or state
a known zero:
- a cost per case is hidden when the count of cases it divides by (cases_active, cases_closed of
  the same provider and year) is not published: cost ÷ cost per case would give that count away,
  since the budget amounts are public;
- a breakdown cell of a count that has no stored row while the indicator's total exists is shown
  as 0 (the indicator SQL stores breakdown rows only where something was observed, and the
  suppression treats such cells as known zeros).
Changes against the previous year are only computed from two published figures, and only when
both years cover the same months. Counts in the data-quality section are about providers'
deliveries, not about people; no record key, pseudonym or rejection message is read.

Charts: reports.charts (trend_chart, horizontal_bar_chart) and one chart of its own
(`monthly_needs_chart`) drawn with the palette and settings of reports.charts.
"""

from __future__ import annotations

import dataclasses
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import matplotlib
from babel.dates import format_date
from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports import charts, labels
from reports import formatting as fmt
from reports.render import (
    ChartBlock,
    Column,
    ColumnSpec,
    Definition,
    Row,
    _code_sorted,
    _Figures,
    _omitted_note,
    environment,
    run_query,
    write_atomic,
)
from reports.render import (
    _join_labels as _join,
)
from reports.render import (
    _sorted_breakdown as _sorted_codes,
)
from reports.suppression import Cell, display, indicator_kind, legend, publishable

ANNUAL_PREFIX = "jahresbericht_"
TEMPLATE = "jahresbericht.html.j2"

_YEAR_RE = re.compile(r"^\d{4}$")

# Kinds by the `value` attribute of reports.suppression.Kind (compared by value, so a new kind
# there does not break this module).
_SHARE_KINDS = ("share", "money_share")
_COUNT_KIND = "count"


# --------------------------------------------------------------------------------------------
# View model (display strings and Cells only; no raw figure that is not publishable)


@dataclass(frozen=True)
class AnnualKeyFigure:
    indicator_id: str
    label: str
    cell: Cell
    unit: str
    previous: Cell | None
    previous_label: str
    change: str | None  # "+9,4 %" / "−2,1 Prozentpunkte", only where the years are comparable


@dataclass(frozen=True)
class DataTable:
    """A table behind a chart or a plain table: `rows` of (key, label, cells, total)."""

    columns: list[Column]
    rows: list[Row]
    chart_id: str | None = None

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class MatrixRow:
    key: str
    label: str
    cells: list[tuple[str, Cell]]  # (category|reason key, cell) per reason column
    total: Cell


@dataclass(frozen=True)
class Matrix:
    reasons: list[tuple[str, str]]  # (code, label) of the columns
    rows: list[MatrixRow]
    reason_totals: list[Cell]
    total: Cell
    hidden_share: float  # share of the matrix cells that are hidden (for the text)

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Gap:
    key: str
    category: str
    count: Cell
    share: Cell
    reasons: list[tuple[str, Cell]]  # (reason label, published count), largest first


@dataclass(frozen=True)
class SourceRow:
    provider_id: str
    provider_name: str
    kind_label: str
    months: str  # delivered months of the year, e.g. "Januar bis Oktober 2026"
    newest: str  # newest accepted delivery overall
    stale: bool


# --------------------------------------------------------------------------------------------
# What the report shows


SUMMARY_FIGURES = (
    ("cases_active", "Begleitete Fälle"),
    ("persons_active", "Begleitete Personen"),
    ("cases_new", "Neu aufgenommene Fälle"),
    ("cases_closed", "Abgeschlossene Fälle"),
    ("focus_group_share_new", "Anteil Duldung/Gestattung an neuen Fällen"),
)

REACH_COLUMNS = (
    ColumnSpec("cases_active", "Begleitete Fälle"),
    ColumnSpec("persons_active", "Begleitete Personen"),
    ColumnSpec("cases_new", "Neue Fälle"),
    ColumnSpec("cases_closed", "Abgeschlossene Fälle"),
    ColumnSpec("focus_group_share_new", "Anteil Duldung/Gestattung an neuen Fällen"),
)

HANDOVER_COLUMNS = (
    ColumnSpec("handover_delay_median_days", "Median Wartezeit (Tage)"),
    ColumnSpec("handover_delay_p90_days", "90 % innerhalb von … Tagen"),
    ColumnSpec("handover_within_14d_share", "Anteil innerhalb von 14 Tagen"),
    ColumnSpec("handover_contact_km_median_days", "Median inkl. noch Wartender (Kaplan-Meier, Tage)"),
    ColumnSpec("handovers_pending_over_30d", "Am Ende des Zeitraums seit über 30 Tagen ohne Ersttermin"),
)

PROCESS_PROVIDER_COLUMNS = (
    ColumnSpec("handover_delay_median_days", "Median Wartezeit Übergabe (Tage)"),
    ColumnSpec("handover_contact_km_median_days", "Median inkl. noch Wartender (Kaplan-Meier, Tage)"),
    ColumnSpec("handovers_pending_over_30d", "Übergaben seit über 30 Tagen ohne Ersttermin"),
    ColumnSpec("cm_continuity_share", "Anteil mit durchgehend einer Fachkraft"),
    ColumnSpec("status_change_retained_share", "Nach Statuswechsel weiter begleitet"),
    ColumnSpec("time_to_first_need_median_days", "Median Tage bis zum ersten Bedarf"),
    ColumnSpec("caseload_per_fte", "Fälle je Vollzeitstelle"),
)

NEEDS_COLUMNS = (
    ColumnSpec("needs_unmet_share", "Anteil nicht gedeckt"),
    ColumnSpec("needs_unmet_count", "Nicht gedeckt (Anzahl)"),
    ColumnSpec("needs_open_over_90d", "Am Ende des Zeitraums seit über 90 Tagen offen"),
)

BUDGET_COLUMNS = (
    ColumnSpec("budget_funding_granted", "Bewilligte Förderung"),
    ColumnSpec("budget_actual_cost", "Tatsächliche Kosten"),
    ColumnSpec("budget_funding_coverage_share", "Deckungsgrad der Förderung"),
    ColumnSpec("cost_per_active_case", "Kosten je begleitetem Fall"),
    ColumnSpec("cost_per_closed_case", "Kosten je abgeschlossenem Fall"),
)

# A cost per case divides a public amount by a count of cases: it is shown only where that count
# is published in the yearly table (same provider), else the count could be recomputed.
COST_PER_CASE_BASE = {
    "cost_per_active_case": "cases_active",
    "cost_per_closed_case": "cases_closed",
}

# Terms in the definitions where the report's wording differs from labels.INDICATOR.
TERM = {"cases_active": "Begleitete Fälle (aktive Fälle)"}

# Indicators whose definition is worded for a year here (the monthly wording says "im
# Berichtsmonat", the yearly figure is over the year or as of its last day).
ANNUAL_DEFINITION = {
    "handover_contact_km_median_days": (
        "Wartezeit von der Weitervermittlung bis zum ersten Termin für alle im Berichtsjahr "
        "vermittelten Übergaben, geschätzt nach Kaplan-Meier: Übergaben ohne Termin zählen mit "
        "der bisherigen Wartezeit (zensiert), statt wegzufallen. Kein Wert, solange weniger als "
        "die Hälfte einen Termin hatte."
    ),
    "budget_funding_granted": (
        "Für das Jahr bewilligte Landesförderung; der Anteil eines Trägers nach seinem Anteil an "
        "den geförderten Vollzeitstellen (eine Umlage, nicht die Abrechnung des Trägers)."
    ),
    "budget_actual_cost": (
        "Tatsächliche Kosten des Jahres; der Anteil eines Trägers nach seinem Anteil an den "
        "geförderten Vollzeitstellen (eine Umlage, nicht die Abrechnung des Trägers)."
    ),
    "cost_per_active_case": (
        "Kosten vom Jahresbeginn bis zum Ende des Berichtszeitraums (Jahreskosten anteilig nach "
        "Monaten) geteilt durch die Fälle, die in dieser Zeit offen waren."
    ),
    "cost_per_closed_case": ("Dieselben Kosten geteilt durch die in dieser Zeit abgeschlossenen Fälle."),
    "caseload_band_case_managers": (
        "Verteilung der Fallverantwortlichen nach der Zahl ihrer am Ende des Berichtszeitraums "
        "offenen Fälle (unter 30, 30 bis 49, 50 bis 69, 70 und mehr). Nie Angaben zu einzelnen "
        "Personen."
    ),
}

# Monthly wording -> yearly wording, applied to the other definitions (labels.INDICATOR_DEFINITION).
_DEFINITION_WORDING = (
    ("im Berichtsmonat", "im Berichtsjahr"),
    ("Im Berichtsmonat", "Im Berichtsjahr"),
    ("Am Monatsende", "Am Ende des Berichtszeitraums"),
    ("am Monatsende", "am Ende des Berichtszeitraums"),
    ("bis zum Monatsende", "bis zum Ende des Berichtszeitraums"),
    ("zum Monatsende", "zum Ende des Berichtszeitraums"),
    ("vor dem Monatsanfang", "vor dem Beginn des Berichtszeitraums"),
    ("im jeweiligen Jahr", "im Berichtsjahr"),
)

# Short column headers of the gap matrix (soft hyphens let long words break).
MATRIX_REASON_LABEL = {
    "kein_angebot": "Kein Angebot",
    "wartezeit": "Warte\u00adzeit",
    "zugangsvoraussetzungen": "Zugangs\u00advoraus\u00adsetzungen",
    "sprachbarriere": "Sprach\u00adbarriere",
    "kosten": "Kosten",
    "erreichbarkeit": "Erreich\u00adbarkeit",
    "sonstiges": "Sonstiges",
}


# Every indicator the report shows (its definition goes into the methodology section).
SHOWN_INDICATORS = frozenset(
    [i for i, _ in SUMMARY_FIGURES]
    + [
        s.indicator_id
        for specs in (REACH_COLUMNS, HANDOVER_COLUMNS, PROCESS_PROVIDER_COLUMNS, NEEDS_COLUMNS, BUDGET_COLUMNS)
        for s in specs
    ]
    + ["caseload_band_case_managers"]
)


# --------------------------------------------------------------------------------------------
# Small helpers


def _check_year(year: Any) -> str:
    year = str(year)
    if not _YEAR_RE.match(year):
        raise ValueError(f"year must look like YYYY, got {year!r}")
    return year


def _month_name(period: str) -> str:
    return format_date(fmt.parse_period(period), "MMMM", locale=fmt.LOCALE)


def span_label(months: Sequence[str]) -> str:
    """['2026-01', …, '2026-10'] -> 'Januar bis Oktober 2026'; one month -> 'Oktober 2026'."""
    if not months:
        return ""
    first, last = months[0], months[-1]
    if first == last:
        return fmt.month_year(first)
    if first[:4] != last[:4]:
        return f"{fmt.month_year(first)} bis {fmt.month_year(last)}"
    return f"{_month_name(first)} bis {fmt.month_year(last)}"


def is_complete_year(months: Sequence[str]) -> bool:
    return len(months) == 12 and months[0].endswith("-01") and months[-1].endswith("-12")


def _kind(indicator_id: str) -> str:
    return indicator_kind(indicator_id).value


def _zero(k: int) -> Cell:
    return display({"value": 0.0, "numerator": 0, "suppressed": False}, indicator_kind("cases_new"), k)


def _hidden(k: int, note: str | None = None) -> Cell:
    """The "hidden" sign of the display rules (a share/median/ratio that is not shown)."""
    cell = display({"value": 0.0, "denominator": 0, "suppressed": True}, indicator_kind("needs_unmet_share"), k)
    return dataclasses.replace(cell, note=note) if note else cell


def _plain(value: float | int, text: str) -> Cell:
    """A figure about providers or deliveries (not about people): shown as it is."""
    if value == 0:
        return Cell("0", "zero", 0.0)
    return Cell(text, "value", float(value))


def _signed(diff: float, text: str) -> str:
    if diff > 0:
        return f"+{text}"
    if diff < 0:
        return f"\u2212{text}"
    return f"\u00b1{text}"


def change_text(current: Cell, previous: Cell | None, indicator_id: str) -> str | None:
    """Change against the previous year, only from two publishable figures."""
    if previous is None or current.value is None or previous.value is None:
        return None
    kind = _kind(indicator_id)
    if kind in _SHARE_KINDS:
        points = round((current.value - previous.value) * 100, 1)
        return _signed(points, fmt.decimal_fixed(abs(points), 1) + "\u00a0Prozentpunkte")
    if previous.value == 0:
        return None
    relative = round(current.value / previous.value - 1, 3)
    return _signed(relative, fmt.percent(abs(relative)))


def _shown(cell: Cell) -> bool:
    """A figure that may be written into a sentence (published, zero included)."""
    return cell.value is not None


def _definition_text(indicator_id: str) -> str:
    if indicator_id in ANNUAL_DEFINITION:
        return ANNUAL_DEFINITION[indicator_id]
    text = labels.INDICATOR_DEFINITION.get(indicator_id, "")
    for old, new in _DEFINITION_WORDING:
        text = text.replace(old, new)
    return text


def _label(indicator_id: str) -> str:
    return TERM.get(indicator_id, labels.indicator_label(indicator_id).replace(" (Tage)", ""))


MISSING_NOTE = "Für diesen Zeitraum liegen keine Angaben vor."


def annual_legend(k: int) -> list[tuple[str, str]]:
    """The signs of the display rules, "keine Angabe" worded for a year instead of a month."""
    return [(sign, text.replace("Für diesen Monat liegt", "Für diesen Zeitraum liegt")) for sign, text in legend(k)]


# --------------------------------------------------------------------------------------------
# Yearly figures with the cost-per-case guard


class _YearFigures:
    """The yearly rows of one year; `cell` as `_Figures.cell` plus the cost-per-case guard."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], k: int):
        self.k = k
        self.figures = _Figures(rows, k)

    def has(self, indicator_id: str) -> bool:
        return self.figures.has(indicator_id)

    def cell(self, indicator_id: str, provider_id: str = "all", dimension: str = "all", value: str = "all") -> Cell:
        cell = self.figures.cell(indicator_id, provider_id, dimension, value)
        if cell.status == "missing":
            if (
                dimension != "all"
                and _kind(indicator_id) == _COUNT_KIND
                and self.figures.cell(indicator_id, provider_id).status != "missing"
            ):
                # A breakdown cell is stored only where something was observed: a count
                # without a row is zero (the suppression treats it as a known zero, too).
                return _zero(self.k)
            return dataclasses.replace(cell, note=MISSING_NOTE)
        base = COST_PER_CASE_BASE.get(indicator_id)
        if base and cell.value is not None and dimension == "all":
            count = self.figures.cell(base, provider_id)
            if count.status != "value":
                return _hidden(
                    self.k,
                    "Nicht ausgewiesen, weil die zugehörige Fallzahl verdeckt "
                    "ist und sonst aus den Kosten zurückgerechnet werden könnte.",
                )
        return cell

    def dimension_values(self, indicator_ids: Iterable[str], dimension: str, provider_id: str = "all") -> set[str]:
        return self.figures.dimension_values(indicator_ids, dimension, provider_id)

    def providers(self) -> set[str]:
        return self.figures.providers()


def _columns(specs: Iterable[ColumnSpec], figures: _YearFigures) -> list[Column]:
    return [Column(s.indicator_id, s.header) for s in specs if figures.has(s.indicator_id)]


def _provider_table(
    figures: _YearFigures,
    specs: Iterable[ColumnSpec],
    providers: Sequence[Mapping[str, Any]],
    city_label: str,
    chart_id: str | None = None,
) -> DataTable:
    columns = _columns(specs, figures)
    rows = [
        Row(p["provider_id"], p["provider_name"], [figures.cell(c.indicator_id, p["provider_id"]) for c in columns])
        for p in providers
    ]
    rows.append(Row("all", city_label, [figures.cell(c.indicator_id) for c in columns], total=True))
    return DataTable(columns, rows if columns else [], chart_id)


def _breakdown_table(
    figures: _YearFigures,
    specs: Iterable[ColumnSpec],
    dimension: str,
    total_label: str,
    *,
    order_by: str | None = None,
    chart_id: str | None = None,
    full_code_list: bool = False,
) -> DataTable:
    """One row per breakdown value plus the total. `full_code_list`: every code of the code
    list, also those without observations (shown as 0), where the indicator exists."""
    columns = _columns(specs, figures)
    codes = figures.dimension_values([c.indicator_id for c in columns], dimension)
    if full_code_list and columns:
        codes |= set(labels.CODE_LISTS.get(dimension, {}))
    ordered = _sorted_codes(figures.figures, order_by, dimension, codes) if order_by else _code_sorted(dimension, codes)
    rows = [
        Row(
            code,
            labels.code_label(dimension, code),
            [figures.cell(c.indicator_id, "all", dimension, code) for c in columns],
        )
        for code in ordered
    ]
    if rows:
        rows.append(Row("all", total_label, [figures.cell(c.indicator_id) for c in columns], total=True))
    return DataTable(columns, rows, chart_id)


def _bar_chart(
    figures: _YearFigures,
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
    omitted_what: str,
    share_axis: bool = False,
) -> ChartBlock:
    points, omitted = publishable(
        (labels.code_label(dimension, code), figures.cell(indicator_id, "all", dimension, code)) for code in codes
    )
    note = _omitted_note(omitted, omitted_what)
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


# --------------------------------------------------------------------------------------------
# A monthly chart of unmet needs (count as bars, share as a line), in the style of reports.charts


def _svg(fig: Figure, chart_id: str, title: str, description: str) -> str:
    """SVG of a Matplotlib figure as reports.charts writes it: no prolog, ids prefixed by the
    chart id, scoped style, role="img" with <title>/<desc>."""
    buffer = io.StringIO()
    with matplotlib.rc_context(charts.RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)
    svg = svg[svg.index("<svg") :]

    def local(match: re.Match[str]) -> str:
        return f"{safe}-{re.sub(r'[^A-Za-z0-9_-]', '-', match.group(2))}"

    svg = re.sub(r'(\bid=")([^"]+)"', lambda m: f'id="{local(m)}"', svg)
    svg = re.sub(r"(url\(#)([^)]+)\)", lambda m: f"url(#{local(m)})", svg)
    svg = re.sub(r'(href="#)([^"]+)"', lambda m: f'href="#{local(m)}"', svg)
    svg = svg.replace("*{stroke-linejoin", f"#{safe} *{{stroke-linejoin")
    root_end = svg.index(">")
    root = svg[:root_end]
    match = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"', root)
    root = re.sub(r'\s(width|height)="[^"]*"', "", root)
    root += (
        f' id="{safe}" class="chart" role="img" preserveAspectRatio="xMidYMid meet"'
        f' aria-labelledby="{safe}-title {safe}-desc"'
    )
    if match:
        root += f' style="max-width: {match.group(1)}pt"'
    head = f'<title id="{safe}-title">{escape(title)}</title><desc id="{safe}-desc">{escape(description)}</desc>'
    return root + ">" + head + svg[root_end + 1 :].rstrip() + "\n"


def monthly_needs_chart(
    periods: Sequence[str],
    counts: Mapping[str, float],
    shares: Mapping[str, float],
    *,
    chart_id: str,
    title: str,
    description: str,
) -> str:
    """Unmet needs per month: count as bars (top), share as a line (bottom). A month without a
    publishable value shows a grey "×" on the baseline instead of a bar or point."""
    n = len(periods)
    xs = list(range(n))
    nan = float("nan")
    with matplotlib.rc_context(charts.RC):
        fig = Figure(figsize=(charts.WIDTH_IN, 5.2), layout="constrained")
        FigureCanvasAgg(fig)
        top, bottom = fig.subplots(2, 1, sharex=True)
        for ax in (top, bottom):
            ax.grid(axis="y", color=charts.LIGHT, linewidth=0.8)
            ax.set_axisbelow(True)

        present = [(x, counts[p]) for x, p in zip(xs, periods) if p in counts]
        if present:
            top.bar(
                [x for x, _ in present],
                [v for _, v in present],
                width=0.62,
                color=charts.BLUE,
                edgecolor=charts.BLUE,
                zorder=3,
            )
        top_max = max([v for _, v in present] + [1.0])
        top.set_ylim(0, top_max * 1.2)
        top.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        top.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.integer(v)))
        top.set_ylabel("Anzahl")
        top.set_title("Nicht gedeckte Bedarfe je Monat (Anzahl), Stadt gesamt")

        ys = [shares.get(p, nan) for p in periods]
        bottom.plot(xs, ys, color=charts.ORANGE, linewidth=2.2, marker="s", markersize=5, zorder=3)
        share_max = max([v for v in ys if not math.isnan(v)] + [0.1])
        bottom.set_ylim(0, min(1.0, share_max * 1.3) or 0.1)
        bottom.yaxis.set_major_locator(MaxNLocator(nbins=4))
        bottom.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt.percent(v, 0)))
        bottom.set_ylabel("Anteil")
        bottom.set_title("Anteil nicht gedeckter an den abschließend bewerteten Bedarfen")

        for ax, values in ((top, counts), (bottom, shares)):
            missing = [x for x, p in zip(xs, periods) if p not in values]
            if missing:
                ax.scatter(
                    missing,
                    [0.06] * len(missing),
                    marker="x",
                    s=26,
                    color=charts.GREY,
                    linewidths=1.2,
                    zorder=4,
                    transform=ax.get_xaxis_transform(),
                )
        bottom.set_xticks(xs, [fmt.month_short(p) for p in periods])
        bottom.set_xlim(-0.7, n - 0.3)
        bottom.set_xlabel("Monat")
        return _svg(fig, chart_id, title, description)


# --------------------------------------------------------------------------------------------
# Context


def _require_yearly(con: Any) -> set[str]:
    tables = {r["name"] for r in run_query(con, "annual_tables")}
    if "marts.indicator_values_yearly" not in tables:
        raise ValueError(
            "marts.indicator_values_yearly does not exist: build the yearly figures "
            "(transforms.indicators.build_yearly_indicator_values) first"
        )
    return tables


def annual_years(con: Any) -> list[str]:
    """Every year with yearly figures, oldest first."""
    _require_yearly(con)
    return [str(r["period"]) for r in run_query(con, "annual_years")]


def _series(con: Any, year: str, k: int) -> dict[str, dict[str, Cell]]:
    series: dict[str, dict[str, Cell]] = {}
    for row in run_query(con, "annual_city_series", {"year": year}):
        series.setdefault(row["indicator_id"], {})[row["period"]] = display(row, indicator_kind(row["indicator_id"]), k)
    return series


def _series_table(
    periods: Sequence[str], series: Mapping[str, Mapping[str, Cell]], specs: Sequence[ColumnSpec], k: int, chart_id: str
) -> DataTable:
    columns = [Column(s.indicator_id, s.header) for s in specs]
    missing = display(None, indicator_kind("cases_new"), k)
    rows = [Row(p, fmt.month_year(p), [series.get(s.indicator_id, {}).get(p, missing) for s in specs]) for p in periods]
    return DataTable(columns, rows, chart_id)


def build_annual_context(con: Any, *, city: str, k: int, year: str | int) -> dict[str, Any]:
    """Everything the annual template needs, already suppressed and formatted."""
    year = _check_year(year)
    tables = _require_yearly(con)
    figures = _YearFigures(run_query(con, "annual_values", {"year": year}), k)
    if not figures.figures.indicators:
        raise ValueError(f"marts.indicator_values_yearly has no figures for {year}")
    months = [r["period"] for r in run_query(con, "annual_months", {"year": year})]
    span = span_label(months) or year
    complete = is_complete_year(months)
    last_month = months[-1] if months else f"{year}-12"

    prev_year = str(int(year) - 1)
    prev_rows = run_query(con, "annual_values", {"year": prev_year})
    previous = _YearFigures(prev_rows, k) if prev_rows else None
    prev_months = [r["period"] for r in run_query(con, "annual_months", {"year": prev_year})] if previous else []
    prev_span = span_label(prev_months) or prev_year
    comparable = bool(previous) and [m[5:] for m in prev_months] == [m[5:] for m in months]

    providers_all = run_query(con, "annual_providers", {"year": year})
    case_providers = [p for p in providers_all if p["provider_kind"] != "abh"]
    known = {p["provider_id"] for p in providers_all}
    case_providers += [
        {"provider_id": pid, "provider_name": pid, "provider_kind": "wohlfahrt", "funded_fte": None}
        for pid in sorted(figures.providers() - known)
    ]
    city_label = f"Stadt {city} gesamt"

    # ---- Zusammenfassung
    key_figures = []
    for indicator_id, label in SUMMARY_FIGURES:
        if not figures.has(indicator_id):
            continue
        cell = figures.cell(indicator_id)
        prev_cell = previous.cell(indicator_id) if previous and previous.has(indicator_id) else None
        key_figures.append(
            AnnualKeyFigure(
                indicator_id=indicator_id,
                label=label,
                cell=cell,
                unit="",
                previous=prev_cell,
                previous_label=(f"Vorjahr {prev_year}" if comparable else f"Vorjahr ({prev_span})"),
                change=change_text(cell, prev_cell, indicator_id) if comparable else None,
            )
        )

    statements = _statements(
        figures,
        previous if comparable else None,
        city=city,
        span=span,
        year=year,
        prev_year=prev_year,
        complete=complete,
    )

    # ---- Reichweite
    reach_table = _provider_table(figures, REACH_COLUMNS, case_providers, city_label)
    series = _series(con, year, k)
    trend_specs = (
        ColumnSpec("cases_active", "Aktive Fälle"),
        ColumnSpec("cases_new", "Neue Fälle"),
        ColumnSpec("cases_closed", "Abgeschlossene Fälle"),
    )
    trend_table = _series_table(months, series, trend_specs, k, "grafik-verlauf")
    trend = _trend_chart(months, series, city=city, span=span)
    residence_codes = figures.dimension_values(["cases_new"], "residence_status")
    residence_table = _breakdown_table(
        figures,
        (ColumnSpec("cases_new", "Neue Fälle"),),
        "residence_status",
        "Alle neuen Fälle",
        chart_id="grafik-aufenthaltsstatus",
        full_code_list=True,
    )
    residence_chart = _bar_chart(
        figures,
        "cases_new",
        "residence_status",
        residence_codes,
        chart_id="grafik-aufenthaltsstatus",
        title=f"Neue Fälle nach Aufenthaltsstatus bei Aufnahme, {span}",
        describe=lambda pts: (
            "Balkendiagramm: neue Fälle je Aufenthaltsstatus bei Aufnahme. Am häufigsten: "
            f"{max(pts, key=lambda p: p[1])[0]} mit {fmt.integer(max(p[1] for p in pts))} "
            "Fällen."
        ),
        axis_label="Neue Fälle (Anzahl)",
        value_format=fmt.integer,
        reference_label=None,
        omitted_what="zu kleine oder gesperrte Fallzahlen",
    )

    # ---- Prozessqualität
    service_codes = figures.dimension_values([s.indicator_id for s in HANDOVER_COLUMNS], "target_service")
    handover_table = _breakdown_table(
        figures,
        HANDOVER_COLUMNS,
        "target_service",
        "Alle Zielstellen",
        order_by="handover_delay_median_days",
        chart_id="grafik-uebergaben",
    )
    handover_chart = _bar_chart(
        figures,
        "handover_delay_median_days",
        "target_service",
        service_codes,
        chart_id="grafik-uebergaben",
        title=f"Wartezeit bis zum ersten Termin nach Zielstelle, {span}",
        describe=lambda pts: (
            "Balkendiagramm: Median der Wartezeit in Tagen von der Weitervermittlung bis zum "
            f"ersten Termin je Zielstelle, {span}. Am längsten: "
            f"{max(pts, key=lambda p: p[1])[0]} mit "
            f"{fmt.decimal_fixed(max(p[1] for p in pts))} Tagen; am kürzesten: "
            f"{min(pts, key=lambda p: p[1])[0]} mit "
            f"{fmt.decimal_fixed(min(p[1] for p in pts))} Tagen."
        ),
        axis_label="Median der Wartezeit in Tagen",
        value_format=lambda v: fmt.decimal_fixed(v, 1),
        reference_label="Alle Zielstellen: {overall} Tage",
        omitted_what="zu wenige Übergaben",
    )
    process_table = _provider_table(figures, PROCESS_PROVIDER_COLUMNS, case_providers, city_label)
    caseload_table = _breakdown_table(
        figures,
        (ColumnSpec("caseload_band_case_managers", "Fallverantwortliche"),),
        "caseload_band",
        "Alle Fallverantwortlichen",
        full_code_list=True,
    )

    # ---- Ergebnisse
    closing_table = _breakdown_table(
        figures,
        (ColumnSpec("cases_closed", "Abgeschlossene Fälle"),),
        "closing_reason",
        "Alle Abschlussgründe",
        full_code_list=True,
    )
    duration_table = _breakdown_table(
        figures,
        (ColumnSpec("cases_closed", "Abgeschlossene Fälle"),),
        "duration_band",
        "Alle abgeschlossenen Fälle",
        full_code_list=True,
    )
    category_codes = figures.dimension_values([s.indicator_id for s in NEEDS_COLUMNS], "category")
    needs_table = _breakdown_table(
        figures,
        NEEDS_COLUMNS,
        "category",
        "Alle Bedarfskategorien",
        order_by="needs_unmet_share",
        chart_id="grafik-bedarfe",
    )
    needs_chart = _bar_chart(
        figures,
        "needs_unmet_share",
        "category",
        category_codes,
        chart_id="grafik-bedarfe",
        title=f"Anteil nicht gedeckter Bedarfe nach Bedarfskategorie, {span}",
        describe=lambda pts: (
            "Balkendiagramm: Anteil der abschließend bewerteten Bedarfe, die nicht gedeckt "
            f"werden konnten, je Bedarfskategorie, {span}. Höchster Anteil: "
            f"{max(pts, key=lambda p: p[1])[0]} mit {fmt.percent(max(p[1] for p in pts))}."
        ),
        axis_label="Anteil nicht gedeckter Bedarfe",
        value_format=fmt.percent,
        reference_label="Alle Kategorien: {overall}",
        omitted_what="zu wenige bewertete Bedarfe",
        share_axis=True,
    )

    # ---- Strukturelle Lücken
    matrix = _gap_matrix(figures, k)
    gaps = _top_gaps(figures)
    needs_trend_table = _series_table(
        months,
        series,
        (
            ColumnSpec("needs_unmet_count", "Nicht gedeckte Bedarfe (Anzahl)"),
            ColumnSpec("needs_unmet_share", "Anteil nicht gedeckt"),
        ),
        k,
        "grafik-luecken-verlauf",
    )
    needs_trend = _needs_trend(months, series, span=span)

    # ---- Budget
    budget_table = _provider_table(figures, BUDGET_COLUMNS, case_providers, city_label, chart_id="grafik-budget")
    fte_cells = []
    for row in budget_table.rows:
        fte = next((p.get("funded_fte") for p in case_providers if p["provider_id"] == row.key), None)
        if row.key == "all":
            ftes = [p.get("funded_fte") for p in case_providers if p.get("funded_fte")]
            fte = sum(ftes) if ftes else None
        fte_cells.append(
            _plain(fte, fmt.decimal_fixed(fte, 1))
            if fte is not None
            else display(None, indicator_kind("caseload_per_fte"), k)
        )
    if budget_table.rows:
        budget_table = DataTable(
            budget_table.columns + [Column("funded_fte", "Geförderte Vollzeitstellen")],
            [dataclasses.replace(r, cells=r.cells + [c]) for r, c in zip(budget_table.rows, fte_cells)],
            budget_table.chart_id,
        )
    budget_chart = _budget_chart(figures, span=span, year=year)

    # ---- Datenqualität
    quality = _data_quality(con, tables, providers_all, year)

    # ---- Methodische Hinweise
    newest = {r["provider_id"]: r for r in run_query(con, "annual_newest_deliveries")}
    deliveries = {r["provider_id"]: r for r in quality["delivery_rows"]}
    sources = []
    for p in providers_all:
        d = deliveries.get(p["provider_id"])
        first, last = (d or {}).get("first_period"), (d or {}).get("last_period")
        n = newest.get(p["provider_id"])
        sources.append(
            SourceRow(
                provider_id=p["provider_id"],
                provider_name=p["provider_name"],
                kind_label=labels.code_label("provider_kind", p["provider_kind"]),
                months=span_label([first, last]) if first and last else "keine Lieferung",
                newest=fmt.month_year(n["period"]) if n and _valid_period(n["period"]) else "–",
                stale=bool(n is None or not _valid_period(n["period"]) or n["period"] < last_month),
            )
        )
    loaded = [r["loaded_local"] for r in newest.values() if r.get("loaded_local")]
    data_as_of = fmt.date_long(max(loaded)) if loaded else None
    shown = [i for i in labels.INDICATOR if figures.has(i) and i in SHOWN_INDICATORS]
    definitions = [Definition(_label(i), _definition_text(i)) for i in shown if _definition_text(i)]

    title = f"Jahresbericht Kommunales Integrationsmanagement {city} {year}"
    if not complete and months:
        title += f" ({span.removesuffix(' ' + year)})"
    return {
        "city": city,
        "k": k,
        "year": year,
        "span": span,
        "complete": complete,
        "first_month": fmt.month_year(months[0]) if months else None,
        "last_month": fmt.month_year(last_month),
        "title": title,
        "data_as_of": data_as_of,
        "previous_year": prev_year if previous else None,
        "previous_span": prev_span if previous else None,
        "comparable": comparable,
        "key_figures": key_figures,
        "statements": statements,
        "reach_table": reach_table,
        "trend": trend,
        "trend_table": trend_table,
        "residence_table": residence_table,
        "residence_chart": residence_chart,
        "handover_table": handover_table,
        "handover_chart": handover_chart,
        "process_table": process_table,
        "caseload_table": caseload_table,
        "closing_table": closing_table,
        "duration_table": duration_table,
        "needs_table": needs_table,
        "needs_chart": needs_chart,
        "matrix": matrix,
        "gaps": gaps,
        "gaps_counts_hidden": bool(gaps) and all(g.count.value is None for g in gaps),
        "gaps_reasons_hidden": bool(gaps) and not any(g.reasons for g in gaps),
        "needs_trend": needs_trend,
        "needs_trend_table": needs_trend_table,
        "budget_table": budget_table,
        "budget_chart": budget_chart,
        "quality": quality,
        "sources": sources,
        "stale_sources": [s for s in sources if s.stale],
        "has_abh": any(p["provider_kind"] == "abh" for p in providers_all),
        "definitions": definitions,
        "legend": annual_legend(k),
        "has": figures.has,
    }


def _valid_period(period: Any) -> bool:
    try:
        fmt.parse_period(str(period))
    except ValueError:
        return False
    return True


def _statements(
    figures: _YearFigures,
    previous: _YearFigures | None,
    *,
    city: str,
    span: str,
    year: str,
    prev_year: str,
    complete: bool,
) -> list[str]:
    """The year's story in a few plain sentences, only from publishable figures."""
    out: list[str] = []
    c = figures.cell

    def prev_note(indicator_id: str) -> str:
        if previous is None or not previous.has(indicator_id):
            return ""
        cur, prev = c(indicator_id), previous.cell(indicator_id)
        change = change_text(cur, prev, indicator_id)
        if not _shown(prev) or change is None:
            return ""
        return f" (Vorjahr: {prev.text}; {change})"

    period = f"im Jahr {year}" if complete else f"von {span}"
    active, persons = c("cases_active"), c("persons_active")
    if _shown(active):
        text = (
            f"{period[0].upper() + period[1:]} begleitete das Kommunale "
            f"Integrationsmanagement in {city} {active.text} Fälle"
            f"{prev_note('cases_active')}"
        )
        if _shown(persons):
            text += f"; dahinter stehen {persons.text} Personen"
        out.append(text + ".")
    new, closed = c("cases_new"), c("cases_closed")
    parts = []
    if _shown(new):
        parts.append(f"{new.text} Fälle kamen neu hinzu{prev_note('cases_new')}")
    if _shown(closed):
        parts.append(f"{closed.text} Fälle wurden abgeschlossen{prev_note('cases_closed')}")
    if parts:
        out.append(" und ".join(parts) + ".")
    focus = c("focus_group_share_new")
    if _shown(focus):
        out.append(
            f"{focus.text} der neuen Fälle hatten bei der Aufnahme eine Duldung oder "
            f"Aufenthaltsgestattung{prev_note('focus_group_share_new')}."
        )
    median, within = c("handover_delay_median_days"), c("handover_within_14d_share")
    if _shown(median):
        text = (
            f"Nach einer Weitervermittlung an eine andere Stelle hatte die Hälfte der Personen "
            f"nach spätestens {median.text} Tagen einen ersten Termin"
        )
        if _shown(within):
            text += f"; {within.text} innerhalb von 14 Tagen"
        out.append(text + ".")
    pending = c("handovers_pending_over_30d")
    if _shown(pending) and pending.status == "value":
        out.append(
            f"Am Ende des Berichtszeitraums warteten {pending.text} Übergaben seit mehr "
            "als 30 Tagen auf einen ersten Termin."
        )
    continuity = c("cm_continuity_share")
    if _shown(continuity):
        out.append(
            f"{continuity.text} der abgeschlossenen Fälle wurden von Anfang bis Ende von derselben Fachkraft begleitet."
        )
    retained = c("status_change_retained_share")
    if _shown(retained):
        out.append(
            f"Von den begleiteten Menschen, deren Aufenthaltsstatus sich änderte, wurden "
            f"{retained.text} weiter begleitet oder mit erreichten Zielen bzw. "
            "Weitervermittlung abgeschlossen."
        )
    unmet = c("needs_unmet_share")
    if _shown(unmet):
        text = f"{unmet.text} der abschließend bewerteten Bedarfe konnten nicht gedeckt werden"
        top = [
            labels.code_label("category", code)
            for code in _sorted_codes(
                figures.figures,
                "needs_unmet_share",
                "category",
                figures.dimension_values(["needs_unmet_share"], "category"),
            )
            if (figures.cell("needs_unmet_share", "all", "category", code).value or 0) > 0
        ][:3]
        if top:
            text += f"; die höchsten Anteile gab es in den Bereichen {_join(top)}"
        out.append(text + ".")
    granted, cost, coverage = (c("budget_funding_granted"), c("budget_actual_cost"), c("budget_funding_coverage_share"))
    if _shown(granted) and _shown(cost) and _shown(coverage):
        out.append(
            f"Die bewilligte Förderung von {granted.text} deckte {coverage.text} der "
            f"tatsächlichen Kosten von {cost.text}."
        )
    return out


def _trend_chart(
    months: Sequence[str], series: Mapping[str, Mapping[str, Cell]], *, city: str, span: str
) -> ChartBlock:
    names = ("cases_active", "cases_new", "cases_closed")
    published = {n: {p: c.value for p, c in series.get(n, {}).items() if c.value is not None} for n in names}
    hidden = sorted({p for n in names for p, c in series.get(n, {}).items() if c.hidden})
    if not months or not any(published.values()):
        return ChartBlock(None)
    active = published["cases_active"]
    peak = max(active.items(), key=lambda kv: kv[1]) if active else None
    desc = (
        f"Liniendiagramm der aktiven Fälle je Monat in {city}, {span}"
        + (f"; am meisten im {fmt.month_year(peak[0])} mit {fmt.integer(peak[1])} aktiven Fällen" if peak else "")
        + ". Darunter Säulen mit den neuen und den abgeschlossenen Fällen je Monat. Die "
        "Werte stehen in der Tabelle unter der Grafik."
    )
    svg = charts.trend_chart(
        list(months),
        published["cases_active"],
        published["cases_new"],
        published["cases_closed"],
        report_period="",
        chart_id="grafik-verlauf",
        title=f"Fallzahlen je Monat, {city}, {span}",
        description=desc,
    )
    return ChartBlock(Markup(svg), _omitted_note([fmt.month_year(p) for p in hidden], "Monate mit verdeckten Werten"))


def _needs_trend(months: Sequence[str], series: Mapping[str, Mapping[str, Cell]], *, span: str) -> ChartBlock:
    counts = {p: c.value for p, c in series.get("needs_unmet_count", {}).items() if c.value is not None}
    shares = {p: c.value for p, c in series.get("needs_unmet_share", {}).items() if c.value is not None}
    hidden = sorted(
        {p for n in ("needs_unmet_count", "needs_unmet_share") for p, c in series.get(n, {}).items() if c.hidden}
    )
    if not months or not (counts or shares):
        return ChartBlock(None)
    desc = f"Säulendiagramm der nicht gedeckten Bedarfe je Monat, {span}"
    if counts:
        peak = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        desc += f"; am meisten im {fmt.month_year(peak[0])} mit {fmt.integer(peak[1])}"
    if shares:
        high = max(shares.items(), key=lambda kv: (kv[1], kv[0]))
        low = min(shares.items(), key=lambda kv: (kv[1], kv[0]))
        desc += (
            f". Darunter eine Linie mit dem Anteil nicht gedeckter Bedarfe: zwischen "
            f"{fmt.percent(low[1])} ({fmt.month_year(low[0])}) und {fmt.percent(high[1])} "
            f"({fmt.month_year(high[0])})"
        )
    desc += ". Monate ohne darstellbaren Wert sind mit einem Kreuz markiert."
    svg = monthly_needs_chart(
        months,
        counts,
        shares,
        chart_id="grafik-luecken-verlauf",
        title=f"Nicht gedeckte Bedarfe im Verlauf, {span}",
        description=desc,
    )
    return ChartBlock(Markup(svg), _omitted_note([fmt.month_year(p) for p in hidden], "Monate mit verdeckten Werten"))


def _budget_chart(figures: _YearFigures, *, span: str, year: str) -> ChartBlock:
    granted, cost = figures.cell("budget_funding_granted"), figures.cell("budget_actual_cost")
    points = [
        (label, cell.value)
        for label, cell in (("Bewilligte Förderung", granted), ("Tatsächliche Kosten", cost))
        if cell.value is not None
    ]
    if not points:
        return ChartBlock(None)
    coverage = figures.cell("budget_funding_coverage_share")
    desc = (
        f"Balkendiagramm: bewilligte Förderung {granted.text} und tatsächliche Kosten "
        f"{cost.text} für {year}, Stadt gesamt"
        + (f"; die Förderung deckt {coverage.text} der Kosten." if _shown(coverage) else ".")
    )
    svg = charts.horizontal_bar_chart(
        points,
        chart_id="grafik-budget",
        title=f"Förderung und Kosten des Jahres {year}, Stadt gesamt",
        description=desc,
        axis_label="Euro",
        value_format=fmt.euro,
    )
    return ChartBlock(Markup(svg))


def _gap_matrix(figures: _YearFigures, k: int) -> Matrix:
    values = figures.dimension_values(["needs_unmet_count"], "category_reason")
    pairs = [v.partition("|") for v in values if "|" in v]
    categories = _code_sorted("category", {c for c, _, _ in pairs})
    reasons = _code_sorted("unmet_reason", {r for _, _, r in pairs})
    zero = _zero(k)
    rows = []
    hidden = total = 0
    for category in categories:
        cells = []
        for reason in reasons:
            key = f"{category}|{reason}"
            if key in values:
                cell = figures.cell("needs_unmet_count", "all", "category_reason", key)
            else:  # no observations: a known zero (design: breakdown rows exist where observed)
                cell = zero
            hidden += cell.hidden
            total += 1
            cells.append((key, cell))
        rows.append(
            MatrixRow(
                category,
                labels.code_label("category", category),
                cells,
                figures.cell("needs_unmet_count", "all", "category", category),
            )
        )
    return Matrix(
        reasons=[(r, MATRIX_REASON_LABEL.get(r, labels.code_label("unmet_reason", r))) for r in reasons],
        rows=rows,
        reason_totals=[figures.cell("needs_unmet_count", "all", "unmet_reason", r) for r in reasons],
        total=figures.cell("needs_unmet_count"),
        hidden_share=hidden / total if total else 0.0,
    )


def _top_gaps(figures: _YearFigures, limit: int = 5) -> list[Gap]:
    """Categories where needs stay unmet most often: by published share of unmet needs, then
    categories with only a published count; each with its published reasons, largest first."""
    categories = figures.dimension_values(["needs_unmet_count", "needs_unmet_share"], "category")
    by_count = [
        c
        for c in _sorted_codes(figures.figures, "needs_unmet_count", "category", categories)
        if (figures.cell("needs_unmet_count", "all", "category", c).value or 0) > 0
    ]
    by_share = [
        c
        for c in _sorted_codes(figures.figures, "needs_unmet_share", "category", categories)
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


def _data_quality(con: Any, tables: set[str], providers: Sequence[Mapping[str, Any]], year: str) -> dict[str, Any]:
    """Aggregate delivery figures per provider (about providers, not people)."""
    has_deliveries = "marts.fct_deliveries" in tables
    has_timeliness = "marts.delivery_timeliness" in tables
    delivery_rows = run_query(con, "annual_deliveries", {"year": year}) if has_deliveries else []
    timeliness_rows = run_query(con, "annual_timeliness", {"year": year}) if has_timeliness else []
    deliveries = {r["provider_id"]: r for r in delivery_rows}
    timeliness = {r["provider_id"]: r for r in timeliness_rows}
    columns = []
    if has_timeliness:
        columns += [
            Column("due", "Fällige Monatslieferungen"),
            Column("on_time", "Fristgerecht"),
            Column("late", "Verspätet"),
            Column("missing", "Fehlend"),
        ]
    if has_deliveries:
        columns += [Column("rejected", "Abgelehnte Lieferungen"), Column("quarantine", "Anteil Zeilen in Quarantäne")]

    def quarantine_cell(rows: float, quarantined: float) -> Cell:
        if not rows:
            return Cell("k. A.", "missing", None, "Keine angenommene Lieferung.")
        share = quarantined / rows
        if quarantined and share < 0.001:
            return Cell("< 0,1 %", "value", share)
        return Cell(fmt.percent(share), "zero" if share == 0 else "value", share)

    totals = {"due": 0, "on_time": 0, "late": 0, "missing": 0, "rejected": 0, "rows": 0, "quarantined": 0}
    rows = []
    for p in providers:
        pid = p["provider_id"]
        t = timeliness.get(pid) or {}
        d = deliveries.get(pid) or {}
        values = {
            "due": int(t.get("due") or 0),
            "on_time": int(t.get("on_time") or 0),
            "late": int(t.get("late") or 0),
            "missing": int(t.get("missing") or 0),
            "rejected": int(d.get("rejected") or 0),
            "rows": int(d.get("total_rows") or 0),
            "quarantined": int(d.get("quarantined_rows") or 0),
        }
        for key in totals:
            totals[key] += values[key]
        cells = []
        if has_timeliness:
            cells += [_plain(values[c], fmt.integer(values[c])) for c in ("due", "on_time", "late", "missing")]
        if has_deliveries:
            cells += [
                _plain(values["rejected"], fmt.integer(values["rejected"])),
                quarantine_cell(values["rows"], values["quarantined"]),
            ]
        rows.append(Row(pid, p["provider_name"], cells))
    total_cells = []
    if has_timeliness:
        total_cells += [_plain(totals[c], fmt.integer(totals[c])) for c in ("due", "on_time", "late", "missing")]
    if has_deliveries:
        total_cells += [
            _plain(totals["rejected"], fmt.integer(totals["rejected"])),
            quarantine_cell(totals["rows"], totals["quarantined"]),
        ]
    if rows and columns:
        rows.append(Row("all", "Alle Träger", total_cells, total=True))
    table = DataTable(columns, rows if columns else [])

    sentences = []
    if has_timeliness and totals["due"]:
        sentences.append(
            f"Von {fmt.integer(totals['due'])} fälligen Monatslieferungen kamen "
            f"{fmt.integer(totals['on_time'])} fristgerecht (bis zum 10. Tag nach Monatsende), "
            f"{fmt.integer(totals['late'])} verspätet; {fmt.integer(totals['missing'])} "
            f"{'fehlt' if totals['missing'] == 1 else 'fehlen'} bisher."
        )
    if has_deliveries:
        rejected = totals["rejected"]
        sentences.append(
            "Keine Lieferung wurde abgelehnt."
            if rejected == 0
            else f"{fmt.integer(rejected)} {'Lieferung wurde' if rejected == 1 else 'Lieferungen wurden'} "
            "wegen Formfehlern abgelehnt und durch eine korrigierte Lieferung ersetzt oder "
            "nachgefordert; bis dahin galt die vorherige Lieferung des Trägers."
        )
        if totals["rows"]:
            share = totals["quarantined"] / totals["rows"]
            sentences.append(
                "Keine gelieferte Zeile musste wegen fehlerhafter Angaben zurückgestellt werden."
                if totals["quarantined"] == 0
                else f"{'Weniger als 0,1 %' if share < 0.001 else fmt.percent(share)} der gelieferten "
                "Zeilen wurden wegen fehlerhafter Angaben zurückgestellt (Quarantäne) und zählen "
                "in keiner Kennzahl."
            )
    return {"table": table, "sentences": sentences, "delivery_rows": delivery_rows, "available": bool(columns)}


# --------------------------------------------------------------------------------------------
# Rendering


def render_annual_report(con: Any, reports_dir: Path, *, city: str, k: int, year: str | int) -> Path:
    """Render reports_dir/jahresbericht_<YYYY>.html and return its path."""
    year = _check_year(year)  # also keeps the file name safe
    context = build_annual_context(con, city=city, k=k, year=year)
    page = environment().get_template(TEMPLATE).render(**context)
    path = Path(reports_dir) / f"{ANNUAL_PREFIX}{year}.html"
    write_atomic(path, page)
    return path


def render_annual_reports(
    con: Any, reports_dir: Path, *, city: str, k: int, years: Iterable[str | int] | None = None
) -> list[Path]:
    """Render one annual report per year (default: every year in
    marts.indicator_values_yearly) and return their paths, oldest year first."""
    chosen = annual_years(con) if years is None else [_check_year(y) for y in years]
    return [render_annual_report(con, reports_dir, city=city, k=k, year=y) for y in sorted(set(chosen))]
