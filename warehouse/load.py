"""Load deliveries from the landing folder into raw.* — one transaction per delivery, idempotent.

Every delivery seen is registered in raw.deliveries with its state. A rejected delivery adds only
its register entry; an accepted one adds its good rows to raw.* and its bad rows to quarantine.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from checks.manifest import MANIFEST_NAME, content_key, delivery_id, landed_digest, linked_folder_rejection
from kim.config import ProgrammeConfig
from kim.contract import column_names
from kim.errors import DeliveryRejected, unreadable_workbook, workbook_library_errors
from kim.settings import MissingPseudonymKey, arrival_from_file_times
from kim.workers import worker_pool, workers_for
from transforms.delivery import (
    DEFAULT_MAX_BAD_ROW_SHARE,
    DecodedDelivery,
    assess,
    decode_delivery,
    find_delivery_dirs,
    read_verified_manifest,
)
from transforms.pseudonymise import Pseudonymiser, fingerprint_matches, is_legacy_fingerprint, key_fingerprint
from warehouse.db import exists, fetch_scalar, transaction

DELIVERY_IS_KNOWN = "SELECT 1 FROM raw.deliveries WHERE content_key = ?"
REGISTER_DELIVERY = """
INSERT INTO raw.deliveries
    (delivery_id, content_key, provider_id, period, exported_at, received_at, file_modified_at,
     registered_at, state, total_rows, quarantined_rows, rejection_rule, rejection_file, rejection_line,
     rejection_message, landing_path)
VALUES (?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?)
"""
# The newest accepted delivery of a provider is 'accepted', the older ones 'superseded'
# (raw.delivery_succession says which is the newest).
UPDATE_PROVIDER_STATES = """
UPDATE raw.deliveries AS d
SET state = CASE WHEN s.superseded_from IS NULL THEN 'accepted' ELSE 'superseded' END
FROM raw.delivery_succession AS s
WHERE d.delivery_id = s.delivery_id AND s.provider_id = ?
  AND d.state <> CASE WHEN s.superseded_from IS NULL THEN 'accepted' ELSE 'superseded' END
"""
INSERT_DELIVERY_FILE = "INSERT INTO raw.delivery_files VALUES (?, ?, ?, ?)"
# Table names below come from exchange_format.TABLES, never from input.
INSERT_RAW_ROWS = "INSERT INTO raw.{table} BY NAME SELECT ? AS delivery_id, ? AS provider_id, * FROM incoming"
INSERT_QUARANTINE = """
INSERT INTO quarantine.rejected_rows BY NAME
SELECT ? AS delivery_id, ? AS provider_id, * FROM incoming
"""
# The register entry of the newest content seen in a delivery folder.
SELECT_REGISTER_ENTRY = """
SELECT delivery_id, state, exported_at, total_rows, quarantined_rows, rejection_rule, rejection_file,
       rejection_line, rejection_message
FROM raw.deliveries WHERE landing_path = ? ORDER BY registered_at DESC LIMIT 1
"""
SELECT_KEY_FINGERPRINT = "SELECT fingerprint FROM raw.pseudonym_key"
INSERT_KEY_FINGERPRINT = "INSERT INTO raw.pseudonym_key VALUES (?, now())"
# A warehouse of the first releases keeps a fast, unsalted fingerprint: replaced by the slow one
# the first time the right key is presented.
UPGRADE_KEY_FINGERPRINT = "UPDATE raw.pseudonym_key SET fingerprint = ? WHERE fingerprint = ?"


# From this many delivery folders in a landing on, a load decodes in worker processes.
PARALLEL_FROM = 8


class PseudonymKeyMismatch(RuntimeError):
    """The warehouse was built with another pseudonymisation key."""


KEY_VARIABLE = "KIM_PSEUDONYM_KEY"


def pseudonym_key_value(key: object) -> str:
    """The secret itself, as a plain string.

    The Dagster resources hold the key as `dg.EnvVar("KIM_PSEUDONYM_KEY")` (so the UI shows the
    variable, not the secret). An EnvVar is a str whose text is the variable's *name*: used as a
    key outside a Dagster run (kim run loads in-process) it would make every pseudonym an HMAC
    under the public word "KIM_PSEUDONYM_KEY", which anyone can recompute. It is resolved here,
    and a key that still reads like the variable's name is refused."""
    get_value = getattr(key, "get_value", None)
    if callable(get_value):
        key = get_value()
    if not key:
        raise MissingPseudonymKey(f"{KEY_VARIABLE} is not set: no pseudonymisation key to load with")
    value = str.__str__(key) if isinstance(key, str) else str(key)
    if value.strip() in (KEY_VARIABLE, "$" + KEY_VARIABLE, "${" + KEY_VARIABLE + "}"):
        raise MissingPseudonymKey(
            f"the pseudonymisation key is the name of the variable ({KEY_VARIABLE}), not its value: "
            "the setting was not resolved; nothing was loaded"
        )
    return value


