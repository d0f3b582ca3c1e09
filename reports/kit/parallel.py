"""Render many reports in worker processes (issue 17: at tier L the 212 provider reports took most
of the reports' time, on one core).

A worker cannot open the warehouse while the run holds it for writing (DuckDB's file lock), so
the relations the reports read are copied into a snapshot file first, and every worker opens the
snapshot read-only. Which relations: every `<schema>.<name>` the report code mentions (its SQL
and Python) that exists in the warehouse, found by scanning the code, so a new query cannot be
forgotten; the copy is small (indicator values and dimensions, no facts but the deliveries').
Charts go through the same chart cache folder as in this process."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from kim.workers import worker_pool, workers_for
from reports.kit.chart_cache import active_cache_folder, chart_cache

# From this many reports of one kind on, they are rendered in worker processes (starting one, and
# the snapshot, cost about two seconds).
PARALLEL_FROM = 24
CHUNK = 8  # reports per task: small enough to balance, large enough to reuse a worker's imports
SCHEMAS = ("marts", "dq", "publication", "raw")
REFERENCE = re.compile(r"\b(" + "|".join(SCHEMAS) + r")\.([a-z_][a-z0-9_]*)\b")
SELECT_RELATIONS = """
SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()
UNION ALL
SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
"""
SNAPSHOT_ALIAS = "report_snapshot"
# A chunk renderer: (read-only connection, its items, keyword arguments) -> paths written.
ChunkRenderer = Callable[..., list[Path]]


@cache
def referenced_relations() -> frozenset[tuple[str, str]]:
    """Every schema-qualified name the report code mentions (a superset: also CTE-like words)."""
    root = Path(__file__).resolve().parents[1]
    found: set[tuple[str, str]] = set()
    for path in root.rglob("*"):
        if path.suffix in (".sql", ".py") and path.is_file():
            found.update(REFERENCE.findall(path.read_text(encoding="utf-8")))
    return frozenset(found)


@contextmanager
def warehouse_snapshot(con: duckdb.DuckDBPyConnection, folder: Path) -> Iterator[Path]:
    """A DuckDB file in `folder` holding, as tables, every relation the reports read."""
    path = folder / "reports-snapshot.duckdb"
    existing = {(schema, name) for schema, name in con.execute(SELECT_RELATIONS).fetchall()}
    relations = sorted(referenced_relations() & existing)
    # identifiers come from the report code's own names (REFERENCE allows [a-z0-9_] only) that the
    # catalog confirmed; the path is a temporary folder of this process
    quoted = path.as_posix().replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS {SNAPSHOT_ALIAS} (READ_WRITE)")  # also from a read-only warehouse
    try:
        for schema in sorted({schema for schema, _ in relations}):
            con.execute(f"CREATE SCHEMA {SNAPSHOT_ALIAS}.{schema}")
        for schema, name in relations:
            con.execute(f"CREATE TABLE {SNAPSHOT_ALIAS}.{schema}.{name} AS SELECT * FROM {schema}.{name}")
    finally:
        con.execute(f"DETACH {SNAPSHOT_ALIAS}")
    yield path


def _render_chunk(render: ChunkRenderer, snapshot: str, items: Sequence[Any], kwargs: dict, charts: Path | None) -> list[Path]:  # fmt: skip
    con = duckdb.connect(snapshot, read_only=True)
    try:
        with chart_cache(charts) if charts is not None else nullcontext():
            return render(con, items, **kwargs)
    finally:
        con.close()


def render_chunks(
    con: duckdb.DuckDBPyConnection, render: ChunkRenderer, items: Sequence[Any], **kwargs: Any
) -> list[Path]:
    """render(con, items, **kwargs), in worker processes for many items (kim.workers.workers_for), else here.
    `render` is a module-level function (it is sent to the workers by name). Paths in item order."""
    workers = workers_for(len(items), PARALLEL_FROM)
    if not workers:
        return render(con, items, **kwargs)
    charts = active_cache_folder()
    with (
        tempfile.TemporaryDirectory(prefix="kim-reports-") as folder,
        warehouse_snapshot(con, Path(folder)) as snapshot,
        worker_pool(workers) as pool,
    ):
        chunks = [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)]
        futures = [pool.submit(_render_chunk, render, str(snapshot), chunk, kwargs, charts) for chunk in chunks]
        return [path for future in futures for path in future.result()]
