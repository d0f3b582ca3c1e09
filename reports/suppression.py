"""Display rules for small-cell suppression (design §6), applied before anything is rendered.

The warehouse stores every figure together with a `suppressed` flag computed upstream (primary
suppression of counts 1…k−1 and of shares/medians with a base below k, plus secondary
suppression). This module turns a stored row into a `Cell` that holds only what may be
published: the display text, a status, and — only when the figure may be shown — its numeric
value (for sorting and charts). Templates and charts never receive a raw suppressed value.

Signs (explained by `legend`):
- "•"    every hidden figure — a count, share, median, percentile, ratio or amount per case,
         whatever the reason it is hidden. One sign, one status ("hidden"), one CSS class and
         one note for all of them, so that the sign tells a reader nothing about the size of the
         cell or why it is hidden (German official statistics: "Zahlenwert unbekannt oder geheim
         zu halten");
- "0"    exactly zero (never hidden by the primary rule);
- "k. A." no figure stored (keine Angabe), or its table is not published at the report's grain
         (reports.kit.publication) — not a hidden figure, and never a sign of its size.

As a safety net the primary rule is also applied here to rows that arrive unflagged: a count
from 1 to k−1 and a share/median whose base is below k are always hidden — with the same "•".
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from reports.kit import formatting as fmt
from transforms.indicators import INDICATORS


class Kind(enum.Enum):
    COUNT = "count"  # a number of cases, needs, handovers …
    SHARE = "share"  # a share in 0…1, numerator/denominator are counts
    DAYS = "days"  # a median or percentile of days, denominator = observations
    RATIO = "ratio"  # e.g. cases per funded FTE, numerator = a count
    FLAG = "flag"  # 0/1 per provider (delivery_on_time), never suppressed
    MONEY = "money"  # EUR of the programme budget, never suppressed (not about people)
    MONEY_SHARE = "money_share"  # a share of two budget figures, never suppressed
    MONEY_PER_CASE = "money_per_case"  # EUR per case, denominator = cases: hidden below k


# How each registered indicator is displayed: from its spec (Indicator.display_kind, derived from
# its kind and unit), so the registry and the reports cannot drift apart.
INDICATOR_KIND: dict[str, Kind] = {indicator.id: Kind(indicator.display_kind) for indicator in INDICATORS}


def indicator_kind(indicator_id: str) -> Kind:
    """Display kind of a registered indicator; an unknown id is an error, not a guess."""
    try:
        return INDICATOR_KIND[indicator_id]
    except KeyError:
        raise KeyError(f"no indicator spec for {indicator_id!r} (transforms/indicators/specs/)") from None


Status = Literal["value", "zero", "hidden", "missing"]

SIGN_HIDDEN = "\u2022"  # "•", the one sign of every hidden figure
SIGN_ZERO = "0"
SIGN_MISSING = "k. A."

# The one explanation of a hidden cell (its tooltip): it names neither a size nor a reason.
HIDDEN_NOTE = f"Aus Datenschutzgründen nicht ausgewiesen ({SIGN_HIDDEN})."


@dataclass(frozen=True)
class Cell:
    """A figure ready for publication. `value` is None whenever the figure must not be shown."""

    text: str
    status: Status
    value: float | None = None
    note: str = ""

    @property
    def hidden(self) -> bool:
        return self.status == "hidden"

    @property
    def css_class(self) -> str:
        return f"cell-{self.status}"

    def __str__(self) -> str:  # so `{{ cell }}` in a template shows the display text only
        return self.text


# Every hidden figure is this one cell: the same text, status, class and note.
HIDDEN = Cell(SIGN_HIDDEN, "hidden", None, HIDDEN_NOTE)

MISSING = Cell(SIGN_MISSING, "missing", None, "Für diesen Monat liegen keine Angaben vor.")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def display(row: Mapping[str, Any] | None, kind: Kind, k: int) -> Cell:
    """Apply the display rules of design §6 to one stored row (value, numerator, denominator,
    suppressed). `row` None means no figure is stored."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if row is None:
        return MISSING
    value = _number(row.get("value"))
    if value is None:
        return MISSING
    suppressed = bool(row.get("suppressed"))
    denominator = _number(row.get("denominator"))
    numerator = _number(row.get("numerator"))

    if kind is Kind.FLAG:
        return Cell("ja" if value >= 0.5 else "nein", "value", value)
    if kind is Kind.MONEY:
        return Cell(fmt.euro(value), "value", value)
    if kind is Kind.MONEY_SHARE:
        return Cell(fmt.percent(value), "value", value)

    if kind is Kind.COUNT:
        count = round(value)
        if suppressed or 1 <= count < k:  # flagged upstream, or 1…k−1 unflagged (safety net)
            return HIDDEN
        if count == 0:
            return Cell(SIGN_ZERO, "zero", 0.0)
        return Cell(fmt.integer(count), "value", float(count))

    # shares, medians/percentiles, ratios: hidden when flagged or the base is too small
    if suppressed or (denominator is not None and denominator < k):
        return HIDDEN
    if kind is Kind.RATIO and numerator is not None and 1 <= numerator < k:
        return HIDDEN
    if kind is Kind.SHARE:
        return Cell(fmt.percent(value), "value", value)
    if kind is Kind.DAYS:
        return Cell(fmt.decimal_fixed(value, 1), "value", value)
    if kind is Kind.MONEY_PER_CASE:
        return Cell(fmt.euro(value), "value", value)
    return Cell(fmt.decimal_fixed(value, 1), "value", value)


# The legend of every report that shows figures: one sign for every hidden figure (the wording of
# German official statistics), zero, and "keine Angabe".
LEGEND_HIDDEN = "Zahlenwert unbekannt oder geheim zu halten"
LEGEND_ZERO = "genau null"
LEGEND_MISSING = "keine Angabe: Für diesen Monat liegt kein Wert vor, oder er wird nicht monatlich veröffentlicht."


def legend() -> list[tuple[str, str]]:
    """(sign, German explanation) for every sign a report may show in place of a number."""
    return [(SIGN_HIDDEN, LEGEND_HIDDEN), (SIGN_ZERO, LEGEND_ZERO), (SIGN_MISSING, LEGEND_MISSING)]


def publishable(items: Iterable[tuple[str, Cell]]) -> tuple[list[tuple[str, float]], list[str]]:
    """Split labelled cells into chart points (only publishable values) and the labels of the
    cells that were hidden (to be named under the chart). Missing cells are simply left out."""
    points: list[tuple[str, float]] = []
    omitted: list[str] = []
    for label, cell in items:
        if cell.hidden:
            omitted.append(label)
        elif cell.value is not None:
            points.append((label, cell.value))
    return points, omitted
