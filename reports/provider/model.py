"""The provider feedback report's own view model (display strings and Cells only) and what
the report shows; its indicator columns are in `reports.kit.columns` (PROVIDER_*)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reports.kit.navigation import PROVIDER_PREFIX
from reports.kit.sql import Queries
from reports.kit.tables import Column
from reports.suppression import Cell

QUERIES = Queries(Path(__file__).resolve().parent / "sql")
TEMPLATES = Path(__file__).resolve().parent / "templates"

PREFIX = PROVIDER_PREFIX


TEMPLATE = "traegerbericht.html.j2"


PROVIDER_KINDS = ("wohlfahrt", "stadt")


TREND_MONTHS = 12


CASE_SERIES = ("cases_active", "cases_new", "cases_closed")


# Provider ids are opaque strings of the exchange format (design §3); they become file names.
PROVIDER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


TIMELINESS_STATUS = {
    "fristgerecht": "fristgerecht",
    "verspaetet": "verspätet",
    "fehlt": "fehlt",
    "offen": "noch nicht fällig",
}


OWN = "Ihr Träger"


CITY_WIDE = "Stadt gesamt"


@dataclass(frozen=True)
class ComparisonRow:
    indicator_id: str
    label: str
    own: Cell
    previous: Cell
    change: Cell
    city: Cell


@dataclass(frozen=True)
class ComparisonGroup:
    title: str
    key: str
    rows: list[ComparisonRow]


@dataclass(frozen=True)
class Card:
    indicator_id: str
    label: str
    own: Cell
    unit: str
    previous: Cell
    city: Cell


@dataclass(frozen=True)
class PairRow:
    key: str
    label: str
    pairs: list[tuple[Cell, Cell]]  # (own, city) per column
    total: bool = False


@dataclass(frozen=True)
class PairTable:
    columns: list[Column]  # each indicator shown twice: own and city-wide
    rows: list[PairRow]
    note: str | None = None  # a part of the breakdown is not published this month (kit.text)

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class DeliveryStatus:
    available: bool  # marts.fct_deliveries exists
    period_label: str  # newest accepted delivery, or "–"
    exported: str
    loaded: str
    status: str  # "aktuell", "veraltet", "keine Lieferung"
    newest_timeliness: str | None  # on time or not, for the newest delivery's month
    report_month_on_time: Cell  # indicator delivery_on_time of the report month

    @property
    def stale(self) -> bool:
        return self.status != "aktuell"


@dataclass(frozen=True)
class TimelinessRow:
    period: str
    month: str
    due: str
    received: str
    status: str
    status_label: str

    @property
    def ok(self) -> bool:
        return self.status == "fristgerecht"
