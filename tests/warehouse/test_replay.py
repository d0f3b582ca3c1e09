"""kim demo loads month by month (issue 18): every month's deliveries are checked as they would
have been when they were current, so the data-quality report's history has check results; the
warehouse ends in the same state as a load of everything at once."""

from __future__ import annotations

from kim.contract import TABLES
from synthetic import generate
from warehouse.load import ingest_landing
from warehouse.migrate import connect
from warehouse.models import build_staging
from warehouse.replay import replay_by_month
from warehouse.validation import validate_and_record

KEY = "k"
CHECKED = """
SELECT DISTINCT r.delivery_id, d.period FROM dq.check_results r JOIN raw.deliveries d USING (delivery_id)
WHERE r.suite_name LIKE 'contract_%' ORDER BY ALL
"""
ACCEPTED = "SELECT delivery_id, period FROM raw.deliveries WHERE state IN ('accepted', 'superseded') ORDER BY ALL"


def test_month_by_month_checks_every_months_deliveries_and_ends_like_one_load(tmp_path, config):
    landing = tmp_path / "landing"
    generate(config, landing, months=3, seed=5, total_cases=150, end_period="2026-03")
    months = []
    replayed = connect(tmp_path / "replayed.duckdb")
    summary = replay_by_month(
        replayed, landing, config, KEY, lambda period, done, total: months.append((period, done, total))
    )
    assert months == [("2026-01", 1, 3), ("2026-02", 2, 3), ("2026-03", 3, 3)]
    assert len(summary.accepted) == len(replayed.execute(ACCEPTED).fetchall()) > 0
    # every accepted delivery was checked while it was current, not only the newest
    assert replayed.execute(CHECKED).fetchall() == replayed.execute(ACCEPTED).fetchall()
    assert {period for _, period in replayed.execute(CHECKED).fetchall()} == {"2026-01", "2026-02", "2026-03"}

    at_once = connect(tmp_path / "at_once.duckdb")
    ingest_landing(at_once, landing, config, KEY)
    build_staging(at_once)
    for table in TABLES:
        validate_and_record(at_once, table)
    assert {period for _, period in at_once.execute(CHECKED).fetchall()} == {"2026-03"}  # what the demo lacked
    for table in TABLES:
        query = f"SELECT * EXCLUDE (delivery_id) FROM staging.{table} ORDER BY ALL"
        assert replayed.execute(query).fetchall() == at_once.execute(query).fetchall(), table
    replayed.close()
    at_once.close()
