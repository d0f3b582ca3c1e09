"""The annual report's own German wording: terms, notes and the legend for a year (the yearly
definitions come from the indicator specs, `definition.yearly`)."""

from __future__ import annotations

from reports import labels
from reports.suppression import SIGN_MISSING, legend

MISSING_NOTE = "Für diesen Zeitraum liegen keine Angaben vor."

# The legend's "keine Angabe", worded for a period instead of a month.
MISSING_LEGEND = "keine Angabe: Für diesen Zeitraum liegt kein Wert vor, oder er wird nicht veröffentlicht."


def definition_text(indicator_id: str) -> str:
    """The yearly definition of an indicator, from its spec ("" if it has none)."""
    return labels.INDICATOR_DEFINITION_YEARLY.get(indicator_id, "")


def term(indicator_id: str) -> str:
    """The indicator's name in the methodology section."""
    return labels.indicator_label(indicator_id).replace(" (Tage)", "")


def annual_legend() -> list[tuple[str, str]]:
    """The signs of the display rules, "keine Angabe" worded for a year instead of a month."""
    return [(sign, MISSING_LEGEND if sign == SIGN_MISSING else text) for sign, text in legend()]
