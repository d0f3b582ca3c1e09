"""Loading one delivery inside a Dagster step: telling transient failures (tried again by the
asset's retry policy) from permanent ones (a rejected delivery: dg.Failure without retries).

Transient: the delivery is still being written (no manifest.json yet, a listed file not there
yet, a file changed within the landing sensor's quiet minute), an I/O error while reading it, the
warehouse file locked by another process. On the last attempt a delivery that is still incomplete
is loaded as it is, so that it is registered as rejected with its reason instead of vanishing.

Permanent: the delivery is rejected (manifest or checksum mismatch of a finished delivery, an
unreadable file, a direct identifier, too many bad rows …: the register raw.deliveries keeps the
rule, file, line and message), or the pseudonym key is missing or wrong.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from checks.manifest import MANIFEST_NAME, linked_folder_rejection
from kim.config import ProgrammeConfig
from kim.settings import MissingPseudonymKey
from kim.text import printable
from pipelines.defs.partitions import month_range
from pipelines.warehouse_lock import WarehouseLocked
from warehouse.incremental import RecomputePlan, config_fingerprint, plan_indicator_recompute
from warehouse.landing import DEFAULT_QUIET_SECONDS, latest_change
from warehouse.load import (
    IngestSummary,
    PseudonymKeyMismatch,
    delivery_register_entry,
    ensure_pseudonym_key,
    ingest_delivery,
)

# The run tag with the content the landing sensor saw (its run key holds it too). A folder that
# changed since is loaded as it is now, once quiet again; the sensor then sees the change and
# requests a run for it too, which finds it loaded.
CONTENT_KEY_TAG = "kim/content_key"
DELIVERY_TAG = "kim/delivery"


class DeliveryStillArriving(RuntimeError):
    """The delivery folder is still being written (transient)."""


def still_arriving(folder: Path, now: float, quiet_seconds: float = DEFAULT_QUIET_SECONDS) -> str | None:
    """Why the folder looks like a delivery still being copied, or None when it looks complete."""
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file():
        return f"{folder} has no {MANIFEST_NAME} yet (providers write it last)"
    age = now - latest_change(folder)
    if age < quiet_seconds:
        return f"a file in {folder} changed {max(age, 0):.0f} s ago: it may still be being copied"
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8-sig")).get("files") or {}
    except (OSError, ValueError, AttributeError):
        return None  # an unreadable manifest of a quiet folder is a rejection, not a transient state
    if isinstance(listed, dict):
        missing = sorted(
            name for name in listed if isinstance(name, str) and "/" not in name and not (folder / name).is_file()
        )
        if missing:
            return f"{', '.join(missing)} listed in {MANIFEST_NAME} of {folder} is not there yet"
    return None


@dataclass
class LoadOutcome:
    entry: dict
    loaded_now: bool
    plan: RecomputePlan
    months: tuple[str, str] | None


def register_metadata(entry: dict) -> dict:
    """What the delivery register says about one delivery, as Dagster metadata."""
    metadata = {
        "state": entry["state"],
        "delivery_id": entry["delivery_id"],
        "exported_at": str(entry["exported_at"]),
        "rows": dg.MetadataValue.int(entry["total_rows"] or 0),
        "quarantined_rows": dg.MetadataValue.int(entry["quarantined_rows"] or 0),
    }
    if entry["rejection_rule"]:
        metadata.update(
            {
                # plain text, never Markdown: the message quotes what the provider delivered
                # (kim.text); "line" only where the rejection has one
                "rejection": dg.MetadataValue.text(
                    printable(
                        f"[{entry['rejection_rule']}] {entry['rejection_file'] or 'manifest.json'}"
                        + (f" line {entry['rejection_line']}" if entry["rejection_line"] else "")
                        + f": {entry['rejection_message']}"
                    )
                ),
                "rejection_rule": entry["rejection_rule"],
                "rejection_file": dg.MetadataValue.text(printable(entry["rejection_file"] or "")),
                "rejection_line": dg.MetadataValue.int(entry["rejection_line"]) if entry["rejection_line"] else "",
            }
        )
    return metadata


def rejection_text(folder: Path, entry: dict) -> str:
    """A register entry's rejection as DeliveryRejected prints it: folder/file, line: [rule] message."""
    where = f"{folder}/{entry['rejection_file']}" if entry["rejection_file"] else str(folder)
    if entry["rejection_line"]:
        where += f", line {entry['rejection_line']}"
    return f"{where}: [{entry['rejection_rule']}] {entry['rejection_message']}"


