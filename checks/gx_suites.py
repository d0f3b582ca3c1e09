"""Great Expectations suites for the staging tables, run against the DuckDB staging data.

GX's SQL datasource does not support DuckDB reliably (metric bundles fail on duckdb-engine), so a
staging table is read from DuckDB via Arrow into a pandas frame and validated with GX's pandas
engine. The expectations are those of exchange format v1 (design §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import duckdb

from transforms.exchange_format import PRIMARY_KEYS, TABLES
from warehouse.db import exists, fetch_scalar

# Table names come from exchange_format.TABLES only, never from input.
SELECT_STAGING_TABLE = "SELECT * EXCLUDE (delivery_id, source_row) FROM staging.{table}"


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None
    element_count: int | None
    severity: str  # "error" blocks downstream assets; "warning" is reported only


@dataclass(frozen=True)
class SuiteOutcome:
    table: str
    suite_name: str
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def errors(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "error"]

    @property
    def success(self) -> bool:
        return not self.errors


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def build_suite(table: str):
    """Uniqueness of the key within a provider, not-null for required columns, code lists."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=f"staging_{table}")
    suite.add_expectation(
        gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=["provider_id", *PRIMARY_KEYS[table]])
    )
    for column in TABLES[table]:
        if column.required:
            suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column=column.name))
        if column.codes:
            suite.add_expectation(
                gx.expectations.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(column.codes))
            )
    return suite


def validate_staging_table(con: duckdb.DuckDBPyConnection, table: str) -> SuiteOutcome:
    frame = con.execute(SELECT_STAGING_TABLE.format(table=table)).df()
    context = _context()
    source_name = f"staging_{table}"
    try:
        source = context.data_sources.get(source_name)
        batch_definition = source.get_asset(table).get_batch_definition("current")
    except (KeyError, ValueError, LookupError):
        source = context.data_sources.add_pandas(source_name)
        batch_definition = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("current")
    suite = build_suite(table)
    result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    outcomes = tuple(
        ExpectationOutcome(
            expectation=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column")
            or ",".join(r.expectation_config.kwargs.get("column_list", [])) or None,
            success=bool(r.success),
            unexpected_count=r.result.get("unexpected_count"),
            element_count=r.result.get("element_count"),
            severity="error",
        )
        for r in result.results
    )
    return SuiteOutcome(table=table, suite_name=suite.name, outcomes=outcomes)


# The state of the data a suite saw: the current deliveries and the validated table's content
# (the table name comes from exchange_format.TABLES).
SELECT_DATA_VERSION = """
SELECT sha256(
    coalesce((SELECT string_agg(delivery_id, ',' ORDER BY delivery_id) FROM staging.current_deliveries), '')
    || ':' || (SELECT coalesce(sum(hash(t)), 0)::VARCHAR FROM staging.{table} t)
)
"""
RESULT_IS_RECORDED = "SELECT 1 FROM dq.check_results WHERE data_version = ? AND suite_name = ? LIMIT 1"
INSERT_CHECK_RESULT = """
INSERT INTO dq.check_results
    (checked_at, data_version, table_name, suite_name, expectation, column_name, success,
     unexpected_count, element_count, severity)
VALUES (now(), ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def record_outcome(con: duckdb.DuckDBPyConnection, outcome: SuiteOutcome) -> None:
    """Keep the history of check results in dq.check_results, once per state of the data."""
    data_version = fetch_scalar(con, SELECT_DATA_VERSION.format(table=outcome.table))
    if exists(con, RESULT_IS_RECORDED, [data_version, outcome.suite_name]):
        return
    con.executemany(
        INSERT_CHECK_RESULT,
        [
            [data_version, f"staging.{outcome.table}", outcome.suite_name, o.expectation, o.column,
             o.success, o.unexpected_count, o.element_count, o.severity]
            for o in outcome.outcomes
        ],
    )
