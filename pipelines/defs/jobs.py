"""Jobs: loading one delivery (a partition of raw/deliveries) and rebuilding everything after it;
the monthly schedule."""

import dagster as dg

from pipelines.defs.raw import RAW_DELIVERIES

load_delivery_job = dg.define_asset_job(
    "load_delivery",
    selection=dg.AssetSelection.assets(RAW_DELIVERIES),
    description="Load one delivery: the provider x month partition of raw/deliveries.",
)

# Everything after raw: staging, checks, marts, reports. (It cannot share a job with the
# partitioned raw asset; raw is loaded per delivery by the sensor, or by `kim run`.)
DOWNSTREAM_OF_RAW = dg.AssetSelection.all() - dg.AssetSelection.assets(RAW_DELIVERIES)

kim_full_run = dg.define_asset_job(
    "kim_full_run",
    selection=DOWNSTREAM_OF_RAW,
    description="Rebuild staging from the current deliveries, validate, compute indicators, render reports.",
)

# Deliveries for a month are due by the 10th of the next month (design §5, delivery_on_time).
monthly_report_schedule = dg.ScheduleDefinition(
    name="monthly_report_run",
    job=kim_full_run,
    cron_schedule="0 6 11 * *",
    execution_timezone="Europe/Berlin",
    description="Monthly run on the 11th at 06:00, after the delivery deadline of the 10th.",
)