def load_metadata(outcome: LoadOutcome) -> dict:
    metadata = register_metadata(outcome.entry)
    metadata["loaded_now"] = outcome.loaded_now
    metadata["plan"] = outcome.plan.describe()
    if outcome.months:  # read by the sensor update_after_deliveries
        metadata["recompute_from"], metadata["recompute_to"] = outcome.months
    return metadata


def load_delivery_step(
    context: dg.AssetExecutionContext,
    folder: Path,
    connection,
    config: ProgrammeConfig,
    pseudonym_key_of,
    suppression_k: int,
    max_retries: int,
) -> LoadOutcome:
    """Load one delivery folder; raise a transient error (retried) or dg.Failure(allow_retries=False)."""
    if not folder.is_dir():
        raise dg.Failure(
            description=(
                f"There is no delivery folder {folder}: nothing to load for partition {context.partition_key}. "
                "Partition keys are <provider>/<YYYY-MM> of a folder in KIM_LANDING_DIR; the landing sensor "
                "adds them. Delete a partition that was added by mistake in the UI."
            ),
            allow_retries=False,
        )
    last_attempt = context.retry_number >= max_retries
    # A linked folder is refused by the load below without looking behind the link; do not
    # look there for file times either.
    waiting = None if linked_folder_rejection(folder) else still_arriving(folder, time.time())
    if waiting:
        if not last_attempt:
            raise DeliveryStillArriving(
                f"{waiting}. Tried again (attempt {context.retry_number + 1} of {max_retries + 1})."
            )
        context.log.warning(f"{waiting}; last attempt: loading it as it is (it will be rejected if incomplete)")
    try:
        key = pseudonym_key_of()
        summary = IngestSummary()
        with connection() as con:
            ensure_pseudonym_key(con, key)
            ingest_delivery(con, folder, config, key, summary)
            entry = delivery_register_entry(con, folder)
            plan = plan_indicator_recompute(con, config_fingerprint(config), suppression_k)
    except (MissingPseudonymKey, PseudonymKeyMismatch) as error:
        raise dg.Failure(description=str(error), allow_retries=False) from error
    except (OSError, duckdb.IOException, WarehouseLocked):
        raise  # transient: an I/O error or a locked file; the retry policy tries again
    except dg.Failure:
        raise
    except Exception as error:
        raise dg.Failure(
            description=(
                f"Loading {folder} failed with an unexpected {type(error).__name__}: {error}. Not tried again; "
                "the traceback is in this run's log. Check the delivery with `kim check "
                f"{folder}`; if it passes, this is a bug: report it with the run id."
            ),
            allow_retries=False,
        ) from error
    # ingest_delivery registers every folder it sees (or found it registered before)
    assert entry is not None, f"{folder} has no register entry after loading"
    if summary.rejected or entry["state"] == "rejected":
        reason = (
            str(summary.rejected[0])
            if summary.rejected
            else (f"{rejection_text(folder, entry)} (registered earlier, the files are unchanged)")
        )
        metadata = register_metadata(entry)
        context.log_event(
            dg.AssetObservation(
                asset_key=context.asset_key,
                partition=context.partition_key,
                metadata=metadata,
                description="Delivery rejected",
            )
        )
        raise dg.Failure(
            description=(
                f"Delivery rejected: {reason}. Nothing of it was loaded; the provider's previous delivery "
                f"stays current. Ask the provider for a corrected export into the same folder (`kim check "
                f"{folder}` lists every problem). Not tried again: the same files are rejected the same way."
            ),
            metadata=metadata,
            allow_retries=False,
        )
    return LoadOutcome(entry, loaded_now=bool(summary.accepted), plan=plan, months=month_range(plan))
