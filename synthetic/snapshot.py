"""A provider's full snapshot as of a day: the history filtered and masked with Polars.

Only facts dated on or before `as_of` are visible; events after it (closing, resolution, first
contact, end of an assignment) are masked to the state they had on `as_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from kim.contract import column_names
from synthetic.needs import HANDOVER_DECIDED_ON, NEED_REFERRED_ON


def snapshot(history: dict[str, pl.DataFrame], as_of: date) -> dict[str, pl.DataFrame]:
    """Exchange-format tables as the provider's system shows them at the end of `as_of`."""
    day = pl.lit(as_of)
    return {table: _SNAPSHOTS[table](history, day).select(column_names(table)) for table in history}


def _visible_until(column: str, day: pl.Expr) -> pl.Expr:
    """The column where its date has passed, else null."""
    return pl.when(pl.col(column) <= day).then(pl.col(column)).alias(column)


def _current_case_managers(assignments: pl.DataFrame, day: pl.Expr) -> pl.DataFrame:
    # History assignments are sorted by case and start, so the last visible one is current.
    return (
        assignments.filter(pl.col("assigned_from") <= day)
        .group_by("case_id", maintain_order=True)
        .agg(pl.col("case_manager_id").last())
    )


def _cases(history: dict[str, pl.DataFrame], day: pl.Expr) -> pl.DataFrame:
    closed = pl.col("closed_on") <= day
    return (
        history["cases"]
        .filter(pl.col("opened_on") <= day)
        .join(_current_case_managers(history["assignments"], day), on="case_id", how="left", maintain_order="left")
        .with_columns(
            _visible_until("closed_on", day),
            pl.when(closed).then(pl.col("closing_reason")).alias("closing_reason"),
        )
    )


def _needs(history: dict[str, pl.DataFrame], day: pl.Expr) -> pl.DataFrame:
    resolved = pl.col("resolved_on") <= day
    return (
        history["needs"]
        .filter(pl.col("identified_on") <= day)
        .with_columns(
            pl.when(resolved)
            .then(pl.col("status"))
            .when(pl.col(NEED_REFERRED_ON) <= day)
            .then(pl.lit("in_bearbeitung"))
            .otherwise(pl.lit("offen"))
            .alias("status"),
            _visible_until("resolved_on", day),
            pl.when(resolved).then(pl.col("unmet_reason")).alias("unmet_reason"),
        )
    )


def _handovers(history: dict[str, pl.DataFrame], day: pl.Expr) -> pl.DataFrame:
    decided = pl.col(HANDOVER_DECIDED_ON) <= day
    return (
        history["handovers"]
        .filter(pl.col("referred_on") <= day)
        .with_columns(
            pl.when(decided).then(pl.col("outcome")).otherwise(pl.lit("offen")).alias("outcome"),
            _visible_until("first_contact_on", day),
        )
    )


def _contacts(history: dict[str, pl.DataFrame], day: pl.Expr) -> pl.DataFrame:
    return history["contacts"].filter(pl.col("contact_on") <= day)


def _assignments(history: dict[str, pl.DataFrame], day: pl.Expr) -> pl.DataFrame:
    return (
        history["assignments"].filter(pl.col("assigned_from") <= day).with_columns(_visible_until("assigned_to", day))
    )


def _status_changes(history: dict[str, pl.DataFrame], day: pl.Expr) -> pl.DataFrame:
    return history["status_changes"].filter(pl.col("changed_on") <= day)


_SNAPSHOTS: dict[str, Callable[[dict[str, pl.DataFrame], pl.Expr], pl.DataFrame]] = {
    "cases": _cases,
    "needs": _needs,
    "handovers": _handovers,
    "contacts": _contacts,
    "assignments": _assignments,
    "status_changes": _status_changes,
}
