"""The publication planner (design §6, utility): which tables are published at which granularity.

A table is one indicator at one level (the city `all`, or the providers) with one breakdown
(`all` for the total). Its finest grain wins whose cells would not mostly be hidden: a table is
published per month when at most MONTHLY_MAX_HIDDEN of its non-empty monthly cells fall under the
primary rule (a count of 1 to k-1, a base below k), else per year when at most YEARLY_MAX_HIDDEN
of its yearly cells do, else not at all. The city's totals are always published per month and per
year, and the city's breakdowns always per year (the annual report is built from them); a
breakdown published per month is published per year too. A table that is not published is not
printed anywhere: it is not a "•" wall, and the reader learns nothing from it
(`marts.indicator_values.suppressed` is true for its rows: "not published").

A city's yearly breakdown with many cells that cannot be printed is published with those
categories pooled as well (transforms.disclosure.grouping, `with_groups`); the rows of its fine
table that lie in a pool are then not printed.

A monthly table that a protection pass mostly hid (`mostly_hidden`: stock-flow, the providers' sum
and the year's sum tie its cells to hidden ones) is published per year only (`demoted`), and the
release protected again (warehouse.disclosure_protection).

The shares are taken over every period in the warehouse, so the plan changes only when the data
do, not from month to month.
"""

from __future__ import annotations

import polars as pl

from transforms.disclosure.cells import month_rows
from transforms.disclosure.grouping import GROUPED_SUFFIX
from transforms.indicators.registry import KINDS
from transforms.suppression import BASE_KINDS, COUNT_KINDS, CROSSED_DIMENSIONS, primary_suppression

MONTHLY_MAX_HIDDEN = 0.25
YEARLY_MAX_HIDDEN = 0.5
# A monthly table whose printed rows the protection mostly hides is a wall of "•": published per
# year instead (`demoted`), which also frees the figures its hidden cells were linked to.
PROTECTED_MAX_HIDDEN = 0.5
PROTECTED_KINDS = COUNT_KINDS + BASE_KINDS
TABLE_KEY = ("indicator_id", "level", "dimension")
PLAN_SCHEMA = pl.Schema(
    {
        "indicator_id": pl.String,
        "level": pl.String,  # 'city' | 'provider'
        "dimension": pl.String,
        "monthly_hidden_share": pl.Float64,
        "yearly_hidden_share": pl.Float64,
        "monthly": pl.Boolean,
        "yearly": pl.Boolean,
    }
)


def primary_hidden(k: int) -> pl.Expr:
    """The primary rule of design §6 on a row (indicator_id, numerator, denominator): a count of
    1..k-1, or a share, median or cost per case over a base below k."""
    return primary_suppression(pl.col("indicator_id").replace_strict(KINDS, default=""), k)


def _level() -> pl.Expr:
    return pl.when(pl.col("provider_id") == "all").then(pl.lit("city")).otherwise(pl.lit("provider"))


def _hidden_share(rows: pl.DataFrame, k: int, name: str) -> pl.DataFrame:
    non_empty = (pl.col("numerator").fill_null(0) > 0) | (pl.col("denominator").fill_null(0) > 0)
    return (
        rows.filter(pl.col("indicator_id").replace_strict(KINDS, default="").is_in(PROTECTED_KINDS))
        .with_columns(level=_level(), primary=primary_hidden(k), non_empty=non_empty)
        .group_by(TABLE_KEY)
        .agg((pl.col("primary") & pl.col("non_empty")).sum().alias("hidden"), pl.col("non_empty").sum().alias("n"))
        .select(*TABLE_KEY, (pl.col("hidden") / pl.col("n").clip(lower_bound=1)).alias(name))
    )


