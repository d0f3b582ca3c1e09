"""Releases from the command line and Dagster (issue 19): `kim publish` builds a release under the
warehouse lock, `kim approve` publishes it, `kim releases` lists them (reports.release does the
work, warehouse.releases keeps the register)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

from kim.config import load_config
from kim.settings import Settings
from pipelines.warehouse_lock import warehouse_lock
from reports.kit.chart_cache import chart_cache
from reports.release import BuiltRelease, ReleaseRecord, approve_release, build_release
from warehouse.migrate import connect
from warehouse.releases import releases

Waiting = Callable[[str], None]


@contextmanager
def _warehouse(settings: Settings, command: str, on_wait: Waiting | None) -> Iterator[duckdb.DuckDBPyConnection]:
    with warehouse_lock(settings.warehouse, command, timeout=settings.lock_timeout, on_wait=on_wait, command=command):
        con = connect(settings.warehouse)
        try:
            yield con
        finally:
            con.close()


def publish(settings: Settings, period: str | None = None, on_wait: Waiting | None = None) -> BuiltRelease:
    """Build the release of `period` (default: the newest month) into settings.releases."""
    city = load_config(settings.config).city
    with _warehouse(settings, "kim publish", on_wait) as con, chart_cache(settings.chart_cache):
        return build_release(
            con, settings.releases, city=city, k=settings.suppression_k, period=period, published_dir=settings.published
        )


def approve(settings: Settings, release_id: str, approved_by: str, on_wait: Waiting | None = None) -> ReleaseRecord:
    """Approve a built release and copy it into settings.published."""
    city = load_config(settings.config).city
    with _warehouse(settings, "kim approve", on_wait) as con:
        return approve_release(con, release_id, approved_by=approved_by, published_dir=settings.published, city=city)


def list_releases(settings: Settings, on_wait: Waiting | None = None) -> list[ReleaseRecord]:
    with _warehouse(settings, "kim releases", on_wait) as con:
        return releases(con)
