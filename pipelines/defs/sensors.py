"""The landing sensor: a run per new, complete delivery."""

import json
import time
from pathlib import Path

import dagster as dg

from pipelines.defs.jobs import load_delivery_job
from pipelines.defs.partitions import delivery_partition_key
from pipelines.defs.raw import DELIVERY_PARTITIONS
from pipelines.defs.resources import KimSettingsResource
from warehouse.landing import scan_landing


@dg.sensor(
    job=load_delivery_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Watches KIM_LANDING_DIR. A delivery folder with manifest.json whose files did not change "
        "for a minute gets a run of its provider x month partition of raw/deliveries. The run key "
        "holds the content's checksum, so a delivery seen before is skipped and a corrected "
        "re-delivery is loaded."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext, kim: KimSettingsResource):
    seen = json.loads(context.cursor) if context.cursor else {}
    ready, state = scan_landing(Path(kim.landing_dir), seen, now=time.time())
    valid_keys = set(DELIVERY_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    for delivery in ready:
        key = delivery_partition_key(delivery.provider_id, delivery.period)
        if key not in valid_keys:
            context.log.warning(
                f"{delivery.path}: '{delivery.provider_id}' / '{delivery.period}' is no configured provider "
                "and month; the next full run registers it as rejected"
            )
            continue
        yield dg.RunRequest(
            run_key=f"{delivery.provider_id}|{delivery.period}|{delivery.content_key}",
            partition_key=key,
            tags={"kim/delivery": str(delivery.path)},
        )
    context.update_cursor(json.dumps(state))
