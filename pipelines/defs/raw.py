"""Raw layer: every delivery, one dynamic partition per delivery (`<provider>/<YYYY-MM>`), append-only."""

from pathlib import Path

import dagster as dg

from pipelines.defs.partitions import DELIVERY_PARTITIONS, parse_delivery_partition_key
from pipelines.defs.resources import LOAD_RETRY_POLICY, WAREHOUSE_POOL, KimSettingsResource, WarehouseResource
from pipelines.loading import load_delivery_step, load_metadata, register_metadata

RAW_DELIVERIES = dg.AssetKey(["raw", "deliveries"])

__all__ = ["DELIVERY_PARTITIONS", "RAW_DELIVERIES", "raw_deliveries", "register_metadata"]


@dg.asset(
    key=RAW_DELIVERIES,
    group_name="raw",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    partitions_def=DELIVERY_PARTITIONS,
    retry_policy=LOAD_RETRY_POLICY,
    description=(
        "One provider's delivery for one month: partition `<provider>/<YYYY-MM>` = the folder "
        "landing/<provider>/<YYYY-MM>/ (added by the landing sensor when the delivery arrives). The "
        "manifest is verified, files decoded through the provider's profile, ids replaced by keyed "
        "hashes, good rows go to raw.<table>, bad rows to quarantine.rejected_rows. Every delivery "
        "seen is in the register raw.deliveries. Loading the same delivery twice changes nothing. A "
        "delivery still being written, an I/O error or a locked warehouse is tried again with backoff; "
        "a rejected delivery fails at once with the rule, file and line, and changes no data. "
        "Metadata: state, rows, quarantined rows and the indicator months the delivery changes."
    ),
)
def raw_deliveries(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, kim: KimSettingsResource
) -> dg.MaterializeResult:
    try:
        provider_id, period = parse_delivery_partition_key(context.partition_key)
    except ValueError as error:
        raise dg.Failure(description=str(error), allow_retries=False) from None
    outcome = load_delivery_step(
        context,
        Path(kim.landing_dir) / provider_id / period,
        warehouse.get_connection,
        kim.programme_config(),
        kim.require_pseudonym_key,
        kim.suppression_k,
        LOAD_RETRY_POLICY.max_retries,
    )
    return dg.MaterializeResult(metadata=load_metadata(outcome))
