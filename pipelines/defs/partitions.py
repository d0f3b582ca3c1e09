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