def plan_publication(monthly: pl.DataFrame, yearly: pl.DataFrame, k: int) -> pl.DataFrame:
    """The plan per table (PLAN_SCHEMA) from the rows of marts.indicator_values (`monthly`) and
    marts.indicator_values_yearly (`yearly`): indicator_id, provider_id, dimension, numerator,
    denominator."""
    shares = _hidden_share(monthly, k, "monthly_hidden_share").join(
        _hidden_share(yearly, k, "yearly_hidden_share"), on=list(TABLE_KEY), how="full", coalesce=True
    )
    city = pl.col("level") == "city"
    total = pl.col("dimension") == "all"
    # A crossed breakdown (the gap table: category x reason) is never published per month (issue
    # 15: "the gap matrix per quarter or year, monthly only by category"). Per month its cells are
    # small wherever the city is large enough to pass the share, and twelve months adding up to
    # the year tie its tables into one LP block of thousands of cells (tier M: 7,647 x 5,949).
    crossed = pl.col("dimension").is_in(list(CROSSED_DIMENSIONS))
    monthly_ok = (pl.col("monthly_hidden_share").fill_null(1.0) <= MONTHLY_MAX_HIDDEN) & ~crossed
    yearly_ok = pl.col("yearly_hidden_share").fill_null(1.0) <= YEARLY_MAX_HIDDEN
    return (
        shares.with_columns(monthly=(city & total) | monthly_ok)
        .with_columns(yearly=city | pl.col("monthly") | yearly_ok)
        .select(list(PLAN_SCHEMA))
        .cast(PLAN_SCHEMA)
        .sort(list(TABLE_KEY))
    )


def with_groups(plan: pl.DataFrame, tables: set[tuple[str, str]]) -> pl.DataFrame:
    """The plan with each grouped table (transforms.disclosure.grouping) published per year at the
    city level beside its fine table, whose rows inside a pool are not printed (per row, by the
    publication step)."""
    if not tables:
        return plan
    added = pl.DataFrame(
        [(i, "city", d + GROUPED_SUFFIX, None, None, False, True) for i, d in sorted(tables)],
        schema=PLAN_SCHEMA,
        orient="row",
    )
    return pl.concat([plan, added]).sort(list(TABLE_KEY))


def mostly_hidden(publication: pl.DataFrame) -> set[tuple[str, str, str]]:
    """The monthly tables (TABLE_KEY) of which the protection hid more than PROTECTED_MAX_HIDDEN
    of the printed rows, from marts.indicator_publication's rows (ROW_KEY, status). The city's
    totals stay monthly whatever they cost (the monthly report is built on them)."""
    printed = publication.filter(month_rows(), pl.col("status") != "unpublished")
    shares = (
        printed.with_columns(level=_level())
        .filter(~((pl.col("level") == "city") & (pl.col("dimension") == "all")))
        .group_by(TABLE_KEY)
        .agg((pl.col("status") == "hidden").mean().alias("hidden"))
        .filter(pl.col("hidden") > PROTECTED_MAX_HIDDEN)
    )
    return {(row[0], row[1], row[2]) for row in shares.select(TABLE_KEY).iter_rows()}


def demoted(plan: pl.DataFrame, tables: set[tuple[str, str, str]]) -> pl.DataFrame:
    """The plan with `tables` published per year, no longer per month."""
    if not tables:
        return plan
    marked = pl.DataFrame(sorted(tables), schema=list(TABLE_KEY), orient="row").with_columns(_demoted=pl.lit(True))
    return (
        plan.join(marked, on=list(TABLE_KEY), how="left")
        .with_columns(
            yearly=pl.col("yearly") | pl.col("_demoted").fill_null(False),
            monthly=pl.col("monthly") & pl.col("_demoted").is_null(),
        )
        .select(list(PLAN_SCHEMA))
    )


def planned(rows: pl.DataFrame, plan: pl.DataFrame, grain: str) -> pl.Series:
    """Per row (indicator_id, provider_id, dimension): published under the plan at `grain`
    ('monthly' or 'yearly'). Rows of kinds the rule does not protect (flags, amounts) always are."""
    keyed = rows.select("indicator_id", "dimension", level=_level()).with_row_index("_row")
    joined = keyed.join(plan.select(*TABLE_KEY, pl.col(grain).alias("_planned")), on=list(TABLE_KEY), how="left")
    return joined.sort("_row")["_planned"].fill_null(True).alias("planned")
