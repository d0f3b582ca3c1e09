"""Staging layer: typed tables holding each provider's current delivery, and their checks."""

import dagster as dg

from kim.contract import TABLES
from pipelines.defs.raw import RAW_DELIVERIES
from pipelines.defs.resources import WAREHOUSE_POOL, WAREHOUSE_RETRY_POLICY, WarehouseResource
from warehouse.containment import contain_failing_deliveries
from warehouse.validation import CheckOutcome, record_outcomes, shift_outcomes, validate_staging

STAGING_DESCRIPTIONS = {
    "current_deliveries": "Each provider's current delivery (the newest accepted one), the one all figures use.",
    "cases": "Cases of the current deliveries (exchange format v1 table `cases`).",
    "needs": "Needs identified in the cases, with status and unmet reason.",
    "handovers": "Referrals to other services with first contact and outcome.",
    "contacts": "Contacts between case managers and clients.",
    "assignments": "Case-manager history per case.",
    "status_changes": "Residence-status changes delivered by the Ausländerbehörde (abh).",
}
FAILURES_SHOWN = 10
# Metadata of staging/current_deliveries: the deliveries held in this run (warehouse.containment),
# comma-separated; `kim run` reads it to exit 1.
HELD_METADATA = "held_deliveries"


def staging_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", table])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            staging_key(name),
            group_name="staging",
            description=description,
            deps=[RAW_DELIVERIES],
            kinds={"duckdb"},
        )
        for name, description in STAGING_DESCRIPTIONS.items()
    ],
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
)
def staging_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.get_connection() as con:
        counts, held = contain_failing_deliveries(con)
    for delivery in held:  # contained: the provider's previous passing delivery is used instead
        context.log.warning(
            f"delivery {delivery.delivery_id} of {delivery.provider_id} held: {delivery.failures}; "
            "its previous passing delivery is used"
        )
    for name in STAGING_DESCRIPTIONS:
        metadata: dict = {"row_count": counts[name]}
        if name == "current_deliveries":
            metadata[HELD_METADATA] = dg.MetadataValue.text(",".join(d.delivery_id for d in held))
        yield dg.MaterializeResult(asset_key=staging_key(name), metadata=metadata)


def check_metadata(outcomes: list[CheckOutcome]) -> dict:
    failed = [o for o in outcomes if not o.success]
    return {
        "deliveries_checked": len({o.delivery_id for o in outcomes}),
        "checks": len(outcomes),
        "failed": len(failed),
        "unexpected_rows": sum(o.unexpected_count or 0 for o in failed),
        # for the terminal line of `kim run` (kim.run_output.check_text): whose delivery failed
        "providers_failed": ", ".join(sorted({o.provider_id for o in failed})),
        "failures": dg.MetadataValue.md(
            "\n".join(
                f"- {o.provider_id}: {o.description} (`{o.expectation}` on `{o.column}`): "
                f"{o.unexpected_count if o.unexpected_count is not None else o.observed_value}"
                + (f" — e.g. {', '.join(o.sample_keys[:3])}" if o.sample_keys else "")
                for o in failed[:FAILURES_SHOWN]
            )
            or "none"
        ),
    }


def _staging_check(
    table: str, kind: str, run, blocking: bool, severity: dg.AssetCheckSeverity, description: str
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=staging_key(table),
        name=f"{kind}_{table}",
        blocking=blocking,
        pool=WAREHOUSE_POOL,
        description=description,
        retry_policy=WAREHOUSE_RETRY_POLICY,
    )
    def check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            outcomes = run(con, table)
            record_outcomes(con, outcomes)
        return dg.AssetCheckResult(
            passed=all(o.success for o in outcomes), severity=severity, metadata=check_metadata(outcomes)
        )

    return check


contract_checks = [
    _staging_check(
        table,
        "contract",
        validate_staging,
        True,
        dg.AssetCheckSeverity.ERROR,
        f"Exchange-format contract for staging.{table}, per provider's current delivery: Great "
        "Expectations suite (checks/contract.py: keys, required fields, types, code lists, ranges, "
        "required-iff, date order, no date after the export) and references between tables (SQL). "
        "Blocking: marts are not rebuilt from data that fails it.",
    )
    for table in TABLES
]
shift_checks = [
    _staging_check(
        table,
        "shifts",
        shift_outcomes,
        False,
        dg.AssetCheckSeverity.WARN,
        f"Warns when staging.{table} shifts suddenly against the provider's previous delivery: "
        "20 % fewer rows, or a code value's share moving by 15 percentage points. Not blocking.",
    )
    for table in TABLES
]
