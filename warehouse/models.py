"""Build the staging and marts tables (dbt style: one model per .sql file under warehouse/sql/)."""

from __future__ import annotations

from importlib import resources

import duckdb
import polars as pl

from kim.config import ProgrammeConfig
from warehouse.db import fetch_scalar
from transforms.exchange_format import TABLES

SQL_PACKAGE = "warehouse.sql"

# Staging holds, per table, the rows of each provider's current delivery. The table name is
# inserted from exchange_format.TABLES only, never from input.
STAGING_TABLE_SQL = """
CREATE OR REPLACE TABLE staging.{table} AS
SELECT r.*
FROM raw.{table} r
JOIN staging.current_deliveries USING (delivery_id)
"""
COUNT_ROWS_SQL = "SELECT count(*) FROM {relation}"

# Models in marts, in dependency order.
MART_MODELS = (
    "dim_periods",
    "fct_deliveries",
    "fct_cases",
    "fct_needs",
    "fct_handovers",
    "reporting_scaffold",
    "delivery_timeliness",
)


def model_sql(layer: str, name: str) -> str:
    return resources.files(SQL_PACKAGE).joinpath(layer, f"{name}.sql").read_text(encoding="utf-8")


def row_count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return fetch_scalar(con, COUNT_ROWS_SQL.format(relation=relation))


def build_staging(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild staging.* from the current deliveries in one transaction; returns row counts."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(model_sql("staging", "current_deliveries"))
        for table in TABLES:
            con.execute(STAGING_TABLE_SQL.format(table=table))
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    counts = {table: row_count(con, f"staging.{table}") for table in TABLES}
    counts["current_deliveries"] = row_count(con, "staging.current_deliveries")
    return counts


def build_mart(con: duckdb.DuckDBPyConnection, name: str) -> int:
    con.execute(model_sql("marts", name))
    return row_count(con, f"marts.{name}")


def build_dim_providers(con: duckdb.DuckDBPyConnection, config: ProgrammeConfig) -> int:
    """marts.dim_providers and marts.dim_provider_years (funded FTE) from the configuration."""
    providers = pl.DataFrame(
        {
            "provider_id": [p.id for p in config.providers.values()],
            "provider_name": [p.name for p in config.providers.values()],
            "provider_kind": [p.kind for p in config.providers.values()],
        },
        schema={"provider_id": pl.String, "provider_name": pl.String, "provider_kind": pl.String},
    )
    years = pl.DataFrame(
        [
            {"provider_id": p.id, "year": year, "funded_fte": fte}
            for p in config.providers.values()
            for year, fte in sorted(p.fte.items())
        ],
        schema={"provider_id": pl.String, "year": pl.Int32, "funded_fte": pl.Float64},
    )
    con.register("config_providers", providers.to_arrow())
    con.register("config_provider_years", years.to_arrow())
    try:
        con.execute("CREATE OR REPLACE TABLE marts.dim_providers AS SELECT * FROM config_providers")
        con.execute("CREATE OR REPLACE TABLE marts.dim_provider_years AS SELECT * FROM config_provider_years")
    finally:
        con.unregister("config_providers")
        con.unregister("config_provider_years")
    return providers.height
