"""Build the staging and marts tables (dbt style: one model per .sql file under warehouse/sql/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import duckdb
import polars as pl

from kim.config import ProgrammeConfig
from kim.contract import DELIVERY_DUE_DAYS, TABLES
from warehouse.db import fetch_scalar, transaction

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

# The marts built in Python from the configuration (build_dim_providers), not from a .sql file.
CONFIG_MARTS = ("dim_providers", "dim_provider_years", "dim_budget_years", "dim_indicator_targets")
# Where a relation comes from: a staging or marts model, the raw register, or the configuration.
RELATION = re.compile(r"\b(raw|staging|marts)\.([a-z_][a-z0-9_]*)\b")


@dataclass(frozen=True)
class MartModel:
    """One SQL model warehouse/sql/marts/<name>.sql. Its description is the file's leading comment,
    its upstream relations are the tables its SQL names: the SQL is the declaration."""

    name: str
    description: str
    reads: tuple[str, ...]  # "raw.deliveries", "staging.cases", "marts.dim_periods", …

    @property
    def upstream_marts(self) -> tuple[str, ...]:
        return tuple(r.split(".", 1)[1] for r in self.reads if r.startswith("marts."))


def _declared_model(name: str, sql: str) -> MartModel:
    comment = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        comment.append(line.removeprefix("--").strip())
    reads = sorted({f"{schema}.{table}" for schema, table in RELATION.findall(sql)} - {f"marts.{name}"})
    return MartModel(name, " ".join(comment), tuple(reads))


def _dependency_order(models: dict[str, MartModel]) -> tuple[str, ...]:
    """The models in an order in which each comes after the models it reads (ties by name)."""
    done: list[str] = []
    pending = dict(models)
    while pending:
        ready = sorted(
            name
            for name, model in pending.items()
            if all(up in done or up in CONFIG_MARTS for up in model.upstream_marts)
        )
        if not ready:
            raise ValueError(f"marts models read each other in a loop: {sorted(pending)}")
        done.extend(ready)
        for name in ready:
            del pending[name]
    return tuple(done)


def _declared_models() -> dict[str, MartModel]:
    folder = resources.files(SQL_PACKAGE).joinpath("marts")
    found = {
        entry.name.removesuffix(".sql"): _declared_model(entry.name.removesuffix(".sql"), entry.read_text("utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    }
    for model in found.values():
        unknown = [m for m in model.upstream_marts if m not in found and m not in CONFIG_MARTS]
        if unknown:
            raise ValueError(f"marts model {model.name} reads unknown marts tables {unknown}")
    return {name: found[name] for name in _dependency_order(found)}


MART_MODEL_SPECS: dict[str, MartModel] = _declared_models()
# Models in marts, in dependency order (derived from what each model's SQL reads).
MART_MODELS: tuple[str, ...] = tuple(MART_MODEL_SPECS)
# Values the model SQL may use as $name parameters (kept in kim.contract, shared with the reports).
MODEL_PARAMETERS = {"delivery_due_days": DELIVERY_DUE_DAYS}


def model_sql(layer: str, name: str) -> str:
    return resources.files(SQL_PACKAGE).joinpath(layer, f"{name}.sql").read_text(encoding="utf-8")


def row_count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return fetch_scalar(con, COUNT_ROWS_SQL.format(relation=relation))


def build_staging(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild staging.* from the current deliveries in one transaction; returns row counts."""
    with transaction(con):
        con.execute(model_sql("staging", "current_deliveries"))
        for table in TABLES:
            con.execute(STAGING_TABLE_SQL.format(table=table))
    counts = {table: row_count(con, f"staging.{table}") for table in TABLES}
    counts["current_deliveries"] = row_count(con, "staging.current_deliveries")
    return counts


def model_parameters(sql: str) -> dict[str, object]:
    """The MODEL_PARAMETERS a model's SQL uses (DuckDB refuses parameters a statement lacks)."""
    return {name: value for name, value in MODEL_PARAMETERS.items() if f"${name}" in sql}


def build_mart(con: duckdb.DuckDBPyConnection, name: str) -> int:
    sql = model_sql("marts", name)
    con.execute(sql, model_parameters(sql))
    return row_count(con, f"marts.{name}")


def build_marts(con: duckdb.DuckDBPyConnection, config: ProgrammeConfig, on_model=None) -> dict[str, int]:
    """The configuration dimensions, then every SQL model in dependency order; row counts by table.
    `on_model(name, build)` may wrap each step (the benchmark times them)."""
    run = on_model or (lambda _name, build: build())
    rows = {"dim_providers": run("dim_providers", lambda: build_dim_providers(con, config))}
    for name in MART_MODELS:
        rows[name] = run(name, lambda name=name: build_mart(con, name))
    return rows


def build_models(con: duckdb.DuckDBPyConnection, config: ProgrammeConfig) -> dict[str, int]:
    """Staging and marts from raw: what every figure is computed from."""
    return {**build_staging(con), **build_marts(con, config)}


def build_dim_providers(con: duckdb.DuckDBPyConnection, config: ProgrammeConfig) -> int:
    """marts.dim_providers, marts.dim_provider_years (funded FTE), marts.dim_budget_years (the
    programme budget) and marts.dim_indicator_targets (the targets) from the configuration."""
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
    targets = pl.DataFrame(
        [(t.indicator_id, t.bound, t.value, t.tolerance) for t in config.targets],
        schema={"indicator_id": pl.String, "bound": pl.String, "target": pl.Float64, "tolerance": pl.Float64},
        orient="row",
    )
    tables = {
        "dim_providers": providers,
        "dim_provider_years": years,
        "dim_budget_years": budget,
        "dim_indicator_targets": targets,
    }
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
