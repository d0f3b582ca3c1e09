"""German labels for every code list of exchange format v1 (design §3) and for the indicators (§5).

One place for all user-facing wording of codes, so every report (monthly, annual, provider
feedback, data quality) names things the same way. Unknown codes fall back to the code itself
(reports must not break when a provider sends a code that is not in this module yet).
"""

from __future__ import annotations

RESIDENCE_STATUS: dict[str, str] = {
    "duldung": "Duldung",
    "gestattung": "Aufenthaltsgestattung",
    "aufenthaltserlaubnis": "Aufenthaltserlaubnis",
    "niederlassungserlaubnis": "Niederlassungserlaubnis",
    "eu_freizuegigkeit": "EU-Freizügigkeit",
    "deutsch": "Deutsche Staatsangehörigkeit",
    "sonstiges": "Sonstiger Status",
    "unbekannt": "Unbekannt",
}

CLOSING_REASON: dict[str, str] = {
    "ziele_erreicht": "Ziele erreicht",
    "weitervermittelt": "Weitervermittelt",
    "umzug": "Umzug",
    "abbruch": "Abbruch",
    "kontakt_verloren": "Kontakt verloren",
    "ausreise": "Ausreise",
    "sonstiges": "Sonstiger Grund",
}

REFERRAL_SOURCE: dict[str, str] = {
    "selbst": "Eigeninitiative",
    "auslaenderbehoerde": "Ausländerbehörde",
    "jobcenter": "Jobcenter",
    "sozialamt": "Sozialamt",
    "beratungsstelle": "Beratungsstelle",
    "schule_kita": "Schule oder Kita",
    "sonstige": "Sonstige",
}

NEED_CATEGORY: dict[str, str] = {
    "sprache": "Sprache",
    "arbeit": "Arbeit",
    "ausbildung": "Ausbildung",
    "schule": "Schule",
    "wohnen": "Wohnen",
    "gesundheit": "Gesundheit",
    "aufenthalt": "Aufenthalt",
    "leistungen": "Sozialleistungen",
    "kinderbetreuung": "Kinderbetreuung",
    "familie": "Familie",
    "psychosozial": "Psychosoziale Unterstützung",
    "sonstiges": "Sonstiges",
}

NEED_STATUS: dict[str, str] = {
    "offen": "Offen",
    "in_bearbeitung": "In Bearbeitung",
    "gedeckt": "Gedeckt",
    "nicht_gedeckt": "Nicht gedeckt",
}

UNMET_REASON: dict[str, str] = {
    "kein_angebot": "Kein passendes Angebot",
    "wartezeit": "Zu lange Wartezeit",
    "zugangsvoraussetzungen": "Zugangsvoraussetzungen nicht erfüllt",
    "sprachbarriere": "Sprachbarriere",
    "kosten": "Kosten",
    "erreichbarkeit": "Schlechte Erreichbarkeit",
    "sonstiges": "Sonstiger Grund",
}

TARGET_SERVICE: dict[str, str] = {
    "auslaenderbehoerde": "Ausländerbehörde",
    "jobcenter": "Jobcenter",
    "agentur_fuer_arbeit": "Agentur für Arbeit",
    "integrationskurs": "Integrationskurs",
    "berufssprachkurs": "Berufssprachkurs",
    "mbe": "Migrationsberatung für Erwachsene (MBE)",
    "jmd": "Jugendmigrationsdienst (JMD)",
    "anerkennungsberatung": "Anerkennungsberatung",
    "gesundheit": "Gesundheitsversorgung",
    "psychosozial": "Psychosoziale Versorgung",
    "wohnen": "Wohnungshilfe",
    "schule": "Schule",
    "kita": "Kita",
    "rechtsberatung": "Rechtsberatung",
    "sonstige": "Sonstige Stellen",
}

HANDOVER_OUTCOME: dict[str, str] = {
    "offen": "Offen",
    "erfolgreich": "Erfolgreich",
    "abgelehnt": "Abgelehnt",
    "nicht_wahrgenommen": "Nicht wahrgenommen",
}

CONTACT_CHANNEL: dict[str, str] = {
    "persoenlich": "Persönlich",
    "telefon": "Telefon",
    "video": "Video",
    "hausbesuch": "Hausbesuch",
    "begleitung": "Begleitung",
    "schriftlich": "Schriftlich",
}

GENDER: dict[str, str] = {
    "w": "Weiblich",
    "m": "Männlich",
    "d": "Divers",
    "x": "Unbekannt oder ohne Angabe",
}

DURATION_BAND: dict[str, str] = {
    "bis_3_monate": "bis 3 Monate",
    "3_bis_6_monate": "über 3 bis 6 Monate",
    "6_bis_12_monate": "über 6 bis 12 Monate",
    "ueber_12_monate": "über 12 Monate",
}

CASELOAD_BAND: dict[str, str] = {
    "unter_30": "unter 30 Fälle",
    "30_bis_49": "30 bis 49 Fälle",
    "50_bis_69": "50 bis 69 Fälle",
    "ab_70": "70 Fälle und mehr",
}

