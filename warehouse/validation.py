"""Validate staging: the contract suites (GX, errors), references (SQL, errors) and shifts between
consecutive deliveries (SQL, warnings), one delivery at a time — each provider's current one.
Every outcome is kept in dq.check_results."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

import duckdb
import polars as pl

from checks.contract import ContractRule, contract_rules
from checks.contract_sql import rule_query
from checks.manifest import local_export_date
from checks.sql_checks import (
    CODE_COUNTS_SQL,
    NEED_BEFORE_CASE_SQL,
    ORPHANS_SQL,
    PREVIOUS_DELIVERY_SQL,
    REFERENCE_CHECKS,
    ROW_COUNTS_SQL,
)
from kim.contract import PRIMARY_KEYS, TABLES
from warehouse.check_outcome import CheckOutcome, column_of
from warehouse.db import exists, fetch_polars, fetch_scalar
from warehouse.validation_gx import validate_deliveries, validate_rows

ROW_DROP_WARNING = 0.20  # a delivery with 20 % fewer rows than the one before
SHARE_JUMP_WARNING = 0.15  # a code value's share moving by 15 percentage points
SHARE_JUMP_MIN_ROWS = 30  # below this, shares jump by chance

CURRENT_DELIVERIES_SQL = (
    "SELECT delivery_id, provider_id, exported_at FROM staging.current_deliveries ORDER BY provider_id"
)
# Rows of one delivery in a staging table (the table name comes from exchange_format.TABLES).
DELIVERY_ROWS_SQL = (
    "SELECT * EXCLUDE (delivery_id, provider_id, source_row) FROM staging.{table} WHERE delivery_id = ? "
    "ORDER BY source_row"
)
# The rows of several deliveries for one GX suite run, each delivery's in the order of DELIVERY_ROWS_SQL.
DELIVERIES_ROWS_SQL = """
SELECT * EXCLUDE (provider_id, source_row) FROM staging.{table}
WHERE delivery_id IN (SELECT unnest(?)) ORDER BY delivery_id, source_row
"""
DATA_VERSION_SQL = """
SELECT sha256(? || ':' || coalesce(sum(hash(t)), 0)::VARCHAR) FROM staging.{table} t WHERE t.delivery_id = ?
"""
# The same data version for many deliveries of a table in one scan (grouped DATA_VERSION_SQL).
DATA_VERSIONS_SQL = """
SELECT t.delivery_id, sha256(t.delivery_id || ':' || coalesce(sum(hash(t)), 0)::VARCHAR)
FROM staging.{table} t WHERE t.delivery_id IN (SELECT unnest(?)) GROUP BY t.delivery_id
"""
# From this many deliveries of a table to validate at once (a first load, tier L), the contract's
# rules run as one SQL batch per rule (checks.contract_sql, equal to the GX suite rule by rule)
# instead of one GX suite run over all of them (its pandas frame would hold every row).
GX_MAX_DELIVERIES = 25
ENGINES = ("auto", "gx", "gx_batch", "batch", "sql")  # validate_staging
# Rows of one GX suite run over several deliveries (a delivery is never split): bounds the pandas
# frame, which GX copies for rules with a row condition (a large city's first load: 13 providers'
# contacts at once).
GX_BATCH_ROWS = 250_000
ROWS_PER_DELIVERY_SQL = (
    "SELECT delivery_id, count(*) FROM staging.{table} WHERE delivery_id IN (SELECT unnest(?)) GROUP BY ALL"
)
RESULT_IS_RECORDED = "SELECT 1 FROM dq.check_results WHERE data_version = ? AND suite_name = ? LIMIT 1"
RECORDED_OUTCOMES = """
SELECT delivery_id, provider_id, expectation, column_name, description, severity, success, observed_value,
       unexpected_count, element_count, sample_keys, duration_ms
