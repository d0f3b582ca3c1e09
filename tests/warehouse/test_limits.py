"""DuckDB's memory budget (KIM_DUCKDB_MEMORY_LIMIT): bounded by default, configurable, and a bad
value is refused with the variable's name; cached pages are given back before the disclosure
stages without losing the budget."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.migrate import connect, prepare, release_cached_pages


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


def cached_bytes(con) -> int:
    return con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0]


def test_cached_pages_are_given_back_and_the_budget_stays(tmp_path, monkeypatch):
    monkeypatch.setenv("KIM_DUCKDB_MEMORY_LIMIT", "1GB")
    con = connect(tmp_path / "w.duckdb")
    try:
        con.execute("CREATE TABLE t AS SELECT range AS a, hash(range) AS b FROM range(16000000)")  # b: incompressible
        con.execute("CHECKPOINT")
        assert con.execute("SELECT sum(a), max(b) > 0 FROM t").fetchall()[0] == (15999999 * 16000000 // 2, True)
        cached = cached_bytes(con)
        assert cached > 120 * 2**20  # the table's pages stay cached after the query
        release_cached_pages(con)
        assert cached_bytes(con) <= 64_000_000 < cached / 2  # evicted down to EVICT_TO_LIMIT
        assert memory_limit(con) == "953.6 MiB"
        assert con.execute("SELECT count(*) FROM t").fetchall()[0][0] == 16000000  # read again from disk
    finally:
        con.close()


def test_pages_that_cannot_be_evicted_stay_and_the_budget_is_set_again(monkeypatch):
    monkeypatch.setenv("KIM_DUCKDB_MEMORY_LIMIT", "1GB")
    con = duckdb.connect()  # in memory without a temporary folder: nothing can be evicted
    try:
        prepare(con)
        con.execute("SET temp_directory = ''")
        con.execute("CREATE TABLE t AS SELECT range AS a FROM range(3000000)")
        before = cached_bytes(con)
        release_cached_pages(con)  # DuckDB refuses the lower limit: no error, nothing lost
        assert cached_bytes(con) == before and memory_limit(con) == "953.6 MiB"
        assert con.execute("SELECT count(*) FROM t").fetchall()[0][0] == 3000000
    finally:
        con.close()
