"""Indicators of design §5 (and a few beyond it): one spec per indicator
(transforms/indicators/specs/<id>.yaml) and one SQL file (transforms/indicators/sql/<id>.sql).

Each SQL file reads the marts facts and the temporary tables `target_periods` (the periods being
computed) and `target_months` (their calendar months), so the same SQL serves a full rebuild, the
recomputation of a range of month partitions and the yearly figures. The registry, the German
labels, marts.dim_indicators and docs/indicators.md are derived from the specs; the build that runs
the SQL and writes marts.indicator_values is warehouse/indicator_build.py. How to add an indicator:
transforms/indicators/README.md.
"""

from transforms.indicators.registry import (
    FILLED_KINDS,
    INDICATORS,
    INDICATORS_BY_ID,
    KEY_COLUMNS,
    KINDS,
    SCHEMA,
    SHARED_OBSERVATIONS,
    hide_linked_figures,
    indicator_registry,
    indicator_sql,
    rows_without_observations,
)
from transforms.indicators.spec import Indicator, IndicatorKind, Relation, SpecError, Term

__all__ = [
    "FILLED_KINDS",
    "INDICATORS",
    "INDICATORS_BY_ID",
    "KEY_COLUMNS",
    "KINDS",
    "SCHEMA",
    "SHARED_OBSERVATIONS",
    "Indicator",
    "IndicatorKind",
    "Relation",
    "SpecError",
    "Term",
    "hide_linked_figures",
    "indicator_registry",
    "indicator_sql",
    "rows_without_observations",
]
