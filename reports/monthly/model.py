"""The monthly report's own view model (display strings and Cells only, no raw figures);
tables, charts and matrices are the kit's (reports.kit.tables)."""

from __future__ import annotations

from dataclasses import dataclass

from reports.suppression import MISSING, Cell


@dataclass(frozen=True)
class Change:
    """The change of a published figure against an earlier published one, in words.

    `arrow` is decoration (hidden from screen readers); `text` says the direction in words."""

    direction: str  # "up", "down", "same"
    arrow: str
    text: str


@dataclass(frozen=True)
class KeyFigure:
    indicator_id: str
    label: str
    cell: Cell
    unit: str
    previous: Cell | None
    previous_label: str
    last_year: Cell | None = None
    last_year_label: str = ""
    change_previous: Change | None = None
    change_last_year: Change | None = None


@dataclass(frozen=True)
class DeliveryRow:
    provider_id: str
    provider_name: str
    kind_label: str
    period_label: str
    exported: str
    loaded: str
    status: str  # "aktuell", "veraltet", "keine Lieferung"
    on_time: Cell = MISSING  # delivery_on_time for the report month ("ja", "nein", "k. A.")

    @property
    def stale(self) -> bool:
        return self.status != "aktuell"

    @property
    def late(self) -> bool:
        return self.on_time.value is not None and self.on_time.value < 0.5


@dataclass(frozen=True)
class DeliveryNotice:
    """One provider flagged at the top of the report, with the reasons in words."""

    provider_id: str
    provider_name: str
    reasons: list[str]


@dataclass(frozen=True)
class Revision:
    indicator_id: str
    label: str
    period: str
    month: str
    before: Cell
    now: Cell
    change: Change | None
