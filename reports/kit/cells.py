"""Cells beyond a stored figure: the signs a report shows for a hidden, zero or plain value,
and the sign of a change. Every sign comes from `reports.suppression.display`, so a report
never invents one of its own."""

from __future__ import annotations

import dataclasses

from reports.suppression import Cell, Kind, display

MINUS = "\u2212"


def hidden_cell(k: int, note: str | None = None) -> Cell:
    """The "hidden" sign of the display rules (a share, median or ratio that is not shown),
    with `note` as its explanation when given."""
    cell = display({"value": 0.0, "denominator": 0, "suppressed": True}, Kind.SHARE, k)
    return dataclasses.replace(cell, note=note) if note else cell


def zero_count(k: int) -> Cell:
    """A count that is known to be zero (e.g. a breakdown value without observations)."""
    return display({"value": 0.0, "numerator": 0, "suppressed": False}, Kind.COUNT, k)


def plain(value: float | int, text: str) -> Cell:
    """A figure about providers or deliveries (not about people): shown as it is."""
    if value == 0:
        return Cell("0", "zero", 0.0)
    return Cell(text, "value", float(value))


def signed(diff: float, text: str) -> str:
    """`text` (an amount without sign) with the sign of `diff`: "+", "−" or "±" for zero."""
    if diff > 0:
        return f"+{text}"
    if diff < 0:
        return f"{MINUS}{text}"
    return f"\u00b1{text}"
