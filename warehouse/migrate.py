"""Versioned schema migrations: numbered .sql files applied once each, in order, in a transaction."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import duckdb

from warehouse.db import transaction

MIGRATIONS_PACKAGE = "warehouse.migrations"

CREATE_MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS main.schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""
SELECT_APPLIED = "SELECT version FROM main.schema_migrations"
RECORD_APPLIED = "INSERT INTO main.schema_migrations (version, name) VALUES (?, ?)"


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration file, ordered by version."""
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migration_sql(name: str) -> str:
    """One migration's SQL by file name (the revisions' vintage database applies the views)."""
    return resources.files(MIGRATIONS_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet applied; returns the names applied now."""
    con.execute(CREATE_MIGRATIONS_TABLE)
    applied = {row[0] for row in con.execute(SELECT_APPLIED).fetchall()}
    newly_applied = []
    for version, name, sql in available_migrations():
        if version in applied:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute(RECORD_APPLIED, [version, name])
        newly_applied.append(name)
    return newly_applied


# DuckDB takes 80 % of the machine's memory by default; the pipeline shares the machine with
# Python (Polars frames, reports), so it gets a fixed budget and spills to <warehouse>.tmp beyond it.
MEMORY_LIMIT_VARIABLE = "KIM_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "4GB"
SET_MEMORY_LIMIT = "SET memory_limit = $limit"


def apply_limits(con: duckdb.DuckDBPyConnection) -> None:
    """Bound DuckDB's memory (KIM_DUCKDB_MEMORY_LIMIT, default 4GB, e.g. '2GB' or '75%'). Set on
    the connection, not in the connect config: another in-process connection to the same file
    with a different config would be refused."""
    limit = os.environ.get(MEMORY_LIMIT_VARIABLE, DEFAULT_MEMORY_LIMIT)
    try:
        con.execute(SET_MEMORY_LIMIT, {"limit": limit})
    except duckdb.Error as error:
        raise ValueError(
            f"{MEMORY_LIMIT_VARIABLE}={limit!r} is no DuckDB memory limit (e.g. 4GB, 75%): {error}"
        ) from None


# DuckDB keeps every page it has read or written cached until its memory limit is reached: after
# the load and the indicators at tier L that is GiBs, which the disclosure stages then need for
# the reader's system in Python. Lowering the limit for a moment evicts them (they are on disk).
EVICT_TO_LIMIT = "64MB"


def release_cached_pages(con: duckdb.DuckDBPyConnection) -> None:
    """Give DuckDB's cached pages back to the system, then set the configured limit again. Pages in
    use cannot be evicted; DuckDB then refuses the lower limit and keeps them, which is fine."""
    try:
        con.execute(SET_MEMORY_LIMIT, {"limit": EVICT_TO_LIMIT})
    except duckdb.Error:
        pass  # nothing lost: the pages stay cached, only the memory is not freed
    finally:
        apply_limits(con)


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """What every warehouse connection gets before use: the memory budget and every migration."""
    apply_limits(con)
    migrate(con)


def connect(database: Path | str) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file (creating its folder) with every migration applied."""
    database = Path(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database))
    prepare(con)
    return con
