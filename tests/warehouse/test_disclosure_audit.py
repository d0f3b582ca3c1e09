"""The disclosure audit on a real warehouse (warehouse/disclosure_audit.py): the leap dataset of
tests/transforms/indicators/hand_built.py loaded through the real path, the monthly and yearly
indicators built with k = 5, then audited: the release's cells, the public quantities, the
insiders, and what is stored in dq.disclosure_audits and dq.disclosure_audit_cells."""

from __future__ import annotations

import json
import math

import polars as pl
import pytest

from tests.conftest import build_warehouse_models
from tests.transforms.indicators.hand_built import load_leap
from warehouse.db import fetch_polars
from warehouse.disclosure_audit import SELECT_PUBLIC, insiders, release_cells, run_disclosure_audit
from warehouse.indicator_build import build_yearly_indicator_values
from warehouse.migrate import connect

K = 5


@pytest.fixture(scope="module")
def audited(tmp_path_factory, config):
    """The leap warehouse audited, then audited again after one more count was hidden:
    (connection, first result, second result)."""
    con = connect(tmp_path_factory.mktemp("leap") / "warehouse.duckdb")
    load_leap(con, config)
    build_warehouse_models(con, config, k=K)
    build_yearly_indicator_values(con, K)
    first = run_disclosure_audit(con, K)
    # A published count of the release hidden as well: a changed release, audited again.
    con.execute(
        "UPDATE marts.indicator_values SET suppressed = true WHERE rowid = (SELECT min(rowid) FROM "
        "marts.indicator_values WHERE NOT suppressed AND numerator >= 1 AND indicator_id = 'cases_active')"
    )
    second = run_disclosure_audit(con, K)
    yield con, first, second
    con.close()


def test_release_cells_publish_or_hide_the_counts_of_each_kind():
    values = pl.DataFrame(
        [
            ("cases_closed", "2024-02", "caritas", "all", "all", 2.0, 2, None, True),
            ("cases_closed", "2024-02", "diakonie", "all", "all", 9.0, 9, None, False),
            ("needs_unmet_share", "2024-02", "all", "all", "all", 0.75, 3, 4, True),
            ("needs_unmet_share", "2024-03", "all", "all", "all", 0.5, 6, 12, False),
            ("caseload_per_fte", "2024-02", "caritas", "all", "all", 2.0, 6, None, True),
            ("budget_actual_cost", "2024-02", "all", "all", "all", 65_000.0, None, None, False),
        ],
        schema=[
            "indicator_id",
            "period",
            "provider_id",
            "dimension",
            "dimension_value",
            "value",
            "numerator",
            "denominator",
            "suppressed",
        ],
        orient="row",
    )
    cells = release_cells(values).sort("indicator_id", "period", "provider_id", "column")
    assert cells.select("indicator_id", "provider_id", "period", "column", "true_value", "status", "value").rows() == [
        # a count prints its count; a ratio or share prints only its figure, never its counts
        ("caseload_per_fte", "caritas", "2024-02", "numerator", 6, "unprinted", None),
        ("cases_closed", "caritas", "2024-02", "numerator", 2, "hidden", None),
        ("cases_closed", "diakonie", "2024-02", "numerator", 9, "published", 9.0),
        ("needs_unmet_share", "all", "2024-02", "denominator", 4, "unprinted", None),
        ("needs_unmet_share", "all", "2024-02", "numerator", 3, "unprinted", None),
        ("needs_unmet_share", "all", "2024-03", "denominator", 12, "unprinted", 0.5),
        ("needs_unmet_share", "all", "2024-03", "numerator", 6, "unprinted", 0.5),
    ]


