"""Resources, configured from the environment (design §7) with defaults for a local run."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from kim.config import ProgrammeConfig, load_config
from kim.settings import Settings, require_pseudonym_key
from pipelines.warehouse_lock import WarehouseLocked, describe_holder, is_locked_elsewhere
from warehouse.load import pseudonym_key_value
from warehouse.migrate import prepare

# Every asset that writes the warehouse runs in this pool; dagster.yaml limits pools to one slot,
# because DuckDB allows one writing process per file.
WAREHOUSE_POOL = "duckdb"

# Transient failures are tried again with exponential backoff and jitter: attempt n waits about
# (2^n - 1) x delay seconds, +/- delay. A permanent failure (a rejected delivery, a wrong key)
# raises dg.Failure(allow_retries=False) and is not tried again.
# Loading a delivery: 4 more attempts after about 5, 15, 35 and 75 s (about 2 minutes in all, so a
# delivery still being copied gets the landing sensor's quiet minute twice over).
LOAD_RETRY_POLICY = dg.RetryPolicy(max_retries=4, delay=5, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
# Every other step that opens the warehouse (a lock held by an analyst's session, `kim run` or
# `kim report`; a full disk): 2 more attempts after about 10 and 30 s.
WAREHOUSE_RETRY_POLICY = dg.RetryPolicy(
    max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def _is_lock_error(error: duckdb.Error) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse (KIM_WAREHOUSE); connections come with every migration applied."""

    # Attempts to open a file that another process holds, 0.1 s apart and doubling (8: about 25 s),
    # before the step fails with WarehouseLocked and its retry policy takes over.
    connect_retries: int = 8

    def _connect(self) -> duckdb.DuckDBPyConnection:
        delay, reason = 0.1, ""
        for attempt in range(self.connect_retries + 1):
            if is_locked_elsewhere(self.database):  # `kim run`/`kim report` holds the run lock
                reason = f"{describe_holder(self.database)} is writing it (run lock {self.database}.lock)"
            else:
                try:
                    return duckdb.connect(self.database, config=dict(self.connection_config))
                except duckdb.IOException as error:
                    if not _is_lock_error(error):
                        raise
                    reason = f"another process has it open: {error}"
            if attempt < self.connect_retries:
                time.sleep(delay)
                delay *= 2
        raise WarehouseLocked(
            f"The warehouse {self.database} is busy: {reason}. A Dagster step is tried again with "
            "backoff. If it stays busy, find the process (`fuser -v` on the file, or the pid named "
            "here): an analyst's DuckDB session must be closed; a `kim run` must finish first."
        )

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        # Another process may hold the file for a moment: wait a little, then fail as transient.
        con = self._connect()
        try:
            prepare(con)
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
        # Outside a Dagster run (kim run builds the resources itself) an EnvVar field is still the
        # EnvVar, whose text is the variable's *name*: resolve it, never hash with the name.
        return require_pseudonym_key(pseudonym_key_value(self.pseudonym_key))


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
