"""A whole run in one process (`kim run`, `kim demo`, end-to-end tests): load every new delivery,
recording each as a materialisation of its raw partition, then rebuild everything after raw —
the indicator months only as far as the new deliveries can change them."""

from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from kim.settings import Settings
from pipelines.defs.partitions import delivery_partition_key
from pipelines.defs.raw import DELIVERY_PARTITIONS, RAW_DELIVERIES, register_metadata
from pipelines.defs.resources import build_resources
from pipelines.defs.jobs import DOWNSTREAM_OF_RAW, PARTITION_RANGE_END, PARTITION_RANGE_START
from pipelines.defs.marts import MONTH_PARTITIONS, marts_key
from warehouse.incremental import RecomputePlan, config_fingerprint, plan_indicator_recompute
from warehouse.load import IngestSummary, delivery_register_entry, ingest_landing


@dataclass
class PipelineRun:
    ingest: IngestSummary
    result: dg.ExecuteInProcessResult
    plan: RecomputePlan


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


def month_range(plan: RecomputePlan, full: bool) -> tuple[str, str] | None:
    """The indicator partitions to run: the plan's months (all of them for `full`), clipped to the
    partitions that exist; None when no month needs recomputing."""
    keys = MONTH_PARTITIONS.get_partition_keys()
    if full:
        return keys[0], keys[-1]
    if plan.empty:
        return None
    first, last = max(plan.first_period, keys[0]), min(plan.last_period, keys[-1])
    return (first, last) if first <= last else None


def run_pipeline(definitions: dg.Definitions, settings: Settings, instance: dg.DagsterInstance,
                 progress=None, full: bool = False) -> PipelineRun:
    """Load, then materialise everything after raw. `full` recomputes every indicator month."""
    resources = build_resources(settings)
    warehouse, kim = resources["warehouse"], resources["kim"]
    config = kim.programme_config()
    with warehouse.get_connection() as con:
        summary = ingest_landing(con, settings.landing_dir, config, kim.require_pseudonym_key(), progress=progress)
        _record_deliveries(instance, con, summary, settings.landing_dir)
        plan = plan_indicator_recompute(con, config_fingerprint(config), kim.suppression_k)
    assets = list(definitions.assets or []) + list(definitions.asset_checks or [])
    months = month_range(plan, full)
    selection = DOWNSTREAM_OF_RAW
    tags = {}
    if months is None:  # nothing can have changed a figure: keep every indicator month as it is
        selection = selection - dg.AssetSelection.assets(marts_key("indicator_values"))
    else:
        tags = {PARTITION_RANGE_START: months[0], PARTITION_RANGE_END: months[1]}
    result = dg.materialize(
        assets, selection=selection, resources=resources, instance=instance, tags=tags, raise_on_error=False
    )
    return PipelineRun(summary, result, plan)
