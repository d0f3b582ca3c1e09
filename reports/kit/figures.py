"""Indicator rows looked up by key, and the order of breakdown values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from reports import labels
from reports.kit.columns import ColumnSpec
from reports.kit.tables import Column
from reports.suppression import MISSING, Cell, Kind, display, indicator_kind


class Figures:
    """Indicator rows of one period, looked up by (indicator, provider, dimension, value)."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], k: int):
        self.k = k
        self._rows: dict[tuple[str, str, str, str], Mapping[str, Any]] = {}
        for row in rows:
            key = (row["indicator_id"], row["provider_id"], row["dimension"], row["dimension_value"])
            self._rows[key] = row
        self.indicators = {key[0] for key in self._rows}
        self._breakdowns: set[tuple[str, str, str]] | None = None

    def has(self, indicator_id: str) -> bool:
        return indicator_id in self.indicators

    def cell(self, indicator_id: str, provider_id: str = "all", dimension: str = "all", value: str = "all") -> Cell:
        row = self._rows.get((indicator_id, provider_id, dimension, value))
        return display(row, indicator_kind(indicator_id), self.k)

    def providers(self) -> set[str]:
        return {key[1] for key in self._rows if key[1] != "all"}

    def dimension_values(self, indicator_ids: Iterable[str], dimension: str, provider_id: str = "all") -> set[str]:
        wanted = set(indicator_ids)
        return {
            key[3]
            for key in self._rows
            if key[0] in wanted and key[1] == provider_id and key[2] == dimension and key[3] != "all"
        }

    def breakdown_cell(self, indicator_id: str, dimension: str, value: str, provider_id: str = "all") -> Cell:
        """Like `cell`, for a breakdown value. A count whose breakdown row is absent while the
        breakdown exists this month (other values have rows, or the total is 0) had no
        observations: it shows 0 — a known zero that the suppression treats as published
        (transforms/suppression.py) — instead of "k. A."."""
        row = self._rows.get((indicator_id, provider_id, dimension, value))
        if row is not None or indicator_kind(indicator_id) is not Kind.COUNT:
            return display(row, indicator_kind(indicator_id), self.k)
        total = self._rows.get((indicator_id, provider_id, "all", "all"))
        if total is None or total.get("value") is None:
            return MISSING
        if float(total["value"]) == 0 or self._has_breakdown(indicator_id, provider_id, dimension):
            return Cell("0", "zero", 0.0)
        return MISSING

    def _has_breakdown(self, indicator_id: str, provider_id: str, dimension: str) -> bool:
        if self._breakdowns is None:
            self._breakdowns = {key[:3] for key in self._rows}
        return (indicator_id, provider_id, dimension) in self._breakdowns


class HasIndicators(Protocol):
    def has(self, indicator_id: str) -> bool: ...


def columns_of(specs: Iterable[ColumnSpec], figures: HasIndicators) -> list[Column]:
    """The columns of `specs` to show: those marked `always` and those with figures."""
    return [Column(s.indicator_id, s.header) for s in specs if s.always or figures.has(s.indicator_id)]


def sorted_breakdown(figures: Figures, sort_indicator: str, dimension: str, values: Iterable[str]) -> list[str]:
    """Published values first (largest first), then hidden/missing ones in code-list order.
    Hidden cells carry no value, so the order never reveals a suppressed figure."""

    def key(code: str) -> tuple[int, float, int, str]:
        cell = figures.cell(sort_indicator, "all", dimension, code)
        if cell.value is not None:
            return (0, -cell.value, labels.code_order(dimension, code), code)
        return (1, 0.0, labels.code_order(dimension, code), code)

    return sorted(values, key=key)


def code_sorted(dimension: str, values: Iterable[str]) -> list[str]:
    return sorted(values, key=lambda c: (labels.code_order(dimension, c), c))
