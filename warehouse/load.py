"""Load deliveries from the landing folder into raw.* — one transaction per delivery, idempotent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from checks.errors import DeliveryRejected
from kim.config import ProgrammeConfig
from transforms.delivery import DecodedDelivery, decode_delivery, find_delivery_dirs, read_verified_manifest
from transforms.exchange_format import column_names
from transforms.pseudonymise import key_fingerprint
from warehouse.db import exists, fetch_scalar

DELIVERY_IS_KNOWN = "SELECT delivery_id FROM raw.deliveries WHERE content_key = ?"
INSERT_DELIVERY = """
INSERT INTO raw.deliveries
    (delivery_id, content_key, provider_id, period, exported_at, format_version, landing_path, loaded_at)
VALUES (?, ?, ?, ?, ?, ?, ?, now())
"""
INSERT_DELIVERY_FILE = "INSERT INTO raw.delivery_files VALUES (?, ?, ?, ?)"
INSERT_LOG = """
INSERT INTO dq.delivery_log
    (logged_at, landing_path, provider_id, period, content_key, outcome, delivery_id, file_name,
     source_row, rule, message)
VALUES (now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
# A rejected delivery is decided once per content: re-runs do not log it again.
REJECTION_IS_LOGGED = """
SELECT 1 FROM dq.delivery_log
WHERE landing_path = ? AND outcome = 'rejected' AND content_key IS NOT DISTINCT FROM ? AND message = ?
"""
# Table names below come from exchange_format.TABLES, never from input.
INSERT_RAW_ROWS = "INSERT INTO raw.{table} BY NAME SELECT ? AS delivery_id, ? AS provider_id, * FROM incoming"


SELECT_KEY_FINGERPRINT = "SELECT fingerprint FROM raw.pseudonym_key"
INSERT_KEY_FINGERPRINT = "INSERT INTO raw.pseudonym_key VALUES (?, now())"


class PseudonymKeyMismatch(RuntimeError):
    """The warehouse was built with another pseudonymisation key."""


def ensure_pseudonym_key(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Record the key's fingerprint on first load; refuse a different key afterwards."""
    fingerprint = key_fingerprint(key)
    recorded = fetch_scalar(con, SELECT_KEY_FINGERPRINT)
    if recorded is None:
        con.execute(INSERT_KEY_FINGERPRINT, [fingerprint])
    elif recorded != fingerprint:
        raise PseudonymKeyMismatch(
            "KIM_PSEUDONYM_KEY is not the key this warehouse was built with: loading would give "
            "the same person and case a second pseudonym. Set the original key, or start a new "
            "warehouse (KIM_WAREHOUSE) and load every delivery again."
        )


@dataclass
class IngestSummary:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[DeliveryRejected] = field(default_factory=list)


def load_delivery(con: duckdb.DuckDBPyConnection, delivery: DecodedDelivery) -> bool:
    """Insert a pseudonymised delivery into raw.* in one transaction.

    Returns False (and changes nothing) when the same content was loaded before.
    """
    manifest = delivery.manifest
    if exists(con, DELIVERY_IS_KNOWN, [manifest.content_key]):
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            INSERT_DELIVERY,
            [manifest.delivery_id, manifest.content_key, manifest.provider.id, manifest.period,
             manifest.exported_at, manifest.format_version, str(manifest.delivery_dir)],
        )
        for name, entry in sorted(manifest.files.items()):
            con.execute(INSERT_DELIVERY_FILE, [manifest.delivery_id, name, entry.sha256, entry.rows])
        for table, frame in delivery.tables.items():
            incoming = frame.with_row_index("source_row", offset=2).select(
                "source_row", *column_names(table)
            )
            con.register("incoming", incoming.to_arrow())
            try:
                con.execute(INSERT_RAW_ROWS.format(table=table), [manifest.delivery_id, manifest.provider.id])
            finally:
                con.unregister("incoming")
        con.execute(
            INSERT_LOG,
            [str(manifest.delivery_dir), manifest.provider.id, manifest.period, manifest.content_key,
             "accepted", manifest.delivery_id, None, None, None, None],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return True


def _log_rejection(con: duckdb.DuckDBPyConnection, rejection: DeliveryRejected) -> None:
    path = str(rejection.delivery_dir)
    if exists(con, REJECTION_IS_LOGGED, [path, None, rejection.message]):
        return
    con.execute(
        INSERT_LOG,
        [path, rejection.delivery_dir.parent.name, rejection.delivery_dir.name, None, "rejected", None,
         rejection.file_name, rejection.source_row, rejection.rule, rejection.message],
    )


def ingest_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    config: ProgrammeConfig,
    pseudonym_key: str,
    progress: Callable[[int, int], None] | None = None,
) -> IngestSummary:
    """Load every new delivery in the landing folder. A rejected delivery changes nothing in raw.*;
    the provider's previous accepted delivery stays current."""
    ensure_pseudonym_key(con, pseudonym_key)
    summary = IngestSummary()
    delivery_dirs = find_delivery_dirs(landing_dir)
    for done, delivery_dir in enumerate(delivery_dirs, start=1):
        try:
            manifest = read_verified_manifest(delivery_dir, config)
            # Checksums identify the content: a delivery loaded before is not decoded again.
            if exists(con, DELIVERY_IS_KNOWN, [manifest.content_key]):
                summary.duplicates.append(manifest.delivery_id)
            elif load_delivery(con, decode_delivery(manifest).pseudonymised(pseudonym_key)):
                summary.accepted.append(manifest.delivery_id)
            else:
                summary.duplicates.append(manifest.delivery_id)
        except DeliveryRejected as rejection:
            summary.rejected.append(rejection)
            _log_rejection(con, rejection)
        if progress:
            progress(done, len(delivery_dirs))
    return summary
