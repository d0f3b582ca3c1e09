"""The annual report's own German wording: definitions for a year, terms, the legend."""

from __future__ import annotations

from reports import labels
from reports.annual.spec import TERM
from reports.suppression import SIGN_MISSING, legend

# The definition of every indicator the annual report shows, worded for a year (the figure
# is over the reporting year, or as of the end of the reporting period). The monthly wording
# is reports.labels.INDICATOR_DEFINITION; these texts are the annual report’s own.
ANNUAL_DEFINITION = {
    "cases_active": (
        "Fälle, die im Berichtsjahr an mindestens einem Tag offen waren: eröffnet bis zum Ende des "
        "Berichtszeitraums und nicht vor dem Beginn des Berichtszeitraums abgeschlossen."
    ),
    "cases_new": ("Fälle, die im Berichtsjahr eröffnet wurden."),
    "cases_closed": ("Fälle, die im Berichtsjahr abgeschlossen wurden, auch aufgeteilt nach Abschlussgrund."),
    "persons_active": (
        "Personen mit mindestens einem im Berichtsjahr offenen Fall. Wer bei zwei Trägern begleitet "
        "wird, zählt stadtweit nur einmal."
    ),
    "focus_group_share_new": (
        "Anteil der neuen Fälle, deren Aufenthaltsstatus bei Aufnahme Duldung oder Aufenthaltsgestattung war."
    ),
    "caseload_per_fte": (
        "Am Ende des Berichtszeitraums offene Fälle geteilt durch die geförderten Vollzeitstellen des"
        " Trägers im Berichtsjahr."
    ),
    "handover_delay_median_days": (
        "Kalendertage von der Weitervermittlung an eine andere Stelle bis zum ersten Termin dort, für"
        " alle Übergaben mit erstem Termin im Berichtsjahr. Der Median ist der mittlere Wert: Die "
        "Hälfte der Personen hat kürzer gewartet, die Hälfte länger."
    ),
    "handover_delay_p90_days": (
        "Dieselben Übergaben wie beim Median; 90 % der Personen hatten ihren ersten Termin spätestens"
        " nach so vielen Tagen."
    ),
    "handover_within_14d_share": (
        "Dieselben Übergaben wie beim Median; Anteil mit einem ersten Termin innerhalb von 14 Tagen."
    ),
    "handovers_pending_over_30d": (
        "Übergaben, die am Ende des Berichtszeitraums seit mehr als 30 Tagen vermittelt sind und noch"
        " keinen ersten Termin haben (ohne abgelehnte und nicht wahrgenommene Übergaben)."
    ),
    "handover_contact_km_median_days": (
        "Wartezeit von der Weitervermittlung bis zum ersten Termin für alle im Berichtsjahr "
        "vermittelten Übergaben, geschätzt nach Kaplan-Meier: Übergaben ohne Termin zählen mit der "
        "bisherigen Wartezeit (zensiert), statt wegzufallen. Kein Wert, solange weniger als die "
        "Hälfte einen Termin hatte."
    ),
    "caseload_band_case_managers": (
        "Verteilung der Fallverantwortlichen nach der Zahl ihrer am Ende des Berichtszeitraums "
        "offenen Fälle (unter 30, 30 bis 49, 50 bis 69, 70 und mehr). Nie Angaben zu einzelnen "
        "Personen."
    ),
    "needs_unmet_share": (
        "Von den Bedarfen, die im Berichtsjahr abschließend bewertet wurden (gedeckt oder nicht "
        "gedeckt), der Anteil, der nicht gedeckt werden konnte. Ein hoher Anteil weist auf Lücken im "
        "örtlichen Angebot hin."
    ),
    "needs_unmet_count": ("Anzahl der Bedarfe, die im Berichtsjahr als nicht gedeckt abgeschlossen wurden."),
    "needs_open_over_90d": (
        "Bedarfe, die vor mehr als 90 Tagen erfasst wurden und am Ende des Berichtszeitraums noch "
        "nicht abgeschlossen sind."
    ),
    "time_to_first_need_median_days": (
        "Für im Berichtsjahr eröffnete Fälle mit mindestens einem Bedarf: mittlere Anzahl Tage von "
        "der Fallaufnahme bis zur Erfassung des ersten Bedarfs."
    ),
    "cm_continuity_share": (
        "Von den im Berichtsjahr abgeschlossenen Fällen der Anteil, der von Anfang bis Ende von "
        "derselben Fachkraft begleitet wurde."
    ),
    "status_change_retained_share": (
        "Von den Personen, deren Aufenthaltsstatus sich im Berichtsjahr geändert hat und die zu "
        "diesem Zeitpunkt begleitet wurden, der Anteil, der am Ende des Berichtszeitraums weiter "
        "begleitet wird oder mit Zielerreichung oder Weitervermittlung abgeschlossen wurde."
    ),
    "budget_funding_granted": (
        "Für das Jahr bewilligte Landesförderung; der Anteil eines Trägers nach seinem Anteil an den "
        "geförderten Vollzeitstellen (eine Umlage, nicht die Abrechnung des Trägers)."
    ),
    "budget_actual_cost": (
        "Tatsächliche Kosten des Jahres; der Anteil eines Trägers nach seinem Anteil an den "
        "geförderten Vollzeitstellen (eine Umlage, nicht die Abrechnung des Trägers)."
    ),
    "budget_funding_coverage_share": ("Bewilligte Förderung geteilt durch die tatsächlichen Kosten des Jahres."),
    "cost_per_active_case": (
        "Kosten vom Jahresbeginn bis zum Ende des Berichtszeitraums (Jahreskosten anteilig nach "
        "Monaten) geteilt durch die Fälle, die in dieser Zeit offen waren."
    ),
    "cost_per_closed_case": ("Dieselben Kosten geteilt durch die in dieser Zeit abgeschlossenen Fälle."),
}


MISSING_NOTE = "Für diesen Zeitraum liegen keine Angaben vor."

# The legend's "keine Angabe", worded for a period instead of a month.
MISSING_LEGEND = "Keine Angabe: Für diesen Zeitraum liegt kein Wert vor."


def definition_text(indicator_id: str) -> str:
    """The yearly definition of an indicator ("" if the report has none)."""
    return ANNUAL_DEFINITION.get(indicator_id, "")


def term(indicator_id: str) -> str:
    """The indicator's name in the methodology section."""
    return TERM.get(indicator_id, labels.indicator_label(indicator_id).replace(" (Tage)", ""))


def annual_legend(k: int) -> list[tuple[str, str]]:
    """The signs of the display rules, "keine Angabe" worded for a year instead of a month."""
    return [(sign, MISSING_LEGEND if sign == SIGN_MISSING else text) for sign, text in legend(k)]