PROVIDER_KIND: dict[str, str] = {
    "wohlfahrt": "Wohlfahrtsverband",
    "stadt": "Stadtverwaltung",
    "abh": "Ausländerbehörde",
}

# Code list by the column (or indicator breakdown) it belongs to.
CODE_LISTS: dict[str, dict[str, str]] = {
    "residence_status": RESIDENCE_STATUS,
    "status_from": RESIDENCE_STATUS,
    "status_to": RESIDENCE_STATUS,
    "closing_reason": CLOSING_REASON,
    "referral_source": REFERRAL_SOURCE,
    "category": NEED_CATEGORY,
    "status": NEED_STATUS,
    "unmet_reason": UNMET_REASON,
    "target_service": TARGET_SERVICE,
    "outcome": HANDOVER_OUTCOME,
    "channel": CONTACT_CHANNEL,
    "gender": GENDER,
    "provider_kind": PROVIDER_KIND,
    "duration_band": DURATION_BAND,
    "caseload_band": CASELOAD_BAND,
}

# Names of indicator breakdowns (marts.indicator_values.dimension).
# Indicator names as used in table headers and key figures (design §5).
INDICATOR: dict[str, str] = {
    "cases_active": "Aktive Fälle",
    "cases_new": "Neue Fälle",
    "cases_closed": "Abgeschlossene Fälle",
    "persons_active": "Begleitete Personen",
    "focus_group_share_new": "Anteil Duldung/Gestattung an neuen Fällen",
    "caseload_per_fte": "Fälle je Vollzeitstelle",
    "handover_delay_median_days": "Median Wartezeit Übergabe (Tage)",
    "handover_delay_p90_days": "Wartezeit Übergabe, 90-%-Wert (Tage)",
    "handover_within_14d_share": "Anteil Übergaben innerhalb von 14 Tagen",
    "handovers_pending_over_30d": "Übergaben seit über 30 Tagen ohne Ersttermin",
    "handover_contact_km_median_days": "Median Wartezeit Übergabe inkl. offener Übergaben (Kaplan-Meier, Tage)",
    "caseload_band_case_managers": "Fallverantwortliche nach Fallzahl",
    "needs_unmet_share": "Anteil ungedeckter Bedarfe",
    "needs_unmet_count": "Ungedeckte Bedarfe (Anzahl)",
    "needs_open_over_90d": "Bedarfe seit über 90 Tagen offen",
    "time_to_first_need_median_days": "Median Tage bis zur ersten Bedarfserfassung",
    "cm_continuity_share": "Anteil Fälle mit durchgehend einer Fallverantwortung",
    "status_change_retained_share": "Anteil weiter begleiteter Personen nach Statuswechsel",
    "delivery_on_time": "Lieferung fristgerecht",
    "budget_funding_granted": "Bewilligte Förderung (EUR)",
    "budget_actual_cost": "Tatsächliche Kosten (EUR)",
    "budget_funding_coverage_share": "Deckungsgrad der Förderung",
    "cost_per_active_case": "Kosten je begleitetem Fall (EUR)",
    "cost_per_closed_case": "Kosten je abgeschlossenem Fall (EUR)",
}

