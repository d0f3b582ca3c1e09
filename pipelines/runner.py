"""A whole run in one process (`kim run`, `kim demo`, end-to-end tests): load every new delivery,
recording each under its partition of raw/deliveries, then rebuild everything after raw — the
indicator months only as far as the new deliveries can change them. The whole run holds the
warehouse's run lock (pipelines/warehouse_lock.py), so a second `kim run` waits for it."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

import dagster as dg

from kim.contract import LOCAL_TIME_ZONE
from kim.settings import Settings
from pipelines.defs.jobs import DOWNSTREAM_OF_RAW
from pipelines.defs.marts import marts_key
from pipelines.defs.partitions import (
    DELIVERY_PARTITIONS_NAME,
    delivery_key_problem,
    delivery_partition_key,
    month_range,
    range_tags,
)
from pipelines.defs.raw import RAW_DELIVERIES, register_metadata
from pipelines.defs.resources import KimSettingsResource, WarehouseResource, build_resources
from pipelines.warehouse_lock import warehouse_lock
from warehouse.incremental import RecomputePlan, config_fingerprint, plan_indicator_recompute
from warehouse.load import IngestSummary, delivery_register_entry, ingest_landing

__all__ = ["PipelineRun", "month_range", "run_pipeline"]


@dataclass
class PipelineRun:
    ingest: IngestSummary
    result: dg.ExecuteInProcessResult
    plan: RecomputePlan


def _record_deliveries(instance: dg.DagsterInstance, con, summary: IngestSummary, config) -> None:
    """Each newly registered delivery appears in the UI under its partition <provider>/<YYYY-MM>
    (added to the dynamic partitions if new): accepted ones as materialisations, rejected ones as
    observations with the reason. They carry no recompute months: this run updates the marts itself."""
    today = datetime.now(LOCAL_TIME_ZONE).date()
    events = []
    for folder in sorted({Path(p) for p in summary.landing_paths}):
        provider_id, period = folder.parent.name, folder.name
        entry = delivery_register_entry(con, folder)
        if entry is None or delivery_key_problem(config, provider_id, period, today):
            continue  # registered (as rejected) in raw.deliveries; no partition for it
        events.append((delivery_partition_key(provider_id, period), entry))
    known = set(instance.get_dynamic_partitions(DELIVERY_PARTITIONS_NAME))
    new_keys = sorted({key for key, _ in events} - known)
    if new_keys:
        instance.add_dynamic_partitions(DELIVERY_PARTITIONS_NAME, new_keys)
    for key, entry in events:
        event_type = dg.AssetObservation if entry["state"] == "rejected" else dg.AssetMaterialization
        instance.report_runless_asset_event(
            event_type(asset_key=RAW_DELIVERIES, partition=key, metadata=register_metadata(entry))
        )


def run_pipeline(
    definitions: dg.Definitions,
    settings: Settings,
    instance: dg.DagsterInstance,
    progress=None,
    full: bool = False,
    on_wait: Callable[[str], None] | None = None,
    holder: str = "kim run",
) -> PipelineRun:
    """Load, then materialise everything after raw. `full` recomputes every indicator month.
    Holds the warehouse's run lock throughout; waits up to settings.lock_timeout for another
    holder (calling `on_wait` with who it is), then raises WarehouseBusy."""
    with warehouse_lock(settings.warehouse, holder, timeout=settings.lock_timeout, on_wait=on_wait, command=holder):
        return _run_pipeline(definitions, settings, instance, progress, full)


def _run_pipeline(definitions, settings, instance, progress, full) -> PipelineRun:
    resources = build_resources(settings)
    warehouse = cast(WarehouseResource, resources["warehouse"])
    kim = cast(KimSettingsResource, resources["kim"])
    config = kim.programme_config()
    with warehouse.get_connection() as con:
        summary = ingest_landing(con, settings.landing_dir, config, kim.require_pseudonym_key(), progress=progress)
        _record_deliveries(instance, con, summary, config)
        plan = plan_indicator_recompute(con, config_fingerprint(config), kim.suppression_k)
    assets = list(definitions.assets or []) + list(definitions.asset_checks or [])
    months = month_range(plan, full)
    selection = DOWNSTREAM_OF_RAW
    tags = {}
    if months is None:  # nothing can have changed a figure: keep every indicator month as it is
        selection = selection - dg.AssetSelection.assets(marts_key("indicator_values"))
    else:
        tags = range_tags(months)
    result = dg.materialize(
        assets, selection=selection, resources=resources, instance=instance, tags=tags, raise_on_error=False
    )
    return PipelineRun(summary, result, plan)
