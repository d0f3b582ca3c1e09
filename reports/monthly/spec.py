"""What the monthly report shows. Indicators that are not (yet) in the warehouse are skipped.
The indicator columns of its tables are in `reports.kit.columns` (MONTHLY_*)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reports.kit import columns as cols
from reports.kit import formatting as fmt
from reports.kit.columns import ColumnSpec
from reports.kit.text import HIGHEST_SHOWN, LONGEST_SHOWN
from reports.suppression import Kind

TREND_SERIES = ("cases_active", "cases_new", "cases_closed")


# Every indicator the monthly report shows somewhere (its definition is in the glossary).
SHOWN_INDICATORS = frozenset(
    cols.MONTHLY_KEY_FIGURES
    + TREND_SERIES
    + tuple(
        c.indicator_id
        for specs in (
            cols.MONTHLY_PROVIDERS,
            cols.MONTHLY_HANDOVERS,
            cols.MONTHLY_NEEDS,
            cols.MONTHLY_OPEN_NEEDS,
            cols.MONTHLY_PERSONS,
            cols.MONTHLY_CONTINUITY,
        )
        for c in specs
    )
    + ("caseload_band_case_managers", "delivery_on_time")
)

# The breakdowns the annual report shows too: a monthly breakdown that is published only per year
# points the reader there (reports.kit.text.UNPUBLISHED_MONTHLY).
ANNUAL_BREAKDOWNS = frozenset(
    {"closing_reason", "residence_status", "target_service", "category", "category_reason", "caseload_band"}
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
        f"{LONGEST_SHOWN}: {longest[0]} mit {fmt.decimal_fixed(longest[1])} Tagen; "
        f"am kürzesten: {shortest[0]} mit {fmt.decimal_fixed(shortest[1])} Tagen. "
        "Die Werte stehen in der Tabelle unter der Grafik."
    )


def _describe_needs(points: list[tuple[str, float]], month: str) -> str:
    highest = max(points, key=lambda p: p[1])
    return (
        f"Balkendiagramm: Anteil der im {month} abgeschlossenen Bedarfe, die nicht "
        f"gedeckt werden konnten, je Bedarfskategorie. {HIGHEST_SHOWN}: {highest[0]} "
        f"mit {fmt.percent(highest[1])}. Die Werte stehen in der Tabelle unter der Grafik."
    )


HANDOVER_SECTION = BreakdownSpec(
    indicator_id="handover_delay_median_days",
    dimension="target_service",
    columns=cols.MONTHLY_HANDOVERS,
    total_label="Alle Zielstellen",
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
    columns=cols.MONTHLY_NEEDS,
    total_label="Alle Bedarfskategorien",
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
