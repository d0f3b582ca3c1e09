"""Changes of a published figure against an earlier published one, in words."""

from __future__ import annotations

from reports.kit import formatting as fmt
from reports.kit.cells import signed
from reports.monthly.model import Change
from reports.suppression import Cell, Kind


def change(current: Cell | None, before: Cell | None, kind: Kind) -> Change | None:
    """The change from `before` to `current`, only when both are published figures (a hidden
    or missing one gives None). Computed from the values as displayed (rounded), so the change
    matches the two numbers a reader sees."""
    if current is None or before is None or current.value is None or before.value is None:
        return None
    if current.hidden or before.hidden or kind is Kind.FLAG:
        return None
    up_word, down_word = "mehr", "weniger"
    relative = ""
    if kind is Kind.COUNT:
        now, then = round(current.value), round(before.value)
        diff = float(now - then)
        amount = fmt.integer(abs(diff))
        if then > 0 and diff:
            relative = f" ({signed(diff, fmt.decimal_fixed(abs(diff) / then * 100, 1))} %)"
    elif kind in (Kind.SHARE, Kind.MONEY_SHARE):
        diff = round(current.value * 1000) / 10 - round(before.value * 1000) / 10
        diff = round(diff, 1)
        amount = f"{fmt.decimal_fixed(abs(diff), 1)} %-Punkte"
    elif kind is Kind.DAYS:
        diff = round(round(current.value, 1) - round(before.value, 1), 1)
        amount = f"{fmt.decimal_fixed(abs(diff), 1)} Tage"
        up_word, down_word = "länger", "kürzer"
    elif kind in (Kind.MONEY, Kind.MONEY_PER_CASE):
        diff = float(round(current.value) - round(before.value))
        amount = fmt.euro(abs(diff))
    else:  # ratios
        diff = round(round(current.value, 1) - round(before.value, 1), 1)
        amount = fmt.decimal_fixed(abs(diff), 1)
    if diff == 0:
        return Change("same", "=", "unverändert")
    if diff > 0:
        return Change("up", "▲", f"{amount} {up_word}{relative}")
    return Change("down", "▼", f"{amount} {down_word}{relative}")
