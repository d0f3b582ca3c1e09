"""Cells beyond a stored figure: the signs a report shows for a hidden, zero or plain value,
and the sign of a change. Every sign comes from `reports.suppression.display`, so a report
never invents one of its own."""

from __future__ import annotations

from reports.suppression import HIDDEN, Cell, Kind, display

MINUS = "\u2212"


def hidden_cell() -> Cell:
    """A figure a report hides on its own account (a change next to a hidden month,
    a cost per case beside a hidden count): the one hidden
    cell of the display rules, with the same sign, class and note as every other hidden figure —
    no reason of its own, so that no hidden cell can be told apart from another."""
    return HIDDEN


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
