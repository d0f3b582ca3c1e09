"""Day arithmetic and the NumPy → Polars column helpers of the synthetic history.

Days are integers counted from 1970-01-01 until the tables are built; these helpers turn them
(and indexes into code lists) into the Polars columns of the exchange format, NULL where a
`valid` mask is False.
"""

from __future__ import annotations

import numpy as np
import polars as pl

NO_DAY = np.iinfo(np.int64).max  # "never happens"


def year_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def masked(series: pl.Series, valid: np.ndarray | None) -> pl.Series:
    if valid is None:
        return series
    return pl.select(pl.when(pl.Series(valid)).then(series).alias(series.name)).to_series()


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    safe = days if valid is None else np.where(valid, days, 0)
    return masked(pl.Series(safe.astype(np.int32)).cast(pl.Date), valid)


def ints(values: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    return masked(pl.Series(values.astype(np.int64)), valid)


def codes(values: tuple[str, ...], index: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    safe = index if valid is None else np.where(valid, index, 0)
    return masked(pl.Series(values, dtype=pl.String).gather(safe), valid)
