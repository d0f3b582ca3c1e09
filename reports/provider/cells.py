"""The provider report's cells: the change column, units and the provider id check.

The city-wide column prints each city figure exactly as the release does (published or "•"),
the same in every provider's report. It once hid a city figure in one provider's report when the
rest of the city was small: since that decision read the provider's own figures, the pattern of
"•" across the reports told what it was meant to hide (in the demo, which two providers' reports
hid a city share of 37,5 % pinned its base to 8). What a provider can work out from the city
figure and its own is the disclosure audit's insider reader (transforms.disclosure)."""

from __future__ import annotations

from reports.kit import formatting as fmt
from reports.kit.cells import hidden_cell, signed
from reports.provider.model import PROVIDER_ID_RE
from reports.suppression import Cell, Kind, display


def check_provider_id(provider_id: str) -> str:
    if not isinstance(provider_id, str) or not PROVIDER_ID_RE.match(provider_id):
        raise ValueError(f"provider id must match [A-Za-z0-9_-]{{1,64}}, got {provider_id!r}")
    return provider_id


def unit(kind: Kind) -> str:
    return "Tage" if kind is Kind.DAYS else ""


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
