"""Containment (issue 16): one provider's bad data never stops the others' figures.

A delivery passes ingestion's checks row by row; the blocking contract and reference checks on
staging (warehouse.validation) can still fail, e.g. for rows changed after loading. Such a delivery
is *held*: its register state becomes 'held' and it is never current (raw.delivery_succession,
migration 0008), so its provider falls back to its last passing delivery (shown as stale in the
reports) and staging is rebuilt. The checks then pass for what is current, the marts and reports
of every provider are built, and `kim run` still exits 1 and names the held delivery.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kim.contract import TABLES
from warehouse.db import transaction
from warehouse.load import UPDATE_PROVIDER_STATES
from warehouse.models import build_staging
from warehouse.validation import CheckOutcome, record_outcomes, validate_staging

HOLD_DELIVERY = """
UPDATE raw.deliveries
SET state = 'held', rejection_rule = 'check_failed', rejection_file = NULL, rejection_line = NULL,
    rejection_message = ?
WHERE delivery_id = ?
"""
# Every round holds at least one more delivery, so this bounds the work even if every earlier
# delivery of a provider fails too.
MAX_ROUNDS = 12
FAILURES_NAMED = 3


@dataclass(frozen=True)
class HeldDelivery:
    delivery_id: str
    provider_id: str
    failures: str  # the failed checks in words (descriptions, no values)


def _failures(outcomes: list[CheckOutcome]) -> dict[tuple[str, str], list[CheckOutcome]]:
    failing: dict[tuple[str, str], list[CheckOutcome]] = {}
    for outcome in outcomes:
        if not outcome.success and outcome.severity == "error":
            failing.setdefault((outcome.delivery_id, outcome.provider_id), []).append(outcome)
    return failing


def _described(failed: list[CheckOutcome]) -> str:
    named = [f"{o.table}.{o.column}: {o.description} ({o.unexpected_count or 0} Zeilen)" for o in failed]
    more = f"; und {len(named) - FAILURES_NAMED} weitere" if len(named) > FAILURES_NAMED else ""
    return "Blockierende Prüfung fehlgeschlagen: " + "; ".join(named[:FAILURES_NAMED]) + more


def contain_failing_deliveries(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, int], list[HeldDelivery]]:
    """Build staging, validate every current delivery (outcomes kept in dq.check_results), hold the
    ones failing a blocking check and build staging again, until every current delivery passes.
    Returns the staging row counts and the deliveries held now."""
    held: list[HeldDelivery] = []
    counts = build_staging(con)
    for _ in range(MAX_ROUNDS):
        outcomes = [outcome for table in TABLES for outcome in validate_staging(con, table)]
        record_outcomes(con, outcomes)
        failing = _failures(outcomes)
        if not failing:
            break
        with transaction(con):
            for (delivery_id, provider_id), failed in sorted(failing.items()):
                message = _described(failed)
                con.execute(HOLD_DELIVERY, [message, delivery_id])
                con.execute(UPDATE_PROVIDER_STATES, [provider_id])
                held.append(HeldDelivery(delivery_id, provider_id, message))
        counts = build_staging(con)
    return counts, held