def ensure_pseudonym_key(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Record the key's fingerprint (slow and salted) on first load; refuse a different key
    afterwards; replace a fingerprint of the old fast scheme once the right key is presented."""
    key = pseudonym_key_value(key)
    recorded = fetch_scalar(con, SELECT_KEY_FINGERPRINT)
    if recorded is None:
        con.execute(INSERT_KEY_FINGERPRINT, [key_fingerprint(key)])
    elif fingerprint_matches(key, recorded):
        if is_legacy_fingerprint(recorded):
            con.execute(UPGRADE_KEY_FINGERPRINT, [key_fingerprint(key), recorded])
    else:
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
    quarantined_rows: int = 0
    landing_paths: list[str] = field(default_factory=list)  # folders registered now


@dataclass(frozen=True)
class Arrival:
    """When a delivery arrived (`received`: delivery_on_time reads it) and its manifest's file time
    (kept as information)."""

    received: datetime
    file_modified: datetime


def arrival(delivery_dir: Path, linked: bool) -> Arrival:
    """The delivery arrives now, when the pipeline first sees it complete (it is registered once:
    a delivery seen before is skipped); its file time only for synthetic history
    (kim.settings.arrival_from_file_times). The file time is the manifest's (written last); links
    are not followed (a refused linked folder may point nowhere)."""
    marker = delivery_dir / MANIFEST_NAME
    use_marker = not linked and marker.is_file() and not marker.is_symlink()
    file_modified = datetime.fromtimestamp((marker if use_marker else delivery_dir).lstat().st_mtime, tz=UTC)
    return Arrival(file_modified if arrival_from_file_times() else datetime.now(UTC), file_modified)


def _insert_frame(con: duckdb.DuckDBPyConnection, sql: str, frame, params: list) -> None:
    con.register("incoming", frame.to_arrow())
    try:
        con.execute(sql, params)
    finally:
        con.unregister("incoming")


def load_delivery(con: duckdb.DuckDBPyConnection, delivery: DecodedDelivery, key: str, arrived: Arrival) -> str:
    """Register a pseudonymised, assessed delivery and insert its rows in one transaction."""
    manifest = delivery.manifest
    provider_id = manifest.provider.id
    identifier = delivery_id(manifest.delivery_dir, key)
    quarantine = delivery.quarantine_rows()
    with transaction(con):
        con.execute(
            REGISTER_DELIVERY,
            [
                identifier,
                key,
                provider_id,
                manifest.period,
                manifest.exported_at,
                arrived.received,
                arrived.file_modified,
                "superseded",
                delivery.total_rows,
                delivery.bad_rows.height,
                None,
                None,
                None,
                None,
                str(manifest.delivery_dir),
            ],
        )
        for name, entry in sorted(manifest.files.items()):
            con.execute(INSERT_DELIVERY_FILE, [identifier, name, entry.sha256, entry.rows])
        for table in delivery.tables:
            rows = delivery.accepted_rows(table).select("source_row", *column_names(table))
            _insert_frame(con, INSERT_RAW_ROWS.format(table=table), rows, [identifier, provider_id])
        if quarantine.height:
            _insert_frame(con, INSERT_QUARANTINE, quarantine, [identifier, provider_id])
        con.execute(UPDATE_PROVIDER_STATES, [provider_id])
    return identifier


def register_rejection(
    con: duckdb.DuckDBPyConnection,
    rejection: DeliveryRejected,
    key: str,
    exported_at: datetime | None,
    linked: bool,
) -> str:
    folder = rejection.delivery_dir
    identifier = delivery_id(folder, key)
    arrived = arrival(folder, linked)
    con.execute(
        REGISTER_DELIVERY,
        [
            identifier,
            key,
            folder.parent.name,
            folder.name,
            exported_at,
            arrived.received,
            arrived.file_modified,
            "rejected",
            None,
            None,
            rejection.rule,
            rejection.file_name,
            rejection.source_row,
            rejection.message,
            str(folder),
        ],
    )
    return identifier


def delivery_register_entry(con: duckdb.DuckDBPyConnection, delivery_dir: Path) -> dict | None:
    result = con.execute(SELECT_REGISTER_ENTRY, [str(delivery_dir)])
    names = [column[0] for column in result.description]
    rows = result.fetchall()
    return dict(zip(names, rows[0])) if rows else None


def decode_for_load(manifest) -> DecodedDelivery:
    """decode_delivery, with the XLSX reader's own errors (a damaged sheet: found by
    tests/transforms/test_fuzz_decoder.py) turned into a rejection of the delivery instead of a crashed run."""
    try:
        return decode_delivery(manifest)
    except workbook_library_errors() as error:
        raise unreadable_workbook(manifest.delivery_dir, error) from None


@dataclass
class Prepared:
    """A new delivery folder read and judged, not yet written: `decoded` (accepted, with its
    quarantine) or `rejection`. Made in a worker process when many deliveries arrive at once."""

    delivery_dir: Path
    key: str  # content key
    linked: bool
    decoded: DecodedDelivery | None = None
    rejection: DeliveryRejected | None = None
    exported_at: datetime | None = None


def prepare_delivery(
    delivery_dir: Path,
    config: ProgrammeConfig,
    digest: dict[str, str],
    linked: DeliveryRejected | None,
    max_bad_row_share: float = DEFAULT_MAX_BAD_ROW_SHARE,
) -> Prepared:
    """Verify, decode and assess one new delivery (no warehouse access: safe in a worker)."""
    prepared = Prepared(delivery_dir, content_key(delivery_dir, digest), linked is not None)
    manifest = None
    try:
        if linked:
            raise linked
        manifest = read_verified_manifest(delivery_dir, config, digest)
        decoded = decode_for_load(manifest)
        assess(decoded, max_bad_row_share)
    except DeliveryRejected as rejection:
        prepared.rejection = rejection
        prepared.exported_at = manifest.exported_at if manifest else None
        return prepared
    prepared.decoded = decoded
    return prepared


def record_prepared(
    con: duckdb.DuckDBPyConnection, prepared: Prepared, pseudonymiser: Pseudonymiser, summary: IngestSummary
) -> None:
    """Write a prepared delivery: its rejection's register entry, or its pseudonymised rows."""
    if prepared.rejection is not None:
        register_rejection(con, prepared.rejection, prepared.key, prepared.exported_at, prepared.linked)
        summary.rejected.append(prepared.rejection)
    else:
        decoded = prepared.decoded
        assert decoded is not None
        arrived = arrival(prepared.delivery_dir, prepared.linked)
        summary.accepted.append(load_delivery(con, decoded.pseudonymised(pseudonymiser), prepared.key, arrived))
        summary.quarantined_rows += decoded.bad_rows.height
    summary.landing_paths.append(str(prepared.delivery_dir))


