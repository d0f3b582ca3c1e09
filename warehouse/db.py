"""Small query helpers. They always drain the result: DuckDB 2 refuses further work on a
connection (e.g. registering a frame) while a result is only partly fetched."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import duckdb


def fetch_scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def exists(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> bool:
    return bool(con.execute(sql, params or []).fetchall())


def fetch_polars(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None):
    """A query's result as a Polars frame (via Arrow, no copy); `params` positional or named ($name)."""
    if isinstance(params, Mapping):
        return con.sql(sql, params=dict(params)).pl()
    return con.sql(sql, params=list(params) if params else None).pl()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All statements of the block in one transaction: committed together, or rolled back and the
    error raised again, so a failure leaves the warehouse as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
