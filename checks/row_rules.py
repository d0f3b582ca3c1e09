"""Rules that look at more than one column or table of a delivery (design §3): required-iff,
date order, unique keys and references between tables. Vectorised with Polars joins."""

from __future__ import annotations

import polars as pl

from checks.findings import VIOLATION_SCHEMA, no_violations
from kim.contract import PRIMARY_KEYS, TERMINAL_NEED_STATUS

# (table, rule, column shown, condition that breaks the rule)
ROW_CONDITIONS: tuple[tuple[str, str, str, pl.Expr], ...] = (
    (
        "cases",
        "closing_reason_iff_closed",
        "closing_reason",
        pl.col("closed_on").is_null() != pl.col("closing_reason").is_null(),
    ),
    (
        "needs",
        "resolved_on_iff_terminal",
        "resolved_on",
        pl.col("status").is_in(list(TERMINAL_NEED_STATUS)) != pl.col("resolved_on").is_not_null(),
    ),
    (
        "needs",
        "unmet_reason_iff_unmet",
        "unmet_reason",
        (pl.col("status") == "nicht_gedeckt") != pl.col("unmet_reason").is_not_null(),
    ),
)
# (table, later column, earlier column): later must not lie before earlier
DATE_ORDER: tuple[tuple[str, str, str], ...] = (
    ("cases", "closed_on", "opened_on"),
    ("needs", "resolved_on", "identified_on"),
    ("handovers", "first_contact_on", "referred_on"),
    ("assignments", "assigned_to", "assigned_from"),
)
# (child table, child column, parent table, parent column)
REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("needs", "case_id", "cases", "case_id"),
    ("handovers", "case_id", "cases", "case_id"),
    ("handovers", "need_id", "needs", "need_id"),
    ("contacts", "case_id", "cases", "case_id"),
    ("assignments", "case_id", "cases", "case_id"),
)


def _violations(
    rows: pl.DataFrame,
    table: str,
    file_name: str,
    column: str,
    rule: str,
    value: pl.Expr | None = None,
    expected: str | None = None,
) -> pl.DataFrame:
    return rows.select(
        pl.lit(table).alias("table_name"),
        pl.lit(file_name).alias("file_name"),
        "source_row",
        pl.lit(column).alias("column_name"),
        pl.lit(rule).alias("rule"),
        (value if value is not None else pl.lit(None)).cast(pl.String).alias("value"),
        pl.lit(expected, dtype=pl.String).alias("expected"),
    ).cast(VIOLATION_SCHEMA)


def cross_column_violations(tables: dict[str, pl.DataFrame], file_names: dict[str, str]) -> pl.DataFrame:
    found: list[pl.DataFrame] = []
    for table, rule, column, broken in ROW_CONDITIONS:
        if table in tables:
            rows = tables[table].filter(broken.fill_null(False))
            found.append(_violations(rows, table, file_names[table], column, rule))
    for table, later, earlier in DATE_ORDER:
        if table in tables:
            rows = tables[table].filter((pl.col(later) < pl.col(earlier)).fill_null(False))
            found.append(_violations(rows, table, file_names[table], later, "date_order", pl.col(later), earlier))
    if "needs" in tables and "cases" in tables:
        # a need cannot be identified before its case was opened
        rows = (
            tables["needs"]
            .join(
                tables["cases"].select("case_id", pl.col("opened_on").alias("case_opened_on")),
                on="case_id",
                how="inner",
            )
            .filter(pl.col("identified_on") < pl.col("case_opened_on"))
        )
        found.append(
            _violations(
                rows,
                "needs",
                file_names["needs"],
                "identified_on",
                "date_order",
                pl.col("identified_on"),
                "cases.opened_on",
            )
        )
    for table, frame in tables.items():
        key = list(PRIMARY_KEYS[table])
        rows = frame.filter(pl.struct(key).is_duplicated())
        found.append(_violations(rows, table, file_names[table], key[0], "duplicate_key", None, ", ".join(key)))
    for child, column, parent, parent_column in REFERENCES:
        if child in tables and parent in tables:
            rows = (
                tables[child]
                .filter(pl.col(column).is_not_null())
                .join(tables[parent].select(pl.col(parent_column).alias(column)), on=column, how="anti")
            )
            found.append(_violations(rows, child, file_names[child], column, "orphan_reference", None, parent))
    found = [frame for frame in found if frame.height]
    return pl.concat(found) if found else no_violations()


def cascade_to_children(
    tables: dict[str, pl.DataFrame], violations: pl.DataFrame, file_names: dict[str, str]
) -> pl.DataFrame:
    """Rows that refer to a quarantined row are quarantined too, so staging never holds a need
    whose case is missing. Cases first, then needs (handovers refer to needs)."""
    found: list[pl.DataFrame] = []
    for parent in ("cases", "needs"):
        bad_rows = pl.concat([violations, *found]).filter(pl.col("table_name") == parent).select("source_row").unique()
        if parent not in tables or bad_rows.is_empty():
            continue
        parent_column = PRIMARY_KEYS[parent][0]
        bad_ids = tables[parent].join(bad_rows, on="source_row").select(pl.col(parent_column)).unique()
        for child, column, referred, _ in REFERENCES:
            if referred != parent or child not in tables:
                continue
            rows = tables[child].join(bad_ids.rename({parent_column: column}), on=column, how="semi")
            if rows.height:
                found.append(_violations(rows, child, file_names[child], column, "parent_quarantined", None, parent))
    return pl.concat(found) if found else no_violations()
