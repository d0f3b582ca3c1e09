"""The indicator registry, derived from the specs: INDICATORS (in the specs' `order`), lookups,
the long table's schema, the SQL text of each indicator, and the pure (Polars) steps of the build
that do not touch the warehouse. Running the SQL and writing marts tables is warehouse/indicator_build.py.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from transforms.indicators.spec import Indicator, load_specs

PACKAGE_DIR = Path(__file__).parent
SPEC_DIR = PACKAGE_DIR / "specs"
SQL_DIR = PACKAGE_DIR / "sql"

INDICATORS: tuple[Indicator, ...] = load_specs(SPEC_DIR, SQL_DIR)
INDICATORS_BY_ID = {indicator.id: indicator for indicator in INDICATORS}
KINDS: dict[str, str] = {indicator.id: indicator.kind for indicator in INDICATORS}

SCHEMA = {
    "indicator_id": pl.String,
    "period": pl.String,
    "provider_id": pl.String,
    "dimension": pl.String,
    "dimension_value": pl.String,
    "value": pl.Float64,
    "numerator": pl.Int64,
    "denominator": pl.Int64,
}
KEY_COLUMNS = ["indicator_id", "period", "provider_id", "dimension", "dimension_value"]

# Observation sets several indicators share (sql/observations_<name>.sql), created as temporary
# views over target_periods before the indicators run. They are no indicators and have no spec.
SHARED_OBSERVATIONS = ("handover_first_contacts", "period_budget")
OBSERVATIONS_PREFIX = "observations_"

# Kinds whose months without observations still get an explicit row (count 0, or no value on base 0).
FILLED_KINDS = {"count": "zero", "share": "empty", "median": "empty"}

REGISTRY_SCHEMA = {
    "indicator_id": pl.String,
    "kind": pl.String,
    "unit": pl.String,
    "breakdowns": pl.String,
    "description": pl.String,
    "source": pl.String,
}


def sql_text(file_name: str) -> str:
    return (SQL_DIR / file_name).read_text(encoding="utf-8")


def indicator_sql(name: str) -> str:
    """The SQL of an indicator (by id; its spec names the file) or of a shared observation set
    ('observations_<name>')."""
    indicator = INDICATORS_BY_ID.get(name)
    return sql_text(indicator.sql if indicator else f"{name}.sql")


def indicator_registry() -> pl.DataFrame:
    """marts.dim_indicators: one row per indicator, in registry order."""
    return pl.DataFrame(
        [(i.id, i.kind, i.unit, ", ".join(i.breakdowns), i.description, i.source) for i in INDICATORS],
        schema=REGISTRY_SCHEMA,
        orient="row",
    )


def rows_without_observations(indicator: Indicator, observed: pl.DataFrame, scaffold: pl.DataFrame) -> pl.DataFrame:
    """Scaffold rows (dimension 'all') the SQL produced nothing for: counts are 0, bases are 0."""
    missing = scaffold.join(observed.filter(pl.col("dimension") == "all"), on=["period", "provider_id"], how="anti")
    zero = FILLED_KINDS[indicator.kind] == "zero"
    return missing.select(
        pl.lit(indicator.id).alias("indicator_id"),
        "period",
        "provider_id",
        pl.lit("all").alias("dimension"),
        pl.lit("all").alias("dimension_value"),
        pl.lit(0.0 if zero else None, dtype=pl.Float64).alias("value"),
        pl.lit(0 if zero else None, dtype=pl.Int64).alias("numerator"),
        pl.lit(None if zero else 0, dtype=pl.Int64).alias("denominator"),
    )


def hide_linked_figures(values: pl.DataFrame) -> pl.DataFrame:
    """A figure derived from a count (Indicator.hidden_with) is hidden wherever that count is."""
    links = {i.id: i.hidden_with for i in INDICATORS if i.hidden_with}
    if not links:
        return values
    counts = (
        values.filter(pl.col("indicator_id").is_in(list(links.values())) & pl.col("suppressed"))
        .select(pl.col("indicator_id").alias("_count_id"), "period", "provider_id", "dimension", "dimension_value")
        .with_columns(_count_hidden=pl.lit(True))
    )
    return (
        values.with_columns(_count_id=pl.col("indicator_id").replace_strict(links, default=None))
        .join(counts, on=["_count_id", "period", "provider_id", "dimension", "dimension_value"], how="left")
        .with_columns(suppressed=pl.col("suppressed") | pl.col("_count_hidden").fill_null(False))
        .drop("_count_id", "_count_hidden")
    )