def test_the_public_quantities_are_the_fte_and_the_periods_cost(audited):
    con = audited[0]
    public = {(q, p, u): v for q, p, u, v in fetch_polars(con, SELECT_PUBLIC).rows()}
    assert public[("funded_fte", "2024", "caritas")] == 3.0
    # 781,000 EUR in 2024: a month is a twelfth; the year (February and March delivered) two twelfths
    assert public[("period_cost", "2024-02", "all")] == pytest.approx(781_000 / 12)
    assert public[("period_cost", "2024", "all")] == pytest.approx(781_000 * 2 / 12)
    assert public[("period_cost", "2024-03", "caritas")] == pytest.approx(781_000 * 3 / 11 / 12)


def test_every_case_delivering_provider_is_an_insider(audited):
    con, result, _ = audited
    assert set(result.counts["readers"]) == {"outside", "awo", "caritas", "diakonie", "drk", "stadt"}
    cells = pl.DataFrame({"provider_id": ["abh", "caritas", "all"]})
    assert insiders(con, cells) == ("caritas",)  # abh delivers no cases


def test_the_audit_finds_the_hidden_counts_of_the_small_dataset(audited):
    _, result, _ = audited
    counts = result.counts
    assert counts["hidden"] > 0 and counts["targets"] > 0
    assert counts["rows"] > 0 and set(counts["rows_by_kind"]) >= {"providers", "breakdowns", "months", "equal"}
    # a dataset of a handful of cases cannot be protected: its small counts are recovered
    assert not result.passed and counts["unprotected"] > 0
    outside = result.cells.filter(pl.col("reader") == "outside")
    assert outside.height == counts["readers"]["outside"]["targets"]
    for row in result.cells.iter_rows(named=True):
        assert row["lower"] <= row["true_value"] <= row["upper"]
        assert row["protected"] == (row["upper"] - row["lower"] >= K)
    # an insider only checks the other providers' cells
    insider = result.cells.filter(pl.col("reader") == "caritas")
    assert set(insider["provider_id"].to_list()) <= {"awo", "diakonie", "drk", "stadt"}


def test_the_stored_run_replaces_the_previous_cells(audited):
    con, first, second = audited
    runs = con.execute(
        "SELECT k, readers, targets, unprotected, passed, cells, constraints, details FROM dq.disclosure_audits "
        "ORDER BY audited_at"
    ).fetchall()
    assert len(runs) == 2
    k, readers, targets, unprotected, passed, cells, constraints, details = runs[-1]
    assert (k, readers, targets, unprotected, passed) == (
        K,
        6,
        second.counts["targets"],
        second.counts["unprotected"],
        second.passed,
    )
    assert cells == second.counts["cells"] and constraints == second.counts["rows"]
    assert (
        json.loads(details)["counts"]["readers"]["outside"]["targets"] == second.counts["readers"]["outside"]["targets"]
    )
    stored = fetch_polars(con, "SELECT * FROM dq.disclosure_audit_cells")
    assert stored.height == second.cells.height > first.cells.height  # one more hidden count
    assert stored["audited_at"].n_unique() == 1
    row = stored.filter(~pl.col("protected")).sort("reader", "indicator_id", "period", "provider_id").row(0, named=True)
    assert row["upper_bound"] - row["lower_bound"] < K and isinstance(row["binding"], list)
    assert all(math.isfinite(v) or v == math.inf for v in stored["upper_bound"].to_list())


def test_kim_audit_reports_in_german_and_exits_1_when_unprotected(tmp_path, config, monkeypatch):
    """`kim audit` on a real warehouse: the verdict, the counts and the narrowest intervals in
    German, exit code 1 because the leap data's suppression does not satisfy the audit."""
    from typer.testing import CliRunner

    from kim.cli import app

    database = tmp_path / "warehouse.duckdb"
    con = connect(database)
    load_leap(con, config)
    build_warehouse_models(con, config, k=K)
    build_yearly_indicator_values(con, K)
    con.close()
    monkeypatch.setenv("KIM_WAREHOUSE", str(database))
    result = CliRunner().invoke(app, ["audit", "--show", "3"])
    assert result.exit_code == 1, result.output
    assert "Geheimhaltungsprüfung (k = 5):" in result.output
    assert "Ergebnis: NICHT geschützt." in result.output
    listed = [line for line in result.output.splitlines() if line.startswith("  ") and " bis " in line]
    assert len(listed) == 3
    stored = connect(database)
    try:
        unprotected = stored.execute(
            "SELECT count(*) FROM (SELECT DISTINCT indicator_id, period, provider_id, dimension, dimension_value, "
            "count_column FROM dq.disclosure_audit_cells WHERE NOT protected)"
        ).fetchall()[0][0]
    finally:
        stored.close()
    assert f"{unprotected} verdeckte Zahlen lassen sich auf weniger als 5 Werte eingrenzen" in result.output


