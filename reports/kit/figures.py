"""Indicator rows looked up by key, and the order of breakdown values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from reports import labels
from reports.kit.columns import ColumnSpec
from reports.kit.publication import EVERYTHING, Publication
from reports.kit.tables import Column
from reports.suppression import MISSING, Cell, Kind, display, indicator_kind


class Figures:
    """Indicator rows of one period, looked up by (indicator, provider, dimension, value).

    `publication`: the tables not published at the report's grain. Their rows are dropped (the
    views leave them out already), and an absent row of such a table is "k. A.", never a known
    zero: the report must not learn from it whether the cell had observations."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], k: int, publication: Publication = EVERYTHING):
        self.k = k
        self.publication = publication
        self._rows: dict[tuple[str, str, str, str], Mapping[str, Any]] = {}
        for row in publication.rows(rows):
            key = (row["indicator_id"], row["provider_id"], row["dimension"], row["dimension_value"])
            self._rows[key] = row
        self.indicators = {key[0] for key in self._rows}
        self._breakdowns: set[tuple[str, str, str]] | None = None

    def has(self, indicator_id: str) -> bool:
        return indicator_id in self.indicators

    def published(self, indicator_id: str, dimension: str = "all", provider_id: str = "all") -> bool:
        """Whether the table of `indicator_id` by `dimension` (at the level of `provider_id`) is
        published at the report's grain."""
        return self.publication.published(indicator_id, dimension, provider_id)

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
        (transforms/suppression.py) — instead of "k. A.". A breakdown that is not published at
        this grain has no zeros either: "k. A."."""
        if not self.published(indicator_id, dimension, provider_id):
            return MISSING
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


def breakdown_columns(
    specs: Iterable[ColumnSpec], figures: Figures, dimension: str, provider_id: str = "all"
) -> tuple[list[Column], list[Column]]:
    """The columns of `specs` to show in a breakdown by `dimension` (`columns_of`), split into
    those whose breakdown is published at the report's grain and those left out. Nothing shown
    and something left out: the whole breakdown is withheld (a note instead of the table)."""
    candidates = columns_of(specs, figures)
    shown = [c for c in candidates if figures.published(c.indicator_id, dimension, provider_id)]
    return shown, [c for c in candidates if c not in shown]


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
