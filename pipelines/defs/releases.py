"""The job that builds a release (issue 19): what `kim publish` does, startable from the Dagster UI
or a schedule. Approval stays with a person (`kim approve <release> --by NAME`): no job publishes."""

import dagster as dg

from pipelines.defs.resources import WAREHOUSE_POOL, KimSettingsResource, WarehouseResource
from reports.release import build_release


class ReleaseConfig(dg.Config):
    period: str | None = None  # YYYY-MM; None: the newest month in the warehouse


@dg.op(
    name="build_release",
    pool=WAREHOUSE_POOL,
    description=(
        "Build a release of the newest month: the disclosure audit (with every approved release), the "
        "reports with their downloads, the open data, the changes against the last approved release and "
        "a manifest. Publish it with `kim approve <release> --by NAME`."
    ),
)
def build_release_op(
    context: dg.OpExecutionContext, config: ReleaseConfig, warehouse: WarehouseResource, kim: KimSettingsResource
) -> None:
    city = kim.programme_config().city
    with warehouse.get_connection() as con, kim.chart_cache():
        built = build_release(
            con, kim.releases(), city=city, k=kim.suppression_k, period=config.period, published_dir=kim.published()
        )
    record = built.record
    context.add_output_metadata(
        {
            "release": record.release_id,
            "folder": dg.MetadataValue.path(str(built.folder)),
            "changed_figures": built.changed_figures,
            "audited_with": ", ".join(record.audited_with) or "-",
        }
    )
    context.log.info(f"Release {record.release_id} built; approve it with: kim approve {record.release_id} --by NAME")


@dg.job(name="publish_release", description="Build a release for approval (kim publish).")
def publish_release_job() -> None:
    build_release_op()
