"""Marts layer: dimensions, facts and marts.indicator_values, the table analysts query."""

import dagster as dg

from pipelines.defs.partitions import MONTH_PARTITIONS
from pipelines.defs.raw import RAW_DELIVERIES
from pipelines.defs.resources import WAREHOUSE_POOL, WAREHOUSE_RETRY_POLICY, KimSettingsResource, WarehouseResource
from pipelines.defs.staging import staging_key
from transforms.indicators import INDICATORS
from warehouse.incremental import config_fingerprint, plan_indicator_recompute, record_indicator_build
from warehouse.indicator_build import build_indicator_values, build_yearly_indicator_values
from warehouse.models import CONFIG_MARTS, MART_MODEL_SPECS, build_dim_providers, build_mart, preview_markdown
from warehouse.revisions import build_indicator_revisions

__all__ = ["MONTH_PARTITIONS", "marts_key"]


def marts_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", name])


@dg.asset(
    key=marts_key("dim_providers"),
    group_name="marts",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"duckdb"},
    description="Configured providers (id, name, kind), their funded FTE per year (dim_provider_years) and the programme budget per year (dim_budget_years).",
)
def dim_providers(warehouse: WarehouseResource, kim: KimSettingsResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        rows = build_dim_providers(con, kim.programme_config())
        preview = preview_markdown(con, "marts.dim_providers")
    return dg.MaterializeResult(metadata={"row_count": rows, "preview": dg.MetadataValue.md(preview)})


def _upstream_asset(relation: str) -> dg.AssetKey:
    """The asset that builds a relation a marts model reads (declared by its SQL)."""
    schema, table = relation.split(".", 1)
    if schema == "raw":
        return RAW_DELIVERIES
    if schema == "staging":
        return staging_key(table)
    return marts_key("dim_providers" if table in CONFIG_MARTS else table)


# SQL models in warehouse/sql/marts/<name>.sql: (name, upstream assets, description), all derived
# from the SQL files (warehouse.models.MART_MODEL_SPECS).
SQL_MODELS = tuple(
    (model.name, sorted({_upstream_asset(r) for r in model.reads}, key=lambda key: tuple(key.path)), model.description)
    for model in MART_MODEL_SPECS.values()
)


def _sql_model_asset(name: str, deps: list[dg.AssetKey], description: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=marts_key(name),
        group_name="marts",
        deps=deps,
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description=description,
        retry_policy=WAREHOUSE_RETRY_POLICY,
    )
    def model(warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            rows = build_mart(con, name)
            preview = preview_markdown(con, f"marts.{name}")
        return dg.MaterializeResult(metadata={"row_count": rows, "preview": dg.MetadataValue.md(preview)})

    return model


sql_models = [_sql_model_asset(*model) for model in SQL_MODELS]


@dg.asset(
    key=marts_key("indicator_values"),
    group_name="marts",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"duckdb", "polars"},
    deps=[marts_key(name) for name, _, _ in SQL_MODELS] + [marts_key("dim_providers")],
    partitions_def=MONTH_PARTITIONS,
    # A range of months is one run: the facts are shared, and suppression works per month.
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "Every indicator of design §5 per period, provider (and 'all') and breakdown, long format "
        "(design §4), with the small-cell suppression flag of design §6. One partition per month: "
        "a run replaces the rows of its months only; marts.indicator_builds logs every build."
    ),
)
def indicator_values(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, kim: KimSettingsResource
) -> dg.MaterializeResult:
    months = context.partition_key_range
    k = kim.suppression_k
    fingerprint = config_fingerprint(kim.programme_config())
    with warehouse.get_connection() as con:
        plan = plan_indicator_recompute(con, fingerprint, k)
        values = build_indicator_values(con, k, months.start, months.end)
        record_indicator_build(con, plan, fingerprint, k, months.start, months.end)
        preview = preview_markdown(con, "marts.indicator_values")
    if not plan.covered_by(months.start, months.end):
        context.log.warning(f"Months outside {months.start}..{months.end} still need recomputing: {plan.describe()}")
    return dg.MaterializeResult(
        metadata={
            "row_count": values.height,
            "suppressed_rows": int(values["suppressed"].sum()) if values.height else 0,
            "months": f"{months.start}..{months.end}",
            "months_with_data": values["period"].n_unique(),
            "plan": plan.describe(),
            "indicators": ", ".join(indicator.id for indicator in INDICATORS),
            "preview": dg.MetadataValue.md(preview),
        }
    )


