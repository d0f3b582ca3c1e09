"""Resources, configured from the environment (design §7) with defaults for a local run."""

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from kim.config import ProgrammeConfig, load_config
from kim.settings import DEMO_PSEUDONYM_KEY, Settings, demo_mode, require_pseudonym_key
from pipelines.warehouse_lock import Bilingual, WarehouseLocked, describe_holder, is_locked_elsewhere
from reports.kit.chart_cache import CacheStats, chart_cache
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
        delay, reason = 0.1, Bilingual("", "")
        for attempt in range(self.connect_retries + 1):
            if is_locked_elsewhere(self.database):  # `kim run`/`kim report` holds the run lock
                who = describe_holder(self.database)
                reason = Bilingual(
                    f"{who} is writing it (run lock {self.database}.lock)",
                    f"{who.german} schreibt hinein (Sperre {self.database}.lock)",
                )
            else:
                try:
                    return duckdb.connect(self.database, config=dict(self.connection_config))
                except duckdb.IOException as error:
                    if not _is_lock_error(error):
                        raise
                    reason = Bilingual(
                        f"another process has it open: {error}", f"ein anderer Prozess hat es geöffnet: {error}"
                    )
            if attempt < self.connect_retries:
                time.sleep(delay)
                delay *= 2
        raise WarehouseLocked(
            Bilingual(
                f"The warehouse {self.database} is busy: {reason}. A Dagster step is tried again with "
                "backoff. If it stays busy, find the process (`fuser -v` on the file, or the pid named "
                "here): an analyst's DuckDB session must be closed; a `kim run` must finish first.",
                f"Das Warehouse {self.database} ist belegt: {reason.german}. Den Prozess finden (`fuser -v` "
                "auf die Datei, oder die genannte PID): eine DuckDB-Sitzung einer Analystin oder eines "
                "Analysten schließen; ein laufendes `kim run` erst fertig werden lassen. Es wurde nichts geändert.",
            )
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
    chart_cache_dir: str | None = None  # None: every chart drawn (reports.kit.chart_cache)
    releases_dir: str | None = None  # None: "releases" beside the reports folder (kim.settings)
    published_dir: str | None = None  # None: "published" beside the reports folder
    pseudonym_key: str | None = None
    suppression_k: int = 5

    def programme_config(self) -> ProgrammeConfig:
        return load_config(self.config_path)

    def chart_cache(self) -> AbstractContextManager[CacheStats]:
        """Each chart drawn once per distinct input, kept in the chart cache folder."""
        return chart_cache(Path(self.chart_cache_dir) if self.chart_cache_dir else None)

    def releases(self) -> Path:
        return Path(self.releases_dir) if self.releases_dir else Path(self.reports_dir).parent / "releases"

    def published(self) -> Path:
        return Path(self.published_dir) if self.published_dir else Path(self.reports_dir).parent / "published"

    def require_pseudonym_key(self) -> str:
        # Outside a Dagster run (kim run builds the resources itself) an EnvVar field is still the
        # EnvVar, whose text is the variable's *name*: resolve it, never hash with the name.
        key = self.pseudonym_key
        if key is not None and str.__str__(key).startswith(PROCESS_KEY_PREFIX):
            key = _PROCESS_KEYS.get(str.__str__(key))
        elif key is None and demo_mode():
            key = DEMO_PSEUDONYM_KEY
        return require_pseudonym_key(pseudonym_key_value(key) if key else None)


# Resource config is written into Dagster's run and job snapshots: a key must never be in it. From
# the environment it is a dg.EnvVar (the snapshot holds the variable's name); the public demo key
# is None, resolved when used; a key given in this process (tests, embedding code) is a random
# handle into this process's memory.
PROCESS_KEY_PREFIX = "process-key:"
_PROCESS_KEYS: dict[str, str] = {}


def _key_setting(settings: Settings) -> str | None:
    if os.environ.get("KIM_PSEUDONYM_KEY"):
        return dg.EnvVar("KIM_PSEUDONYM_KEY")
    if not settings.pseudonym_key or settings.pseudonym_key == DEMO_PSEUDONYM_KEY:
        return None
    handle = PROCESS_KEY_PREFIX + secrets.token_hex(8)
    _PROCESS_KEYS[handle] = settings.pseudonym_key
    return handle


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    key = _key_setting(settings)
    return {
        "warehouse": WarehouseResource(database=str(settings.warehouse)),
        "kim": KimSettingsResource(
            landing_dir=str(settings.landing_dir),
            reports_dir=str(settings.reports_dir),
            internal_reports_dir=str(settings.internal_reports),
            config_path=str(settings.config),
            chart_cache_dir=str(settings.chart_cache),
            releases_dir=str(settings.releases),
            published_dir=str(settings.published),
            pseudonym_key=key,
            suppression_k=settings.suppression_k,
        ),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources(Settings.from_env()))
