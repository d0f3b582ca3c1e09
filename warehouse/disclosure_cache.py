"""The disclosure engine's solved blocks, kept in the warehouse (dq.disclosure_block_cache).

The protection's rounds, the gate audit after them and the next run solve many blocks that are
the same problem (transforms.disclosure.solve.fingerprint: same rows, bounds, true values, names,
targets and options, so the same intervals). Kept here, a block is solved once: the gate audit
reuses what the protection's last round solved, and a run after one new delivery solves only the
blocks the new figures touch. A cache belongs to one engine version; blocks cut off by a time
budget are never kept (transforms.disclosure.solve)."""

from __future__ import annotations

import duckdb
import polars as pl

from transforms.disclosure import ENGINE_VERSION
from transforms.disclosure.block import Interval, SolveStats
from transforms.disclosure.solve import BlockCache
from warehouse.db import fetch_polars, transaction

SELECT_CACHE = """
SELECT fingerprint, target_column, lower_bound, upper_bound, method, binding
FROM dq.disclosure_block_cache WHERE engine_version = $version
"""
# Blocks no step used for this long are dropped: the figures they were solved for are gone.
KEEP_UNUSED_DAYS = 14
DELETE_OLD = f"""
DELETE FROM dq.disclosure_block_cache
WHERE engine_version <> $version OR used_at < now() - INTERVAL {KEEP_UNUSED_DAYS} DAY
"""
INSERT_CACHE = """
INSERT OR REPLACE INTO dq.disclosure_block_cache
SELECT $version, fingerprint, target_column, lower_bound, upper_bound, method, binding, now() FROM cached_blocks
"""
SCHEMA: dict[str, pl.DataType] = {
    "fingerprint": pl.String(),
    "target_column": pl.Int32(),
    "lower_bound": pl.Float64(),
    "upper_bound": pl.Float64(),
    "method": pl.String(),
    "binding": pl.List(pl.String),
}


class TrackedCache(BlockCache):
    """A BlockCache that remembers which blocks were used (read or added) in this run, and which
    of them earlier steps had kept."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.used: set[str] = set()
        self.earlier: set[str] = set()  # the blocks loaded from dq.disclosure_block_cache

    @property
    def figures(self) -> dict[str, int]:
        """Distinct blocks this step needed: solved by it (and kept), or taken from earlier steps.
        Blocks cut off by a time budget are in neither (they are never kept)."""
        return {
            "blocks_solved": len(self.used - self.earlier),
            "blocks_from_earlier_steps": len(self.used & self.earlier),
        }

    def __contains__(self, key: object) -> bool:
        found = super().__contains__(key)
        if found and isinstance(key, str):
            self.used.add(key)
        return found

    def __setitem__(self, key: str, value: tuple[dict[int, Interval], SolveStats]) -> None:
        self.used.add(key)
        super().__setitem__(key, value)


def load_block_cache(con: duckdb.DuckDBPyConnection) -> TrackedCache:
    """The blocks solved by earlier steps and runs with this engine version."""
    cache = TrackedCache()
    frame = fetch_polars(con, SELECT_CACHE, {"version": ENGINE_VERSION})
    for (fingerprint,), part in frame.partition_by("fingerprint", as_dict=True, maintain_order=False).items():
        intervals = {
            int(column): Interval(lower, upper, method, tuple(binding))
            for column, lower, upper, method, binding in part.select(
                "target_column", "lower_bound", "upper_bound", "method", "binding"
            ).iter_rows()
        }
        dict.__setitem__(cache, fingerprint, (intervals, SolveStats()))
    cache.earlier = set(cache)
    return cache


def save_block_cache(con: duckdb.DuckDBPyConnection, cache: TrackedCache) -> None:
    """Store the blocks this step used (solved or taken from the cache) as used now, and drop those
    of another engine version or unused for KEEP_UNUSED_DAYS. Steps keep each other's blocks: the
    protection's rounds and the gate audit solve different problems of the same release."""
    rows = [
        (key, column, interval.lower, interval.upper, interval.method, list(interval.binding))
        for key in cache.used
        for column, interval in dict.__getitem__(cache, key)[0].items()
    ]
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    con.register("cached_blocks", frame.to_arrow())
    try:
        with transaction(con):
            con.execute(DELETE_OLD, {"version": ENGINE_VERSION})
            con.execute(INSERT_CACHE, {"version": ENGINE_VERSION})
    finally:
        con.unregister("cached_blocks")
