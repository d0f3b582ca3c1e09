"""The disclosure audit on the warehouse (design §6): the release read from
marts.indicator_values and marts.indicator_values_yearly, the public quantities from the
configured FTE and budget, the audit of transforms.disclosure for the outside reader and every
case-delivering provider as an insider, and the result in dq.disclosure_audits (one row per run)
and dq.disclosure_audit_cells (the newest run's intervals).

The release is every row of both tables as marts.indicator_publication says it is published
(warehouse.disclosure_protection): published rows are known to the reader, hidden ones show "•",
unpublished ones are not printed anywhere (the reports read only the published_* views).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb
import polars as pl

from kim.contract import TABLES_BY_PROVIDER_KIND
from kim.settings import audit_budget_seconds
from transforms.disclosure import ENGINE_VERSION, RESULT_SCHEMA, AuditResult, audit_release
from transforms.disclosure.block import BUDGET_METHOD
from transforms.disclosure.cells import CELL_KEY
from transforms.disclosure.history import History
from transforms.disclosure.protect import PRINTED_COLUMNS
from transforms.indicators import KINDS
from warehouse.db import fetch_polars, transaction
from warehouse.disclosure_cache import load_block_cache, save_block_cache
from warehouse.migrate import release_cached_pages
from warehouse.releases import approved_history

# Each marts row as published (marts.indicator_publication; a row the protection step has not seen
# falls back to its own suppressed flag): hidden shows "•", unpublished is not printed at all.
SELECT_RELEASE = """
WITH v AS (
    SELECT * FROM marts.indicator_values
    UNION ALL
    SELECT * FROM marts.indicator_values_yearly
)
SELECT v.indicator_id, v.period, v.provider_id, v.dimension, v.dimension_value, v.value, v.numerator, v.denominator,
       coalesce(p.status = 'hidden', v.suppressed) AS suppressed,
       coalesce(p.status = 'unpublished', false) AS unpublished,
       coalesce(p.status = 'unpublished' AND p.reason = 'protection', false) AS withdrawn
FROM v
LEFT JOIN marts.indicator_publication p USING (indicator_id, period, provider_id, dimension, dimension_value)
"""
# funded_fte per provider and year; period_cost = the unit's actual cost of the year x the
# period's months / 12 (a month 1/12; a year its delivered months), as observations_period_budget.
SELECT_PUBLIC = """
WITH periods AS (
    SELECT period, year(period_end) AS year, 1 AS months FROM marts.dim_periods
    UNION ALL
    SELECT strftime(min(period_start), '%Y'), year(max(period_end)), count(*)
    FROM marts.dim_periods GROUP BY year(period_start)
)
SELECT 'funded_fte' AS quantity, CAST(year AS VARCHAR) AS period, provider_id, funded_fte AS value
FROM marts.dim_provider_years WHERE funded_fte > 0
UNION ALL
SELECT 'period_cost', p.period, b.provider_id, b.actual_cost * p.months / 12
FROM periods p JOIN marts.fct_budget_allocation b ON b.year = p.year
"""
SELECT_PROVIDERS = "SELECT provider_id, provider_kind FROM marts.dim_providers ORDER BY provider_id"

# Kinds whose numerator and base are counts of people, cases, needs or handovers.
COUNT_CELL_KINDS = ("count", "ratio", "share", "median", "per_case")
CELL_COLUMNS = ("indicator_id", "period", "provider_id", "dimension", "dimension_value", "column", "true_value", "status", "value")  # fmt: skip


def release_cells(values: pl.DataFrame) -> pl.DataFrame:
    """The cells of the release from marts rows (indicator_id … denominator, suppressed, and
    optionally unpublished), as the reports print them: a count prints its count (PRINTED_COLUMNS),
    published or hidden ("•") as the row is; every other count column (the numerator and base of a
    share, median, ratio or cost per case) is unprinted, its row's figure printed unless hidden; an
    unpublished row prints nothing (withdrawn by the protection: its counts stay audit targets).
    Amounts and flags have no count cells."""
    for flag in ("unpublished", "withdrawn"):
        if flag not in values.columns:
            values = values.with_columns(pl.lit(False).alias(flag))
    kinds = pl.col("indicator_id").replace_strict(KINDS, default=None)
    long = values.with_columns(kind=kinds).unpivot(
        on=["numerator", "denominator"],
        index=[*CELL_KEY[:5], "value", "suppressed", "unpublished", "withdrawn", "kind"],
        variable_name="column",
        value_name="true_value",
    )
    printed = pl.lit(False)
    for kind, columns in PRINTED_COLUMNS.items():
        printed = printed | ((pl.col("kind") == kind) & pl.col("column").is_in(list(columns)))
    return (
        long.filter(pl.col("true_value").is_not_null() & pl.col("kind").is_in(list(COUNT_CELL_KINDS)))
        .with_columns(
            status=pl.when(pl.col("withdrawn") & printed)
            .then(pl.lit("withdrawn"))
            .when(pl.col("unpublished") | ~printed)
            .then(pl.lit("unprinted"))
            .when(pl.col("suppressed"))
            .then(pl.lit("hidden"))
            .otherwise(pl.lit("published")),
            value=pl.when(pl.col("suppressed") | pl.col("unpublished")).then(None).otherwise(pl.col("value")),
        )
        .select(*CELL_COLUMNS)
    )


def insiders(con: duckdb.DuckDBPyConnection, cells: pl.DataFrame) -> tuple[str, ...]:
    """Every provider that delivers cases and has cells in the release."""
    present = set(cells["provider_id"].unique().to_list())
    rows = con.execute(SELECT_PROVIDERS).fetchall()
    return tuple(
        provider for provider, kind in rows if provider in present and "cases" in TABLES_BY_PROVIDER_KIND.get(kind, ())
    )


REPLACE_CELLS = """
INSERT INTO dq.disclosure_audit_cells
SELECT $audited_at, reader, indicator_id, period, provider_id, dimension, dimension_value, "column",
       true_value, lower, upper, width, protected, method, binding
FROM audit_cells
"""
INSERT_RUN = """
INSERT INTO dq.disclosure_audits VALUES
    ($audited_at, $k, $readers, $cells, $hidden, $constraints, $dropped, $targets, $unprotected, $passed,
     $seconds, $details, $fingerprint)
"""
SELECT_LAST_RUN = """
SELECT audited_at, passed, details, release_fingerprint FROM dq.disclosure_audits
ORDER BY audited_at DESC LIMIT 1
"""
SELECT_STORED_CELLS = """
SELECT reader, indicator_id, period, provider_id, dimension, dimension_value, count_column AS "column",
       true_value, lower_bound AS lower, upper_bound AS upper, width, protected, method,
       NULL::BIGINT AS block, binding
