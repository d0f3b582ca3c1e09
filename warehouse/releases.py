"""Releases in the warehouse (issue 19, migration 0010): the register publication.releases, each
release's cells and public quantities as the disclosure audit saw them, the figures it publishes,
approval, and the history of approved releases that every later audit includes (design §6).

A release id is '<period>.<sequence>' ('2026-10.1', its first correction '2026-10.2'). Building a
period again before approval replaces the unapproved release of the same id; an approved release is
never changed: the next build of its period gets the next sequence number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import polars as pl

from transforms.disclosure.history import History
from warehouse.db import fetch_polars, transaction

RELEASE_ID_PATTERN = re.compile(r"^(\d{4}-(0[1-9]|1[0-2]))\.([1-9]\d{0,3})$")

SELECT_RELEASES = """
SELECT release_id, period, sequence, built_at, status, audit_passed, audited_with, manifest_sha256, folder,
       approved_by, approved_at, published_folder
FROM publication.releases
ORDER BY period, sequence
"""
SELECT_RELEASE = SELECT_RELEASES.replace("ORDER BY period, sequence", "WHERE release_id = $release_id")
SELECT_PERIOD_SEQUENCES = "SELECT sequence, status FROM publication.releases WHERE period = $period ORDER BY sequence"
SELECT_HISTORY_CELLS = """
SELECT c.release_id, c.indicator_id, c.period, c.provider_id, c.dimension, c.dimension_value,
       c.count_column AS "column", c.true_value, c.status, c.value
FROM publication.release_cells c JOIN publication.releases r USING (release_id)
WHERE r.status = 'approved'
"""
SELECT_HISTORY_PUBLIC = """
SELECT p.release_id, p.quantity, p.period, p.provider_id, p.value
FROM publication.release_public p JOIN publication.releases r USING (release_id)
WHERE r.status = 'approved'
"""
# The release's published rows (the reports' display rules turn them into what readers see).
SELECT_PUBLISHED_VALUES = """
SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator, suppressed
FROM marts.published_indicator_values
UNION ALL
SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator, suppressed
FROM marts.published_indicator_values_yearly
ORDER BY indicator_id, period, provider_id, dimension, dimension_value
"""
SELECT_RELEASE_VALUES = """
SELECT indicator_id, period, provider_id, dimension, dimension_value, shown, hidden
FROM publication.release_values WHERE release_id = $release_id
"""
# The deliveries registered between two releases (corrections among them): why figures changed.
SELECT_DELIVERIES_BETWEEN = """
SELECT d.provider_id, d.period, d.received_at,
       EXISTS (SELECT 1 FROM raw.deliveries e WHERE e.provider_id = d.provider_id AND e.period = d.period
               AND e.state <> 'rejected' AND e.registered_at < d.registered_at) AS is_correction
FROM raw.deliveries d
WHERE d.registered_at > $since AND d.registered_at <= $until AND d.state <> 'rejected'
ORDER BY d.period, d.provider_id, d.received_at
"""
DELETE_RELEASE = [
    "DELETE FROM publication.release_cells WHERE release_id = $release_id",
    "DELETE FROM publication.release_public WHERE release_id = $release_id",
    "DELETE FROM publication.release_values WHERE release_id = $release_id",
    "DELETE FROM publication.releases WHERE release_id = $release_id AND status = 'built'",
]
INSERT_RELEASE = """
INSERT INTO publication.releases
    (release_id, period, sequence, built_at, status, audit_passed, audited_with, manifest_sha256, folder)
