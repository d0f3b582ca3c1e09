"""The section "Geheimhaltungsprüfung" of the internal data-quality report (reports/quality/
disclosure.py): the newest stored run of the disclosure audit with its readers, figures and the
narrowest intervals; "Noch keine Prüfung gelaufen" when no audit ran; and a real audit of the
hand-built leap warehouse (warehouse/disclosure_audit.py) shown as it was stored."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

import duckdb
import polars as pl
import pytest

from reports import render_data_quality_report
from reports.quality.model import DISCLOSURE_ROW_LIMIT
from tests.conftest import build_warehouse_models
from tests.html_helpers import parse
from tests.transforms.indicators.hand_built import load_leap
from warehouse.db import fetch_polars
from warehouse.disclosure_audit import run_disclosure_audit
from warehouse.indicator_build import build_yearly_indicator_values
from warehouse.migrate import connect, migration_sql

CITY = "Leverkusen"
K = 5
UTC = dt.UTC
OLD_RUN = dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
RUN = dt.datetime(2026, 11, 3, 8, 30, tzinfo=UTC)  # 09:30 in Leverkusen

MINIMAL = """
CREATE SCHEMA marts;
CREATE SCHEMA dq;
CREATE TABLE marts.dim_providers (provider_id VARCHAR, provider_name VARCHAR, provider_kind VARCHAR);
CREATE TABLE marts.fct_deliveries (delivery_id VARCHAR, provider_id VARCHAR, period VARCHAR,
    exported_at TIMESTAMPTZ, received_at TIMESTAMPTZ, loaded_at TIMESTAMPTZ, state VARCHAR,
    total_rows BIGINT, quarantined_rows BIGINT, rejection_rule VARCHAR, rejection_file VARCHAR,
    rejection_line INTEGER, rejection_message VARCHAR, is_current BOOLEAN);
INSERT INTO marts.dim_providers VALUES
    ('caritas', 'Caritasverband Leverkusen', 'wohlfahrt'),
    ('diakonie', 'Diakonisches Werk Leverkusen', 'wohlfahrt');