FROM dq.check_results WHERE data_version = ? AND suite_name = ?
ORDER BY expectation, column_name
"""
# Outcomes go in as one Arrow frame (`new_results`): row by row took 13 s for tier L's 6,000
# outcomes of one table.
RESULT_COLUMNS: dict[str, pl.DataType] = {
    "data_version": pl.String(),
    "delivery_id": pl.String(),
    "provider_id": pl.String(),
    "table_name": pl.String(),
    "suite_name": pl.String(),
    "expectation": pl.String(),
    "column_name": pl.String(),
    "description": pl.String(),
    "severity": pl.String(),
    "success": pl.Boolean(),
    "observed_value": pl.String(),
    "unexpected_count": pl.Int64(),
    "element_count": pl.Int64(),
    "sample_keys": pl.List(pl.String),
    "duration_ms": pl.Float64(),
}
RESULT_SCHEMA = pl.Schema(RESULT_COLUMNS)
INSERT_RESULTS = f"""
INSERT INTO dq.check_results (checked_at, {", ".join(RESULT_SCHEMA)})
SELECT now(), {", ".join(RESULT_SCHEMA)} FROM new_results
"""


def validate_delivery_sql(
    con: duckdb.DuckDBPyConnection, table: str, delivery_id: str, provider_id: str, export_date: date
) -> list[CheckOutcome]:
    """The contract's rules in DuckDB on one delivery's rows of a staging table (`kim check`: no GX
    to import, no rows to move), nothing reused or recorded."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE delivery_rows AS {DELIVERY_ROWS_SQL.format(table=table)}", [delivery_id])
    return validate_rows_sql(con, "delivery_rows", table, delivery_id, provider_id, export_date)


def _recorded_for_version(
    con: duckdb.DuckDBPyConnection, table: str, version: str, export_date: date
) -> list[CheckOutcome] | None:
    suite_name = f"contract_{table}"
    rows = con.execute(RECORDED_OUTCOMES, [version, suite_name]).fetchall()
    if not rows:
        return None
    rules = sorted((rule.kind, column_of(rule.kwargs)) for rule in contract_rules(table, export_date))
    if sorted((row[2], row[3]) for row in rows) != rules:
        return None
    return [
        CheckOutcome(
            delivery_id=row[0],
            provider_id=row[1],
            table=table,
            suite_name=suite_name,
            expectation=row[2],
            column=row[3],
            description=row[4] or "",
            severity=row[5],
            success=row[6],
            observed_value=row[7],
            unexpected_count=row[8],
            element_count=row[9],
            sample_keys=list(row[10] or []),
            duration_ms=row[11] or 0.0,
        )
        for row in rows
    ]


def validate_rows_sql(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    table: str,
    delivery_id: str,
    provider_id: str,
    export_date: date,
    rules: list[ContractRule] | None = None,
) -> list[CheckOutcome]:
    """The contract's rules as DuckDB SQL (checks.contract_sql) on `relation` (a table or view of
    one delivery's rows of `table`, named by the caller): the verdicts of `validate_rows` without
    Great Expectations, for `kim check`."""
    return _sql_rule_outcomes(con, relation, table, {delivery_id: provider_id}, export_date, None, rules)


def _sql_rule_outcomes(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    table: str,
    deliveries: dict[str, str],
    export_date: date,
    group: str | None,
    rules: list[ContractRule] | None = None,
) -> list[CheckOutcome]:
    """Per rule and delivery (delivery_id -> provider_id) its outcome; `group`: the column of
    `relation` holding the delivery (None: the relation is the one delivery's rows)."""
    key = PRIMARY_KEYS[table][0]
    outcomes = []
    for rule in contract_rules(table, export_date) if rules is None else rules:
        started = time.perf_counter()
        query = rule_query(rule, relation, key, group)
        observed, found = None, {}
        if query.type_check is not None:
            observed = str(fetch_scalar(con, query.sql))
        else:
            found = {batch: rest for batch, *rest in con.execute(query.sql, query.parameters).fetchall()}
        milliseconds = (time.perf_counter() - started) * 1000 / max(len(deliveries), 1)
        for delivery_id, provider_id in deliveries.items():
            elements, unexpected, samples = found.get(delivery_id if group else None, (0, 0, []))
            typed = query.type_check is not None
            outcomes.append(
                CheckOutcome.of_rule(
                    rule,
                    table,
                    delivery_id,
                    provider_id,
                    success=(observed in (query.type_check or ())) if typed else unexpected == 0,
                    observed_value=observed,
                    unexpected_count=None if typed else unexpected,
                    element_count=None if typed else elements,
                    sample_keys=[str(sample) for sample in samples or []],
                    duration_ms=milliseconds,
                )
            )
    return outcomes


