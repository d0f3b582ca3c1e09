"""Small-cell suppression (design §6), computed once into marts.indicator_values.suppressed.

Primary: a count from 1 to k-1 is hidden; a share or median whose base is below k is hidden.
Secondary: where exactly one count in a row or column is hidden, the reader could recover it by
subtraction from the total, so the smallest other non-zero count is hidden too (whether or not the
total itself is shown: hiding more is safe), repeated until no row or column has a single hidden
count.
Zero is never hidden (it singles nobody out).
"""

from __future__ import annotations

import polars as pl

KEY_COLUMNS = ["indicator_id", "period", "provider_id", "dimension", "dimension_value"]
# A row of provider cells adds up to the 'all' row; a column of breakdown cells to dimension 'all'.
SECONDARY_GROUPS = (
    (pl.col("provider_id") != "all", ["indicator_id", "period", "dimension", "dimension_value"]),
    (pl.col("dimension") != "all", ["indicator_id", "period", "provider_id", "dimension"]),
)


def primary_suppression(kind: pl.Expr, k: int) -> pl.Expr:
    return (
        pl.when(kind.is_in(["count", "ratio"]))
        .then(pl.col("numerator").is_between(1, k - 1).fill_null(False))
        .when(kind.is_in(["share", "median"]))
        .then(pl.col("denominator").fill_null(0) < k)
        .otherwise(False)
    )


def _secondary_round(frame: pl.DataFrame, is_count: pl.Expr) -> tuple[pl.DataFrame, int]:
    marked_total = 0
    for in_scope, group_keys in SECONDARY_GROUPS:
        protectable = ~pl.col("suppressed") & (pl.col("numerator") > 0)
        picks = (
            frame.filter(is_count & in_scope)
            .group_by(group_keys)
            .agg(
                hidden=pl.col("suppressed").sum(),
                pick=pl.col("_row").filter(protectable).sort_by(pl.col("numerator").filter(protectable)).first(),
            )
            .filter((pl.col("hidden") == 1) & pl.col("pick").is_not_null())
            .get_column("pick")
        )
        if picks.len():
            frame = frame.with_columns(pl.col("suppressed") | pl.col("_row").is_in(picks.implode()))
            marked_total += picks.len()
    return frame, marked_total


def apply_suppression(values: pl.DataFrame, kinds: dict[str, str], k: int) -> pl.DataFrame:
    """Set the `suppressed` column; `kinds` maps indicator_id to count|ratio|share|median|flag."""
    kind = pl.col("indicator_id").replace_strict(kinds, return_dtype=pl.String)
    frame = (
        values.sort(KEY_COLUMNS)
        .with_row_index("_row")
        .with_columns(suppressed=primary_suppression(kind, k))
    )
    is_count = kind == "count"
    # Each round only hides more cells, so this ends; it stops when no single hidden cell is left.
    while True:
        frame, marked = _secondary_round(frame, is_count)
        if not marked:
            return frame.drop("_row")
