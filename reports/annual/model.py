"""The annual report's own view model (display strings and Cells only); tables, matrices and
charts are the kit's (reports.kit.tables)."""

from __future__ import annotations

from dataclasses import dataclass

from reports.suppression import Cell


@dataclass(frozen=True)
class AnnualKeyFigure:
    indicator_id: str
    label: str
    cell: Cell
    unit: str
    previous: Cell | None
    previous_label: str
    change: str | None  # "+9,4 %" / "−2,1 Prozentpunkte", only where the years are comparable


@dataclass(frozen=True)
class Gap:
    key: str
    category: str
    count: Cell
    share: Cell
    reasons: list[tuple[str, Cell]]  # (reason label, published count), largest first


@dataclass(frozen=True)
class SourceRow:
    provider_id: str
    provider_name: str
    kind_label: str
    months: str  # delivered months of the year, e.g. "Januar bis Oktober 2026"
    newest: str  # newest accepted delivery overall
    stale: bool
