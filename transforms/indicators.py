"""Indicators of design §5, computed in DuckDB into the long table marts.indicator_values (§4)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

import duckdb
import polars as pl

from transforms.suppression import apply_suppression
from warehouse.db import fetch_polars

INDICATOR_SQL_PACKAGE = "transforms.sql.indicators"

IndicatorKind = Literal["count", "ratio", "share", "median", "flag"]


@dataclass(frozen=True)
class Indicator:
    id: str
    kind: IndicatorKind
    unit: str  # "cases", "share", "days", …
    description: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("cases_active", "count", "cases",
              "Cases open at any time in the month: opened_on <= end(P) and not closed before start(P)."),
    Indicator("cases_new", "count", "cases", "Cases opened in the month."),
    Indicator("cases_closed", "count", "cases", "Cases closed in the month; also by closing_reason."),
    Indicator("handover_delay_median_days", "median", "days",
              "Median days from referral to first contact, over handovers with first contact in the "
              "month; also by target_service."),
    Indicator("needs_unmet_share", "share", "share",
              "Of needs resolved in the month (gedeckt or nicht_gedeckt), the share nicht_gedeckt; "
              "also by category."),
    Indicator("delivery_on_time", "flag", "0/1",
              "Per provider: 1 if a delivery for the month arrived by the 10th day after its end."),
)

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
SELECT_SCAFFOLD = "SELECT period, provider_id FROM marts.reporting_scaffold"
REPLACE_INDICATOR_VALUES = """
CREATE OR REPLACE TABLE marts.indicator_values AS
SELECT indicator_id::VARCHAR AS indicator_id, period::VARCHAR AS period,
       provider_id::VARCHAR AS provider_id, dimension::VARCHAR AS dimension,
       dimension_value::VARCHAR AS dimension_value, value::DOUBLE AS value,
       numerator::BIGINT AS numerator, denominator::BIGINT AS denominator,
       suppressed::BOOLEAN AS suppressed
FROM computed_indicator_values
ORDER BY indicator_id, period, provider_id, dimension, dimension_value
"""
REPLACE_DIM_INDICATORS = "CREATE OR REPLACE TABLE marts.dim_indicators AS SELECT * FROM indicator_registry"


def indicator_sql(indicator_id: str) -> str:
    return resources.files(INDICATOR_SQL_PACKAGE).joinpath(f"{indicator_id}.sql").read_text(encoding="utf-8")


def _rows_without_observations(indicator: Indicator, observed: pl.DataFrame, scaffold: pl.DataFrame) -> pl.DataFrame:
    """Scaffold rows (dimension 'all') the SQL produced nothing for: counts are 0, bases are 0."""
    missing = scaffold.join(
        observed.filter(pl.col("dimension") == "all"), on=["period", "provider_id"], how="anti"
    )
    counts = indicator.kind in ("count", "ratio", "flag")
    return missing.select(
        pl.lit(indicator.id).alias("indicator_id"),
        "period",
        "provider_id",
        pl.lit("all").alias("dimension"),
        pl.lit("all").alias("dimension_value"),
        pl.lit(0.0 if counts else None, dtype=pl.Float64).alias("value"),
        pl.lit(0 if counts else None, dtype=pl.Int64).alias("numerator"),
        pl.lit(None if counts else 0, dtype=pl.Int64).alias("denominator"),
    )


def compute_indicator_values(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every indicator for every period and reporting unit, without suppression."""
    scaffold = fetch_polars(con, SELECT_SCAFFOLD)
    frames = []
    for indicator in INDICATORS:
        observed = (
            fetch_polars(con, indicator_sql(indicator.id))
            .with_columns(pl.lit(indicator.id).alias("indicator_id"))
            .select(list(SCHEMA))
            .cast(SCHEMA)
        )
        frames.append(observed)
        if indicator.kind != "flag":  # flags exist per provider only, where the month was due
            frames.append(_rows_without_observations(indicator, observed, scaffold))
    return pl.concat(frames, how="vertical")


def build_indicator_values(con: duckdb.DuckDBPyConnection, k: int) -> pl.DataFrame:
    """Compute, suppress and store marts.indicator_values (and marts.dim_indicators)."""
    kinds = {indicator.id: indicator.kind for indicator in INDICATORS}
    values = apply_suppression(compute_indicator_values(con), kinds, k)
    registry = pl.DataFrame(
        [vars(indicator) for indicator in INDICATORS],
        schema={"id": pl.String, "kind": pl.String, "unit": pl.String, "description": pl.String},
    ).rename({"id": "indicator_id"})
    con.register("computed_indicator_values", values.to_arrow())
    con.register("indicator_registry", registry.to_arrow())
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute(REPLACE_INDICATOR_VALUES)
        con.execute(REPLACE_DIM_INDICATORS)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("computed_indicator_values")
        con.unregister("indicator_registry")
    return values
