"""The full run as a job, and its monthly schedule."""

import dagster as dg

kim_full_run = dg.define_asset_job(
    "kim_full_run",
    selection=dg.AssetSelection.all(),
    description="Load new deliveries, rebuild staging and marts, validate, compute indicators, render reports.",
)

# Deliveries for a month are due by the 10th of the next month (design §5, delivery_on_time).
monthly_report_schedule = dg.ScheduleDefinition(
    name="monthly_report_run",
    job=kim_full_run,
    cron_schedule="0 6 11 * *",
    execution_timezone="Europe/Berlin",
    description="Monthly run on the 11th at 06:00, after the delivery deadline of the 10th.",
)
