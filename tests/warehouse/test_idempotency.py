"""Idempotency and order of deliveries (design §2): a month arriving after a later one, the same
delivery twice, corrected re-deliveries of an old and of the current month. Staging always holds
each provider's newest period, the register (raw.deliveries) records every delivery seen, raw keeps
every accepted version, and loading again changes nothing.

(tests/warehouse/test_load.py covers the plain repeat load and a rejected then corrected delivery.)
"""

from __future__ import annotations

import os
import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.delivery_files import CASES_HEADER, reference_files, write_delivery_files
from warehouse.load import ingest_landing
from warehouse.migrate import connect
from warehouse.models import build_staging

KEY = "idempotency-key"


def version(period: str, birth_year: int, exported_at: str) -> tuple[str, dict[str, bytes], dict]:
    """A caritas delivery whose cases all carry `birth_year`: the marker that shows in staging
    which version is current (ids are pseudonymised, birth years are not)."""
    rows = [f"C-{i};P-{i};M-1;15.01.2026;;;{birth_year};w;SYR;duldung;;;selbst" for i in range(3)]
    return period, reference_files(rows, CASES_HEADER), {"exported_at": exported_at}


MAY = version("2026-05", 1981, "2026-06-05T09:00:00+02:00")
JUNE = version("2026-06", 1990, "2026-07-06T09:00:00+02:00")
MAY_CORRECTED = version("2026-05", 1982, "2026-07-20T09:00:00+02:00")
JUNE_CORRECTED = version("2026-06", 1991, "2026-07-21T09:00:00+02:00")
JULY = version("2026-07", 2000, "2026-08-04T09:00:00+02:00")


def deliver(landing, delivery) -> None:
    """The provider puts a delivery into its folder; a re-delivery replaces the folder's files."""
    period, files, manifest = delivery
    folder = landing / "caritas" / period
    if folder.exists():
        shutil.rmtree(folder)
    write_delivery_files(landing, "caritas", period, files, manifest)


def load(con, landing, config):
    summary = ingest_landing(con, landing, config, KEY)
    build_staging(con)
    return summary


def register(con) -> list[tuple]:
    return con.execute(
        "SELECT period, strftime(exported_at AT TIME ZONE 'UTC', '%m-%d'), state FROM raw.deliveries "
        "ORDER BY period, exported_at"
    ).fetchall()


def staging_marker(con) -> list[int]:
    return [y for (y,) in con.execute("SELECT DISTINCT birth_year FROM staging.cases ORDER BY 1").fetchall()]


def snapshot(con) -> list:
    """Everything loading may change (registered_at is when a delivery was first seen)."""
    return [
        con.execute("SELECT * EXCLUDE (registered_at) FROM raw.deliveries ORDER BY delivery_id").fetchall(),
        con.execute("SELECT * FROM raw.delivery_files ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM raw.cases ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM staging.cases ORDER BY ALL").fetchall(),
    ]


def test_a_month_arriving_after_a_later_one_does_not_become_current(tmp_path, config, warehouse):
    landing = tmp_path / "landing"
    deliver(landing, JUNE)
    load(warehouse, landing, config)
    deliver(landing, MAY)  # late: May arrives after June
    summary = load(warehouse, landing, config)
    assert len(summary.accepted) == 1
    assert register(warehouse) == [("2026-05", "06-05", "superseded"), ("2026-06", "07-06", "accepted")]
    assert staging_marker(warehouse) == [1990]
    # raw keeps the late month: past reports stay reproducible
    assert warehouse.execute("SELECT count(DISTINCT delivery_id) FROM raw.cases").fetchall() == [(2,)]


def test_a_corrected_redelivery_of_an_old_month_is_recorded_and_the_newest_month_stays_current(
    tmp_path, config, warehouse
):
    landing = tmp_path / "landing"
    for delivery in (MAY, JUNE):
        deliver(landing, delivery)
    load(warehouse, landing, config)
    deliver(landing, MAY_CORRECTED)  # the provider corrects May after sending June
    summary = load(warehouse, landing, config)
    assert len(summary.accepted) == 1 and len(summary.duplicates) == 1  # June again
    assert register(warehouse) == [
        ("2026-05", "06-05", "superseded"),
        ("2026-05", "07-20", "superseded"),
        ("2026-06", "07-06", "accepted"),
    ]
    assert staging_marker(warehouse) == [1990]
    # both May versions are in raw, each with its own register entry and files
    versions = warehouse.execute(
        "SELECT DISTINCT d.exported_at IS NOT NULL, c.birth_year FROM raw.cases c JOIN raw.deliveries d "
        "USING (delivery_id) WHERE d.period = '2026-05' ORDER BY 2"
    ).fetchall()
    assert versions == [(True, 1981), (True, 1982)]
    assert warehouse.execute(
        "SELECT count(DISTINCT delivery_id) FROM raw.delivery_files f JOIN raw.deliveries USING (delivery_id) "
        "WHERE period = '2026-05'"
    ).fetchall() == [(2,)]


def test_a_corrected_redelivery_of_the_current_month_replaces_it(tmp_path, config, warehouse):
    landing = tmp_path / "landing"
    deliver(landing, JUNE)
    load(warehouse, landing, config)
    deliver(landing, JUNE_CORRECTED)
    load(warehouse, landing, config)
    assert register(warehouse) == [("2026-06", "07-06", "superseded"), ("2026-06", "07-21", "accepted")]
    assert staging_marker(warehouse) == [1991]


def test_the_same_delivery_again_changes_nothing_even_when_copied_anew(tmp_path, config, warehouse):
    landing = tmp_path / "landing"
    deliver(landing, JUNE)
    load(warehouse, landing, config)
    before = snapshot(warehouse)
    # the provider sends the identical export once more: new files, new modification times
    deliver(landing, JUNE)
    for path in (landing / "caritas" / "2026-06").iterdir():
        os.utime(path, (1_900_000_000, 1_900_000_000))
    summary = load(warehouse, landing, config)
    assert summary.accepted == [] and len(summary.duplicates) == 1
    assert snapshot(warehouse) == before


EVENTS = (MAY, JUNE, MAY_CORRECTED, JULY)
# The current delivery whatever the order of arrival: the newest period.
NEWEST = JULY


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(EVENTS))
def test_any_order_of_arrival_ends_in_the_same_state(tmp_path_factory, config, order):
    root = tmp_path_factory.mktemp("order")
    landing = root / "landing"
    con = connect(root / "warehouse.duckdb")
    try:
        for delivery in order:
            deliver(landing, delivery)
            load(con, landing, config)
        assert staging_marker(con) == [2000]
        states = con.execute("SELECT state, count(*) FROM raw.deliveries GROUP BY ALL ORDER BY 1").fetchall()
        assert states == [("accepted", 1), ("superseded", len(EVENTS) - 1)]
        assert con.execute("SELECT period FROM raw.deliveries WHERE state = 'accepted'").fetchall() == [(NEWEST[0],)]
        # every version delivered is in raw, once
        assert con.execute("SELECT count(DISTINCT birth_year) FROM raw.cases").fetchall() == [(len(EVENTS),)]
        before = snapshot(con)
        load(con, landing, config)
        assert snapshot(con) == before
    finally:
        con.close()
