"""Reports layer: the published German HTML reports (KIM_REPORTS_DIR) and the internal ones for
data stewards (KIM_INTERNAL_REPORTS_DIR), each folder with its own index."""

from pathlib import Path

import dagster as dg

from kim.contract import TABLES
from pipelines.defs.disclosure import DISCLOSURE_AUDIT
from pipelines.defs.marts import marts_key
from pipelines.defs.partitions import PARTITION_RANGE_START
from pipelines.defs.resources import WAREHOUSE_POOL, WAREHOUSE_RETRY_POLICY, KimSettingsResource, WarehouseResource
from pipelines.defs.staging import staging_key
from reports.kit.chart_cache import CacheStats
from reports.kit.index import render_index
from reports.provider import render_provider_reports
from reports.publish import render_annual_since, render_monthly_since
from reports.quality import render_data_quality_report


@dg.asset(
    key=dg.AssetKey(["reports", "monthly_monitoring"]),
    group_name="reports",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"html"},
    deps=[
        DISCLOSURE_AUDIT,
        marts_key("indicator_values"),
        marts_key("indicator_revisions"),
        marts_key("fct_deliveries"),
        marts_key("delivery_timeliness"),
        marts_key("dim_providers"),
    ],
    description=(
        "Monatsberichte: the monthly monitoring report for every delivered month (German, "
        "self-contained HTML with inline SVG charts and data tables, small cells suppressed)."
    ),
)
def monthly_monitoring_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, kim: KimSettingsResource
) -> dg.MaterializeResult:
    config = kim.programme_config()
    since = changed_from(context)
    with warehouse.get_connection() as con, kim.chart_cache() as charts:
        paths = render_monthly_since(con, Path(kim.reports_dir), city=config.city, k=kim.suppression_k, since=since)
    render_index(Path(kim.reports_dir), city=config.city)
    metadata: dict[str, dg.MetadataValue | int | str] = {
        "reports_rendered": len(paths),
        "from_month": since or "all",
        **chart_metadata(charts),
    }
    if paths:
        metadata["newest_report"] = dg.MetadataValue.path(str(paths[-1]))
    return dg.MaterializeResult(metadata=metadata)


def chart_metadata(charts: CacheStats) -> dict[str, int]:
    """How many charts were drawn and how many taken unchanged from the chart cache."""
    return {"charts_drawn": charts.drawn, "charts_reused": charts.reused}


def changed_from(context: dg.AssetExecutionContext) -> str | None:
    """The first indicator month this run recomputes (its partition range tag), so only the
    reports that month can alter are rendered again; None (render all) without a range."""
    return context.run.tags.get(PARTITION_RANGE_START)


@dg.asset(
    key=dg.AssetKey(["reports", "provider_feedback"]),
    group_name="reports",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"html"},
    deps=[
        DISCLOSURE_AUDIT,
        marts_key("indicator_values"),
        marts_key("fct_deliveries"),
        marts_key("delivery_timeliness"),
        marts_key("dim_providers"),
    ],
    description=(
        "Rückmeldung an den Träger: per provider, the newest month's own figures beside the city's "
        "(never another provider's), with its delivery status. Small cells suppressed."
    ),
)
def provider_feedback_reports(warehouse: WarehouseResource, kim: KimSettingsResource) -> dg.MaterializeResult:
    config = kim.programme_config()
    with warehouse.get_connection() as con, kim.chart_cache() as charts:
        paths = render_provider_reports(con, Path(kim.reports_dir), city=config.city, k=kim.suppression_k)
    return dg.MaterializeResult(
        metadata={
            "reports": len(paths),
            "files": dg.MetadataValue.md("\n".join(f"- {p}" for p in paths)),
            **chart_metadata(charts),
        }
    )


@dg.asset(
    key=dg.AssetKey(["reports", "annual_evaluation"]),
    group_name="reports",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"html"},
    deps=[
        DISCLOSURE_AUDIT,
        marts_key("indicator_values_yearly"),
        marts_key("indicator_values"),
        marts_key("fct_deliveries"),
        marts_key("delivery_timeliness"),
        marts_key("dim_providers"),
    ],
    description=(
        "Jahresbericht: the annual evaluation per year for the council and the ministry (reach, process "
        "quality, outcomes, structural gaps, budget, data quality, method notes)."
    ),
)
def annual_evaluation_reports(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, kim: KimSettingsResource
) -> dg.MaterializeResult:
    config = kim.programme_config()
    with warehouse.get_connection() as con, kim.chart_cache() as charts:
        paths = render_annual_since(
            con, Path(kim.reports_dir), city=config.city, k=kim.suppression_k, since=changed_from(context)
        )
    return dg.MaterializeResult(
        metadata={
            "reports": len(paths),
            "files": dg.MetadataValue.md("\n".join(f"- {p}" for p in paths)),
            **chart_metadata(charts),
        }
    )


@dg.asset(
    key=dg.AssetKey(["reports", "index"]),
    group_name="reports",
    kinds={"html"},
    deps=[
        dg.AssetKey(["reports", "monthly_monitoring"]),
        dg.AssetKey(["reports", "provider_feedback"]),
        dg.AssetKey(["reports", "annual_evaluation"]),
    ],
    description="index.html of the published reports folder: every report by type and period, newest first.",
)
def reports_index(kim: KimSettingsResource) -> dg.MaterializeResult:
    path = render_index(Path(kim.reports_dir), city=kim.programme_config().city)
    return dg.MaterializeResult(metadata={"index": dg.MetadataValue.path(str(path))})


@dg.asset(
    key=dg.AssetKey(["reports", "data_quality"]),
    group_name="reports",
    pool=WAREHOUSE_POOL,
    retry_policy=WAREHOUSE_RETRY_POLICY,
    kinds={"html"},
    deps=[
        marts_key("fct_deliveries"),
        marts_key("delivery_timeliness"),
        marts_key("dim_providers"),
        *[staging_key(table) for table in TABLES],
    ],
    description=(
        "Datenqualitätsbericht (internal, for data stewards): per provider and delivery the state, "
        "rejection reasons, failing checks with sample keys, quarantine, completeness per column, "
        "timeliness and the trend of errors. May show pseudonymised record keys; not for publication."
    ),
)
def data_quality_report(warehouse: WarehouseResource, kim: KimSettingsResource) -> dg.MaterializeResult:
    config = kim.programme_config()
    with warehouse.get_connection() as con:
        path = render_data_quality_report(con, Path(kim.internal_reports_dir), city=config.city)
    return dg.MaterializeResult(metadata={"report": dg.MetadataValue.path(str(path))})