def _validate_batch(
    con: duckdb.DuckDBPyConnection, table: str, deliveries: list[tuple[str, str, date]]
) -> list[CheckOutcome]:
    """The contract on many deliveries of `table` at once: one SQL query per rule and export date
    (the rules' date bounds) over the staging table, grouped by delivery. Staging holds only
    current deliveries, so reading it whole costs less than copying the ones wanted."""
    by_date: dict[date, dict[str, str]] = {}
    for delivery_id, provider_id, export_date in deliveries:
        by_date.setdefault(export_date, {})[delivery_id] = provider_id
    outcomes: list[CheckOutcome] = []
    for export_date, batch in sorted(by_date.items()):
        outcomes += _sql_rule_outcomes(con, f"staging.{table}", table, batch, export_date, "delivery_id")
    return outcomes


def _sql_outcomes(
    frame: pl.DataFrame, table: str, suite: str, expectation: str, column: str, text: str, severity: str = "error"
) -> list[CheckOutcome]:
    return [
        CheckOutcome(
            delivery_id=row["delivery_id"],
            provider_id=row["provider_id"],
            table=table,
            suite_name=suite,
            expectation=expectation,
            column=column,
            description=text,
            severity=severity,
            success=row["unexpected"] == 0,
            unexpected_count=row["unexpected"],
            element_count=row["total"],
            sample_keys=list(row["samples"] or []),
        )
        for row in frame.iter_rows(named=True)
    ]


def reference_outcomes(con: duckdb.DuckDBPyConnection, table: str) -> list[CheckOutcome]:
    """References from `table` to its parents, and needs identified before their case opened."""
    outcomes = []
    for child, column, parent, parent_key, text in REFERENCE_CHECKS:
        if child == table:
            frame = fetch_polars(
                con,
                ORPHANS_SQL.format(
                    child=child, column=column, parent=parent, parent_key=parent_key, child_key=PRIMARY_KEYS[child][0]
                ),
            )
            outcomes += _sql_outcomes(frame, table, f"references_{table}", "reference_exists", column, text)
    if table == "needs":
        frame = fetch_polars(con, NEED_BEFORE_CASE_SQL)
        outcomes += _sql_outcomes(
            frame,
            table,
            "references_needs",
            "need_not_before_case",
            "identified_on",
            "Bedarf nicht vor Beginn seines Falls festgestellt",
        )
    return outcomes


