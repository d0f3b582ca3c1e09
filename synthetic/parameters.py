"""Realism parameters of the synthetic city: shares, weights, medians and rates.

Every weight table is keyed by exchange-format code values; `synthetic.sampling` aligns it to the
code list in `kim.contract` and rejects keys that are not in the list, so a typo
here fails loudly instead of producing invalid deliveries. Weights need not sum to one.
"""

from __future__ import annotations

# --- Providers and cases -------------------------------------------------------------------

# Case shares of the default Leverkusen providers. Other configurations split by funded FTE.
LEVERKUSEN_CASE_SHARES = {
    "caritas": 0.28,
    "diakonie": 0.22,
    "awo": 0.20,
    "drk": 0.15,
    "stadt": 0.15,
}

# Cases open from this many months before the first delivered period, so the first snapshot
# already holds a running caseload.
LEAD_MONTHS = 6

CASE_DURATION_MEDIAN_DAYS = 274  # ~9 months
CASE_DURATION_SIGMA = 0.8

# Share of persons who also have a case at a second provider.
SECOND_PROVIDER_SHARE = 0.04

CLOSING_REASON_WEIGHTS = {
    "ziele_erreicht": 0.35,
    "weitervermittelt": 0.25,
    "umzug": 0.10,
    "abbruch": 0.08,
    "kontakt_verloren": 0.12,
    "ausreise": 0.05,
    "sonstiges": 0.05,
}
RESIDENCE_STATUS_WEIGHTS = {
    "duldung": 0.30,
    "gestattung": 0.25,
    "aufenthaltserlaubnis": 0.25,
    "niederlassungserlaubnis": 0.05,
    "eu_freizuegigkeit": 0.04,
    "deutsch": 0.03,
    "sonstiges": 0.04,
    "unbekannt": 0.04,
}
REFERRAL_SOURCE_WEIGHTS = {
    "selbst": 0.25,
    "auslaenderbehoerde": 0.22,
    "jobcenter": 0.15,
    "sozialamt": 0.12,
    "beratungsstelle": 0.14,
    "schule_kita": 0.06,
    "sonstige": 0.06,
}
GENDER_WEIGHTS = {"w": 0.455, "m": 0.51, "d": 0.005, "x": 0.03}

# Free-text column (ISO 3166-1 alpha-3); XXA stateless, XXX unknown.
NATIONALITY_WEIGHTS = {
    "SYR": 0.20,
    "AFG": 0.14,
    "UKR": 0.12,
    "IRQ": 0.09,
    "TUR": 0.09,
    "IRN": 0.05,
    "ERI": 0.04,
    "NGA": 0.04,
    "GIN": 0.04,
    "SOM": 0.03,
    "RUS": 0.03,
    "GEO": 0.02,
    "ALB": 0.02,
    "SRB": 0.02,
    "MKD": 0.015,
    "PAK": 0.015,
    "XXA": 0.02,
    "XXX": 0.02,
}

# Leverkusen Stadtteile as district codes.
DISTRICT_WEIGHTS = {
    "wiesdorf": 0.17,
    "opladen": 0.15,
    "rheindorf": 0.12,
    "manfort": 0.08,
    "quettingen": 0.07,
    "schlebusch": 0.08,
    "steinbuechel": 0.06,
    "hitdorf": 0.04,
    "buergerbusch": 0.03,
    "luetzenkirchen": 0.04,
    "kueppersteg": 0.07,
    "buerrig": 0.05,
    "alkenrath": 0.02,
    "bergisch_neukirchen": 0.02,
}
DISTRICT_MISSING_SHARE = 0.05

AGE_AT_INTAKE_MEDIAN = 31
AGE_AT_INTAKE_SIGMA = 0.3
AGE_AT_INTAKE_RANGE = (16, 85)
# Years between arrival in Germany and the first intake: most came recently.
YEARS_SINCE_ARRIVAL_WEIGHTS = {
    0: 0.22,
    1: 0.22,
    2: 0.17,
    3: 0.12,
    4: 0.08,
    5: 0.06,
    6: 0.04,
    7: 0.03,
    8: 0.02,
    9: 0.02,
    10: 0.02,
}
ARRIVAL_YEAR_MISSING_SHARE = 0.10

# --- Residence status changes (delivered by the Ausländerbehörde) ---------------------------

