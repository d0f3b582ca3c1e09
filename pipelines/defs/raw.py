"""Raw layer: every delivery, one partition per provider and month, append-only."""

from pathlib import Path

import dagster as dg

from kim.config import load_config
from kim.settings import Settings
from pipelines.defs.partitions import delivery_partitions
from pipelines.defs.resources import WAREHOUSE_POOL, KimSettingsResource, WarehouseResource
from warehouse.load import IngestSummary, delivery_register_entry, ensure_pseudonym_key, ingest_delivery

RAW_DELIVERIES = dg.AssetKey(["raw", "deliveries"])
# Partitions are fixed when the definitions load: the configured providers x the months.
DELIVERY_PARTITIONS = delivery_partitions(load_config(Settings.from_env().config))


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
        metadata["rejection"] = dg.MetadataValue.md(
            f"`{entry['rejection_rule']}` in `{entry['rejection_file']}` line {entry['rejection_line']}: "
            f"{entry['rejection_message']}"
        )
    return metadata


@dg.asset(
    key=RAW_DELIVERIES,
    group_name="raw",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    partitions_def=DELIVERY_PARTITIONS,
    description=(
        "One provider's delivery for one month (landing/<provider>/<YYYY-MM>/): manifest verified, "
        "files decoded through the provider's profile, ids replaced by keyed hashes, good rows to "
        "raw.<table>, bad rows to quarantine.rejected_rows. Every delivery seen is in the register "
        "raw.deliveries. Loading the same delivery twice changes nothing; a rejected delivery fails "
        "the run with the reason and changes no data."
    ),
)
def raw_deliveries(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, kim: KimSettingsResource
) -> dg.MaterializeResult:
    dimensions = context.partition_key.keys_by_dimension
    folder = Path(kim.landing_dir) / dimensions["provider"] / dimensions["period"]
    if not folder.is_dir():
        raise dg.Failure(f"There is no delivery in {folder}: nothing to load for this partition.")
    summary = IngestSummary()
    with warehouse.get_connection() as con:
        ensure_pseudonym_key(con, kim.require_pseudonym_key())
        ingest_delivery(con, folder, kim.programme_config(), kim.require_pseudonym_key(), summary)
        entry = delivery_register_entry(con, folder)
    if summary.rejected:
        raise dg.Failure(description=f"Delivery rejected: {summary.rejected[0]}", metadata=register_metadata(entry))
    return dg.MaterializeResult(metadata=register_metadata(entry))
