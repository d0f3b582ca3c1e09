"""Staging layer: typed tables holding each provider's newest accepted delivery, and their checks."""

import dagster as dg

from checks.gx_suites import record_outcome, validate_staging_table
from pipelines.defs.raw import RAW_DELIVERIES
from pipelines.defs.resources import WAREHOUSE_POOL, WarehouseResource
from warehouse.models import build_staging

STAGING_DESCRIPTIONS = {
    "current_deliveries": "Each provider's newest accepted delivery, the one all figures use.",
    "cases": "Cases of the current deliveries (exchange format v1 table `cases`).",
    "needs": "Needs identified in the cases, with status and unmet reason.",
    "handovers": "Referrals to other services with first contact and outcome.",
    "contacts": "Contacts between case managers and clients.",
    "assignments": "Case-manager history per case.",
    "status_changes": "Residence-status changes delivered by the Ausländerbehörde (abh).",
}


def staging_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", table])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            staging_key(name), group_name="staging", description=description, deps=[RAW_DELIVERIES],
            kinds={"duckdb"},
        )
        for name, description in STAGING_DESCRIPTIONS.items()
    ],
    pool=WAREHOUSE_POOL,
)
def staging_tables(warehouse: WarehouseResource):
    with warehouse.get_connection() as con:
        counts = build_staging(con)
    for name in STAGING_DESCRIPTIONS:
        yield dg.MaterializeResult(asset_key=staging_key(name), metadata={"row_count": counts[name]})


def _gx_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=staging_key(table),
        name=f"gx_suite_{table}",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=(
            f"Great Expectations suite for staging.{table}: key unique per provider, required "
            "columns not null, code values in the code lists of exchange format v1. Blocking: "
            "marts are not rebuilt from data that fails it."
        ),
    )
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            outcome = validate_staging_table(con, table)
            record_outcome(con, outcome)
        failed = [o for o in outcome.outcomes if not o.success]
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "expectations": len(outcome.outcomes),
                "failed": len(failed),
                "failures": dg.MetadataValue.md(
                    "\n".join(
                        f"- {o.expectation} on `{o.column}`: {o.unexpected_count} of {o.element_count} rows"
                        for o in failed
                    ) or "none"
                ),
            },
        )

    return check


gx_suite_cases = _gx_check("cases")
