"""The monthly report rendered from the hand-built warehouses of hand_built.py."""

from __future__ import annotations

import pytest

from reports import render_reports
from tests.reports.monthly.hand_built import (
    CITY,
    RELEASED,
    REVISIONS,
    REVISIONS_DDL,
    RICH_FIRST,
    K,
    P,
    add_release,
    build_warehouse,
    periods_between,
    rich_rows,
    small_rows,
)


@pytest.fixture
def small(tmp_path):
    con = build_warehouse(tmp_path / "warehouse.duckdb", small_rows())
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    yield con, out, tmp_path
    con.close()


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("rich")
    con = build_warehouse(tmp_path / "warehouse.duckdb", rich_rows(), periods=periods_between(RICH_FIRST, P))
    con.execute(REVISIONS_DDL)
    con.executemany(
        "INSERT INTO marts.indicator_revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", REVISIONS
    )
    add_release(con, RELEASED)
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    yield con, out, tmp_path
    con.close()