def shift_outcomes(con: duckdb.DuckDBPyConnection, table: str) -> list[CheckOutcome]:
    """Warnings for sudden shifts between a provider's current and previous delivery."""
    outcomes = []
    counts = fetch_polars(con, ROW_COUNTS_SQL.format(previous=PREVIOUS_DELIVERY_SQL, table=table))
    for row in counts.iter_rows(named=True):
        dropped = row["previous_rows"] > 0 and row["current_rows"] < (1 - ROW_DROP_WARNING) * row["previous_rows"]
        outcomes.append(
            CheckOutcome(
                delivery_id=row["current_id"],
                provider_id=row["provider_id"],
                table=table,
                suite_name=f"shifts_{table}",
                expectation="row_count_not_dropping",
                column=None,
                description=f"Zeilenzahl fällt gegenüber der vorigen Lieferung um höchstens {ROW_DROP_WARNING:.0%}",
                severity="warning",
                success=not dropped,
                observed_value=f"{row['previous_rows']} -> {row['current_rows']}",
                element_count=row["current_rows"],
            )
        )
    pairs = counts.select("provider_id", "current_id", "previous_id")
    ids = pairs["current_id"].to_list() + pairs["previous_id"].to_list()
    for column in (c.name for c in TABLES[table] if c.codes):
        shares = fetch_polars(con, CODE_COUNTS_SQL.format(table=table, column=column), [ids]).with_columns(
            share=pl.col("n") / pl.col("n").sum().over("delivery_id"), rows=pl.col("n").sum().over("delivery_id")
        )
        current = pairs.join(shares.rename({"delivery_id": "current_id"}), on="current_id")
        previous = pairs.join(shares.rename({"delivery_id": "previous_id"}), on="previous_id")
        compared = current.join(
            previous, on=["provider_id", "current_id", "code"], how="full", coalesce=True, suffix="_previous"
        )
        compared = compared.with_columns(
            jump=(pl.col("share").fill_null(0) - pl.col("share_previous").fill_null(0)).abs(),
            base=pl.min_horizontal(
                pl.col("rows").max().over("provider_id"), pl.col("rows_previous").max().over("provider_id")
            ),
        )
        for provider_id, group in compared.group_by("provider_id", maintain_order=True):
            worst = group.sort("jump", descending=True).row(0, named=True)
            jumped = worst["jump"] > SHARE_JUMP_WARNING and (worst["base"] or 0) >= SHARE_JUMP_MIN_ROWS
            outcomes.append(
                CheckOutcome(
                    delivery_id=worst["current_id"],
                    provider_id=provider_id[0],
                    table=table,
                    suite_name=f"shifts_{table}",
                    expectation="code_share_stable",
                    column=column,
                    description=f"Anteil eines Werts von {column} ändert sich um höchstens {SHARE_JUMP_WARNING * 100:.0f} Prozentpunkte",
                    severity="warning",
                    success=not jumped,
                    observed_value=f"{worst['code']}: {(worst['share_previous'] or 0):.0%} -> {(worst['share'] or 0):.0%}",
                )
            )
    return outcomes


def current_deliveries(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, date]]:
    return [(d, p, local_export_date(exported)) for d, p, exported in con.execute(CURRENT_DELIVERIES_SQL).fetchall()]


def validate_staging(con: duckdb.DuckDBPyConnection, table: str, engine: str = "auto") -> list[CheckOutcome]:
    """Errors for `table`: the contract suite per current delivery (with rows) and references.

    A delivery whose rows were checked in exactly this state reuses its recorded outcomes (one
    grouped scan finds every delivery's state). The others: `engine` "gx" one GX suite each (the
    reference), "gx_batch" one GX suite run over all of them (warehouse.validation_gx), "batch" one
    SQL query per rule over all of them, "auto" the GX batch up to GX_MAX_DELIVERIES of them, else
    the SQL batch (a first load at tier L), "sql" the rules in DuckDB per delivery without the
    recorded results (`kim check`, an in-memory warehouse)."""
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}: one of {', '.join(ENGINES)}")
    delivering = set(fetch_polars(con, f"SELECT DISTINCT delivery_id FROM staging.{table}")["delivery_id"].to_list())
    current = [delivery for delivery in current_deliveries(con) if delivery[0] in delivering]
    if engine == "sql":
        outcomes = [o for d, p, e in current for o in validate_delivery_sql(con, table, d, p, e)]
        return outcomes + reference_outcomes(con, table)
    ids = [delivery_id for delivery_id, _, _ in current]
    versions = dict(con.execute(DATA_VERSIONS_SQL.format(table=table), [ids]).fetchall()) if ids else {}
    outcomes, pending = [], []
    for delivery_id, provider_id, export_date in current:
        recorded = _recorded_for_version(con, table, versions[delivery_id], export_date)
        if recorded is None:
            pending.append((delivery_id, provider_id, export_date))
        else:
            outcomes += recorded
    if engine == "batch" or (engine == "auto" and len(pending) > GX_MAX_DELIVERIES):
        outcomes += _validate_batch(con, table, pending)
    elif engine == "gx":
        for delivery_id, provider_id, export_date in pending:
            rows = con.execute(DELIVERY_ROWS_SQL.format(table=table), [delivery_id]).df()
            outcomes += validate_rows(rows, table, delivery_id, provider_id, export_date)
    else:
        for batch in _gx_batches(con, table, pending):
            rows = con.execute(DELIVERIES_ROWS_SQL.format(table=table), [[d for d, _, _ in batch]]).df()
            outcomes += validate_deliveries(rows, table, batch)
    outcomes = [replace(o, data_version=versions[o.delivery_id]) for o in outcomes]
    return outcomes + reference_outcomes(con, table)


