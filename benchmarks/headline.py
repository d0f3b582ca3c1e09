"""The headline-indicator comparison: our SQL for the three indicators of the pandas baseline, and a
row-by-row check that the warehouse and pandas agree.

Alignment (see benchmarks/README.md): the warehouse stores, for a share or median, a row with value
NULL and denominator 0 for every period x reporting unit without observations (dimension 'all'
only); a pandas groupby has no such group, so these rows are set aside (and counted) before the
comparison, and must not appear in the pandas result. Every other row must exist on both sides with
the same value (within TOLERANCE), numerator and denominator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from benchmarks.pandas_baseline import DIMENSIONS, HEADLINE_INDICATORS, VALUE_COLUMNS

TOLERANCE = 1e-9
KEY = ["indicator_id", "period", "provider_id", "dimension", "dimension_value"]
SELECT_OURS = """
SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator
FROM marts.indicator_values
WHERE {conditions}
"""


def run_headline_sql(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Execute the indicator SQL of the three headline indicators on the built warehouse for every
    month, fetching every row as the indicator build does; returns the rows per indicator."""
    from transforms.indicators import indicator_sql
    from warehouse.db import fetch_polars
    from warehouse.indicator_build import indicator_context

    queries = {indicator: indicator_sql(indicator) for indicator in HEADLINE_INDICATORS}
    with indicator_context(con):  # target_periods = every month, and the shared observation views
        return {indicator: fetch_polars(con, sql).height for indicator, sql in queries.items()}


def fetch_ours(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    conditions = " OR ".join(
        f"(indicator_id = '{indicator}' AND dimension IN ({', '.join(repr(d) for d in dimensions)}))"
        for indicator, dimensions in DIMENSIONS.items()
    )
    ours = con.execute(SELECT_OURS.format(conditions=conditions)).df()
    ours[["numerator", "denominator"]] = ours[["numerator", "denominator"]].astype("Int64")
    return ours[VALUE_COLUMNS]


@dataclass
class Comparison:
    compared_rows: dict[str, int] = field(default_factory=dict)  # per indicator, rows on both sides
    ours_without_observations: int = 0  # NULL-value rows with denominator 0, set aside
    mismatches: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def match(self) -> bool:
        return self.mismatches == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "match": self.match,
            "tolerance": TOLERANCE,
            "compared_rows": self.compared_rows,
            "ours_without_observations_set_aside": self.ours_without_observations,
            "mismatches": self.mismatches,
            "mismatches_by_kind": self.by_kind,
            "examples": self.examples,
        }

    def describe(self) -> str:
        kinds = ", ".join(f"{count} {kind}" for kind, count in self.by_kind.items())
        lines = [
            f"{self.mismatches} rows differ between marts.indicator_values and the pandas "
            f"baseline ({kinds}); first ones:"
        ]
        lines += [f"  {example}" for example in self.examples]
        return "\n".join(lines)


def _add(comparison: Comparison, kind: str, rows: pd.DataFrame, limit: int = 10) -> None:
    if rows.empty:
        return
    comparison.mismatches += len(rows)
    comparison.by_kind[kind] = comparison.by_kind.get(kind, 0) + len(rows)
    shown = rows.drop(columns=["_merge"], errors="ignore").head(max(0, limit - len(comparison.examples)))
    for record in shown.to_dict("records"):
        comparison.examples.append(
            {
                "kind": kind,
                **{
                    name: None if pd.isna(value) else value.item() if hasattr(value, "item") else value
                    for name, value in record.items()
                },
            }
        )


def compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> Comparison:
    comparison = Comparison()
    no_value = ours["value"].isna()
    without_observations = no_value & (ours["denominator"].fillna(-1) == 0)
    comparison.ours_without_observations = int(without_observations.sum())
    _add(comparison, "ours NULL value with observations", ours[no_value & ~without_observations])
    ours = ours[~no_value]

    merged = ours.merge(theirs, on=KEY, how="outer", suffixes=("_ours", "_pandas"), indicator=True)
    _add(comparison, "only in ours", merged[merged["_merge"] == "left_only"])
    _add(comparison, "only in pandas", merged[merged["_merge"] == "right_only"])
    both = merged[merged["_merge"] == "both"]
    for indicator in HEADLINE_INDICATORS:
        comparison.compared_rows[indicator] = int((both["indicator_id"] == indicator).sum())

    value_differs = ~((both["value_ours"] - both["value_pandas"]).abs() <= TOLERANCE)
    _add(comparison, "value", both[value_differs])
    counted = value_differs
    for column in ("numerator", "denominator"):
        left, right = both[f"{column}_ours"], both[f"{column}_pandas"]
        differs = (left.isna() != right.isna()) | (left.fillna(0) != right.fillna(0))
        _add(comparison, column, both[~counted & differs])  # a row counts once, by its first difference
        counted = counted | differs
    return comparison
