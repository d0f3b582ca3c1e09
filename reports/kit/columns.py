"""The indicator columns of every report table, in one place.

Each list names the indicators a table shows, in order, with the German header the table
gives them (`always`: shown even when the indicator is missing that month). Named by report
and table. These lists are meant to be derived from the indicator specs later; until then
this module is the one place where a report's choice of indicators is written down.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ColumnSpec:
    indicator_id: str
    header: str
    always: bool = False  # shown even when the indicator is missing this month


# --------------------------------------------------------------------------------------------
# Monthly report (reports.monthly)

# Key figures (cards) for the whole city, in this order.
MONTHLY_KEY_FIGURES = (
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

MONTHLY_PROVIDERS = (
    ColumnSpec("cases_active", "Aktive Fälle", always=True),
    ColumnSpec("cases_new", "Neue Fälle", always=True),
    ColumnSpec("cases_closed", "Abgeschlossene Fälle", always=True),
    ColumnSpec("handover_delay_median_days", "Median Wartezeit Übergabe (Tage)", always=True),
    ColumnSpec("needs_unmet_share", "Anteil ungedeckter Bedarfe", always=True),
    ColumnSpec("caseload_per_fte", "Fälle je Vollzeitstelle"),
)

MONTHLY_HANDOVERS = (
    ColumnSpec("handover_delay_median_days", "Median Wartezeit (Tage)", always=True),
    ColumnSpec("handover_delay_p90_days", "90 % innerhalb von … Tagen"),
    ColumnSpec("handover_within_14d_share", "Anteil innerhalb von 14 Tagen"),
    ColumnSpec("handovers_pending_over_30d", "Seit über 30 Tagen ohne Ersttermin"),
    ColumnSpec("handover_contact_km_median_days", "Median inkl. noch wartender Übergaben (Kaplan-Meier, Tage)"),
)

MONTHLY_NEEDS = (
    ColumnSpec("needs_unmet_share", "Anteil ungedeckt", always=True),
    ColumnSpec("needs_unmet_count", "Ungedeckte Bedarfe (Anzahl)"),
)

MONTHLY_OPEN_NEEDS = (ColumnSpec("needs_open_over_90d", "Seit über 90 Tagen offene Bedarfe", always=True),)

MONTHLY_PERSONS = (
    ColumnSpec("persons_active", "Begleitete Personen"),
    ColumnSpec("cases_active", "Aktive Fälle"),
    ColumnSpec("cases_new", "Neue Fälle"),
    ColumnSpec("focus_group_share_new", "Anteil Duldung/Gestattung an neuen Fällen"),
)

MONTHLY_CONTINUITY = (
    ColumnSpec("cm_continuity_share", "Anteil abgeschlossener Fälle mit durchgehend einer Fallverantwortung"),
    ColumnSpec("status_change_retained_share", "Anteil weiter begleitet nach Statuswechsel"),
    ColumnSpec("caseload_per_fte", "Fälle je Vollzeitstelle"),
)

MONTHLY_CLOSING = (ColumnSpec("cases_closed", "Abgeschlossene Fälle", always=True),)

MONTHLY_RESIDENCE = (ColumnSpec("cases_new", "Neue Fälle", always=True),)

MONTHLY_CASELOAD = (ColumnSpec("caseload_band_case_managers", "Fallverantwortliche", always=True),)

MONTHLY_STATUS_CHANGE = (ColumnSpec("status_change_retained_share", "Anteil weiter begleitet", always=True),)


# --------------------------------------------------------------------------------------------
# Annual report (reports.annual)

ANNUAL_SUMMARY = (
    ColumnSpec("cases_active", "Begleitete Fälle"),
    ColumnSpec("persons_active", "Begleitete Personen"),
    ColumnSpec("cases_new", "Neu aufgenommene Fälle"),
    ColumnSpec("cases_closed", "Abgeschlossene Fälle"),
    ColumnSpec("focus_group_share_new", "Anteil Duldung/Gestattung an neuen Fällen"),
)

ANNUAL_REACH = (
    ColumnSpec("cases_active", "Begleitete Fälle"),
    ColumnSpec("persons_active", "Begleitete Personen"),
    ColumnSpec("cases_new", "Neue Fälle"),
    ColumnSpec("cases_closed", "Abgeschlossene Fälle"),
    ColumnSpec("focus_group_share_new", "Anteil Duldung/Gestattung an neuen Fällen"),
)

ANNUAL_HANDOVERS = (
    ColumnSpec("handover_delay_median_days", "Median Wartezeit (Tage)"),
    ColumnSpec("handover_delay_p90_days", "90 % innerhalb von … Tagen"),
    ColumnSpec("handover_within_14d_share", "Anteil innerhalb von 14 Tagen"),
    ColumnSpec("handover_contact_km_median_days", "Median inkl. noch Wartender (Kaplan-Meier, Tage)"),
    ColumnSpec("handovers_pending_over_30d", "Am Ende des Zeitraums seit über 30 Tagen ohne Ersttermin"),
)

ANNUAL_PROCESS = (
    ColumnSpec("handover_delay_median_days", "Median Wartezeit Übergabe (Tage)"),
    ColumnSpec("handover_contact_km_median_days", "Median inkl. noch Wartender (Kaplan-Meier, Tage)"),
    ColumnSpec("handovers_pending_over_30d", "Übergaben seit über 30 Tagen ohne Ersttermin"),
    ColumnSpec("cm_continuity_share", "Anteil mit durchgehend einer Fachkraft"),
    ColumnSpec("status_change_retained_share", "Nach Statuswechsel weiter begleitet"),
    ColumnSpec("time_to_first_need_median_days", "Median Tage bis zum ersten Bedarf"),
    ColumnSpec("caseload_per_fte", "Fälle je Vollzeitstelle"),
)

ANNUAL_NEEDS = (
    ColumnSpec("needs_unmet_share", "Anteil nicht gedeckt"),
    ColumnSpec("needs_unmet_count", "Nicht gedeckt (Anzahl)"),
    ColumnSpec("needs_open_over_90d", "Am Ende des Zeitraums seit über 90 Tagen offen"),
)

ANNUAL_BUDGET = (
    ColumnSpec("budget_funding_granted", "Bewilligte Förderung"),
    ColumnSpec("budget_actual_cost", "Tatsächliche Kosten"),
    ColumnSpec("budget_funding_coverage_share", "Deckungsgrad der Förderung"),
    ColumnSpec("cost_per_active_case", "Kosten je begleitetem Fall"),
    ColumnSpec("cost_per_closed_case", "Kosten je abgeschlossenem Fall"),
)

ANNUAL_TREND = (
    ColumnSpec("cases_active", "Aktive Fälle"),
    ColumnSpec("cases_new", "Neue Fälle"),
    ColumnSpec("cases_closed", "Abgeschlossene Fälle"),
)

ANNUAL_RESIDENCE = (ColumnSpec("cases_new", "Neue Fälle"),)

ANNUAL_CASELOAD = (ColumnSpec("caseload_band_case_managers", "Fallverantwortliche"),)

ANNUAL_CLOSING = (ColumnSpec("cases_closed", "Abgeschlossene Fälle"),)

ANNUAL_DURATION = (ColumnSpec("cases_closed", "Abgeschlossene Fälle"),)

ANNUAL_NEEDS_TREND = (
    ColumnSpec("needs_unmet_count", "Nicht gedeckte Bedarfe (Anzahl)"),
    ColumnSpec("needs_unmet_share", "Anteil nicht gedeckt"),
)


# --------------------------------------------------------------------------------------------
# Provider feedback report (reports.provider)

PROVIDER_HANDOVERS = (
    ColumnSpec("handover_delay_median_days", "Median Wartezeit (Tage)"),
    ColumnSpec("handover_within_14d_share", "Anteil innerhalb von 14 Tagen"),
    ColumnSpec("handovers_pending_over_30d", "Seit über 30 Tagen ohne Ersttermin"),
)

PROVIDER_NEEDS = (
    ColumnSpec("needs_unmet_share", "Anteil ungedeckt"),
    ColumnSpec("needs_unmet_count", "Ungedeckte Bedarfe (Anzahl)"),
    ColumnSpec("needs_open_over_90d", "Seit über 90 Tagen offen"),
)

# The comparison table: groups of indicators (headers from reports.labels), in this order.
# Missing indicators are skipped.
PROVIDER_COMPARISON_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
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
PROVIDER_CARDS = ("cases_active", "cases_new", "cases_closed", "caseload_per_fte")