def _gx_batches(
    con: duckdb.DuckDBPyConnection, table: str, pending: list[tuple[str, str, date]]
) -> list[list[tuple[str, str, date]]]:
    """The pending deliveries in batches of at most GX_BATCH_ROWS rows (or one delivery)."""
    if not pending:
        return []
    sizes = dict(con.execute(ROWS_PER_DELIVERY_SQL.format(table=table), [[d for d, _, _ in pending]]).fetchall())
    batches: list[list[tuple[str, str, date]]] = [[]]
    rows = 0
    for delivery in pending:
        size = sizes.get(delivery[0], 0)
        if batches[-1] and rows + size > GX_BATCH_ROWS:
            batches.append([])
            rows = 0
        batches[-1].append(delivery)
        rows += size
    return batches


def record_outcomes(con: duckdb.DuckDBPyConnection, outcomes: list[CheckOutcome]) -> None:
    """Keep outcomes in dq.check_results, once per suite and state of a delivery's rows."""
    rows = []
    by_suite: dict[tuple[str, str, str], list[CheckOutcome]] = {}
    for outcome in outcomes:
        by_suite.setdefault((outcome.delivery_id, outcome.table, outcome.suite_name), []).append(outcome)
    versions: dict[tuple[str, str], str] = {
        (o.delivery_id, o.table): o.data_version for o in outcomes if o.data_version is not None
    }
    for table in {table for _, table, _ in by_suite}:
        ids = sorted({d for d, other, _ in by_suite if other == table and (d, table) not in versions})
        if not ids:
            continue
        found = con.execute(DATA_VERSIONS_SQL.format(table=table), [ids]).fetchall()
        versions.update({(delivery_id, table): version for delivery_id, version in found})
    for (delivery_id, table, suite), group in by_suite.items():
        version = versions.get((delivery_id, table)) or fetch_scalar(
            con, DATA_VERSION_SQL.format(table=table), [delivery_id, delivery_id]
        )
        if exists(con, RESULT_IS_RECORDED, [version, suite]):
            continue
        rows += [
            [
                version,
                o.delivery_id,
                o.provider_id,
                f"staging.{o.table}",
                o.suite_name,
                o.expectation,
                o.column,
                o.description,
                o.severity,
                o.success,
                o.observed_value,
                o.unexpected_count,
                o.element_count,
                o.sample_keys,
                o.duration_ms,
            ]
            for o in group
        ]
    if rows:
        con.register("new_results", pl.DataFrame(rows, schema=RESULT_SCHEMA, orient="row").to_arrow())
        try:
            con.execute(INSERT_RESULTS)
        finally:
            con.unregister("new_results")


def validate_and_record(con: duckdb.DuckDBPyConnection, table: str, engine: str = "auto") -> list[CheckOutcome]:
    """What the staging asset checks do for one table: the contract (reusing outcomes of rows
    already checked in this state), the shift warnings, both kept in dq.check_results."""
    outcomes = validate_staging(con, table, engine) + shift_outcomes(con, table)
    record_outcomes(con, outcomes)
    return outcomes