STATUS_CHANGE_SHARE = 0.30  # of persons whose status at first intake is duldung/gestattung
STATUS_TRANSITIONS = {
    "gestattung": {"aufenthaltserlaubnis": 0.6, "duldung": 0.4},
    "duldung": {"aufenthaltserlaubnis": 0.85, "sonstiges": 0.10, "gestattung": 0.05},
}
STATUS_CHANGE_EARLIEST_DAYS_AFTER_OPENING = 14
# Changes also happen shortly after a case closed; that is what the retention indicator sees.
STATUS_CHANGE_LATEST_DAYS_AFTER_CLOSING = 90

# --- Case-manager assignments --------------------------------------------------------------

CASE_MANAGERS_PER_FTE = 1.5
MIN_CASE_MANAGERS = 2
ASSIGNMENTS_PER_CASE_WEIGHTS = {1: 0.80, 2: 0.14, 3: 0.06}
# Changes of case manager fall inside this part of the case's life ...
ASSIGNMENT_CHANGE_FRACTION = (0.1, 0.9)
# ... and only cases lasting at least this long change case manager.
MIN_DAYS_FOR_ASSIGNMENT_CHANGE = 60

# --- Needs ---------------------------------------------------------------------------------

NEEDS_PER_CASE_WEIGHTS = {0: 0.04, 1: 0.24, 2: 0.31, 3: 0.24, 4: 0.12, 5: 0.04, 6: 0.01}
NEED_CATEGORY_WEIGHTS = {
    "sprache": 0.17,
    "arbeit": 0.14,
    "wohnen": 0.13,
    "aufenthalt": 0.13,
    "leistungen": 0.12,
    "gesundheit": 0.07,
    "psychosozial": 0.06,
    "kinderbetreuung": 0.05,
    "schule": 0.04,
    "ausbildung": 0.04,
    "familie": 0.03,
    "sonstiges": 0.02,
}
# Persons with a secure status rarely need help with their residence title.
SECURE_RESIDENCE_STATUSES = ("niederlassungserlaubnis", "eu_freizuegigkeit", "deutsch")
AUFENTHALT_WEIGHT_FACTOR_IF_SECURE = 0.1
FIRST_NEED_MEAN_DAYS = 10  # exponential: the first need is usually found within weeks

UNMET_SHARE_BY_CATEGORY = {
    "wohnen": 0.45,
    "psychosozial": 0.40,
    "kinderbetreuung": 0.12,
    "gesundheit": 0.10,
    "ausbildung": 0.10,
    "sonstiges": 0.10,
    "arbeit": 0.09,
    "aufenthalt": 0.08,
    "sprache": 0.07,
    "familie": 0.07,
    "schule": 0.06,
    "leistungen": 0.05,
}
UNMET_REASON_BY_CATEGORY = {
    "wohnen": {"kein_angebot": 0.45, "wartezeit": 0.25, "kosten": 0.25, "zugangsvoraussetzungen": 0.05},
    "psychosozial": {"wartezeit": 0.45, "sprachbarriere": 0.30, "kein_angebot": 0.20, "erreichbarkeit": 0.05},
    "kinderbetreuung": {"wartezeit": 0.55, "kein_angebot": 0.40, "erreichbarkeit": 0.05},
    "sprache": {"wartezeit": 0.40, "zugangsvoraussetzungen": 0.30, "erreichbarkeit": 0.20, "sonstiges": 0.10},
    "arbeit": {"zugangsvoraussetzungen": 0.50, "sprachbarriere": 0.30, "sonstiges": 0.20},
    "ausbildung": {"zugangsvoraussetzungen": 0.60, "sprachbarriere": 0.25, "kein_angebot": 0.15},
    "aufenthalt": {"zugangsvoraussetzungen": 0.50, "wartezeit": 0.30, "sonstiges": 0.20},
    "gesundheit": {"wartezeit": 0.40, "sprachbarriere": 0.30, "kosten": 0.20, "erreichbarkeit": 0.10},
    "leistungen": {"zugangsvoraussetzungen": 0.60, "wartezeit": 0.30, "sonstiges": 0.10},
    "schule": {"wartezeit": 0.40, "kein_angebot": 0.30, "erreichbarkeit": 0.30},
    "familie": {"kein_angebot": 0.40, "wartezeit": 0.30, "sprachbarriere": 0.30},
    "sonstiges": {"sonstiges": 0.60, "kein_angebot": 0.20, "erreichbarkeit": 0.20},
}
# Days from the anchor (first contact at the receiving service, else identification) to the
# need's resolution; right-skewed.
RESOLUTION_AFTER_HANDOVER_MEDIAN_DAYS = 40
RESOLUTION_WITHOUT_HANDOVER_MEDIAN_DAYS = 75
RESOLUTION_SIGMA = 0.9

