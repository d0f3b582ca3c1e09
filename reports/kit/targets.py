"""Targets as traffic lights (issue 19): the programme's targets (config `targets:`, in the warehouse
as marts.dim_indicator_targets) against a published figure, with the rule written out next to the
light. The light is read from the figure as printed (rounded as shown), and a figure the report does
not print ("•") gets no light: a colour must never tell what the sign hides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reports import labels
from reports.kit import formatting as fmt
from reports.kit.downloads import number_of
from reports.kit.sql import KIT
from reports.suppression import Cell, Kind, indicator_kind
from transforms.indicators.registry import INDICATORS_BY_ID

# status -> (symbol, German word, css class); the word carries the meaning, colour only helps
LIGHTS = {
    "reached": ("●", "erreicht", "target-green"),
    "close": ("●", "knapp verfehlt", "target-amber"),
    "missed": ("●", "verfehlt", "target-red"),
    "not_shown": ("○", "nicht ausgewiesen", "target-none"),
}
# the kinds of figure a target can apply to
TARGET_KINDS = (Kind.SHARE, Kind.DAYS, Kind.RATIO, Kind.COUNT, Kind.MONEY_SHARE)


@dataclass(frozen=True)
class Target:
    indicator_id: str
    bound: str  # at_least | at_most
    value: float
    tolerance: float = 0.0


@dataclass(frozen=True)
class TargetLight:
    indicator_id: str
    label: str
    cell: Cell
    goal: str  # 'mindestens 80 %'
    rule: str  # the goal and what counts as "knapp verfehlt"
    status: str

    @property
    def symbol(self) -> str:
        return LIGHTS[self.status][0]

    @property
    def word(self) -> str:
        return LIGHTS[self.status][1]

    @property
    def css_class(self) -> str:
        return LIGHTS[self.status][2]


def load_targets(con: Any) -> list[Target]:
    """The configured targets; ValueError naming an indicator the registry does not know or one
    without a figure to compare (an amount is no target here)."""
    if not KIT.run(con, "has_targets")[0]["found"]:
        return []
    rows = KIT.run(con, "indicator_targets")
    targets = [Target(r["indicator_id"], r["bound"], float(r["target"]), float(r["tolerance"] or 0)) for r in rows]
    for target in targets:
        if target.indicator_id not in INDICATORS_BY_ID:
            raise ValueError(
                f"Die Konfiguration (KIM_CONFIG) nennt unter targets die unbekannte Kennzahl {target.indicator_id!r}: "
                "korrigieren Sie den Namen (docs/indicators.md listet alle)."
            )
        if indicator_kind(target.indicator_id) not in TARGET_KINDS:
            raise ValueError(
                f"Die Konfiguration (KIM_CONFIG) setzt ein Ziel für {target.indicator_id}, das keine Quote, Zahl oder Dauer ist."
            )
    return targets


def _amount(value: float, kind: Kind, *, difference: bool = False) -> str:
    if kind in (Kind.SHARE, Kind.MONEY_SHARE):
        points = value * 100
        number = fmt.decimal(points, 1)
        return f"{number} %-Punkte" if difference else f"{number} %"
    if kind is Kind.DAYS:
        return f"{fmt.decimal(value, 1)} Tage"
    return fmt.decimal(value, 1)


def goal_text(target: Target) -> str:
    """'mindestens 80 %'."""
    kind = indicator_kind(target.indicator_id)
    return f"{'mindestens' if target.bound == 'at_least' else 'höchstens'} {_amount(target.value, kind)}"


def rule_text(target: Target) -> str:
    """'mindestens 80 %; knapp verfehlt bis 5 %-Punkte darunter'."""
    kind = indicator_kind(target.indicator_id)
    rule = goal_text(target)
    if target.tolerance:
        side = "darunter" if target.bound == "at_least" else "darüber"
        rule += f"; knapp verfehlt bis {_amount(target.tolerance, kind, difference=True)} {side}"
    return rule


def shown_value(cell: Cell) -> float | None:
    """The value a reader reads off the printed text ('12,5 %' -> 0.125): a light or a summary
    judged on it can never say more than the rounding the page prints (and the audit assumes)."""
    if cell.hidden or cell.status not in ("value", "zero"):
        return None
    parsed = number_of(cell.text)
    return None if parsed is None else parsed[0]


def status_of(target: Target, cell: Cell) -> str:
    shown = shown_value(cell)
    if shown is None:
        return "not_shown"
    off = target.value - shown if target.bound == "at_least" else shown - target.value
    if off <= 1e-9:
        return "reached"
    return "close" if off <= target.tolerance + 1e-9 else "missed"


def target_lights(targets: list[Target], cell_of: Callable[[str], Cell]) -> list[TargetLight]:
    """One light per target, in the configured order; `cell_of`: the printed city-wide figure."""
    return [
        TargetLight(
            t.indicator_id, labels.indicator_label(t.indicator_id), cell, goal_text(t), rule_text(t), status_of(t, cell)
        )
        for t in targets
        for cell in [cell_of(t.indicator_id)]
    ]
