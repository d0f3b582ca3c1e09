"""Shared fixtures: the default configuration and a way to load hand-built deliveries."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from checks.findings import no_violations
from checks.manifest import FileEntry, Manifest
from kim.config import ProgrammeConfig, load_config
from kim.contract import TABLES
from transforms.delivery import DecodedDelivery
from warehouse.load import Arrival, load_delivery
from warehouse.migrate import connect

# A key that passes the strength rule (kim.settings.key_is_strong): runs outside demo mode refuse
# weaker ones.
STRONG_TEST_KEY = "kim-test-key-9f2c4e7a1b3d5f60-8e1a2c4b6d8f0a1c"
os.environ.setdefault("KIM_PSEUDONYM_KEY", STRONG_TEST_KEY)
# The disclosure audit runs in every pipeline run; tests of other behaviour let it warn, so that
# what they look at is written even where a test's settings (a short time budget, a hand-built
# release) leave the audit failing. The gate itself is tested with KIM_DISCLOSURE_AUDIT=enforce in
# tests/pipelines/test_disclosure_gate.py.
os.environ.setdefault("KIM_DISCLOSURE_AUDIT", "warn")
# Synthetic history dates its files; the tests read those dates as the arrivals, like `kim demo`
# (real runs take the time the pipeline first saw a delivery: tests/warehouse/test_arrival.py).
os.environ.setdefault("KIM_ARRIVAL_FROM_FILE_TIMES", "1")
TEST_KEY = "test-key"  # for loading directly (warehouse.load), where no strength rule applies

POLARS_TYPES = {"id": pl.String, "code": pl.String, "text": pl.String, "date": pl.Date, "int": pl.Int32}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules with end-to-end pipeline runs (marker e2e) first, each kept whole and in place
    otherwise. `make test` hands whole modules to two workers (--dist loadscope
    --no-loadscope-reorder, which keeps this order): a module of several minutes handed out
    last would leave the other worker idle at the end."""
    slow = {item.nodeid.split("::")[0] for item in items if item.get_closest_marker("e2e")}
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in slow)


@pytest.fixture(scope="session")
def config() -> ProgrammeConfig:
    return load_config()


@pytest.fixture
def warehouse(tmp_path: Path):
    con = connect(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def typed_table(table: str, rows: list[dict]) -> pl.DataFrame:
    schema = {column.name: POLARS_TYPES[column.type] for column in TABLES[table]}
    return pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema)


def load_hand_built_delivery(
    con: duckdb.DuckDBPyConnection,
    config: ProgrammeConfig,
    provider_id: str,
    period: str,
    tables: dict[str, list[dict]],
    exported_at: datetime | None = None,
) -> str:
    """Load typed rows through the real loading path (pseudonymisation included), bypassing files."""
    provider = config.providers[provider_id]
    frames = {
        table: typed_table(table, tables.get(table, []))
        .with_row_index("source_row", offset=2)
        .with_columns(pl.col("source_row").cast(pl.Int64))
        for table in provider.tables
    }
    year, month = map(int, period.split("-"))
    manifest = Manifest(
        delivery_dir=Path("/hand-built") / provider_id / period,
        provider=provider,
        period=period,
        exported_at=exported_at or datetime(year + month // 12, month % 12 + 1, 5, tzinfo=UTC),
        format_version="1",
        files={
            f"{t}.csv": FileEntry(rows=f.height, sha256=hashlib.sha256(repr(f.rows()).encode()).hexdigest())
            for t, f in frames.items()
        },
    )
    delivery = DecodedDelivery(manifest, frames, no_violations(), {t: f"{t}.csv" for t in frames})
    content = hashlib.sha256(f"{provider_id}|{period}|{sorted(manifest.files.items())}".encode()).hexdigest()
    arrived = Arrival(manifest.exported_at, manifest.exported_at)
    return load_delivery(con, delivery.pseudonymised(TEST_KEY), content, arrived)


def build_warehouse_models(con: duckdb.DuckDBPyConnection, config: ProgrammeConfig, k: int = 5) -> pl.DataFrame:
    """Everything after raw, in the order the Dagster assets run it."""
    from warehouse.indicator_build import build_indicator_values
    from warehouse.models import build_models

    build_models(con, config)
    return build_indicator_values(con, k)


def d(text: str) -> date:
    return date.fromisoformat(text)


def age_files(folder: Path, seconds: float) -> None:
    """Set every file's times `seconds` into the past (a delivery that finished arriving then)."""
    past = time.time() - seconds
    for path in folder.rglob("*"):
        os.utime(path, (past, past))
