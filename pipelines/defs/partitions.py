"""Partitions: one dynamic partition per delivery of raw/deliveries, one monthly partition per
reporting month of marts/indicator_values, and the month range a recompute plan asks for.

A delivery's partition key is its folder below the landing folder, `<provider>/<YYYY-MM>`
(e.g. `caritas/2026-10`): readable, stable (a corrected re-delivery of the same month is the same
partition, materialised again) and the same on every machine. Keys are added by the landing
sensor (or by `kim run`) when a delivery arrives, so the UI lists exactly the deliveries there are.
"""

from __future__ import annotations

from datetime import date

import dagster as dg

from kim.config import ProgrammeConfig, load_config
from kim.contract import PERIOD_PATTERN
from kim.settings import Settings
from warehouse.incremental import RecomputePlan

DELIVERY_PARTITIONS_NAME = "deliveries"
DELIVERY_PARTITIONS = dg.DynamicPartitionsDefinition(name=DELIVERY_PARTITIONS_NAME)

PARTITION_RANGE_START = "dagster/asset_partition_range_start"
PARTITION_RANGE_END = "dagster/asset_partition_range_end"


def delivery_partition_key(provider_id: str, period: str) -> str:
    return f"{provider_id}/{period}"


def parse_delivery_partition_key(key: str) -> tuple[str, str]:
    """(provider_id, period) of a key `<provider>/<YYYY-MM>`; ValueError for anything else."""
    provider_id, _, period = key.partition("/")
    if not provider_id or not PERIOD_PATTERN.match(period) or "/" in period:
        raise ValueError(
            f"'{key}' is no delivery partition key: keys are <provider>/<YYYY-MM>, the delivery's folder "
            "below KIM_LANDING_DIR (e.g. caritas/2026-10)"
        )
    return provider_id, period


def delivery_key_problem(config: ProgrammeConfig, provider_id: str, period: str, today: date) -> str | None:
    """Why provider x period cannot be a delivery partition (None: it can): the provider must be
    configured, the period a month from the programme's first month that has ended."""
    if provider_id not in config.providers:
        return f"'{provider_id}' is no provider configured in {config.path.name}"
    if not PERIOD_PATTERN.match(period):
        return f"'{period}' is no month (YYYY-MM)"
    if period < config.first_period:
        return f"{period} is before the programme's first month {config.first_period}"
    if period >= f"{today.year:04d}-{today.month:02d}":
        return f"{period} has not ended yet"
    return None


def month_partitions(config: ProgrammeConfig) -> dg.MonthlyPartitionsDefinition:
    """One partition per reporting month, from the programme's first month to the current one
    (a month's figures can be computed as soon as a delivery for it arrives)."""
    return dg.MonthlyPartitionsDefinition(start_date=config.first_period, fmt="%Y-%m", end_offset=1)


MONTH_PARTITIONS = month_partitions(load_config(Settings.from_env().config))


def month_range(plan: RecomputePlan, full: bool = False) -> tuple[str, str] | None:
    """The indicator partitions to run: the plan's months (all of them for `full`), clipped to the
    partitions that exist; None when no month needs recomputing."""
    keys = MONTH_PARTITIONS.get_partition_keys()
    if full:
        return keys[0], keys[-1]
    if plan.first_period is None or plan.last_period is None:
        return None
    first, last = max(plan.first_period, keys[0]), min(plan.last_period, keys[-1])
    return (first, last) if first <= last else None


def range_tags(months: tuple[str, str]) -> dict[str, str]:
    """Run tags that make a run materialise the indicator months first..last (one run)."""
    return {PARTITION_RANGE_START: months[0], PARTITION_RANGE_END: months[1]}
