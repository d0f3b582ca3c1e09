"""A delivery that only adds a month (synthetic.month_only, the benchmark's incremental case of
issue 17): after every other delivery, it makes the indicator plan recompute that month alone."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta

import polars as pl

from synthetic.generator import generate
from synthetic.month_only import month_only_tables, write_month_only_delivery
from tests.warehouse.test_incremental import K, incremental_build, same_as_full_rebuild
from warehouse.incremental import config_fingerprint, plan_indicator_recompute
from warehouse.load import IngestSummary, ensure_pseudonym_key, ingest_delivery
from warehouse.migrate import connect


def test_only_rows_wholly_in_the_new_month_are_added_and_nothing_older_changes():
    schema = {"need_id": pl.String, "identified_on": pl.Date, "resolved_on": pl.Date}
    before = {"needs": pl.DataFrame({"need_id": ["N1", "N2"], "identified_on": [date(2026, 8, 3)] * 2, "resolved_on": [None, None]}, schema=schema)}  # fmt: skip
    after = {
        "needs": pl.DataFrame(
            {
                "need_id": ["N1", "N2", "N3", "N4"],
                "identified_on": [date(2026, 8, 3), date(2026, 8, 3), date(2026, 9, 2), date(2026, 8, 30)],
                # N2 is resolved in September: a change of an older row, left out
                "resolved_on": [None, date(2026, 9, 5), None, None],
            },
            schema=schema,
        )
    }
    tables = month_only_tables(before, after, date(2026, 9, 1))
    # N4 is new in September's snapshot but dated in August (delivered late): left out too
    assert tables["needs"].to_dicts() == [
        {"need_id": "N1", "identified_on": date(2026, 8, 3), "resolved_on": None},
        {"need_id": "N2", "identified_on": date(2026, 8, 3), "resolved_on": None},
        {"need_id": "N3", "identified_on": date(2026, 9, 2), "resolved_on": None},
    ]


def test_a_month_only_delivery_recomputes_only_its_month(tmp_path, config):
    landing = tmp_path / "landing"
    months, seed, cases, end = 4, 5, 400, "2024-08"
    folders = generate(config, landing, months=months, seed=seed, total_cases=cases, end_period=end)
    provider = next(p for p, c in sorted(config.providers.items()) if c.kind != "abh" and c.profile.format == "csv")
    real = landing / provider / end
    exported = datetime.fromisoformat(json.loads((real / "manifest.json").read_text())["exported_at"])
    shutil.rmtree(real)
    con = connect(tmp_path / "w.duckdb")
    ensure_pseudonym_key(con, "k")
    for folder in (f for f in folders if f != real):
        ingest_delivery(con, folder, config, "k", IngestSummary())
    incremental_build(con, config)

    folder = write_month_only_delivery(config, landing, provider, months, seed, cases, exported - timedelta(days=1), end)  # fmt: skip
    summary = IngestSummary()
    ingest_delivery(con, folder, config, "k", summary)
    assert summary.accepted and not summary.rejected
    plan = plan_indicator_recompute(con, config_fingerprint(config), K)
    assert (plan.first_period, plan.last_period, plan.full) == (end, end, False), plan.describe()
    incremental_build(con, config)
    assert same_as_full_rebuild(con)
    con.close()
