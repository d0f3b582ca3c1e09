"""Automation, all of it by sensors (both STOPPED until switched on, docs/operations.md §3):

* landing_sensor: a new, complete delivery in the landing folder -> its dynamic partition
  `<provider>/<YYYY-MM>` of raw/deliveries is added and a load_delivery run requested, in the same
  evaluation.
* update_after_deliveries: after delivery loads succeeded -> one kim_full_run (staging, checks,
  marts, reports) for the indicator months those deliveries change. The months come from the plan
  each load recorded in its materialisation (warehouse/incremental.py via
  pipelines.defs.partitions.month_range, the same as `kim run`); the sensor itself never opens
  the warehouse, so it cannot block a run.
"""

import json
import time
from datetime import datetime
from pathlib import Path

import dagster as dg

from kim.contract import LOCAL_TIME_ZONE
from pipelines.defs.jobs import kim_full_run, load_delivery_job
from pipelines.defs.partitions import (
    DELIVERY_PARTITIONS,
    DELIVERY_PARTITIONS_NAME,
    delivery_key_problem,
    delivery_partition_key,
    range_tags,
)
from pipelines.defs.raw import RAW_DELIVERIES
from pipelines.defs.resources import KimSettingsResource
from pipelines.loading import CONTENT_KEY_TAG, DELIVERY_TAG
from warehouse.landing import scan_landing

LOADS_IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]
TRIGGER_TAG = "kim/trigger"
PAGE = 500


@dg.sensor(
    job=load_delivery_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Watches KIM_LANDING_DIR. A delivery folder <provider>/<YYYY-MM> with manifest.json whose files "
        "did not change for a minute becomes the dynamic partition <provider>/<YYYY-MM> of "
        "raw/deliveries, and gets a load_delivery run. The run key holds the content's checksum, so a "
        "delivery seen before is skipped and a corrected re-delivery is loaded again. A folder of a "
        "provider that is not configured, or of a month that has not ended, is only warned about."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext, kim: KimSettingsResource) -> dg.SensorResult:
    seen = json.loads(context.cursor) if context.cursor else {}
    ready, state = scan_landing(Path(kim.landing_dir), seen, now=time.time())
    config = kim.programme_config()
    today = datetime.now(LOCAL_TIME_ZONE).date()
    existing = set(context.instance.get_dynamic_partitions(DELIVERY_PARTITIONS_NAME)) if ready else set()
    new_keys: list[str] = []
    requests: list[dg.RunRequest] = []
    for delivery in ready:
        problem = delivery_key_problem(config, delivery.provider_id, delivery.period, today)
        if problem:
            context.log.warning(
                f"{delivery.path}: {problem}; skipped. `kim run` registers it as rejected. The sensor looks "
                "at the folder again when its files change."
            )
            continue
        key = delivery_partition_key(delivery.provider_id, delivery.period)
        if key not in existing and key not in new_keys:
            new_keys.append(key)
        requests.append(
            dg.RunRequest(
                run_key=f"{delivery.provider_id}|{delivery.period}|{delivery.content_key}",
                partition_key=key,
                tags={DELIVERY_TAG: str(delivery.path), CONTENT_KEY_TAG: delivery.content_key},
            )
        )
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[DELIVERY_PARTITIONS.build_add_request(new_keys)] if new_keys else None,
        cursor=json.dumps(state),
    )


def loads_since(instance: dg.DagsterInstance, after_storage_id: int | None) -> list[dg.EventLogRecord]:
    """Materialisations of raw/deliveries after a storage id, oldest first."""
    records: list[dg.EventLogRecord] = []
    cursor = None
    while True:
        result = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=RAW_DELIVERIES, after_storage_id=after_storage_id),
            limit=PAGE,
            cursor=cursor,
            ascending=True,
        )
        records.extend(result.records)
        if not result.has_more:
            return records
        cursor = result.cursor


def planned_months(records: list[dg.EventLogRecord]) -> tuple[tuple[str, str] | None, list[str]]:
    """The union of the indicator months the loads planned, and the partitions that planned any.
    (A load plans against the last indicator build, so a later plan already includes what earlier,
    not yet built loads changed; the union is a safe cover.)"""
    first: str | None = None
    last: str | None = None
    keys = []
    for record in records:
        metadata = record.asset_materialization.metadata if record.asset_materialization else {}
        if "recompute_from" not in metadata:  # nothing changed, or `kim run` (which updates itself)
            continue
        start, end = str(metadata["recompute_from"].value), str(metadata["recompute_to"].value)
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
        keys.append(record.partition_key or "?")
    return ((first, last) if first and last else None), keys


@dg.sensor(
    name="update_after_deliveries",
    job=kim_full_run,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "After deliveries were loaded (materialisations of raw/deliveries, e.g. by landing_sensor's "
        "load_delivery runs): once no load_delivery run is queued or running, starts one kim_full_run "
        "with the indicator months those deliveries change (the plan each load recorded): staging, "
        "the blocking contract checks, marts, reports. Nothing is requested when the loads changed "
        "nothing (the same content again)."
    ),
)
def update_after_deliveries(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    after = int(context.cursor) if context.cursor else None
    records = loads_since(context.instance, after)
    if not records:
        return dg.SkipReason("no delivery loaded since the last update")
    in_flight = context.instance.get_runs(
        filters=dg.RunsFilter(job_name=load_delivery_job.name, statuses=LOADS_IN_FLIGHT), limit=1
    )
    if in_flight:
        return dg.SkipReason(
            f"{len(records)} delivery load(s) done; waiting for the queued or running load_delivery runs, "
            "so that one update covers them all"
        )
    months, keys = planned_months(records)
    cursor = str(records[-1].storage_id)
    if months is None:
        return dg.SensorResult(skip_reason="the loaded deliveries change no indicator month", cursor=cursor)
    context.log.info(f"deliveries {', '.join(keys)}: updating indicator months {months[0]}..{months[1]}")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"update-after-{cursor}",
                tags={**range_tags(months), TRIGGER_TAG: ", ".join(keys)[:1000]},
            )
        ],
        cursor=cursor,
    )
