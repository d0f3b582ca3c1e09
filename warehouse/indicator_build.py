"""The indicator build: runs every indicator's SQL (transforms/indicators/sql/) against the
warehouse and writes marts.indicator_values (§4), marts.indicator_values_yearly and
marts.dim_indicators. What an indicator is (spec, SQL, suppression) lives in transforms/.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from transforms.indicators import (
    FILLED_KINDS,
    INDICATORS,
    KEY_COLUMNS,
    KINDS,
    SCHEMA,
    SHARED_OBSERVATIONS,
    Indicator,
    hide_linked_figures,
    indicator_registry,
    indicator_sql,
    rows_without_observations,
)
from transforms.suppression import apply_suppression
from warehouse.db import fetch_polars, transaction

# The months being computed; every indicator's SQL joins this table instead of marts.dim_periods.
CREATE_TARGET_PERIODS = """
CREATE OR REPLACE TEMP TABLE target_periods AS
SELECT period, period_start, period_end
FROM marts.dim_periods
WHERE period BETWEEN coalesce($first_period, '0000-00') AND coalesce($last_period, '9999-99')
"""
# Years instead of months: the same indicator SQL then gives yearly figures (a year reaches from
# its first to its last delivered month, so the current year is the year to date).
CREATE_TARGET_YEARS = """
CREATE OR REPLACE TEMP TABLE target_periods AS
SELECT strftime(period_start, '%Y') AS period, min(period_start) AS period_start, max(period_end) AS period_end
FROM marts.dim_periods
GROUP BY 1
"""
DROP_TARGET_PERIODS = "DROP TABLE IF EXISTS temp.main.target_periods"
# Each target period's calendar months. An indicator counting events "in P" joins this on the
# event's month (an equality, so a hash join) instead of a date range against target_periods:
# at tier L that join is several times faster.
CREATE_TARGET_MONTHS = """
CREATE OR REPLACE TEMP TABLE target_months AS
SELECT t.period, t.period_start, t.period_end, d.period_start AS month_start
FROM target_periods t
JOIN marts.dim_periods d ON d.period_start BETWEEN t.period_start AND t.period_end
"""
DROP_TARGET_MONTHS = "DROP TABLE IF EXISTS temp.main.target_months"
DROP_SHARED_OBSERVATIONS = "DROP VIEW IF EXISTS temp.main.{name}"
# Every period being computed x every reporting unit (works for months and years alike).
SELECT_SCAFFOLD = """
SELECT p.period, u.provider_id
FROM target_periods p CROSS JOIN (SELECT DISTINCT provider_id FROM marts.reporting_scaffold) u
"""

# Full rebuild: every row goes. Range: only the rows of the months recomputed.
DELETE_ALL_VALUES = "DELETE FROM marts.indicator_values"
DELETE_VALUES_IN_RANGE = "DELETE FROM marts.indicator_values WHERE period BETWEEN $first_period AND $last_period"
INSERT_VALUES = """
INSERT INTO marts.indicator_values
SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator, suppressed
FROM computed_indicator_values
"""
REPLACE_DIM_INDICATORS = "CREATE OR REPLACE TABLE marts.dim_indicators AS SELECT * FROM indicator_registry"


@contextmanager
def indicator_context(
    con: duckdb.DuckDBPyConnection,
    first_period: str | None = None,
    last_period: str | None = None,
    yearly: bool = False,
) -> Iterator[None]:
    """What indicator SQL runs in: the temporary tables `target_periods` (the months first..last,
    None = open end, or every year) and `target_months` (their calendar months), and the shared
    observation views. Removed afterwards."""
    if yearly:
        con.execute(CREATE_TARGET_YEARS)
    else:
        con.execute(CREATE_TARGET_PERIODS, {"first_period": first_period, "last_period": last_period})
    con.execute(CREATE_TARGET_MONTHS)
    try:
        for name in SHARED_OBSERVATIONS:
            con.execute(indicator_sql(f"observations_{name}"))
        yield
    finally:
        for name in SHARED_OBSERVATIONS:  # names from the constant above, never from input
            con.execute(DROP_SHARED_OBSERVATIONS.format(name=name))
        con.execute(DROP_TARGET_MONTHS)
        con.execute(DROP_TARGET_PERIODS)


def compute_indicator_values(
    con: duckdb.DuckDBPyConnection,
    first_period: str | None = None,
    last_period: str | None = None,
    indicators: tuple[Indicator, ...] = INDICATORS,
    yearly: bool = False,
) -> pl.DataFrame:
    """Every indicator for the months first_period..last_period (None: open end), every reporting
    unit and breakdown, without suppression. `yearly`: for every year instead."""
    with indicator_context(con, first_period, last_period, yearly):
        scaffold = fetch_polars(con, SELECT_SCAFFOLD)
        frames = []
        for indicator in indicators:
            observed = (
                fetch_polars(con, indicator_sql(indicator.id))
                .with_columns(pl.lit(indicator.id).alias("indicator_id"))
                .select(list(SCHEMA))
                .cast(SCHEMA)
            )
            frames.append(observed)
            if indicator.kind in FILLED_KINDS:
                frames.append(rows_without_observations(indicator, observed, scaffold))
    return pl.concat(frames, how="vertical").sort(KEY_COLUMNS)


def suppressed_indicator_values(
    con: duckdb.DuckDBPyConnection, k: int, first_period: str | None = None, last_period: str | None = None
) -> pl.DataFrame:
    """compute_indicator_values with the `suppressed` flag of design §6 set."""
    return hide_linked_figures(apply_suppression(compute_indicator_values(con, first_period, last_period), KINDS, k))


def build_indicator_values(
    con: duckdb.DuckDBPyConnection, k: int, first_period: str | None = None, last_period: str | None = None
) -> pl.DataFrame:
    """Compute, suppress and store marts.indicator_values (and marts.dim_indicators).

    Without a range this is a full rebuild (rows of months no longer delivered go too); with one,
    only the rows of those months are replaced. Suppression works within one indicator and month,
    so recomputing a range gives exactly the rows a full rebuild would."""
    values = suppressed_indicator_values(con, k, first_period, last_period)
    full = first_period is None and last_period is None
    con.register("computed_indicator_values", values.to_arrow())
    con.register("indicator_registry", indicator_registry().to_arrow())
    try:
        with transaction(con):
            if full:
                con.execute(DELETE_ALL_VALUES)
            else:
                con.execute(
                    DELETE_VALUES_IN_RANGE,
                    {"first_period": first_period or "0000-00", "last_period": last_period or "9999-99"},
                )
            con.execute(INSERT_VALUES)
            con.execute(REPLACE_DIM_INDICATORS)
    finally:
        con.unregister("computed_indicator_values")
        con.unregister("indicator_registry")
    return values


# --------------------------------------------------------------------------------------------
# Yearly figures (marts.indicator_values_yearly, for the annual evaluation report)

# Not meaningful per year: delivery_on_time is about one month's deadline.
YEARLY_SKIPPED = ("flag",)
SELECT_MONTHLY_SUPPRESSION = """
SELECT indicator_id, substr(period, 1, 4) AS period, provider_id, dimension, dimension_value,
       bool_or(suppressed) AS hidden_elsewhere