def _new_delivery(
    con: duckdb.DuckDBPyConnection, delivery_dir: Path, summary: IngestSummary
) -> tuple[dict[str, str], DeliveryRejected | None] | None:
    """(digest, link rejection) of a folder not loaded before; None (a duplicate, noted) else.
    A linked folder is not even hashed (its files may lie anywhere); its register entry is keyed
    on the folder alone, so it is registered once, and again only when it became a real folder."""
    linked = linked_folder_rejection(delivery_dir)
    digest = landed_digest(delivery_dir, linked is not None)
    key = content_key(delivery_dir, digest)
    if exists(con, DELIVERY_IS_KNOWN, [key]):
        summary.duplicates.append(delivery_id(delivery_dir, key))
        return None
    return digest, linked


def ingest_delivery(
    con: duckdb.DuckDBPyConnection,
    delivery_dir: Path,
    config: ProgrammeConfig,
    pseudonym_key: str | Pseudonymiser,
    summary: IngestSummary,
    max_bad_row_share: float = DEFAULT_MAX_BAD_ROW_SHARE,
) -> None:
    """Register one delivery folder: skip it if seen, else accept (with quarantine) or reject."""
    pseudonymiser = (
        pseudonym_key if isinstance(pseudonym_key, Pseudonymiser) else Pseudonymiser(pseudonym_key_value(pseudonym_key))
    )
    new = _new_delivery(con, delivery_dir, summary)
    if new is not None:
        record_prepared(con, prepare_delivery(delivery_dir, config, *new, max_bad_row_share), pseudonymiser, summary)


def ingest_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    config: ProgrammeConfig,
    pseudonym_key: str,
    progress: Callable[[int, int], None] | None = None,
    max_bad_row_share: float = DEFAULT_MAX_BAD_ROW_SHARE,
    workers: int | None = None,
) -> IngestSummary:
    """Load every new delivery in the landing folder. A rejected delivery changes nothing in raw.*
    but its register entry; the provider's previous accepted delivery stays current.

    New deliveries are read, decoded and judged in `workers` processes (default: one per core beside
    this one, from PARALLEL_FROM new folders on),
    a few ahead of the writer; this process pseudonymises and writes them in folder order, one
    transaction each, exactly as a serial load does. The key never leaves this process."""
    pseudonym_key = pseudonym_key_value(pseudonym_key)
    ensure_pseudonym_key(con, pseudonym_key)
    summary = IngestSummary()
    delivery_dirs = find_delivery_dirs(landing_dir)
    pseudonymiser = Pseudonymiser(pseudonym_key)
    workers = workers_for(len(delivery_dirs), PARALLEL_FROM, beside=1) if workers is None else workers
    pending: deque[Future[Prepared]] = deque()

    def write(prepared: Prepared | None) -> None:
        if prepared is not None:
            record_prepared(con, prepared, pseudonymiser, summary)
        if progress:
            progress(len(summary.landing_paths) + len(summary.duplicates), len(delivery_dirs))

    with worker_pool(workers) if workers else contextlib.nullcontext() as pool:
        for delivery_dir in delivery_dirs:
            new = _new_delivery(con, delivery_dir, summary)
            if new is None or pool is None:
                write(None if new is None else prepare_delivery(delivery_dir, config, *new, max_bad_row_share))
                continue
            pending.append(pool.submit(prepare_delivery, delivery_dir, config, *new, max_bad_row_share))
            if len(pending) > workers + 1:  # bound the memory: a few decoded deliveries in flight
                write(pending.popleft().result())
        while pending:
            write(pending.popleft().result())
    return summary
