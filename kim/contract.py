"""The exchange-format contract v1 (design §3): tables, columns, types, code lists and the few
constants every stage shares (manifest name, period pattern, time zone).

This module is the single source of truth for the format inside the code base: the generator
writes it, the decoder reads it, the warehouse DDL and the validation suites are derived from it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

FORMAT_VERSION = "1"
MANIFEST_NAME = "manifest.json"


def manifest_bytes(manifest: dict) -> bytes:
    """manifest.json as every writer of the project writes it: sorted keys, two-space indent, UTF-8."""
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# The programme's time zone: a delivery's export date is the local calendar day of exported_at.
LOCAL_TIME_ZONE = ZoneInfo("Europe/Berlin")
# A delivery for month P is on time when it arrives by this many days after end(P) (design §5).
DELIVERY_DUE_DAYS = 10
# No date in a delivery lies before this one (a typo such as 1024 for 2024).
EARLIEST_PLAUSIBLE_DATE = date(1950, 1, 1)

ColumnType = Literal["id", "date", "int", "code", "text"]

# Ids are opaque pseudonyms: max 64 characters from [A-Za-z0-9_-].
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    # How an id is pseudonymised: "provider" ids are unique within a provider and are hashed with
    # the provider id, "person" ids are the cross-provider pseudonym and hashed without it.
    id_scope: Literal["provider", "person", None] = None
    codes: tuple[str, ...] | None = None


RESIDENCE_STATUS = (
    "duldung",
    "gestattung",
    "aufenthaltserlaubnis",
    "niederlassungserlaubnis",
    "eu_freizuegigkeit",
    "deutsch",
    "sonstiges",
    "unbekannt",
)
CLOSING_REASON = (
    "ziele_erreicht",
    "weitervermittelt",
    "umzug",
    "abbruch",
    "kontakt_verloren",
    "ausreise",
    "sonstiges",
)
REFERRAL_SOURCE = (
    "selbst",
    "auslaenderbehoerde",
    "jobcenter",
    "sozialamt",
    "beratungsstelle",
    "schule_kita",
    "sonstige",
)
NEED_CATEGORY = (
    "sprache",
    "arbeit",
    "ausbildung",
    "schule",
    "wohnen",
    "gesundheit",
    "aufenthalt",
    "leistungen",
    "kinderbetreuung",
    "familie",
    "psychosozial",
    "sonstiges",
)
NEED_STATUS = ("offen", "in_bearbeitung", "gedeckt", "nicht_gedeckt")
UNMET_REASON = (
    "kein_angebot",
    "wartezeit",
    "zugangsvoraussetzungen",
    "sprachbarriere",
    "kosten",
    "erreichbarkeit",
    "sonstiges",
)
TARGET_SERVICE = (
    "auslaenderbehoerde",
    "jobcenter",
    "agentur_fuer_arbeit",
    "integrationskurs",
    "berufssprachkurs",
    "mbe",
    "jmd",
    "anerkennungsberatung",
    "gesundheit",
    "psychosozial",
    "wohnen",
    "schule",
    "kita",
    "rechtsberatung",
    "sonstige",
)
HANDOVER_OUTCOME = ("offen", "erfolgreich", "abgelehnt", "nicht_wahrgenommen")
CONTACT_CHANNEL = ("persoenlich", "telefon", "video", "hausbesuch", "begleitung", "schriftlich")
GENDER = ("w", "m", "d", "x")

# Need statuses after which a need is resolved (resolved_on required iff one of these).
TERMINAL_NEED_STATUS = ("gedeckt", "nicht_gedeckt")
# Whole-number ranges: duration_minutes 1…600; years (birth_year, arrival_year) from EARLIEST_YEAR
# to the export year.
DURATION_RANGE = (1, 600)
EARLIEST_YEAR = 1900


def int_range(column: str, export_year: int) -> tuple[int, int]:
    return DURATION_RANGE if column == "duration_minutes" else (EARLIEST_YEAR, export_year)


TABLES: dict[str, tuple[Column, ...]] = {
    "cases": (
        Column("case_id", "id", id_scope="provider"),
        Column("person_id", "id", id_scope="person"),
        Column("case_manager_id", "id", id_scope="provider"),
        Column("opened_on", "date"),
        Column("closed_on", "date", required=False),
        Column("closing_reason", "code", required=False, codes=CLOSING_REASON),
        Column("birth_year", "int"),
        Column("gender", "code", codes=GENDER),
        Column("nationality", "text"),
        Column("residence_status", "code", codes=RESIDENCE_STATUS),
        Column("arrival_year", "int", required=False),
        Column("district", "code", required=False),
        Column("referral_source", "code", codes=REFERRAL_SOURCE),
    ),
    "needs": (
        Column("need_id", "id", id_scope="provider"),
        Column("case_id", "id", id_scope="provider"),
        Column("category", "code", codes=NEED_CATEGORY),
        Column("identified_on", "date"),
        Column("status", "code", codes=NEED_STATUS),
        Column("resolved_on", "date", required=False),
        Column("unmet_reason", "code", required=False, codes=UNMET_REASON),
    ),
    "handovers": (
        Column("handover_id", "id", id_scope="provider"),
        Column("case_id", "id", id_scope="provider"),
        Column("need_id", "id", required=False, id_scope="provider"),
        Column("target_service", "code", codes=TARGET_SERVICE),
        Column("referred_on", "date"),
        Column("first_contact_on", "date", required=False),
        Column("outcome", "code", codes=HANDOVER_OUTCOME),
    ),
    "contacts": (
        Column("contact_id", "id", id_scope="provider"),
        Column("case_id", "id", id_scope="provider"),
        Column("contact_on", "date"),
        Column("channel", "code", codes=CONTACT_CHANNEL),
        Column("duration_minutes", "int"),
    ),
    "assignments": (
        Column("case_id", "id", id_scope="provider"),
        Column("case_manager_id", "id", id_scope="provider"),
        Column("assigned_from", "date"),
        Column("assigned_to", "date", required=False),
    ),
    "status_changes": (
        Column("person_id", "id", id_scope="person"),
        Column("changed_on", "date"),
        Column("status_from", "code", codes=RESIDENCE_STATUS),
        Column("status_to", "code", codes=RESIDENCE_STATUS),
    ),
}

# Which tables a provider of each kind delivers.
TABLES_BY_PROVIDER_KIND: dict[str, tuple[str, ...]] = {
    "wohlfahrt": ("cases", "needs", "handovers", "contacts", "assignments"),
    "stadt": ("cases", "needs", "handovers", "contacts", "assignments"),
    "abh": ("status_changes",),
}

# The key that must be unique within one provider's snapshot of each table.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "cases": ("case_id",),
    "needs": ("need_id",),
    "handovers": ("handover_id",),
    "contacts": ("contact_id",),
    "assignments": ("case_id", "case_manager_id", "assigned_from"),
    "status_changes": ("person_id", "changed_on"),
}


def column_names(table: str) -> list[str]:
    return [column.name for column in TABLES[table]]


def columns_of_type(table: str, column_type: ColumnType) -> list[str]:
    return [column.name for column in TABLES[table] if column.type == column_type]
