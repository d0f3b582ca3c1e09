"""An empty warehouse in memory with the schema of every marts table (for the specs' examples)."""

from __future__ import annotations

import pytest

from warehouse.migrate import connect
from warehouse.models import MART_MODELS, build_dim_providers, build_mart, build_staging


@pytest.fixture(scope="module")
def facts_db(config):
    con = connect(":memory:")
    build_staging(con)
    build_dim_providers(con, config)
    for name in MART_MODELS:
        build_mart(con, name)
    yield con
    con.close()


def marts_columns(con) -> dict[str, list[str]]:
    """marts table -> its columns, in order."""
    columns: dict[str, list[str]] = {}
    rows = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'marts' "
        "ORDER BY table_name, column_index"
    ).fetchall()
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns
