"""DuckDB's memory budget (KIM_DUCKDB_MEMORY_LIMIT): bounded by default, configurable, and a bad
value is refused with the variable's name."""

from __future__ import annotations

import pytest

from warehouse.migrate import connect


def memory_limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


def test_the_warehouse_gets_a_bounded_memory_budget(tmp_path, monkeypatch):
    monkeypatch.delenv("KIM_DUCKDB_MEMORY_LIMIT", raising=False)
    con = connect(tmp_path / "w.duckdb")
    try:
        assert memory_limit(con) == "3.7 GiB"  # 4GB: DuckDB shows powers of 1024
    finally:
        con.close()
    monkeypatch.setenv("KIM_DUCKDB_MEMORY_LIMIT", "1GB")
    con = connect(tmp_path / "w.duckdb")
    try:
        assert memory_limit(con) == "953.6 MiB"
    finally:
        con.close()


def test_a_malformed_memory_limit_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("KIM_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="KIM_DUCKDB_MEMORY_LIMIT='lots'"):
        connect(tmp_path / "w.duckdb")
