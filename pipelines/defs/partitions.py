"""Delivery partitions: one partition per provider and month, so every delivery is materialised,
and visible, on its own."""

import dagster as dg

from kim.config import ProgrammeConfig


def delivery_partitions(config: ProgrammeConfig) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition(
        {
            "period": dg.MonthlyPartitionsDefinition(start_date=config.first_period, fmt="%Y-%m"),
            "provider": dg.StaticPartitionsDefinition(sorted(config.providers)),
        }
    )


def delivery_partition_key(provider_id: str, period: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"period": period, "provider": provider_id})


def month_partitions(config: ProgrammeConfig) -> dg.MonthlyPartitionsDefinition:
    """One partition per reporting month, from the programme's first month to the current one
    (a month's figures can be computed as soon as a delivery for it arrives)."""
    return dg.MonthlyPartitionsDefinition(start_date=config.first_period, fmt="%Y-%m", end_offset=1)