FROM marts.indicator_values
WHERE indicator_id IN (SELECT unnest(?::VARCHAR[]))
GROUP BY ALL
"""
REPLACE_YEARLY_VALUES = """
CREATE OR REPLACE TABLE marts.indicator_values_yearly AS
SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator, suppressed
FROM computed_yearly_values
ORDER BY indicator_id, period, provider_id, dimension, dimension_value
"""


def build_yearly_indicator_values(con: duckdb.DuckDBPyConnection, k: int) -> pl.DataFrame:
    """marts.indicator_values_yearly: the indicators per year (`period` = 'YYYY'), same columns as
    marts.indicator_values. Reads marts.indicator_values, so it runs after the monthly figures.

    Suppression: as for months, plus a year's figure of a flow indicator (additive_over_months)
    is hidden when one of its months is hidden in marts.indicator_values — the monthly reports
    publish the other months, and year minus published months would give the hidden one away."""
    computed = tuple(i for i in INDICATORS if i.kind not in YEARLY_SKIPPED)
    flows = [i.id for i in INDICATORS if i.additive_over_months]
    values = compute_indicator_values(con, indicators=computed, yearly=True)
    hidden_months = fetch_polars(con, SELECT_MONTHLY_SUPPRESSION, [flows])
    values = values.join(hidden_months, on=KEY_COLUMNS, how="left")
    values = hide_linked_figures(apply_suppression(values, KINDS, k))
    con.register("computed_yearly_values", values.to_arrow())
    try:
        con.execute(REPLACE_YEARLY_VALUES)
    finally:
        con.unregister("computed_yearly_values")
    return values
