"""Arrival (issue 16): a delivery arrives when the pipeline first sees it complete, not when its
files say. A copy tool that keeps file times must not make a late delivery look punctual; the file
time is kept in the register as information. Synthetic history (kim demo, the tests' conftest)
trusts its file times: kim.settings.arrival_from_file_times."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from tests.delivery_files import CASES_HEADER, reference_files, write_delivery_files
from warehouse.load import ingest_landing
from warehouse.models import build_models

KEY = "arrival-test-key"
# June's delivery is due on 10 July; its files say 5 July (kept by the copy tool).
FILE_TIME = datetime(2026, 7, 5, 9, 0, tzinfo=UTC)
ROWS = [f"C-{i};P-{i};M-1;15.06.2026;;;1990;w;SYR;duldung;;;selbst" for i in range(3)]


def land_june(landing) -> None:
    manifest = {"exported_at": "2026-07-03T09:00:00+02:00"}
    folder = write_delivery_files(landing, "caritas", "2026-06", reference_files(ROWS, CASES_HEADER), manifest)
    for path in folder.iterdir():
        os.utime(path, (FILE_TIME.timestamp(), FILE_TIME.timestamp()))


def register(con) -> tuple[datetime, datetime]:
    return con.execute("SELECT received_at, file_modified_at FROM raw.deliveries").fetchall()[0]


def june_status(con, config) -> str:
    build_models(con, config)
    return con.execute(
        "SELECT status FROM marts.delivery_timeliness WHERE provider_id = 'caritas' AND period = '2026-06'"
    ).fetchall()[0][0]


def test_a_delivery_arrives_when_the_pipeline_first_sees_it_whatever_its_file_times(
    tmp_path, config, warehouse, monkeypatch
):
    monkeypatch.delenv("KIM_ARRIVAL_FROM_FILE_TIMES", raising=False)
    monkeypatch.delenv("KIM_DEMO_MODE", raising=False)
    land_june(tmp_path / "landing")
    before = datetime.now(UTC)
    summary = ingest_landing(warehouse, tmp_path / "landing", config, KEY)
    assert len(summary.accepted) == 1
    received, file_modified = register(warehouse)
    assert before - timedelta(seconds=1) <= received <= datetime.now(UTC)
    assert file_modified == FILE_TIME  # kept as information
    # first seen in December: late, although the files say 5 July
    assert june_status(warehouse, config) == "verspaetet"


def test_seen_again_later_the_delivery_keeps_its_first_arrival(tmp_path, config, warehouse, monkeypatch):
    monkeypatch.delenv("KIM_ARRIVAL_FROM_FILE_TIMES", raising=False)
    land_june(tmp_path / "landing")
    ingest_landing(warehouse, tmp_path / "landing", config, KEY)
    first = register(warehouse)
    summary = ingest_landing(warehouse, tmp_path / "landing", config, KEY)
    assert summary.accepted == [] and len(summary.duplicates) == 1
    assert register(warehouse) == first


@pytest.mark.parametrize("setting", ["KIM_ARRIVAL_FROM_FILE_TIMES", "KIM_DEMO_MODE"])
def test_synthetic_history_arrives_at_its_file_times(tmp_path, config, warehouse, monkeypatch, setting):
    monkeypatch.delenv("KIM_ARRIVAL_FROM_FILE_TIMES", raising=False)
    monkeypatch.setenv(setting, "1")
    land_june(tmp_path / "landing")
    ingest_landing(warehouse, tmp_path / "landing", config, KEY)
    assert register(warehouse) == (FILE_TIME, FILE_TIME)
    assert june_status(warehouse, config) == "fristgerecht"
