"""„Das Wichtigste in Kürze“ of the monthly report (issue 19): a few plain German sentences written
from the published figures only: the size of the month, the largest changes against the previous
month, the targets, and the providers whose figures are missing or old."""

from __future__ import annotations

from reports.kit.targets import TargetLight, shown_value
from reports.kit.text import short_label
from reports.monthly.model import DeliveryNotice, KeyFigure
from reports.suppression import Kind, indicator_kind

CHANGES_SHOWN = 2
# a change worth a sentence: counts and days by at least 5 % of the earlier figure, shares by at
# least 2 percentage points
NOTABLE_RELATIVE = 0.05
NOTABLE_POINTS = 0.02


def _weight(figure: KeyFigure) -> float:
    """How large the change against the previous month is, comparable across kinds (0: none),
    from the two figures as printed (never from more digits than the page shows)."""
    now = shown_value(figure.cell)
    then = shown_value(figure.previous) if figure.previous else None
    if figure.change_previous is None or now is None or then is None or now == then:
        return 0.0
    kind = indicator_kind(figure.indicator_id)
    if kind in (Kind.SHARE, Kind.MONEY_SHARE):
        points = abs(now - then)
        return points / NOTABLE_POINTS if points >= NOTABLE_POINTS - 1e-9 else 0.0
    if then == 0:
        return 0.0
    relative = abs(now - then) / abs(then)
    return relative / NOTABLE_RELATIVE if relative >= NOTABLE_RELATIVE else 0.0


def _size(figures: dict[str, KeyFigure], month: str) -> list[str]:
    active, new = figures.get("cases_active"), figures.get("cases_new")
    if active is None or active.cell.value is None or active.cell.hidden:
        return []
    sentence = f"Im {month} wurden {active.cell.text} Fälle begleitet"
    if new is not None and new.cell.value is not None and not new.cell.hidden:
        sentence += f", {new.cell.text} davon kamen neu hinzu"
    return [sentence + "."]


def _changes(key_figures: list[KeyFigure], previous_month: str) -> list[str]:
    ranked = sorted((f for f in key_figures if _weight(f) > 0), key=_weight, reverse=True)[:CHANGES_SHOWN]
    out = []
    for figure in ranked:
        assert figure.change_previous is not None and figure.previous is not None
        unit = f" {figure.unit}" if figure.unit else ""
        out.append(
            f"{short_label(figure.indicator_id)}: {figure.cell.text}{unit}, {figure.change_previous.text} als im {previous_month} "
            f"({figure.previous.text}{unit})."
        )
    return out


def _targets(lights: list[TargetLight]) -> list[str]:
    judged = [light for light in lights if light.status != "not_shown"]
    if not judged:
        return []
    reached = sum(light.status == "reached" for light in judged)
    sentence = f"{reached} von {len(judged)} {'Ziel' if len(judged) == 1 else 'Zielen'} erreicht"
    if len(judged) < len(lights):
        sentence += f" ({len(lights) - len(judged)} weitere Kennzahl nicht ausgewiesen)"
    missed = [
        f"{short_label(light.indicator_id)} {_with_unit(light.cell.text, light.indicator_id)} ({light.word}; Ziel: {light.goal})"
        for light in judged
        if light.status != "reached"
    ]
    return [sentence + (". Nicht erreicht: " + "; ".join(missed) if missed else "") + "."]


def _with_unit(text: str, indicator_id: str) -> str:
    return f"{text} Tage" if indicator_kind(indicator_id) is Kind.DAYS else text


def _stale(notices: list[DeliveryNotice]) -> list[str]:
    if not notices:
        return []
    names = "; ".join(f"{n.provider_name}: {', '.join(n.reasons)}" for n in notices)
    return [f"Zum Datenstand (siehe unten): {names}."]


def summary(
    key_figures: list[KeyFigure], lights: list[TargetLight], notices: list[DeliveryNotice], *, month: str, previous_month: str
) -> list[str]:  # fmt: skip
    """The sentences, in reading order; empty when no figure of the month is published."""
    by_id = {figure.indicator_id: figure for figure in key_figures}
    return _size(by_id, month) + _changes(key_figures, previous_month) + _targets(lights) + _stale(notices)
