"""Raw layer: every accepted delivery from the landing folder, append-only."""

from pathlib import Path

import dagster as dg

from pipelines.defs.resources import WAREHOUSE_POOL, KimSettingsResource, WarehouseResource
from warehouse.load import ingest_landing
from warehouse.models import row_count

RAW_DELIVERIES = dg.AssetKey(["raw", "deliveries"])


@dg.asset(
    key=RAW_DELIVERIES,
    group_name="raw",
    pool=WAREHOUSE_POOL,
    kinds={"duckdb"},
    description=(
        "Every accepted provider delivery (raw.deliveries, raw.<table>): manifest verified, files "
        "decoded through the provider's profile, ids replaced by keyed hashes. Loading the same "
        "delivery twice changes nothing; a rejected delivery changes nothing and is logged in "
        "dq.delivery_log."
    ),
)
def raw_deliveries(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, kim: KimSettingsResource
) -> dg.MaterializeResult:
    def log_progress(done: int, total: int) -> None:
        if done == total or done % 25 == 0:
            context.log.info(f"checked {done}/{total} deliveries")

    with warehouse.get_connection() as con:
        summary = ingest_landing(
            con, Path(kim.landing_dir), kim.programme_config(), kim.require_pseudonym_key(), progress=log_progress
        )
        total = row_count(con, "raw.deliveries")
    for rejection in summary.rejected:
        context.log.warning(f"delivery rejected: {rejection}")
    return dg.MaterializeResult(
        metadata={
            "accepted_now": len(summary.accepted),
            "already_loaded": len(summary.duplicates),
            "rejected": len(summary.rejected),
            "rejections": dg.MetadataValue.md(
                "\n".join(f"- `{r}`" for r in summary.rejected) or "none"
            ),
            "deliveries_in_raw": total,
        }
    )
