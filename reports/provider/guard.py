"""The provider report's privacy guard for city-wide figures and its change column."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reports.kit import formatting as fmt
from reports.kit.cells import hidden_cell, signed
from reports.kit.figures import Figures
from reports.provider.model import PROVIDER_ID_RE
from reports.suppression import Cell, Kind, display, indicator_kind


def check_provider_id(provider_id: str) -> str:
    if not isinstance(provider_id, str) or not PROVIDER_ID_RE.match(provider_id):
        raise ValueError(f"provider id must match [A-Za-z0-9_-]{{1,64}}, got {provider_id!r}")
    return provider_id


def unit(kind: Kind) -> str:
    return "Tage" if kind is Kind.DAYS else ""


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if number != number else number  # NaN -> 0


def change(current: Cell, previous: Cell, kind: Kind, k: int) -> Cell:
    """Change against the previous month, only from two publishable figures."""
    if current.hidden or previous.hidden:
        return hidden_cell()
    if current.value is None or previous.value is None:
        return display(None, kind, k)  # "k. A."
    # From the figures as displayed (rounded), so the change matches the two printed values.
    if kind is Kind.COUNT:
        diff = float(round(current.value) - round(previous.value))
        text = signed(diff, fmt.integer(abs(diff)))
    elif kind in (Kind.SHARE, Kind.MONEY_SHARE):
        diff = round(round(current.value * 100, 1) - round(previous.value * 100, 1), 1)
        text = signed(diff, fmt.decimal_fixed(abs(diff), 1)) + "\u00a0Pp."
    else:
        diff = round(round(current.value, 1) - round(previous.value, 1), 1)
        text = signed(diff, fmt.decimal_fixed(abs(diff), 1))
    return Cell(text, "value", diff)


class CityGuard:
    """Decides whether a city-wide cell may stand next to the provider's own figure.

    city − own = the rest of the city. Hidden when fewer than two other providers contribute to
    the cell, or when the rest of the city has a base from 1 to k−1."""

    def __init__(
        self,
        contributors: Iterable[Mapping[str, Any]],
        k: int,
        rows: Mapping[tuple[str, str, str, str], Mapping[str, Any]],
    ):
        self.k = k
        self._contributors = {
            (r["indicator_id"], r["dimension"], r["dimension_value"]): int(r["contributors"] or 0) for r in contributors
        }
        self._rows = rows  # own and city-wide rows of the month, by key

    def _rest_base(self, indicator_id: str, provider_id: str, dimension: str, value: str) -> float | None:
        city = self._rows.get((indicator_id, "all", dimension, value))
        if city is None:
            return None
        own = self._rows.get((indicator_id, provider_id, dimension, value)) or {}
        kind = indicator_kind(indicator_id)
        if kind is Kind.COUNT:
            field = "value"
        elif kind is Kind.RATIO:
            field = "numerator"
        elif kind in (Kind.SHARE, Kind.DAYS, Kind.MONEY_PER_CASE):
            field = "denominator"
        else:
            return None
        if city.get(field) is None:
            return None
        return _number(city.get(field)) - _number(own.get(field))

    def allows(self, indicator_id: str, provider_id: str, dimension: str = "all", value: str = "all") -> bool:
        if self._contributors.get((indicator_id, dimension, value), 0) < 2:
            return False
        rest = self._rest_base(indicator_id, provider_id, dimension, value)
        return not (rest is not None and 0 < round(rest) < self.k)

    def check(
        self, cell: Cell, indicator_id: str, provider_id: str, dimension: str = "all", value: str = "all"
    ) -> Cell:
        """`cell` (a city-wide cell from `display`), or the hidden sign if the guard says no."""
        if cell.status == "missing":
            return cell
        if not self.allows(indicator_id, provider_id, dimension, value):
            return hidden_cell()
        return cell

    def city_cell(
        self, figures: Figures, indicator_id: str, provider_id: str, dimension: str = "all", value: str = "all"
    ) -> Cell:
        return self.check(
            figures.cell(indicator_id, "all", dimension, value), indicator_id, provider_id, dimension, value
        )