# Plain-German definitions for the methodology section (design §5).
INDICATOR_DEFINITION: dict[str, str] = {
    "cases_active": (
        "Fälle, die im Berichtsmonat an mindestens einem Tag offen waren: eröffnet bis zum "
        "Monatsende und nicht vor dem Monatsanfang abgeschlossen."
    ),
    "cases_new": "Fälle, die im Berichtsmonat eröffnet wurden.",
    "cases_closed": ("Fälle, die im Berichtsmonat abgeschlossen wurden, auch aufgeteilt nach Abschlussgrund."),
    "focus_group_share_new": (
        "Anteil der neuen Fälle, deren Aufenthaltsstatus bei Aufnahme Duldung oder Aufenthaltsgestattung war."
    ),
    "caseload_per_fte": (
        "Am Monatsende offene Fälle geteilt durch die geförderten Vollzeitstellen des Trägers im jeweiligen Jahr."
    ),
    "handover_delay_median_days": (
        "Kalendertage von der Weitervermittlung an eine andere Stelle bis zum ersten Termin "
        "dort, für alle Übergaben mit erstem Termin im Berichtsmonat. Der Median ist der "
        "mittlere Wert: Die Hälfte der Personen hat kürzer gewartet, die Hälfte länger."
    ),
    "handover_delay_p90_days": (
        "Dieselben Übergaben wie beim Median; 90 % der Personen hatten ihren ersten Termin "
        "spätestens nach so vielen Tagen."
    ),
    "handover_within_14d_share": (
        "Dieselben Übergaben wie beim Median; Anteil mit einem ersten Termin innerhalb von 14 Tagen."
    ),
    "handovers_pending_over_30d": (
        "Übergaben, die am Monatsende seit mehr als 30 Tagen vermittelt sind und noch keinen "
        "ersten Termin haben (ohne abgelehnte und nicht wahrgenommene Übergaben)."
    ),
    "needs_unmet_share": (
        "Von den Bedarfen, die im Berichtsmonat abschließend bewertet wurden (gedeckt oder "
        "nicht gedeckt), der Anteil, der nicht gedeckt werden konnte. Ein hoher Anteil weist "
        "auf Lücken im örtlichen Angebot hin."
    ),
    "needs_unmet_count": ("Anzahl der Bedarfe, die im Berichtsmonat als nicht gedeckt abgeschlossen wurden."),
    "needs_open_over_90d": (
        "Bedarfe, die vor mehr als 90 Tagen erfasst wurden und am Monatsende noch nicht abgeschlossen sind."
    ),
    "time_to_first_need_median_days": (
        "Für im Berichtsmonat eröffnete Fälle mit mindestens einem Bedarf: mittlere Anzahl "
        "Tage von der Fallaufnahme bis zur Erfassung des ersten Bedarfs."
    ),
    "cm_continuity_share": (
        "Von den im Berichtsmonat abgeschlossenen Fällen der Anteil, der von Anfang bis Ende "
        "von derselben Fachkraft begleitet wurde."
    ),
    "status_change_retained_share": (
        "Von den Personen, deren Aufenthaltsstatus sich im Berichtsmonat geändert hat und die "
        "zu diesem Zeitpunkt begleitet wurden, der Anteil, der am Monatsende weiter begleitet "
        "wird oder mit Zielerreichung oder Weitervermittlung abgeschlossen wurde."
    ),
    "delivery_on_time": ("Eine Lieferung für den Berichtsmonat ist bis zum 10. Tag nach Monatsende eingegangen."),
    "persons_active": (
        "Personen mit mindestens einem im Berichtsmonat offenen Fall. Wer bei zwei Trägern "
        "begleitet wird, zählt stadtweit nur einmal."
    ),
    "handover_contact_km_median_days": (
        "Wartezeit von der Weitervermittlung bis zum ersten Termin für alle Übergaben der "
        "letzten zwölf Monate, geschätzt nach Kaplan-Meier: Übergaben ohne Termin zählen mit der "
        "bisherigen Wartezeit (zensiert), statt wegzufallen. Kein Wert, solange weniger als die "
        "Hälfte einen Termin hatte."
    ),
    "caseload_band_case_managers": (
        "Verteilung der Fallverantwortlichen nach der Zahl ihrer am Monatsende offenen Fälle "
        "(unter 30, 30 bis 49, 50 bis 69, 70 und mehr). Nie Angaben zu einzelnen Personen."
    ),
    "budget_funding_granted": (
        "Für das Jahr bewilligte Landesförderung; der Anteil eines Trägers nach seinem Anteil an "
        "den geförderten Vollzeitstellen."
    ),
    "budget_actual_cost": (
        "Tatsächliche Kosten des Jahres; der Anteil eines Trägers nach seinem Anteil an den "
        "geförderten Vollzeitstellen."
    ),
    "budget_funding_coverage_share": "Bewilligte Förderung geteilt durch die tatsächlichen Kosten des Jahres.",
    "cost_per_active_case": (
        "Kosten des Zeitraums (Jahreskosten anteilig nach Monaten) geteilt durch die Fälle, "
        "die im Zeitraum offen waren. Verdeckt, wenn die Fallzahl verdeckt ist."
    ),
    "cost_per_closed_case": (
        "Kosten des Zeitraums geteilt durch die im Zeitraum abgeschlossenen Fälle. Verdeckt, "
        "wenn die Fallzahl verdeckt ist."
    ),
}


def code_label(code_list: str, code: str | None) -> str:
    """German label of `code` in `code_list` (a column or breakdown name); the code if unknown.

    `category_reason` values look like ``wohnen|kein_angebot`` and are labelled part by part.
    """
    if code is None:
        return "ohne Angabe"
    if code == "all":
        return "Insgesamt"
    if code_list == "category_reason" and "|" in code:
        category, _, reason = code.partition("|")
        return f"{code_label('category', category)}: {code_label('unmet_reason', reason)}"
    return CODE_LISTS.get(code_list, {}).get(code, code)


def code_order(code_list: str, code: str) -> int:
    """Position of `code` in its code list (design order), unknown codes last."""
    codes = list(CODE_LISTS.get(code_list, {}))
    return codes.index(code) if code in codes else len(codes)


def indicator_label(indicator_id: str) -> str:
    return INDICATOR.get(indicator_id, indicator_id)


# Tables of exchange format v1 (design §3), as data stewards and providers name them.
EXCHANGE_TABLE: dict[str, str] = {
    "cases": "Fälle",
    "needs": "Bedarfe",
    "handovers": "Übergaben",
    "contacts": "Kontakte",
    "assignments": "Zuständigkeiten",
    "status_changes": "Statuswechsel",
}


def table_label(table: str | None) -> str:
    """'staging.cases' or 'cases' -> 'Fälle (cases)'; unknown tables as they are."""
    if not table:
        return "–"
    short = table.rsplit(".", 1)[-1]
    german = EXCHANGE_TABLE.get(short)
    return f"{german} ({short})" if german else table
