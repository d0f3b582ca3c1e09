"""Revisions: how each figure changed between the previous vintage and the current one.

Providers back-date closures and first contacts, so last month's figures move when this month's
deliveries arrive. A vintage V is the state of the warehouse as month V was reported: each
provider's newest delivery for a period up to V. marts.indicator_revisions compares the current
figures (vintage = the newest delivered month) with those of the month before, for every
indicator, month, reporting unit and breakdown that changed.

The previous vintage is computed with the same model and indicator SQL in a separate in-memory
database whose raw tables are views of the warehouse restricted to that vintage's deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from kim.config import ProgrammeConfig
from kim.contract import TABLES
from transforms.indicators import KEY_COLUMNS
from warehouse.db import fetch_polars
from warehouse.indicator_build import suppressed_indicator_values
from warehouse.migrate import migration_sql
from warehouse.models import build_models, model_sql

LAYER = "revisions"
# The view that says which delivery is a provider's newest, applied to the vintage's register too.
DELIVERY_SUCCESSION_MIGRATION = "0008_delivery_holds.sql"
VINTAGE_DATABASE = "vintage"
# Raw tables no indicator reads stay empty in the vintage database.
TABLES_NOT_READ_BY_INDICATORS = ("contacts",)
SELECT_VINTAGES = """
SELECT max(period) AS current_vintage,
       strftime(strptime(max(period) || '-01', '%Y-%m-%d') - INTERVAL 1 MONTH, '%Y-%m') AS previous_vintage
FROM raw.deliveries WHERE state <> 'rejected'
"""
SELECT_CURRENT_VALUES = """
SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator, suppressed
FROM marts.indicator_values WHERE period <= ?
"""
VALUE_COLUMNS = ("value", "numerator", "denominator", "suppressed")
# A revision is a changed figure. The current suppression is the publication step's (chosen
# against the audit over all periods, warehouse.disclosure_protection), the previous vintage's is
# the build's own: a difference in the flag alone is not a revision.
REVISED_COLUMNS = ("value", "numerator", "denominator")
REVISION_SCHEMA = pl.Schema(
    {
        **dict.fromkeys(KEY_COLUMNS, pl.String),
        "previous_value": pl.Float64,
        "current_value": pl.Float64,
        "previous_numerator": pl.Int64,
        "current_numerator": pl.Int64,
        "previous_denominator": pl.Int64,
        "current_denominator": pl.Int64,
        "previous_suppressed": pl.Boolean,
        "current_suppressed": pl.Boolean,
        "previous_vintage": pl.String,
        "current_vintage": pl.String,
    }
)


@dataclass(frozen=True)
class Revisions:
    previous_vintage: str | None
    current_vintage: str | None
    rows: int


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def vintage_indicator_values(
    con: duckdb.DuckDBPyConnection, config: ProgrammeConfig, vintage: str, k: int
) -> pl.DataFrame:
    """marts.indicator_values as vintage `vintage` had it (suppression included)."""
    warehouse = _quoted(con.execute("SELECT current_database()").fetchall()[0][0])
    con.execute(model_sql(LAYER, "vintage_deliveries"), {"vintage": vintage})
    con.execute(f"ATTACH ':memory:' AS {VINTAGE_DATABASE}")
    try:
        con.execute(f"USE {VINTAGE_DATABASE}")
        for schema in ("raw", "staging", "marts"):
            con.execute(f"CREATE SCHEMA {schema}")
        con.execute(model_sql(LAYER, "vintage_register").format(warehouse=warehouse))
        con.execute(migration_sql(DELIVERY_SUCCESSION_MIGRATION))
        for table in TABLES:
            keep = "false" if table in TABLES_NOT_READ_BY_INDICATORS else "true"
            con.execute(model_sql(LAYER, "vintage_table").format(warehouse=warehouse, table=table, keep=keep))
        build_models(con, config)
        return suppressed_indicator_values(con, k)
    finally:
        con.execute(f"USE {warehouse}")
        con.execute(f"DETACH {VINTAGE_DATABASE}")
        con.execute("DROP TABLE IF EXISTS temp.main.vintage_deliveries")


def compare_vintages(
    previous: pl.DataFrame, current: pl.DataFrame, previous_vintage: str, current_vintage: str
) -> pl.DataFrame:
    """Rows whose value, numerator, denominator or suppression differ (a row missing on one side
    counts as changed), previous and current side by side."""
    joined = previous.select(*KEY_COLUMNS, *[pl.col(c).alias(f"previous_{c}") for c in VALUE_COLUMNS]).join(
        current.select(*KEY_COLUMNS, *[pl.col(c).alias(f"current_{c}") for c in VALUE_COLUMNS]),
        on=KEY_COLUMNS,
        how="full",
        coalesce=True,
    )
    differs = pl.any_horizontal(pl.col(f"previous_{c}").ne_missing(pl.col(f"current_{c}")) for c in REVISED_COLUMNS)
    return (
        joined.filter(differs)
        .with_columns(previous_vintage=pl.lit(previous_vintage), current_vintage=pl.lit(current_vintage))
        .select(list(REVISION_SCHEMA))
        .cast(REVISION_SCHEMA)
        .sort(KEY_COLUMNS)
    )


def build_indicator_revisions(con: duckdb.DuckDBPyConnection, config: ProgrammeConfig, k: int) -> Revisions:
    """Rebuild marts.indicator_revisions (previous vintage vs current figures)."""
    current_vintage, previous_vintage = con.execute(SELECT_VINTAGES).fetchall()[0]
    revisions = pl.DataFrame(schema=REVISION_SCHEMA)
    if current_vintage is not None:
        previous = vintage_indicator_values(con, config, previous_vintage, k)
        current = fetch_polars(con, SELECT_CURRENT_VALUES, [previous_vintage])
        revisions = compare_vintages(previous, current, previous_vintage, current_vintage)
    con.register("computed_revisions", revisions.to_arrow())
    try:
        con.execute(model_sql(LAYER, "replace_revisions"))
    finally:
        con.unregister("computed_revisions")
    return Revisions(previous_vintage, current_vintage, revisions.height)
