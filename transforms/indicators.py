"""Indicators of design §5 (and a few beyond it), computed in DuckDB into the long table
marts.indicator_values (§4).

Each indicator is one SQL file in transforms/sql/indicators/<id>.sql that reads the marts facts
and the temporary table `target_periods` (the months being computed), so the same SQL serves a
full rebuild and the recomputation of a range of month partitions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import duckdb
import polars as pl

from transforms.suppression import apply_suppression
from warehouse.db import fetch_polars

INDICATOR_SQL_PACKAGE = "transforms.sql.indicators"

# count: a number of cases/people (numerator = value); ratio: a count divided by a public number
# (numerator = the count); share: numerator / denominator; median: a statistic over `denominator`
# observations; per_case: money per case (denominator = cases); amount: money; flag: 0/1 about a
# provider. The kind decides suppression (design §6) and how months without observations are filled.
IndicatorKind = Literal["count", "ratio", "share", "median", "per_case", "amount", "flag"]


@dataclass(frozen=True)
class Indicator:
    id: str
    kind: IndicatorKind
    unit: str  # "cases", "share", "days", "EUR", …
    breakdowns: tuple[str, ...]
    description: str
    source: str = "design §5"
    # The yearly figure is the sum of the monthly ones (a flow: new cases, closures, resolved needs,
    # first contacts): a hidden month could be recovered from the year, so the year is hidden too.
    additive_over_months: bool = False
    # A cost per case whose base is this count indicator's figure (amount / value gives the count
    # back, the amounts being public): hidden whenever that count is.
    hidden_with: str | None = None


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "cases_active",
        "count",
        "cases",
        (),
        "Cases open at any time in the month: opened_on <= end(P) and not closed before start(P).",
    ),
    Indicator(
        "persons_active",
        "count",
        "persons",
        (),
        "Distinct persons with an active case; a person with cases at two providers counts once in 'all'.",
        "beyond design",
    ),
    Indicator(
        "cases_new",
        "count",
        "cases",
        ("residence_status", "referral_source", "district"),
        "Cases opened in the month.",
        additive_over_months=True,
    ),
    Indicator(
        "cases_closed",
        "count",
        "cases",
        ("closing_reason", "duration_band"),
        "Cases closed in the month; by closing_reason and by duration band at closure.",
        additive_over_months=True,
    ),
    Indicator(
        "focus_group_share_new",
        "share",
        "share",
        (),
        "Of the cases opened in the month, the share with residence status duldung or gestattung at intake.",
        additive_over_months=True,
    ),
    Indicator(
        "caseload_per_fte",
        "ratio",
        "cases per FTE",
        (),
        "Cases active on the last day of the month divided by the provider's funded FTE that year.",
    ),
    Indicator(
        "caseload_band_case_managers",
        "count",
        "case managers",
        ("caseload_band",),
        "Case managers by their number of active cases on the last day of the month "
        "(< 30, 30-49, 50-69, >= 70); a distribution only.",
        "beyond design",
    ),
    Indicator(
        "handover_delay_median_days",
        "median",
        "days",
        ("target_service",),
        "Median days from referral to first contact, over handovers with first contact in the month.",
    ),
    Indicator("handover_delay_p90_days", "median", "days", ("target_service",), "90th percentile of the same delays."),
    Indicator(
        "handover_within_14d_share",
        "share",
        "share",
        ("target_service",),
        "Of the same handovers, the share with a first contact within 14 days.",
        additive_over_months=True,
    ),
    Indicator(
        "handovers_pending_over_30d",
        "count",
        "handovers",
        ("target_service",),
        "Handovers referred more than 30 days before the month's end without a first contact by then "
        "(declined and not attended ones excluded).",
    ),
    Indicator(
        "handover_contact_km_median_days",
        "median",
        "days",
        ("target_service",),
        "Kaplan-Meier median days to first contact as of the month's end, over handovers referred in "
        "the 12 months up to it; pending handovers are censored, not dropped.",
        "beyond design",
    ),
    Indicator(
        "needs_unmet_share",
        "share",
        "share",
        ("category",),
        "Of needs resolved in the month (gedeckt or nicht_gedeckt), the share nicht_gedeckt.",
        additive_over_months=True,
    ),
    Indicator(
        "needs_unmet_count",
        "count",
        "needs",
        ("category", "unmet_reason", "category_reason"),
        "Needs resolved as nicht_gedeckt in the month; category_reason is '<category>|<unmet_reason>'.",
        additive_over_months=True,
    ),
    Indicator(
        "needs_open_over_90d",
        "count",
        "needs",
        ("category",),
        "Needs identified at least 90 days before the month's end and not resolved by then.",
    ),
    Indicator(
        "time_to_first_need_median_days",
        "median",
        "days",
        (),
        "Over cases opened in the month that have a need: median days from opening to the first need.",
    ),
    Indicator(
        "cm_continuity_share",
        "share",
        "share",
        (),
        "Of the cases closed in the month, the share with exactly one case manager in their assignments.",
        additive_over_months=True,
    ),
    Indicator(
        "status_change_retained_share",
        "share",
        "share",
        ("status_to",),
        "Of residence-status changes in the month of persons with an active case, the share whose case "
        "is still open at the month's end or was closed with ziele_erreicht or weitervermittelt.",
        additive_over_months=True,
    ),
    Indicator(
        "delivery_on_time",
        "flag",
        "0/1",
        (),
        "Per provider: 1 if a delivery for the month arrived by the 10th day after its end.",
    ),
    Indicator(
        "budget_funding_granted",
        "amount",
        "EUR",
        (),
        "State funding granted for the month's year (a provider's part by its share of funded FTE).",
        "budget",
    ),
    Indicator(
        "budget_actual_cost",
        "amount",
        "EUR",
        (),
        "Actual cost of the month's year (a provider's part by its share of funded FTE).",
        "budget",
    ),
    Indicator(
        "budget_funding_coverage_share",
        "amount",
        "share",
        (),
        "Funding granted divided by actual cost for the month's year.",
        "budget",
    ),
    Indicator(
        "cost_per_active_case",
        "per_case",
        "EUR per case",
        (),
        "Cost of the period (the year's actual cost x its months / 12) divided by the cases active in it.",
        "budget",
        hidden_with="cases_active",
    ),
    Indicator(
        "cost_per_closed_case",
        "per_case",
        "EUR per case",
        (),
        "Cost of the period divided by the cases closed in it.",
        "budget",
        hidden_with="cases_closed",
    ),
)
INDICATORS_BY_ID = {indicator.id: indicator for indicator in INDICATORS}
KINDS = {indicator.id: indicator.kind for indicator in INDICATORS}

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
# Observation sets several indicators share (transforms/sql/indicators/observations_<name>.sql),
# created as temporary views over target_periods.
SHARED_OBSERVATIONS = ("handover_first_contacts", "period_budget")
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

# Kinds whose months without observations still get an explicit row (count 0, or no value on base 0).
FILLED_KINDS = {"count": "zero", "share": "empty", "median": "empty"}


def indicator_sql(indicator_id: str) -> str:
    return resources.files(INDICATOR_SQL_PACKAGE).joinpath(f"{indicator_id}.sql").read_text(encoding="utf-8")


def _rows_without_observations(indicator: Indicator, observed: pl.DataFrame, scaffold: pl.DataFrame) -> pl.DataFrame:
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
                frames.append(_rows_without_observations(indicator, observed, scaffold))
    return pl.concat(frames, how="vertical").sort(KEY_COLUMNS)


def indicator_registry() -> pl.DataFrame:
    return pl.DataFrame(
        [{**vars(indicator), "breakdowns": ", ".join(indicator.breakdowns)} for indicator in INDICATORS],
        schema={
            "id": pl.String,
            "kind": pl.String,
            "unit": pl.String,
            "breakdowns": pl.String,
            "description": pl.String,
            "source": pl.String,
        },
    ).rename({"id": "indicator_id"})


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
        con.execute("BEGIN TRANSACTION")
        if full:
            con.execute(DELETE_ALL_VALUES)
        else:
            con.execute(
                DELETE_VALUES_IN_RANGE,
                {"first_period": first_period or "0000-00", "last_period": last_period or "9999-99"},
            )
        con.execute(INSERT_VALUES)
        con.execute(REPLACE_DIM_INDICATORS)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
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
