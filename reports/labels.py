"""German labels for every code list of exchange format v1 (design §3) and for the indicators (§5,
from their specs).

One place for all user-facing wording of codes, so every report (monthly, annual, provider
feedback, data quality) names things the same way. Unknown codes fall back to the code itself
(reports must not break when a provider sends a code that is not in this module yet).
"""

from __future__ import annotations

from transforms.indicators import INDICATORS

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

# Indicator names as used in table headers and key figures, and their plain-German definitions for
# the methodology sections (monthly and yearly wording): derived from the indicator specs
# (transforms/indicators/specs/<id>.yaml), in the order reports list indicators (`report_order`).
_BY_REPORT_ORDER = sorted(INDICATORS, key=lambda indicator: indicator.report_order)
INDICATOR: dict[str, str] = {indicator.id: indicator.label for indicator in _BY_REPORT_ORDER}
INDICATOR_DEFINITION: dict[str, str] = {indicator.id: indicator.definition for indicator in _BY_REPORT_ORDER}
INDICATOR_DEFINITION_YEARLY: dict[str, str] = {
    indicator.id: indicator.definition_yearly for indicator in _BY_REPORT_ORDER
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
