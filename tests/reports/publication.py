"""The publication objects of migration 0007 (marts.publication_plan, marts.indicator_publication
and the published_* views the reports read) for hand-built warehouses, and a way to set a row's
publication status."""

from __future__ import annotations

from warehouse.migrate import migration_sql

PUBLICATION_MIGRATION = "0007_publication.sql"


def add_publication(con) -> None:
    """Create the publication tables and views on a hand-built marts schema (marts.indicator_values
    must exist; marts.indicator_values_yearly is created empty when it does not)."""
    con.execute(migration_sql(PUBLICATION_MIGRATION))


def set_status(
    con,
    status: str,
    indicator_id: str,
    period: str,
    provider_id: str = "all",
    dimension: str = "all",
    value: str = "all",
) -> None:
    """Give one row a status in marts.indicator_publication ('published', 'hidden', 'unpublished')."""
    reason = {"published": None, "hidden": "protection", "unpublished": "plan"}[status]
    con.execute(
        "INSERT OR REPLACE INTO marts.indicator_publication VALUES (?, ?, ?, ?, ?, ?, ?)",
        [indicator_id, period, provider_id, dimension, value, status, reason],
    )


def set_breakdown_status(
    con, status: str, indicator_id: str, period: str, dimension: str, provider_id: str = "all"
) -> None:
    """Give every stored row of one breakdown of one period a status (monthly or yearly rows by the
    period's form)."""
    table = "marts.indicator_values_yearly" if len(period) == 4 else "marts.indicator_values"
    values = con.execute(
        f"SELECT dimension_value FROM {table} WHERE indicator_id = ? AND period = ? AND provider_id = ? AND dimension = ?",
        [indicator_id, period, provider_id, dimension],
    ).fetchall()
    assert values, (indicator_id, period, provider_id, dimension)
    for (value,) in values:
        set_status(con, status, indicator_id, period, provider_id, dimension, value)
