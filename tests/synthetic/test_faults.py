"""The demo's seeded faults (issue 18): each is found by the pipeline for what it is (an identifier
column rejects its delivery, an impossible date quarantines one row, a month is missing), and
nothing else goes wrong."""

from __future__ import annotations

from synthetic import generate
from synthetic.faults import seed_demo_faults
from warehouse.load import ingest_landing
from warehouse.migrate import connect

END = "2026-03"


def test_each_seeded_fault_is_found_as_itself_and_nothing_else(tmp_path, config):
    landing = tmp_path / "landing"
    written = generate(config, landing, months=3, seed=6, total_cases=200, end_period=END)
    faults = {f.kind: f for f in seed_demo_faults(landing, config, sorted({w.name for w in written}))}
    assert set(faults) == {"quarantined", "rejected", "missing"}
    assert len({f.provider_id for f in faults.values()}) == 3
    missing = faults["missing"]
    assert not (landing / missing.provider_id / missing.period).exists()

    con = connect(tmp_path / "w.duckdb")
    summary = ingest_landing(con, landing, config, "faults-test-key")
    (rejection,) = summary.rejected
    assert rejection.rule == "pii_column" and rejection.file_name == "cases.csv"
    assert f"{rejection.delivery_dir.parent.name}/{rejection.delivery_dir.name}" == faults["rejected"].folder_name
    assert summary.quarantined_rows == 1
    quarantined = con.execute(
        "SELECT d.provider_id, d.period, q.file_name, q.column_name, q.rule "
        "FROM quarantine.rejected_rows q JOIN raw.deliveries d USING (delivery_id)"
    ).fetchall()
    seeded = faults["quarantined"]
    assert [row[:4] for row in quarantined] == [(seeded.provider_id, seeded.period, "contacts.csv", "contact_on")]
    assert "date" in quarantined[0][4]
