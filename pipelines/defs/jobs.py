"""Jobs: loading one delivery (a partition of raw/deliveries) and rebuilding everything after it;
the monthly and the annual schedule."""

import dagster as dg

from pipelines.defs.marts import marts_key
from pipelines.defs.partitions import MONTH_PARTITIONS, PARTITION_RANGE_END, PARTITION_RANGE_START, range_tags
from pipelines.defs.raw import RAW_DELIVERIES

__all__ = ["PARTITION_RANGE_END", "PARTITION_RANGE_START"]

# Every warehouse step runs in the one-slot "duckdb" pool, so steps never run side by side: a
# process per step (the multiprocess default) would only add seconds of start-up to each of them.
STEP_EXECUTOR = dg.in_process_executor

load_delivery_job = dg.define_asset_job(
    "load_delivery",
    executor_def=STEP_EXECUTOR,
    selection=dg.AssetSelection.assets(RAW_DELIVERIES),
    description=(
        "Load one delivery: the partition <provider>/<YYYY-MM> of raw/deliveries (started by the landing sensor)."
    ),
)

# Everything after raw: staging, checks, marts, reports. (It cannot share a job with the
# partitioned raw asset; raw is loaded per delivery by the landing sensor, or by `kim run`. The
# sensor update_after_deliveries starts this job after loads, with the months they change.)
DOWNSTREAM_OF_RAW = dg.AssetSelection.all() - dg.AssetSelection.assets(RAW_DELIVERIES)

kim_full_run = dg.define_asset_job(
    "kim_full_run",
    executor_def=STEP_EXECUTOR,
    selection=DOWNSTREAM_OF_RAW,
    description="Rebuild staging from the current deliveries, validate, compute indicators, render reports.",
)

annual_report_run_job = dg.define_asset_job(
    "annual_report_run",
    executor_def=STEP_EXECUTOR,
    selection=dg.AssetSelection.assets(
        marts_key("indicator_values_yearly"),
        dg.AssetKey(["reports", "annual_evaluation"]),
        dg.AssetKey(["reports", "index"]),
    ),
    description="Yearly figures and the annual evaluation reports (after the monthly run has updated the months).",
)


def every_month(context: dg.ScheduleEvaluationContext) -> dict[str, str]:
    """Run tags for all indicator month partitions up to the scheduled time (a full recompute)."""
    keys = MONTH_PARTITIONS.get_partition_keys(current_time=context.scheduled_execution_time)
    return range_tags((keys[0], keys[-1]))


# Deliveries for a month are due by the 10th of the next month (design §5, delivery_on_time).
@dg.schedule(
    name="monthly_report_run",
    job=kim_full_run,
    cron_schedule="0 6 11 * *",
    execution_timezone="Europe/Berlin",
    description=(
        "Monthly run on the 11th at 06:00, after the delivery deadline of the 10th: staging, checks, "
        "every indicator month (a full recompute once a month), the monthly, provider and annual "
        "reports."
    ),
)
def monthly_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(run_key=None, tags=every_month(context))


@dg.schedule(
    name="annual_report_run",
    job=annual_report_run_job,
    cron_schedule="0 7 15 1 *",
    execution_timezone="Europe/Berlin",
    description=(
        "Annual evaluation on 15 January at 07:00, after December's deliveries (due 10 January) went "
        "through the monthly run of the 11th."
    ),
)
def annual_report_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(run_key=None)