def test_a_protected_release_is_reported_as_protected():
    from kim.run_output import format_audit
    from tests.transforms.disclosure.release import Release
    from transforms.disclosure import audit_release

    release = (
        Release()
        .cell("cases_new", "2026-01", 70)
        .hidden("cases_new", "2026-01", 30, dimension="referral_source", value="selbst")
        .hidden("cases_new", "2026-01", 40, dimension="referral_source", value="jobcenter")
    )
    result = audit_release(release.frame(), release.public_frame(), k=5)
    assert result.passed
    text = format_audit(result)
    assert "Ergebnis: geschützt." in text and "2 verdeckte Zahlen geprüft" in text


def test_an_unchanged_release_reuses_the_stored_audit(audited):
    con, _, second = audited
    again = run_disclosure_audit(con, K)
    assert again.seconds.get("reused") == 1.0  # nothing solved
    assert con.execute("SELECT count(*) FROM dq.disclosure_audits").fetchall()[0][0] == 2
    assert again.passed == second.passed and again.counts == second.counts
    key = ["reader", "indicator_id", "period", "provider_id", "dimension", "dimension_value", "column"]
    columns = [*key, "true_value", "lower", "upper", "protected"]
    assert again.cells.select(columns).sort(key).equals(second.cells.select(columns).sort(key))
    assert run_disclosure_audit(con, K + 1).seconds.get("reused") is None  # another k: a new audit


def test_an_audit_cut_off_by_its_budget_fails_and_is_never_reused(audited):
    """KIM_AUDIT_SECONDS: an audit out of time proves nothing more, fails the release, and the next
    run audits again instead of taking the cut-off result back."""
    con = audited[0]
    con.execute("DELETE FROM dq.disclosure_block_cache")  # nothing solved before: the budget must cut
    con.execute("DELETE FROM dq.disclosure_audits")  # and no stored audit of this release to take back
    cut_off = run_disclosure_audit(con, K, max_seconds=1e-9)
    assert not cut_off.passed and cut_off.counts["unread"] == cut_off.counts["unprotected"] > 0
    from kim.run_output import format_audit

    assert "Zeit (KIM_AUDIT_SECONDS) abgelaufen" in format_audit(cut_off)
    again = run_disclosure_audit(con, K)
    assert again.seconds.get("reused") is None and "budget" not in set(again.cells["method"])
    assert run_disclosure_audit(con, K).seconds.get("reused") == 1.0


def test_solved_blocks_are_kept_in_the_warehouse_and_give_the_same_audit(audited):
    """dq.disclosure_block_cache: an audit of the same release again (its stored run removed, so it
    is not simply taken back) solves no block and finds exactly the same intervals."""
    con, _, second = audited
    assert con.execute("SELECT count(*) FROM dq.disclosure_block_cache").fetchall()[0][0] > 0
    con.execute("DELETE FROM dq.disclosure_audits")
    again = run_disclosure_audit(con, K)
    readers = again.counts["readers"].values()
    assert sum(r["blocks_solved"] for r in readers) == 0 and sum(r["blocks_reused"] for r in readers) > 0
    key = ["reader", "indicator_id", "period", "provider_id", "dimension", "dimension_value", "column"]
    columns = [*key, "lower", "upper", "protected", "method"]
    assert again.cells.select(columns).sort(key).equals(second.cells.select(columns).sort(key))
