"""The monthly report's context: one function per section of the page, each returning the
template variables of its section, already suppressed and formatted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kim.contract import DELIVERY_DUE_DAYS
from reports import labels
from reports.kit import columns as cols
from reports.kit import formatting as fmt
from reports.kit.figures import Figures
from reports.kit.navigation import monthly_navigation
from reports.kit.tables import Definition
from reports.kit.targets import target_lights
from reports.kit.text import method_note
from reports.monthly import sections
from reports.monthly.data import QUERIES, MonthlyData
from reports.monthly.spec import FOCUS_GROUP, HANDOVER_SECTION, NEEDS_SECTION, SHOWN_INDICATORS
from reports.monthly.summary import summary
from reports.suppression import legend


def build_monthly_context(
    con: Any, *, city: str, k: int, period: str, data: MonthlyData | None = None
) -> dict[str, Any]:
    """Everything the monthly template needs, already suppressed and formatted. `data` (read
    once by `render_reports` for all months) is loaded here when not given."""
    fmt.parse_period(period)
    month = fmt.month_year(period)
    if data is None:
        data = MonthlyData.load(con, k=k, up_to=period)
    figures = Figures(QUERIES.run(con, "indicator_values_for_period", {"period": period}), k, data.publication)

    # Datenstand first: flagged providers are named at the top and in the tables.
    delivery_rows, notices = sections.deliveries(figures, data, period, month)
    stale = [row for row in delivery_rows if row.stale]
    badges = {row.provider_id: row.status for row in stale}
    overview = _overview(figures, data, period, city=city, badges=badges)
    lights = target_lights(data.targets, figures.cell)
    previous_month = fmt.month_year(fmt.previous_period(period))
    return {
        "city": city,
        "k": k,
        "period": period,
        "month": month,
        "previous_month": previous_month,
        "title": f"Monatsbericht Kommunales Integrationsmanagement {city} – {month}",
        "short_title": month,
        "data_as_of": data.data_as_of,
        **overview,
        "summary": summary(overview["key_figures"], lights, notices, month=month, previous_month=previous_month),
        "target_lights": lights,
        "navigation": monthly_navigation(period, data.report_months, data.newest, data.providers),
        "stale": stale,
        "notices": notices,
        "due_date": fmt.date_short(sections.due_date(period)),
        "due_days": DELIVERY_DUE_DAYS,
        **_cases(figures, data, city=city, period=period, month=month),
        **_persons(figures, data, city=city, badges=badges, month=month),
        **_handovers_and_needs(figures, month),
        **_continuity(figures, data, city=city, badges=badges),
        "revisions": sections.revisions(data, period),
        "deliveries": delivery_rows,
        "definitions": _definitions(figures),
        "legend": legend(),
        "method_note": method_note(k),
        "has": figures.has,
    }


def _overview(
    figures: Figures, data: MonthlyData, period: str, *, city: str, badges: Mapping[str, str]
) -> dict[str, Any]:
    """Überblick: key-figure cards and the table by provider."""
    return {
        "key_figures": sections.key_figures(figures, data, period),
        "provider_table": sections.provider_table(
            figures, cols.MONTHLY_PROVIDERS, data.providers, city=city, badges=badges
        ),
    }


def _cases(figures: Figures, data: MonthlyData, *, city: str, period: str, month: str) -> dict[str, Any]:
    """Fallzahlen im Verlauf: the trend chart and the closed cases by closing reason."""
    return {
        "trend": sections.trend(data, city=city, period=period, month=month),
        "closing_table": sections.simple_breakdown(
            figures, cols.MONTHLY_CLOSING, "closing_reason", "Alle Abschlussgründe", by_size=False
        ),
    }


def _persons(
    figures: Figures, data: MonthlyData, *, city: str, badges: Mapping[str, str], month: str
) -> dict[str, Any]:
    """Personen, Fälle und Zielgruppe."""
    return {
        "persons_table": sections.provider_table(
            figures, cols.MONTHLY_PERSONS, data.providers, city=city, badges=badges
        ),
        "persons_sentence": sections.persons_sentence(figures, month),
        "residence_table": sections.simple_breakdown(
            figures, cols.MONTHLY_RESIDENCE, "residence_status", "Alle neuen Fälle", by_size=False
        ),
        "focus_group": [labels.code_label("residence_status", c) for c in FOCUS_GROUP],
    }


def _handovers_and_needs(figures: Figures, month: str) -> dict[str, Any]:
    """Übergaben and Ungedeckte Bedarfe: tables with bar charts, the gap matrix, open needs."""
    handover_table, handover_chart = sections.breakdown_section(figures, HANDOVER_SECTION, month)
    needs_table, needs_chart = sections.breakdown_section(figures, NEEDS_SECTION, month)
    return {
        "handover_table": handover_table,
        "handover_chart": handover_chart,
        "needs_table": needs_table,
        "needs_chart": needs_chart,
        "gap_matrix": sections.gap_matrix(figures),
        "open_needs_table": sections.simple_breakdown(
            figures, cols.MONTHLY_OPEN_NEEDS, "category", "Alle Bedarfskategorien"
        ),
    }


def _continuity(figures: Figures, data: MonthlyData, *, city: str, badges: Mapping[str, str]) -> dict[str, Any]:
    """Kontinuität der Fallverantwortung: by provider, caseload bands, status changes."""
    return {
        "continuity_table": sections.provider_table(
            figures, cols.MONTHLY_CONTINUITY, data.providers, city=city, badges=badges
        ),
        "caseload_table": sections.simple_breakdown(
            figures,
            cols.MONTHLY_CASELOAD,
            "caseload_band",
            "Alle Fallverantwortlichen mit Fällen",
            by_size=False,
            all_codes=True,
        ),
        "status_change_table": sections.simple_breakdown(
            figures, cols.MONTHLY_STATUS_CHANGE, "status_to", "Alle Statuswechsel", by_size=False
        ),
    }


def _definitions(figures: Figures) -> list[Definition]:
    """Hinweise: the definition of every indicator the report shows this month."""
    shown = [i for i in labels.INDICATOR if figures.has(i) and i in SHOWN_INDICATORS]
    return [
        Definition(labels.indicator_label(i).replace(" (Tage)", ""), labels.INDICATOR_DEFINITION.get(i, ""))
        for i in shown
        if labels.INDICATOR_DEFINITION.get(i)
    ]
