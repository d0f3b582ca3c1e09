"""Build the staging and marts tables (dbt style: one model per .sql file under warehouse/sql/)."""

from __future__ import annotations

from importlib import resources

import duckdb
import polars as pl

from kim.config import ProgrammeConfig
from kim.contract import TABLES
from warehouse.db import fetch_scalar

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
PREVIEW_SQL = "SELECT * EXCLUDE ({excluded}) FROM {relation} LIMIT {limit}"
# Pseudonyms of people and records never go into previews (the Dagster UI is not a privacy boundary).
PSEUDONYM_COLUMNS = ("case_id", "person_id", "case_manager_id", "need_id", "handover_id", "contact_id", "change_key")

# Models in marts, in dependency order.
MART_MODELS = (
    "dim_periods",
    "fct_deliveries",
    "fct_cases",
    "fct_needs",
    "fct_handovers",
    "fct_assignments",
    "fct_status_changes",
    "fct_budget_allocation",
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
    """marts.dim_providers, marts.dim_provider_years (funded FTE) and marts.dim_budget_years (the
    programme budget) from the configuration."""
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
    budget = pl.DataFrame(
        [
            {"year": year, "funding_granted": figures.get("funding_granted"), "actual_cost": figures.get("actual_cost")}
            for year, figures in sorted(config.budget.items())
        ],
        schema={"year": pl.Int32, "funding_granted": pl.Float64, "actual_cost": pl.Float64},
    )
    tables = {"dim_providers": providers, "dim_provider_years": years, "dim_budget_years": budget}
    for name, frame in tables.items():
        con.register(f"config_{name}", frame.to_arrow())
    try:
        for name in tables:
            # `name` comes from the dict above, never from input.
            con.execute(f"CREATE OR REPLACE TABLE marts.{name} AS SELECT * FROM config_{name}")
    finally:
        for name in tables:
            con.unregister(f"config_{name}")
    return providers.height


def preview_markdown(con: duckdb.DuckDBPyConnection, relation: str, limit: int = 5) -> str:
    """The first rows of a table as a Markdown table, without pseudonym columns. `relation` comes
    from the model lists of this module, never from input."""
    columns = {row[0] for row in con.execute(f"DESCRIBE {relation}").fetchall()}
    excluded = [name for name in PSEUDONYM_COLUMNS if name in columns]
    sql = (PREVIEW_SQL if excluded else "SELECT * FROM {relation} LIMIT {limit}").format(
        excluded=", ".join(excluded), relation=relation, limit=int(limit)
    )
    frame = con.sql(sql).pl()
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.rows()]
    note = f"\n\n(without {', '.join(excluded)})" if excluded else ""
    return "\n".join([header, rule, *rows]) + note
