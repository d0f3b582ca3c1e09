"""Resources, configured from the environment (design §7) with defaults for a local run."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster._utils.backoff import backoff
from dagster_duckdb import DuckDBResource

from kim.config import ProgrammeConfig, load_config
from kim.settings import Settings, require_pseudonym_key
from warehouse.migrate import migrate

# Every asset that writes the warehouse runs in this pool; dagster.yaml limits pools to one slot,
# because DuckDB allows one writing process per file.
WAREHOUSE_POOL = "duckdb"


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse (KIM_WAREHOUSE); connections come with every migration applied."""

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        # Another process may hold the file lock for a moment: retry instead of failing the run.
        con = backoff(
            fn=duckdb.connect,
            retry_on=(duckdb.IOException,),
            kwargs={"database": self.database, "config": dict(self.connection_config)},
            max_retries=10,
        )
        try:
            migrate(con)
            yield con
        finally:
            con.close()


class KimSettingsResource(dg.ConfigurableResource):
    """Where deliveries land and reports go, the programme configuration and privacy settings."""

    landing_dir: str
    reports_dir: str
    internal_reports_dir: str
    config_path: str
    pseudonym_key: str | None = None
    suppression_k: int = 5

    def programme_config(self) -> ProgrammeConfig:
        return load_config(self.config_path)

    def require_pseudonym_key(self) -> str:
        return require_pseudonym_key(self.pseudonym_key)


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    # The key is passed as an EnvVar where it comes from the environment, so the UI shows only
    # the variable's name, never the secret.
    key = dg.EnvVar("KIM_PSEUDONYM_KEY") if os.environ.get("KIM_PSEUDONYM_KEY") else settings.pseudonym_key
    return {
        "warehouse": WarehouseResource(database=str(settings.warehouse)),
        "kim": KimSettingsResource(
            landing_dir=str(settings.landing_dir),
            reports_dir=str(settings.reports_dir),
            internal_reports_dir=str(settings.internal_reports),
            config_path=str(settings.config),
            pseudonym_key=key,
            suppression_k=settings.suppression_k,
        ),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources(Settings.from_env()))
