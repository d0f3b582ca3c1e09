"""Yearly figures with the cost-per-case guard, spans of months and changes between years."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from babel.dates import format_date

from reports.annual.spec import COST_PER_CASE_BASE, COUNT_KIND, SHARE_KINDS, YEAR_RE
from reports.annual.wording import MISSING_NOTE
from reports.kit import formatting as fmt
from reports.kit.cells import hidden_cell, signed, zero_count
from reports.kit.figures import Figures
from reports.kit.publication import EVERYTHING, Publication
from reports.suppression import Cell, indicator_kind


def check_year(year: Any) -> str:
    year = str(year)
    if not YEAR_RE.match(year):
        raise ValueError(f"year must look like YYYY, got {year!r}")
    return year


def _month_name(period: str) -> str:
    return format_date(fmt.parse_period(period), "MMMM", locale=fmt.LOCALE)


def span_label(months: Sequence[str]) -> str:
    """['2026-01', …, '2026-10'] -> 'Januar bis Oktober 2026'; one month -> 'Oktober 2026'."""
    if not months:
        return ""
    first, last = months[0], months[-1]
    if first == last:
        return fmt.month_year(first)
    if first[:4] != last[:4]:
        return f"{fmt.month_year(first)} bis {fmt.month_year(last)}"
    return f"{_month_name(first)} bis {fmt.month_year(last)}"


def is_complete_year(months: Sequence[str]) -> bool:
    return len(months) == 12 and months[0].endswith("-01") and months[-1].endswith("-12")


def _kind(indicator_id: str) -> str:
    return indicator_kind(indicator_id).value


def change_text(current: Cell, previous: Cell | None, indicator_id: str) -> str | None:
    """Change against the previous year, only from two publishable figures."""
    if previous is None or current.value is None or previous.value is None:
        return None
    kind = _kind(indicator_id)
    if kind in SHARE_KINDS:
        points = round((current.value - previous.value) * 100, 1)
        return signed(points, fmt.decimal_fixed(abs(points), 1) + "\u00a0Prozentpunkte")
    if previous.value == 0:
        return None
    relative = round(current.value / previous.value - 1, 3)
    return signed(relative, fmt.percent(abs(relative)))


def shown(cell: Cell) -> bool:
    """A figure that may be written into a sentence (published, zero included)."""
    return cell.value is not None


def valid_period(period: Any) -> bool:
    try:
        fmt.parse_period(str(period))
    except ValueError:
        return False
    return True


class YearFigures:
    """The yearly rows of one year; `cell` as `Figures.cell` plus the cost-per-case guard."""

    def __init__(self, rows: Iterable[Mapping[str, Any]], k: int, publication: Publication = EVERYTHING):
        self.k = k
        self.figures = Figures(rows, k, publication)

    def has(self, indicator_id: str) -> bool:
        return self.figures.has(indicator_id)

    def cell(self, indicator_id: str, provider_id: str = "all", dimension: str = "all", value: str = "all") -> Cell:
        cell = self.figures.cell(indicator_id, provider_id, dimension, value)
        if cell.status == "missing":
            if (
                dimension != "all"
                and _kind(indicator_id) == COUNT_KIND
                and self.published(indicator_id, dimension, provider_id)
                and self.figures.cell(indicator_id, provider_id).status != "missing"
            ):
                # A breakdown cell is stored only where something was observed: a count
                # without a row is zero (the suppression treats it as a known zero, too) —
                # unless the breakdown is not published per year (then its rows are absent).
                return zero_count(self.k)
            return dataclasses.replace(cell, note=MISSING_NOTE)
        base = COST_PER_CASE_BASE.get(indicator_id)
        if base and cell.value is not None and dimension == "all":
            count = self.figures.cell(base, provider_id)
            if count.status != "value":
                return hidden_cell()  # else cost ÷ cost per case would give the count
        return cell

    def published(self, indicator_id: str, dimension: str = "all", provider_id: str = "all") -> bool:
        return self.figures.published(indicator_id, dimension, provider_id)

    def dimension_values(self, indicator_ids: Iterable[str], dimension: str, provider_id: str = "all") -> set[str]:
        return self.figures.dimension_values(indicator_ids, dimension, provider_id)

    def providers(self) -> set[str]:
        return self.figures.providers()
