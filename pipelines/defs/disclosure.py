"""The disclosure audit (design §6) between the indicator marts and the published reports.

Every run audits the release — what the reports can publish from marts.indicator_values and
indicator_values_yearly — for a reader from outside and for every provider that knows its own
figures. Its check is blocking (KIM_DISCLOSURE_AUDIT=enforce, the default outside demo mode): when
a hidden count can be narrowed below k, the published reports are not rebuilt (the previous ones
stay as they were) and the run fails. In demo mode (synthetic data, nobody real to protect) or with
KIM_DISCLOSURE_AUDIT=warn the check warns instead; `kim audit` runs the same audit on its own.
"""

import dagster as dg

from kim.settings import disclosure_audit_enforced, protection_budget_seconds
from pipelines.defs.marts import marts_key
from pipelines.defs.resources import WAREHOUSE_POOL, WAREHOUSE_RETRY_POLICY, KimSettingsResource, WarehouseResource
from warehouse.db import fetch_scalar
from warehouse.disclosure_audit import distinct_unprotected, run_disclosure_audit
from warehouse.disclosure_protection import SELECT_PUBLICATION_ROWS, protect_warehouse
from warehouse.models import preview_markdown

DISCLOSURE_AUDIT = dg.AssetKey(["dq", "disclosure_audit"])
INDICATOR_PUBLICATION = marts_key("indicator_publication")
CHECK_NAME = "release_is_protected"
EXAMPLES_SHOWN = 10


def _enforced() -> bool:
    """Whether a failed audit stops publication (kim.settings.disclosure_audit_enforced)."""
    return disclosure_audit_enforced()


def _examples(result) -> str:
    worst = result.unprotected.sort(["width", "indicator_id", "period"]).head(EXAMPLES_SHOWN)
    return "\n".join(
        f"- {r['reader']}: {r['indicator_id']} {r['period']} {r['provider_id']} "
        f"{r['dimension']}={r['dimension_value']} ({r['column']}): {r['lower']:.0f}..{r['upper']:.0f}"
        for r in worst.iter_rows(named=True)
    )


@dg.asset(
    key=INDICATOR_PUBLICATION,
    group_name="marts",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"duckdb"},
    deps=[marts_key("indicator_values"), marts_key("indicator_values_yearly")],
    description=(
        "What the reports publish (design §6): the publication plan per table (month, year or not at "
        "all: marts.publication_plan) and per row published, hidden or unpublished "
        "(marts.indicator_publication), hidden rows chosen against the disclosure audit. Sets "
        "indicator_values(_yearly).suppressed to 'not published'."
    ),
)
def indicator_publication(context: dg.AssetExecutionContext, warehouse: WarehouseResource, kim: KimSettingsResource):
    def report(progress: dict[str, float]) -> None:
        context.log.info(
            f"protection pass {progress.get('pass', 1):.0f} round {progress['round']:.0f}: {progress['hidden']:.0f} hidden cells, "
            f"{progress['unprotected']:.0f} narrower than k ({progress['seconds']:.1f} s)"
        )

    with warehouse.get_connection() as con:
        protection = protect_warehouse(con, kim.suppression_k, on_round=report)
        rows = fetch_scalar(con, SELECT_PUBLICATION_ROWS)
        preview = preview_markdown(con, "marts.indicator_publication")
    return dg.MaterializeResult(
        metadata={
            "row_count": rows,
            "preview": dg.MetadataValue.md(preview),
            "rounds": len(protection.rounds),
            "rows_hidden_by_protection": protection.added.height,
            "passed": protection.passed,
            # nothing it depends on changed since the last protection passed: that one was taken
            "reused": protection.reused,
            "seconds": round(protection.seconds, 1),
            # kim run names the setting when a failed audit comes from the budget, not the data
            "out_of_time": protection.out_of_time,
            "budget_seconds": protection_budget_seconds(),
            # how much of the work earlier runs had done (dq.disclosure_block_cache)
            **protection.blocks,
        }
    )


@dg.asset(
    key=DISCLOSURE_AUDIT,
    group_name="dq",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"duckdb"},
    deps=[INDICATOR_PUBLICATION],
    # Blocking stops the published reports only on an ERROR result; whether a failed audit is an
    # ERROR (enforced) or a WARN is decided when the check runs, from the environment.
    check_specs=[dg.AssetCheckSpec(CHECK_NAME, asset=DISCLOSURE_AUDIT, blocking=True)],
    description=(
        "Disclosure audit (design §6): for every hidden count, the smallest and largest value a reader "
        "holding every published figure (and each provider holding its own) can deduce, by linear "
        "programming (bounds rounded to integers) over the relations of the indicator specs. Results in dq.disclosure_audits and "
        "dq.disclosure_audit_cells. Blocking unless KIM_DISCLOSURE_AUDIT=warn or demo mode: a release that fails is not published."
    ),
)
def disclosure_audit(warehouse: WarehouseResource, kim: KimSettingsResource):
    with warehouse.get_connection() as con:
        # design §6's verdict: linear programming, bounds rounded to integers
        result = run_disclosure_audit(con, kim.suppression_k)
    counts = result.counts
    unprotected = distinct_unprotected(result)
    metadata = {
        "targets": counts["targets"],
        "unprotected": unprotected,  # distinct hidden counts, whichever reader narrows them
        "unprotected_reader_rows": counts["unprotected"],
        "readers": len(counts["readers"]),
        "seconds": round(result.seconds["total"], 1),
        **counts.get("blocks", {}),  # absent when the stored verdict of the same release was taken
    }
    yield dg.MaterializeResult(metadata=metadata)
    yield dg.AssetCheckResult(
        check_name=CHECK_NAME,
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR if _enforced() else dg.AssetCheckSeverity.WARN,
        metadata={
            **metadata,
            "enforced": _enforced(),
            "narrowest": dg.MetadataValue.md(_examples(result) or "none"),
        },
        description=(
            "Every hidden count stays uncertain by at least k."
            if result.passed
            else f"{unprotected} hidden counts can be narrowed below k = {result.k}."
        ),
    )