# --- Handovers -----------------------------------------------------------------------------

HANDOVER_SHARE_OF_NEEDS = 0.70
# Share of all handovers that are general referrals without a need.
GENERAL_REFERRAL_SHARE = 0.10
SERVICE_BY_CATEGORY = {
    "aufenthalt": {"auslaenderbehoerde": 0.7, "rechtsberatung": 0.3},
    "sprache": {"integrationskurs": 0.7, "berufssprachkurs": 0.3},
    "arbeit": {"jobcenter": 0.55, "agentur_fuer_arbeit": 0.25, "anerkennungsberatung": 0.20},
    "ausbildung": {"agentur_fuer_arbeit": 0.6, "jmd": 0.2, "anerkennungsberatung": 0.2},
    "schule": {"schule": 1.0},
    "wohnen": {"wohnen": 1.0},
    "gesundheit": {"gesundheit": 1.0},
    "leistungen": {"jobcenter": 0.7, "sonstige": 0.3},
    "kinderbetreuung": {"kita": 1.0},
    "familie": {"mbe": 0.5, "jmd": 0.5},
    "psychosozial": {"psychosozial": 1.0},
    "sonstiges": {"sonstige": 0.7, "mbe": 0.3},
}
GENERAL_REFERRAL_SERVICE_WEIGHTS = {
    "mbe": 0.30,
    "jmd": 0.15,
    "sonstige": 0.30,
    "rechtsberatung": 0.10,
    "integrationskurs": 0.15,
}
REFERRAL_AFTER_IDENTIFIED_MEDIAN_DAYS = 5
REFERRAL_AFTER_IDENTIFIED_SIGMA = 1.0
# Days from referral to the first appointment (or to the refusal / no-show).
HANDOVER_DELAY_MEDIAN_DAYS = {
    "auslaenderbehoerde": 35,
    "psychosozial": 50,
    "wohnen": 30,
    "kita": 30,
    "integrationskurs": 21,
    "jobcenter": 8,
    "gesundheit": 12,
}
HANDOVER_DELAY_DEFAULT_MEDIAN_DAYS = 14
HANDOVER_DELAY_SIGMA = 0.6
# Outcomes as drawn. 'offen' means stalled: the referral never gets a first contact and stays
# open until its case closes, when it is recorded as nicht_wahrgenommen (so that share ends
# near 8-9 %, and pending referrals do not pile up forever).
HANDOVER_OUTCOME_WEIGHTS = {
    "erfolgreich": 0.84,
    "nicht_wahrgenommen": 0.05,
    "abgelehnt": 0.07,
    "offen": 0.04,
}

# --- Contacts ------------------------------------------------------------------------------

CONTACT_INTERVAL_DAYS = 14  # Poisson rate over the case's active life, plus the intake contact
CHANNEL_WEIGHTS = {
    "persoenlich": 0.50,
    "telefon": 0.25,
    "video": 0.05,
    "hausbesuch": 0.05,
    "begleitung": 0.08,
    "schriftlich": 0.07,
}
CONTACT_MINUTES_MEDIAN_BY_CHANNEL = {
    "persoenlich": 50,
    "telefon": 20,
    "video": 40,
    "hausbesuch": 75,
    "begleitung": 120,
    "schriftlich": 15,
}
CONTACT_MINUTES_SIGMA = 0.5
CONTACT_MINUTES_RANGE = (1, 600)

# --- Deliveries ----------------------------------------------------------------------------

EXPORT_TIMEZONE = "Europe/Berlin"
EXPORT_DAYS_AFTER_PERIOD = (2, 9)  # inclusive
LATE_EXPORT_DAYS_AFTER_PERIOD = (12, 25)  # inclusive
LATE_EXPORT_SHARE = 0.05
EXPORT_MINUTE_OF_DAY = (7 * 60 + 30, 16 * 60 + 30)  # office hours