@dg.asset(
    key=marts_key("indicator_values_yearly"),
    group_name="marts",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"duckdb", "polars"},
    deps=[marts_key("indicator_values")],
    description=(
        "The indicators per year (period 'YYYY'; the current year up to its newest month), same "
        "columns as indicator_values, for the annual evaluation. A year's figure of a monthly flow "
        "(new cases, closures, resolved needs …) is hidden when one of its months is, so the year "
        "cannot give a hidden month away."
    ),
)
def indicator_values_yearly(warehouse: WarehouseResource, kim: KimSettingsResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        values = build_yearly_indicator_values(con, kim.suppression_k)
        preview = preview_markdown(con, "marts.indicator_values_yearly")
    return dg.MaterializeResult(
        metadata={
            "row_count": values.height,
            "suppressed_rows": int(values["suppressed"].sum()) if values.height else 0,
            "years": ", ".join(sorted(values["period"].unique().to_list())),
            "preview": dg.MetadataValue.md(preview),
        }
    )


@dg.asset(
    key=marts_key("indicator_revisions"),
    group_name="marts",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"duckdb", "polars"},
    deps=[marts_key("indicator_values")],
    description=(
        "How each figure moved between the previous vintage (the month before the newest delivered "
        "month, as it was reported) and the current figures: previous and current value, numerator, "
        "denominator and suppression side by side, for every indicator, month, unit and breakdown "
        "that changed (providers back-date closures and first contacts)."
    ),
)
def indicator_revisions(warehouse: WarehouseResource, kim: KimSettingsResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        revisions = build_indicator_revisions(con, kim.programme_config(), kim.suppression_k)
        preview = preview_markdown(con, "marts.indicator_revisions")
    return dg.MaterializeResult(
        metadata={
            "row_count": revisions.rows,
            "previous_vintage": revisions.previous_vintage or "",
            "current_vintage": revisions.current_vintage or "",
            "preview": dg.MetadataValue.md(preview),
        }
    )


OVERDUE_SQL = """
SELECT t.provider_id, t.period, t.due_on
FROM marts.delivery_timeliness t
WHERE t.status = 'fehlt'
  AND t.period = (SELECT max(period) FROM marts.delivery_timeliness WHERE status <> 'offen')
ORDER BY t.provider_id
"""


@dg.asset_check(
    asset=marts_key("delivery_timeliness"),
    name="no_delivery_overdue",
    blocking=False,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    description=(
        "Freshness of the providers' deliveries: warns when a provider's delivery for the last month "
        "that is due (by the 10th of the following month) has not arrived."
    ),
)
def no_delivery_overdue(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        overdue = con.execute(OVERDUE_SQL).fetchall()
    return dg.AssetCheckResult(
        passed=not overdue,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "overdue_providers": len(overdue),
            # for the terminal line of `kim run` (kim.run_output.check_text); one period is due at a time
            "overdue_list": ", ".join(provider for provider, _, _ in overdue),
            "overdue_period": overdue[0][1] if overdue else "",
            "overdue_due_on": f"{overdue[0][2]:%d.%m.%Y}" if overdue else "",
            "overdue": dg.MetadataValue.md(
                "\n".join(f"- {provider}: {period} was due on {due:%d.%m.%Y}" for provider, period, due in overdue)
                or "none"
            ),
        },
    )