"""
DELIVERY = "INSERT INTO marts.fct_deliveries VALUES (?, ?, '2026-10', ?, ?, ?, 'accepted', 100, 0, NULL, NULL, NULL, NULL, true)"
RUN_ROW = "INSERT INTO dq.disclosure_audits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
CELL_ROW = "INSERT INTO dq.disclosure_audit_cells VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

# reader, indicator, period, unit, dimension, value, column, true value, lower, upper, method, binding
# fmt: off
CELLS = [
    ("outside", "cases_closed", "2026-10", "caritas", "all", "all", "numerator", 1, 1, 1, "lp",
     ["cases_active: stock and flow [cases_active 2026-10 caritas]", "hidden >= 1: cases_closed 2026-10 caritas numerator"]),
    ("diakonie", "cases_closed", "2026-10", "caritas", "all", "all", "numerator", 1, 1, 1, "outside",
     ["cases_active: stock and flow [cases_active 2026-10 caritas]"]),
    ("outside", "needs_unmet_count", "2026-10", "all", "category_reason", "wohnen|kein_angebot", "numerator", 3, 1, 3,
     "milp", ["category_reason adds up to category=wohnen: needs_unmet_count 2026-10 all category=wohnen numerator"]),
    ("outside", "handover_within_14d_share", "2025", "caritas", "target_service", "jobcenter", "denominator", 4, 1,
     math.inf, "trivial", []),
    ("diakonie", "handover_within_14d_share", "2025", "caritas", "target_service", "jobcenter", "denominator", 4, 2, 6,
     "lp", ["months 2025-01..2025-12 add up to the year: x", "a", "b", "c"]),
    ("outside", "cases_new", "2026-09", "diakonie", "all", "all", "numerator", 7, 1, 12, "lp", []),
    ("caritas", "cases_new", "2026-09", "diakonie", "all", "all", "numerator", 7, 5, 9, "lp", ["<b>not markup</b>"]),
]
# fmt: on


def _store_run(con: duckdb.DuckDBPyConnection, at: dt.datetime, cells: list[tuple], passed: bool) -> None:
    readers = {"outside": {}, "caritas": {}, "diakonie": {}, "stadt": {}}  # stadt: an insider without targets
    unprotected = sum(upper - lower < K for *_, lower, upper, _m, _b in cells)
    details = json.dumps({"counts": {"readers": readers}})
    con.execute(RUN_ROW, [at, K, len(readers), 120, 9, 340, 2, len(cells), unprotected, passed, 12.5, details])
    for reader, indicator, period, unit, dimension, value, column, true, lower, upper, method, binding in cells:
        width = upper - lower
        con.execute(
            CELL_ROW,
            [at, reader, indicator, period, unit, dimension, value, column, true, lower, upper, width, width >= K,
             method, binding],
        )  # fmt: skip


def minimal_warehouse(path, *, audit_tables: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute(MINIMAL)
    loaded = dt.datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    con.execute(DELIVERY, ["c1", "caritas", loaded, loaded, loaded])
    if audit_tables:
        con.execute(migration_sql("0005_disclosure_audit.sql"))
    return con


def section(path):
    html = path.read_text(encoding="utf-8")
    start = html.index('<section id="geheimhaltung"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def stored(tmp_path):
    """A warehouse with two stored audit runs (the newer one's cells, and stale cells of the older)."""
    con = minimal_warehouse(tmp_path / "w.duckdb")
    _store_run(con, OLD_RUN, [CELLS[0][:8] + (0, 9, "lp", [])], passed=True)
    _store_run(con, RUN, CELLS, passed=False)
    path = render_data_quality_report(con, tmp_path / "reports", city=CITY, period="2026-10")
    yield con, path
    con.close()


def test_the_section_shows_the_newest_run_per_reader(stored):
    _, path = stored
    page = parse(path)
    assert "Geheimhaltungsprüfung" in page.heading_texts(2)
    assert page.heading_texts(2).index("Geheimhaltungsprüfung") == page.heading_texts(2).index("Hinweise") - 1
    status = " ".join(page.plain.split())
    assert "Letzte Prüfung: 03.11.2026, 09:30 Uhr · k = 5 · Ergebnis: ✗ nicht bestanden" in status
    readers = page.row_cells("tabelle-geheimhaltung-leser", "data-field")
    assert [key for key, field in readers if field == "targets"] == ["outside", "caritas", "diakonie", "stadt"]
    assert (readers[("outside", "targets")], readers[("outside", "unprotected")]) == ("4", "2")
    assert (readers[("outside", "exact")], readers[("outside", "narrowed")]) == ("1", "1")
    assert (readers[("diakonie", "targets")], readers[("diakonie", "unprotected")]) == ("2", "2")
    assert (readers[("caritas", "unprotected")], readers[("caritas", "narrowed")]) == ("1", "1")
    assert readers[("stadt", "targets")] == "0"  # named in the run's details, no cells
    facts = page.row_cells("tabelle-geheimhaltung-pruefung", "data-field")
    assert facts[("hidden", "value")] == "9"
    assert facts[("hidden_cells", "value")] == "4"  # distinct cells, not cells x readers
    assert facts[("unprotected_cells", "value")] == "4"
    assert facts[("targets", "value")] == "7" and facts[("unprotected", "value")] == "5"
    assert facts[("seconds", "value")] == "12,5 s"
    indicators = page.row_cells("tabelle-geheimhaltung-kennzahlen", "data-field")
    assert [key for key, field in indicators if field == "targets"] == [
        "cases_closed",
        "cases_new",
        "handover_within_14d_share",
        "needs_unmet_count",
    ]
    assert (indicators[("cases_closed", "unprotected")], indicators[("cases_closed", "exact")]) == ("1", "1")
    assert (indicators[("cases_new", "unprotected")], indicators[("cases_new", "exact")]) == ("1", "0")


def test_the_narrowest_intervals_one_row_per_cell(stored):
    _, path = stored
    page = parse(path)
    rows = page.row_cells("tabelle-geheimhaltung", "data-field")
    keys = list(dict.fromkeys(key for key, _ in rows))
    assert keys == [
        "cases_closed 2026-10 caritas numerator",
        "needs_unmet_count 2026-10 all category_reason=wohnen|kein_angebot numerator",
        "cases_new 2026-09 diakonie numerator",
        "handover_within_14d_share 2025 caritas target_service=jobcenter denominator",
    ]
    first = keys[0]
    assert rows[(first, "period")] == "Oktober 2026" and rows[(first, "unit")] == "Caritasverband Leverkusen"
    assert rows[(first, "breakdown")] == "Insgesamt" and rows[(first, "column")] == "Anzahl"
    assert rows[(first, "interval")] == "genau 1 Spanne 0 · unter k"
    assert rows[(first, "readers")] == "von außen (damit auch jeder Träger)"
    assert "hidden >= 1: cases_closed 2026-10 caritas numerator" in rows[(first, "binding")]
    gap = keys[1]
    assert rows[(gap, "unit")] == "Stadt gesamt"
    assert rows[(gap, "breakdown")] == "Bedarfskategorie und Grund: Wohnen: Kein passendes Angebot"
    assert rows[(gap, "interval")] == "1 bis 3 Spanne 2 · unter k"
    insider = keys[2]
    assert rows[(insider, "readers")] == "Caritasverband Leverkusen" and rows[(insider, "interval")].startswith(
        "5 bis 9"
    )
    share = keys[3]
    assert rows[(share, "period")] == "Jahr 2025" and rows[(share, "column")] == "Nenner (Basis)"
    assert rows[(share, "readers")] == "Diakonisches Werk Leverkusen"  # narrower than the outside reader's 1 … ∞
    assert rows[(share, "binding")].count("months") == 1 and " c" not in rows[(share, "binding")]  # at most three
    html = section(path)
    assert "Anteil Übergaben innerhalb von 14 Tagen" in html
    assert "&lt;b&gt;not markup&lt;/b&gt;" in html and "<b>not markup" not in html
    assert not re.search(r"\b[0-9a-f]{32}\b", html)  # no pseudonym
    assert page.caption("tabelle-geheimhaltung") == (
        "Verdeckte Zahlen mit dem engsten Intervall, das ein Leser ableiten kann: alle 4 von 4 geprüften; "
        "4 davon enger als k = 5"
    )


def test_a_delivery_loaded_after_the_audit_makes_it_stale(stored, tmp_path):
    con, path = stored
    assert "Seit der Prüfung" not in section(path)  # the delivery was loaded before the run
    later = dt.datetime(2026, 11, 4, 7, 0, tzinfo=UTC)
    con.execute(DELIVERY, ["d1", "diakonie", later, later, later])
    again = render_data_quality_report(con, tmp_path / "again", city=CITY, period="2026-10")
    assert "Seit der Prüfung wurden 1 Lieferung geladen" in section(again)


@pytest.mark.parametrize("audit_tables", [True, False])
def test_no_audit_yet(tmp_path, audit_tables):
    con = minimal_warehouse(tmp_path / "w.duckdb", audit_tables=audit_tables)
    path = render_data_quality_report(con, tmp_path / "reports", city=CITY, period="2026-10")
    con.close()
    page = parse(path)
    assert "Geheimhaltungsprüfung" in page.heading_texts(2)
    html = section(path)
    assert "Noch keine Prüfung gelaufen." in html
    assert "tabelle-geheimhaltung" not in html
    assert ("„kim audit“" in html) == audit_tables


@pytest.fixture(scope="module")
def leap_audit(tmp_path_factory, config):
    """The leap warehouse audited for real, and its data-quality report."""
    tmp_path = tmp_path_factory.mktemp("leap_dq")
    con = connect(tmp_path / "warehouse.duckdb")
    load_leap(con, config)
    build_warehouse_models(con, config, k=K)
    build_yearly_indicator_values(con, K)
    result = run_disclosure_audit(con, K)
    path = render_data_quality_report(con, tmp_path / "reports", city=CITY)
    yield con, result, path
    con.close()


def test_a_real_audit_as_stored(leap_audit):
    _, result, path = leap_audit
    page = parse(path)
    readers = page.row_cells("tabelle-geheimhaltung-leser", "data-field")
    for reader, counts in result.counts["readers"].items():
        assert readers[(reader, "targets")] == str(counts["targets"])
        assert readers[(reader, "unprotected")] == str(counts["unprotected"])
    assert not result.passed and "Ergebnis: ✗ nicht bestanden" in " ".join(page.plain.split())
    rows = page.row_cells("tabelle-geheimhaltung", "data-field")
    keys = list(dict.fromkeys(key for key, _ in rows))
    cells = result.cells.with_columns(
        key=pl.concat_str(
            [
                "indicator_id",
                "period",
                "provider_id",
                pl.when(pl.col("dimension") != "all").then(pl.format("{}={}", "dimension", "dimension_value")),
                "column",
            ],
            separator=" ",
            ignore_nulls=True,
        )
    )
    distinct = cells["key"].n_unique()
    indicators = page.row_cells("tabelle-geheimhaltung-kennzahlen", "data-field")
    assert sum(int(text.replace(".", "")) for (_, field), text in indicators.items() if field == "targets") == distinct
    assert len(keys) == min(distinct, DISCLOSURE_ROW_LIMIT)
    narrowest = cells.group_by("key").agg(pl.col("width").min())
    assert set(keys) <= set(narrowest["key"].to_list())
    widths = dict(narrowest.iter_rows())
    shown = [widths[key] for key in keys]
    assert shown == sorted(shown) and shown[0] == narrowest["width"].min()
    outside_only = set(narrowest["key"].to_list()) - set(keys)
    assert all(widths[key] >= shown[-1] for key in outside_only)


def test_the_information_loss_per_report_matches_the_publication(tmp_path, config):
    """After the publication step, "Was die Geheimhaltung kostet" lists per report the printed
    and hidden count cells and the hidden count mass, counted here from marts.indicator_publication
    and the values tables on their own."""
    from transforms.indicators import KINDS
    from warehouse.disclosure_protection import protect_warehouse

    con = connect(tmp_path / "warehouse.duckdb")
    load_leap(con, config)
    build_warehouse_models(con, config, k=K)
    build_yearly_indicator_values(con, K)
    protect_warehouse(con, K)
    run_disclosure_audit(con, K)
    path = render_data_quality_report(con, tmp_path / "reports", city=CITY)
    key = ["indicator_id", "period", "provider_id", "dimension", "dimension_value"]
    values = pl.concat(
        [
            fetch_polars(con, f"SELECT {', '.join(key)}, numerator FROM marts.{table}")
            for table in ("indicator_values", "indicator_values_yearly")
        ]
    )
    publication = fetch_polars(con, "SELECT * FROM marts.indicator_publication")
    con.close()
    counts = [indicator for indicator, kind in KINDS.items() if kind == "count"]
    cells = publication.filter(pl.col("indicator_id").is_in(counts)).join(values, on=key, how="left")
    expected = {}
    for row in cells.iter_rows(named=True):
        scope = "provider" if row["provider_id"] != "all" else "annual" if len(row["period"]) == 4 else "monthly"
        entry = expected.setdefault(f"{scope}:{row['period']}", {"printed": 0, "hidden": 0, "hidden_mass": 0})
        if row["status"] in ("published", "hidden"):
            entry["printed"] += 1
        if row["status"] == "hidden":
            entry["hidden"] += 1
            entry["hidden_mass"] += row["numerator"] or 0
    shown = parse(path).row_cells("tabelle-informationsverlust", "data-field")
    keys = {key for key, _ in shown}
    assert keys == set(expected)
    assert any(entry["hidden"] for entry in expected.values())  # the leap release hides something
    for report, entry in expected.items():
        for field, number in entry.items():
            assert shown[(report, field)] == f"{number:,}".replace(",", "."), (report, field)


def test_a_grouped_cell_is_named_by_its_members_in_german():
    from reports.quality.disclosure import breakdown_text

    assert (
        breakdown_text("category_grouped", "schule+sonstiges") == "Bedarfskategorie, zusammengefasst: Schule, Sonstiges"
    )
    assert breakdown_text("category_reason_grouped", "arbeit+familie|kosten") == (
        "Bedarfskategorie und Grund, zusammengefasst: Arbeit, Familie | Kosten"
    )