VALUES ($release_id, $period, $sequence, $built_at, 'built', $audit_passed, $audited_with, $manifest_sha256, $folder)
"""
INSERT_CELLS = """
INSERT INTO publication.release_cells
SELECT $release_id, indicator_id, period, provider_id, dimension, dimension_value, "column", true_value, status, value
FROM release_cells_frame
"""
INSERT_PUBLIC = """
INSERT INTO publication.release_public
SELECT $release_id, quantity, period, provider_id, value FROM release_public_frame
"""
INSERT_VALUES = """
INSERT INTO publication.release_values
SELECT $release_id, indicator_id, period, provider_id, dimension, dimension_value, shown, hidden
FROM release_values_frame
"""
APPROVE = """
UPDATE publication.releases
SET status = 'approved', approved_by = $approved_by, approved_at = $approved_at, published_folder = $published_folder
WHERE release_id = $release_id AND status = 'built'
RETURNING release_id
"""


class ReleaseError(ValueError):
    """A release cannot be built or approved; the message (German) says why and what to do."""


@dataclass(frozen=True)
class ReleaseRecord:
    release_id: str
    period: str
    sequence: int
    built_at: datetime
    status: str
    audit_passed: bool
    audited_with: tuple[str, ...]
    manifest_sha256: str
    folder: str
    approved_by: str | None = None
    approved_at: datetime | None = None
    published_folder: str | None = None

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ReleaseRecord:
        return cls(**{**row, "audited_with": tuple(row["audited_with"] or ())})


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> list[ReleaseRecord]:
    cursor = con.execute(sql, params or {})
    names = [column[0] for column in cursor.description]
    return [ReleaseRecord.from_row(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def releases(con: duckdb.DuckDBPyConnection) -> list[ReleaseRecord]:
    """Every release, oldest period and sequence first."""
    return _records(con, SELECT_RELEASES)


def release(con: duckdb.DuckDBPyConnection, release_id: str) -> ReleaseRecord:
    """One release; ReleaseError when the id is malformed or unknown."""
    if not RELEASE_ID_PATTERN.match(release_id):
        raise ReleaseError(f"„{release_id}“ ist keine Release-Kennung (Form JJJJ-MM.N, z. B. 2026-10.1).")
    found = _records(con, SELECT_RELEASE, {"release_id": release_id})
    if not found:
        raise ReleaseError(f"Ein Release {release_id} gibt es nicht. `kim releases` listet die vorhandenen.")
    return found[0]


def approved_ids(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    return tuple(r.release_id for r in releases(con) if r.approved)


def next_release_id(con: duckdb.DuckDBPyConnection, period: str) -> tuple[str, int]:
    """The id a new build of `period` gets: the unapproved release of the period (replaced), else
    the sequence after the newest approved one."""
    rows = con.execute(SELECT_PERIOD_SEQUENCES, {"period": period}).fetchall()
    sequence = next((seq for seq, status in rows if status == "built"), None)
    if sequence is None:
        sequence = max((seq for seq, _ in rows), default=0) + 1
    return f"{period}.{sequence}", sequence


def approved_history(con: duckdb.DuckDBPyConnection) -> History:
    """The cells and public quantities of every approved release: what a reader of everything
    ever published holds."""
    return History(fetch_polars(con, SELECT_HISTORY_CELLS), fetch_polars(con, SELECT_HISTORY_PUBLIC))


def published_values(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return fetch_polars(con, SELECT_PUBLISHED_VALUES)


def register_release(
    con: duckdb.DuckDBPyConnection,
    record: ReleaseRecord,
    cells: pl.DataFrame,
    public: pl.DataFrame,
    values: pl.DataFrame,
) -> None:
    """The release, its audited cells, public quantities and published figures, in one
    transaction; an unapproved release of the same id is replaced, an approved one never."""
    existing = _records(con, SELECT_RELEASE, {"release_id": record.release_id})
    if existing and existing[0].approved:
        raise ReleaseError(f"Release {record.release_id} ist freigegeben und wird nicht überschrieben.")
    parameters = {
        "release_id": record.release_id,
        "period": record.period,
        "sequence": record.sequence,
        "built_at": record.built_at,
        "audit_passed": record.audit_passed,
        "audited_with": list(record.audited_with),
        "manifest_sha256": record.manifest_sha256,
        "folder": record.folder,
    }
    frames = {"release_cells_frame": cells, "release_public_frame": public, "release_values_frame": values}
    for name, frame in frames.items():
        con.register(name, frame.to_arrow())
    try:
        with transaction(con):
            for statement in DELETE_RELEASE:
                con.execute(statement, {"release_id": record.release_id})
            con.execute(INSERT_RELEASE, parameters)
            for statement in (INSERT_CELLS, INSERT_PUBLIC, INSERT_VALUES):
                con.execute(statement, {"release_id": record.release_id})
    finally:
        for name in frames:
            con.unregister(name)


def record_approval(
    con: duckdb.DuckDBPyConnection, release_id: str, approved_by: str, approved_at: datetime, published_folder: str
) -> bool:
    """Record the approval; False when the release was not (or no longer) an unapproved one."""
    with transaction(con):
        updated = con.execute(
            APPROVE,
            {
                "release_id": release_id,
                "approved_by": approved_by,
                "approved_at": approved_at,
                "published_folder": published_folder,
            },
        ).fetchall()
    return len(updated) == 1


def release_values(con: duckdb.DuckDBPyConnection, release_id: str) -> pl.DataFrame:
    """The figures a release published, as shown (key, shown, hidden)."""
    return fetch_polars(con, SELECT_RELEASE_VALUES, {"release_id": release_id})


def deliveries_between(con: duckdb.DuckDBPyConnection, since: datetime, until: datetime) -> pl.DataFrame:
    """The deliveries loaded between two releases; is_correction: the provider had delivered that
    month before."""
    return fetch_polars(con, SELECT_DELIVERIES_BETWEEN, {"since": since, "until": until})
