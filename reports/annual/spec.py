"""What the annual report shows; its indicator columns are in `reports.kit.columns` (ANNUAL_*)."""

from __future__ import annotations

import re
from pathlib import Path

from reports.kit import columns as cols
from reports.kit.navigation import ANNUAL_PREFIX as KIT_ANNUAL_PREFIX
from reports.kit.sql import Queries

QUERIES = Queries(Path(__file__).resolve().parent / "sql")
TEMPLATES = Path(__file__).resolve().parent / "templates"

ANNUAL_PREFIX = KIT_ANNUAL_PREFIX


TEMPLATE = "jahresbericht.html.j2"


YEAR_RE = re.compile(r"^\d{4}$")


# Kinds by the `value` attribute of reports.suppression.Kind (compared by value, so a new kind
# there does not break this module).
SHARE_KINDS = ("share", "money_share")


COUNT_KIND = "count"


# A cost per case divides a public amount by a count of cases: it is shown only where that count
# is published in the yearly table (same provider), else the count could be recomputed.
COST_PER_CASE_BASE = {
    "cost_per_active_case": "cases_active",
    "cost_per_closed_case": "cases_closed",
}


# Terms in the definitions where the report's wording differs from labels.INDICATOR.


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
    [s.indicator_id for s in cols.ANNUAL_SUMMARY]
    + [
        s.indicator_id
        for specs in (
            cols.ANNUAL_REACH,
            cols.ANNUAL_HANDOVERS,
            cols.ANNUAL_PROCESS,
            cols.ANNUAL_NEEDS,
            cols.ANNUAL_BUDGET,
        )
        for s in specs
    ]
    + ["caseload_band_case_managers"]
)
