"""The shape of row-level findings: one row per broken rule, with file, line, column and rule."""

from __future__ import annotations

import polars as pl

VIOLATION_SCHEMA = pl.Schema(
    {
        "table_name": pl.String,
        "file_name": pl.String,
        "source_row": pl.Int64,
        "column_name": pl.String,
        "rule": pl.String,
        "value": pl.String,
        "expected": pl.String,
    }
)


def no_violations() -> pl.DataFrame:
    return pl.DataFrame(schema=VIOLATION_SCHEMA)
