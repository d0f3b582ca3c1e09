"""A whole run in one process (`kim run`, `kim demo`, end-to-end tests): load every new delivery,
recording each as a materialisation of its raw partition, then rebuild everything after raw."""

from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from kim.settings import Settings
from pipelines.defs.partitions import delivery_partition_key
from pipelines.defs.raw import DELIVERY_PARTITIONS, RAW_DELIVERIES, register_metadata
from pipelines.defs.resources import build_resources
from pipelines.defs.jobs import DOWNSTREAM_OF_RAW
from warehouse.load import IngestSummary, delivery_register_entry, ingest_landing


@dataclass
class PipelineRun:
    ingest: IngestSummary
    result: dg.ExecuteInProcessResult


def _record_deliveries(instance: dg.DagsterInstance, con, summary: IngestSummary, landing_dir: Path) -> None:
    """Each newly registered delivery appears in the UI under its provider x month partition:
    accepted ones as materialisations, rejected ones as observations with the reason."""
    valid_keys = set(DELIVERY_PARTITIONS.get_partition_keys())
    folders = {Path(p) for p in summary.landing_paths}
    for folder in sorted(folders):
        key = delivery_partition_key(folder.parent.name, folder.name)
        entry = delivery_register_entry(con, folder)
        if key not in valid_keys or entry is None:
            continue
        event_type = dg.AssetObservation if entry["state"] == "rejected" else dg.AssetMaterialization
        instance.report_runless_asset_event(
            event_type(asset_key=RAW_DELIVERIES, partition=key, metadata=register_metadata(entry))
        )


def run_pipeline(definitions: dg.Definitions, settings: Settings, instance: dg.DagsterInstance,
                 progress=None) -> PipelineRun:
    resources = build_resources(settings)
    warehouse, kim = resources["warehouse"], resources["kim"]
    with warehouse.get_connection() as con:
        summary = ingest_landing(
            con, settings.landing_dir, kim.programme_config(), kim.require_pseudonym_key(), progress=progress
        )
        _record_deliveries(instance, con, summary, settings.landing_dir)
    assets = list(definitions.assets or []) + list(definitions.asset_checks or [])
    result = dg.materialize(
        assets, selection=DOWNSTREAM_OF_RAW, resources=resources, instance=instance, raise_on_error=False
    )
    return PipelineRun(summary, result)
