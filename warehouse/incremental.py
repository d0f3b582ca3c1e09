"""Which months of marts.indicator_values a change can affect, so a new delivery recomputes only
those (month partitions), and the bookkeeping of what the current figures rest on.

A delivery is a full snapshot. Between the delivery the figures were computed from and a
provider's new current delivery, DuckDB matches the rows on their keys; the earliest date a
difference takes effect from is the first month that can change (an indicator for month M depends
only on rows dated on or before end(M)): closing a case in October changes figures from October on,
not from the month the case opened. Months whose
delivery arrival or deadline status changed (delivery_on_time), new months, a new suppression k or
a changed programme configuration (FTE, budget, providers) are planned too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import polars as pl

from kim.config import ProgrammeConfig
from kim.contract import DELIVERY_DUE_DAYS, PRIMARY_KEYS, TABLES
from warehouse.db import fetch_polars, transaction
from warehouse.models import model_sql

LAYER = "incremental"
# For a changed value that is not a date: the date column(s) from which on it can change a figure
# ("*" = every other column of the table). A closing reason matters from the closing date, a
# need's status and unmet reason from its resolution, anything else about a case from its opening.
# An empty tuple: no indicator reads the column (caseloads come from assignments, not from the
# case's current case manager, which changes with every handover between colleagues). Whoever
# makes an indicator read such a column must give it an anchor here.
VALUE_ANCHORS: dict[str, dict[str, tuple[str, ...]]] = {
    "cases": {"closing_reason": ("closed_on",), "case_manager_id": (), "*": ("opened_on",)},
    "needs": {"status": ("resolved_on",), "unmet_reason": ("resolved_on",), "*": ("identified_on",)},
    "handovers": {"*": ("referred_on",)},
    "contacts": {"*": ("contact_on",)},
    "assignments": {"*": ("assigned_from", "assigned_to")},
    "status_changes": {"*": ("changed_on",)},
}
REPLACE_INPUTS = """
DELETE FROM marts.indicator_build_inputs;
INSERT INTO marts.indicator_build_inputs
SELECT provider_id, delivery_id FROM raw.deliveries WHERE state = 'accepted';
DELETE FROM marts.indicator_build_arrivals;
INSERT INTO marts.indicator_build_arrivals
SELECT provider_id, period, min(received_at) FROM raw.deliveries WHERE state <> 'rejected' GROUP BY ALL;
"""


@dataclass(frozen=True)
class RecomputePlan:
    """Months to recompute (first..last, inclusive), or none. `full` when every month must go."""

    first_period: str | None
    last_period: str | None
    full: bool
    reasons: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return self.first_period is None

    def covered_by(self, first_period: str | None, last_period: str | None) -> bool:
        """Does recomputing first_period..last_period (None = open end) settle this plan?"""
        if self.first_period is None or self.last_period is None:
            return True
        return (first_period is None or first_period <= self.first_period) and (
            last_period is None or last_period >= self.last_period
        )

    def describe(self) -> str:
        if self.empty:
            return "nothing changed since the last indicator build"
        span = f"{self.first_period}..{self.last_period}"
        return f"{'full rebuild' if self.full else 'recompute'} {span}: " + "; ".join(self.reasons)


def config_fingerprint(config: ProgrammeConfig) -> str:
    """What of the configuration the indicators use: providers, their kind and FTE, the budget."""
    content = {
        "providers": {
            p.id: {"kind": p.kind, "fte": {str(y): f for y, f in sorted(p.fte.items())}}
            for p in config.providers.values()
        },
        "budget": {str(y): figures for y, figures in sorted(config.budget.items())},
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def _period_of(day: date | datetime) -> str:
    return f"{day.year:04d}-{day.month:02d}"


# Values compared through what the indicators read of them: a handover's outcome matters only as
# "declined or not attended" (pending handovers, the Kaplan-Meier cohort); offen -> erfolgreich
# comes with a first contact date, which is compared as a date.
COMPARED_AS: dict[tuple[str, str], str] = {
    ("handovers", "outcome"): "{side}.outcome IN ('abgelehnt', 'nicht_wahrgenommen')",
}


def earliest_changed_date_sql(table: str) -> str:
    """earliest_changed_date.sql for one table; every name comes from exchange_format.TABLES."""
    columns = [column.name for column in TABLES[table]]
    dates = [column.name for column in TABLES[table] if column.type == "date"]
    anchors = VALUE_ANCHORS[table]

    def both(names: tuple[str, ...] | list[str]) -> str:
        return ", ".join(f"{side}.{name}" for name in names for side in ("n", "o"))

    takes_effect_from = {name: (name,) if name in dates else anchors.get(name, anchors["*"]) for name in columns}

    def compared(name: str, side: str) -> str:
        return COMPARED_AS.get((table, name), "{side}." + name).format(side=side)

    changed = [
        f"CASE WHEN {compared(name, 'n')} IS DISTINCT FROM {compared(name, 'o')} THEN least({both(anchor)}) END"
        for name, anchor in takes_effect_from.items()
        if anchor
    ]
    return model_sql(LAYER, "earliest_changed_date").format(
        table=table,
        columns=", ".join(f"r.{name}" for name in columns),
        join=" AND ".join(f"n.{key} = o.{key}" for key in PRIMARY_KEYS[table]),
        inserted="least(" + ", ".join(f"n.{name}" for name in dates) + ")",
        deleted="least(" + ", ".join(f"o.{name}" for name in dates) + ")",
        changed=", ".join(changed),
    )


def _earliest_changed_date(con: duckdb.DuckDBPyConnection, changed: pl.DataFrame) -> date | None:
    con.register("changed_inputs", changed.to_arrow())
    try:
        queries = [earliest_changed_date_sql(table) for table in TABLES]
        queries.append(model_sql(LAYER, "earliest_changed_case_aggregate"))
        found = [con.execute(sql).fetchall()[0][0] for sql in queries]
        found = [day for day in found if day is not None]
        return min(found) if found else None
    finally:
        con.unregister("changed_inputs")


def plan_indicator_recompute(con: duckdb.DuckDBPyConnection, fingerprint: str, k: int) -> RecomputePlan:
    """Compare raw.* with what marts.indicator_values was last computed from (raw only, so the
    plan can be made before staging and marts are rebuilt)."""
    first_delivered, last_delivered = con.execute(model_sql(LAYER, "delivered_periods")).fetchall()[0]
    if first_delivered is None:
        return RecomputePlan(None, None, False, ())
    builds = con.execute(model_sql(LAYER, "last_build")).fetchall()
    last_build = builds[0] if builds else None
    full_reason = None
    if last_build is None:
        full_reason = "first indicator build"
    else:
        built_at, built_k, built_fingerprint, built_first, built_last = last_build
        if built_k != k:
            full_reason = f"suppression k changed from {built_k} to {k}"
        elif built_fingerprint != fingerprint:
            full_reason = "programme configuration changed (providers, FTE or budget)"
    if full_reason:
        return RecomputePlan(first_delivered, last_delivered, True, (full_reason,))

    starts: list[tuple[str, str]] = []  # (first affected period, why)
    if built_first is None or first_delivered < built_first:
        starts.append((first_delivered, f"deliveries from {first_delivered} on"))
    if built_last is None or last_delivered > built_last:
        starts.append(
            (_next_period(built_last) if built_last else first_delivered, f"new months up to {last_delivered}")
        )
    changed = fetch_polars(con, model_sql(LAYER, "changed_inputs"))
    if changed.height:
        earliest = _earliest_changed_date(con, changed)
        providers = ", ".join(sorted(changed["provider_id"].to_list()))
        if earliest is not None:
            starts.append(
                (_period_of(earliest), f"new deliveries of {providers} change data from {earliest:%d.%m.%Y} on")
            )
    for (period,) in con.execute(
        model_sql(LAYER, "changed_arrival_periods"), {"last_built": built_at, "delivery_due_days": DELIVERY_DUE_DAYS}
    ).fetchall():
        starts.append((period, f"delivery arrival or deadline of {period}"))
    starts = [(max(period, first_delivered), why) for period, why in starts if period <= last_delivered]
    if not starts:
        return RecomputePlan(None, None, False, ())
    first = min(period for period, _ in starts)
    return RecomputePlan(first, last_delivered, first == first_delivered, tuple(why for _, why in sorted(starts)))


def _next_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def record_indicator_build(
    con: duckdb.DuckDBPyConnection,
    plan: RecomputePlan,
    fingerprint: str,
    k: int,
    first_period: str | None,
    last_period: str | None,
) -> None:
    """After first_period..last_period were recomputed: if that settles `plan`, remember what the
    figures now rest on, so the next plan starts from here. Otherwise (a part of the plan is still
    open) only the build is logged and the next plan still includes the open months."""
    settled = plan.covered_by(first_period, last_period)
    with transaction(con):
        if settled:
            con.execute(REPLACE_INPUTS)
        con.execute(
            model_sql(LAYER, "record_build"),
            {
                "first_period": first_period,
                "last_period": last_period,
                "full_rebuild": settled and plan.full,
                "settled": settled,
                "k": k,
                "fingerprint": fingerprint,
                "reasons": plan.describe() if settled else f"partial recompute; still open: {plan.describe()}",
            },
        )
