"""A whole run in one process (`kim run`, `kim demo`, end-to-end tests): load every new delivery,
recording each under its partition of raw/deliveries, then rebuild everything after raw — the
indicator months only as far as the new deliveries can change them. The whole run holds the
warehouse's run lock (pipelines/warehouse_lock.py), so a second `kim run` waits for it."""

import logging
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
from warehouse.replay import replay_by_month

__all__ = ["PipelineRun", "StepProgress", "month_range", "run_pipeline"]

# The run's job as the Dagster UI lists it (not Dagster's "__ephemeral_asset_job__").
RUN_JOB_NAME = "kim_run"
# (step, message): a step started (message None), or a step logged a message at INFO or above.
StepProgress = Callable[[str, str | None], None]


class _StepHandler(logging.Handler):
    """Hands Dagster's step starts and the steps' own messages (context.log.info) to a callback."""

    def __init__(self, on_step: StepProgress) -> None:
        super().__init__(level=logging.DEBUG)
        self.on_step = on_step

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        if not isinstance(meta, dict) or not meta.get("step_key"):
            return
        event = meta.get("dagster_event")
        if event is not None and event.event_type_value == "STEP_START":
            self.on_step(meta["step_key"], None)
        elif event is None and record.levelno >= logging.INFO:
            self.on_step(meta["step_key"], str(meta.get("orig_message", record.getMessage())))


def _loggers(on_step: StepProgress | None) -> dict[str, dg.LoggerDefinition]:
    @dg.logger
    def step_progress(_init_context) -> logging.Logger:
        logger = logging.Logger("kim_step_progress", level=logging.DEBUG)
        if on_step is not None:
            logger.addHandler(_StepHandler(on_step))
        return logger

    return {"console": dg.colored_console_logger, "step_progress": step_progress}


def _run_config(verbose: bool) -> dict:
    """Dagster's own console log only with `verbose` (else warnings and errors)."""
    level = "DEBUG" if verbose else "WARNING"
    return {"loggers": {"console": {"config": {"log_level": level}}, "step_progress": {}}}


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
    on_step: StepProgress | None = None,
    verbose: bool = True,
    month_by_month: bool = False,
) -> PipelineRun:
    """Load, then materialise everything after raw as the job RUN_JOB_NAME. `full` recomputes
    every indicator month. Holds the warehouse's run lock throughout; waits up to
    settings.lock_timeout for another holder (calling `on_wait` with who it is), then raises
    WarehouseBusy. `on_step` hears each step start and the steps' messages; `verbose=False` keeps
    Dagster's own console log to warnings and errors. `month_by_month` (kim demo): the deliveries
    are loaded month by month with each month's checks recorded (warehouse.replay), so the
    data-quality report has a history; `progress` then counts months."""
    with warehouse_lock(settings.warehouse, holder, timeout=settings.lock_timeout, on_wait=on_wait, command=holder):
        return _run_pipeline(definitions, settings, instance, progress, full, on_step, verbose, month_by_month)


def _run_pipeline(definitions, settings, instance, progress, full, on_step, verbose, month_by_month) -> PipelineRun:
    resources = build_resources(settings)
    warehouse = cast(WarehouseResource, resources["warehouse"])
    kim = cast(KimSettingsResource, resources["kim"])
    config = kim.programme_config()
    with warehouse.get_connection() as con:
        key = kim.require_pseudonym_key()
        if month_by_month:
            on_month = None if progress is None else (lambda _period, done, total: progress(done, total))
            summary = replay_by_month(con, settings.landing_dir, config, key, on_month)
        else:
            summary = ingest_landing(con, settings.landing_dir, config, key, progress=progress)
        _record_deliveries(instance, con, summary, config)
        plan = plan_indicator_recompute(con, config_fingerprint(config), kim.suppression_k)
    months = month_range(plan, full)
    selection = DOWNSTREAM_OF_RAW
    tags = {}
    if months is None:  # nothing can have changed a figure: keep every indicator month as it is
        selection = selection - dg.AssetSelection.assets(marts_key("indicator_values"))
    else:
        tags = range_tags(months)
    job = dg.define_asset_job(RUN_JOB_NAME, selection=selection)
    run_defs = dg.Definitions(
        assets=definitions.assets,
        asset_checks=definitions.asset_checks,
        jobs=[job],
        resources=resources,
        loggers=_loggers(on_step),
    )
    result = run_defs.resolve_job_def(RUN_JOB_NAME).execute_in_process(
        run_config=_run_config(verbose), instance=instance, tags=tags, raise_on_error=False
    )
    return PipelineRun(summary, result, plan)