FROM dq.disclosure_audit_cells
"""


def store(con: duckdb.DuckDBPyConnection, result: AuditResult, audited_at: datetime, fingerprint: str = "") -> None:
    """The run's summary row, and its cells instead of the previous run's, in one transaction."""
    counts = result.counts
    parameters = {
        "audited_at": audited_at,
        "k": result.k,
        "readers": len(counts["readers"]),
        "cells": counts["cells"],
        "hidden": counts["hidden"],
        "constraints": counts["rows"],
        "dropped": sum(counts["dropped_by_kind"].values()),
        "targets": counts["targets"],
        "unprotected": counts["unprotected"],
        "passed": result.passed,
        "seconds": result.seconds["total"],
        "details": json.dumps({"counts": counts, "seconds": result.seconds}, sort_keys=True),
        "fingerprint": fingerprint,
    }
    con.register("audit_cells", result.cells.drop("block").to_arrow())
    try:
        with transaction(con):
            con.execute("DELETE FROM dq.disclosure_audit_cells")
            con.execute(REPLACE_CELLS, {"audited_at": audited_at})
            con.execute(INSERT_RUN, parameters)
    finally:
        con.unregister("audit_cells")


def release_fingerprint(
    cells: pl.DataFrame, public: pl.DataFrame, k: int, readers: tuple[str, ...], history: History | None = None
) -> str:
    """What an audit result depends on, as a hash: the engine version, the release's cells, the
    public quantities, k, the insiders (order-independent) and the earlier releases."""
    digest = hashlib.sha256(f"engine={ENGINE_VERSION}|k={k}|readers={','.join(sorted(readers))}|".encode())
    earlier = () if history is None else (history.cells, history.public)
    digest_frames(digest, (cells, public, *earlier))
    return digest.hexdigest()


def digest_frames(digest: Any, frames: Iterable[pl.DataFrame]) -> None:
    """Add each frame to the hash, independent of its row order."""
    for frame in frames:
        ordered = frame.sort(frame.columns, nulls_last=True)
        digest.update(ordered.hash_rows(seed=0).to_numpy().tobytes())
        digest.update(str(ordered.height).encode())


def _stored_result(con: duckdb.DuckDBPyConnection, fingerprint: str, k: int) -> AuditResult | None:
    """The newest stored audit, if it audited exactly this release."""
    last = con.execute(SELECT_LAST_RUN).fetchall()
    if not last or last[0][3] != fingerprint:
        return None
    _, passed, details, _ = last[0]
    stored = json.loads(details or "{}")
    cells = fetch_polars(con, SELECT_STORED_CELLS).cast(RESULT_SCHEMA)
    seconds = {"total": 0.0, "reused": 1.0}
    return AuditResult(cells=cells, passed=bool(passed), k=k, counts=stored.get("counts", {}), seconds=seconds)


def distinct_unprotected(result: AuditResult) -> int:
    """Hidden counts narrowed below k by at least one reader (each counted once)."""
    return result.unprotected.select(CELL_KEY).unique().height


def current_release(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The release in the warehouse as the audit reads it: its cells and public quantities."""
    return release_cells(fetch_polars(con, SELECT_RELEASE)), fetch_polars(con, SELECT_PUBLIC)


def run_disclosure_audit(
    con: duckdb.DuckDBPyConnection, k: int, *, exact: bool = False, max_seconds: float | None = None
) -> AuditResult:
    """Audit the release in the warehouse for the outside reader and every case-delivering
    provider as an insider; store and return the result. The verdict is design §6's: the
    reader's interval by linear programming, its bounds rounded inwards to integers (counts are
    integers). `exact=True`: the integer interval itself (integer programming, within
    transforms.disclosure.block's time limits: slower, and a bound not proven in time counts as
    unprotected). A release that was audited before, unchanged, gets the stored result back.
    Every approved release (warehouse.releases) is part of what the reader holds. The audit stops
    starting LPs after `max_seconds` (default: KIM_AUDIT_SECONDS); every figure not proven by then
    counts as unprotected (method 'budget'), and such a result is never reused."""
    audited_at = datetime.now(UTC)
    cells, public = current_release(con)
    history = approved_history(con)
    readers = insiders(con, cells)
    fingerprint = release_fingerprint(cells, public, k, readers, history) + (":integer" if exact else ":lp")
    stored = _stored_result(con, fingerprint, k)
    if stored is not None:
        return stored
    budget = audit_budget_seconds() if max_seconds is None else max_seconds
    cache = load_block_cache(con)  # the protection's last round solved most of the same blocks
    release_cached_pages(con)  # from here on the memory goes to the reader's system
    result = audit_release(
        cells,
        public,
        k,
        insiders=readers,
        exact=exact,
        lp_only=not exact,
        history=history,
        cache=cache,
        deadline=time.time() + budget,
    )
    save_block_cache(con, cache)
    result.counts["blocks"] = cache.figures
    cut_off = bool(result.counts.get("unread")) or bool((result.cells["method"] == BUDGET_METHOD).any())
    store(con, result, audited_at, fingerprint + (":cut-off" if cut_off else ""))
    return result
