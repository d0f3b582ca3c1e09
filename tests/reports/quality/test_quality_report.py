"""Internal data-quality report (reports.quality): a hand-built warehouse with every case a
data steward must see — rejected, superseded and current deliveries, a late and a missing month,
failing error and warning checks with sample keys, quarantined rows and gaps in completeness."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from kim.contract import TABLES
from reports import render_data_quality_report
from reports.quality import latest_dq_period, window_periods
from tests.html_helpers import chromium_page, parse

CITY = "Leverkusen"
PERIOD = "2026-10"
UTC = dt.UTC

PROVIDERS = [
    ("caritas", "Caritasverband Leverkusen", "wohlfahrt"),
    ("diakonie", "Diakonisches Werk Leverkusen", "wohlfahrt"),
    ("awo", "Arbeiterwohlfahrt Leverkusen", "wohlfahrt"),
    ("drk", "Deutsches Rotes Kreuz Leverkusen", "wohlfahrt"),
    ("stadt", "Stadt Leverkusen, kommunales Case Management", "stadt"),
    ("abh", "Ausländerbehörde Leverkusen", "abh"),
]

DDL = """
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS dq;
CREATE SCHEMA IF NOT EXISTS quarantine;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE TABLE marts.dim_providers (provider_id VARCHAR, provider_name VARCHAR,
    provider_kind VARCHAR);
CREATE TABLE marts.fct_deliveries (delivery_id VARCHAR, provider_id VARCHAR, period VARCHAR,
    exported_at TIMESTAMPTZ, received_at TIMESTAMPTZ, loaded_at TIMESTAMPTZ, state VARCHAR,
    total_rows BIGINT, quarantined_rows BIGINT, rejection_rule VARCHAR, rejection_file VARCHAR,
    rejection_line INTEGER, rejection_message VARCHAR, is_current BOOLEAN);
CREATE TABLE marts.delivery_timeliness (provider_id VARCHAR, period VARCHAR, due_on DATE,
    received_at TIMESTAMPTZ, status VARCHAR);
CREATE TABLE dq.check_results (checked_at TIMESTAMPTZ, data_version VARCHAR,
    delivery_id VARCHAR, provider_id VARCHAR, table_name VARCHAR, suite_name VARCHAR,
    expectation VARCHAR, column_name VARCHAR, description VARCHAR, severity VARCHAR,
    success BOOLEAN, observed_value VARCHAR, unexpected_count BIGINT, element_count BIGINT,
    sample_keys VARCHAR[], duration_ms DOUBLE);
CREATE TABLE quarantine.rejected_rows (delivery_id VARCHAR, provider_id VARCHAR,
    table_name VARCHAR, file_name VARCHAR, source_row BIGINT, column_name VARCHAR, rule VARCHAR,
    value VARCHAR, expected VARCHAR, record_key VARCHAR);
"""

SQL_TYPES = {"id": "VARCHAR", "code": "VARCHAR", "text": "VARCHAR", "date": "DATE", "int": "INTEGER"}

EVIL_MESSAGE = "sha256 is <b>0f3a</b>, manifest.json says 9c1d: export again"


def key(n: int) -> str:
    """A 32-hex pseudonym like the pipeline writes."""
    return f"{n:032x}"


def _due(period: str) -> dt.date:
    year, month = map(int, period.split("-"))
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_next + dt.timedelta(days=9)  # 10th day after the month's end


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=UTC)


def _delivery(
    did,
    pid,
    period,
    received: dt.date,
    state="superseded",
    total=100,
    quarantined=0,
    current=False,
    rule=None,
    file=None,
    line=None,
    message=None,
):
    return (
        did,
        pid,
        period,
        _at(received - dt.timedelta(days=1)),
        _at(received),
        _at(received, 10),
        state,
        total if state != "rejected" else None,
        quarantined if state != "rejected" else None,
        rule,
        file,
        line,
        message,
        current,
    )


def build_dq_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute(DDL)
    for table, columns in TABLES.items():
        cols = ", ".join(f"{c.name} {SQL_TYPES[c.type]}" for c in columns)
        con.execute(
            f"CREATE TABLE staging.{table} (delivery_id VARCHAR, provider_id VARCHAR, source_row INTEGER, {cols})"
        )
    con.executemany("INSERT INTO marts.dim_providers VALUES (?, ?, ?)", PROVIDERS)

    months = window_periods(PERIOD)  # 2025-11 … 2026-10
    deliveries, timeliness = [], []
    for pid, _, _ in PROVIDERS:
        for m in months:
            due = _due(m)
            did = f"{pid}_{m}_aaaa"
            if pid == "awo" and m == "2026-08":  # missing month
                timeliness.append((pid, m, due, None, "fehlt"))
                continue
            if m == PERIOD and pid == "caritas":
                # delivered twice: the first one superseded by a corrected re-delivery
                deliveries.append(
                    _delivery(f"caritas_{m}_aaaa", pid, m, due - dt.timedelta(7), quarantined=9, total=130)
                )
                deliveries.append(
                    _delivery(
                        f"caritas_{m}_bbbb",
                        pid,
                        m,
                        due - dt.timedelta(5),
                        state="accepted",
                        current=True,
                        total=150,
                        quarantined=3,
                    )
                )
                timeliness.append((pid, m, due, _at(due - dt.timedelta(7)), "fristgerecht"))
                continue
            if m == PERIOD and pid == "diakonie":  # rejected: September stays current
                deliveries.append(
                    _delivery(
                        did,
                        pid,
                        m,
                        due - dt.timedelta(2),
                        state="rejected",
                        rule="checksum_mismatch",
                        file="cases.csv",
                        message=EVIL_MESSAGE,
                    )
                )
                timeliness.append((pid, m, due, None, "fehlt"))
                continue
            if m == PERIOD and pid == "drk":  # rejected with a line, not yet due again
                deliveries.append(
                    _delivery(
                        did,
                        pid,
                        m,
                        due - dt.timedelta(4),
                        state="rejected",
                        rule="pii_column",
                        file="export.xlsx",
                        line=1,
                        message="column 'Nachname' looks like a name",
                    )
                )
                timeliness.append((pid, m, due, None, "fehlt"))
                continue
            if m == PERIOD and pid == "abh":  # not yet due for the ABH
                timeliness.append((pid, m, due, None, "offen"))
                continue
            late = pid == "awo" and m == PERIOD
            received = due + dt.timedelta(2) if late else due - dt.timedelta(3)
            is_current = (m == PERIOD) or (m == "2026-09" and pid in ("diakonie", "drk", "abh"))
            deliveries.append(
                _delivery(
                    did,
                    pid,
                    m,
                    received,
                    state="accepted" if is_current else "superseded",
                    current=is_current,
                    total=120,
                    quarantined=25 if (pid == "awo" and m == PERIOD) else (2 if m == "2026-06" else 0),
                )
            )
            timeliness.append((pid, m, due, _at(received), "verspaetet" if late else "fristgerecht"))
    # a delivery from a folder no provider is configured for
    deliveries.append(
        _delivery(
            "caritass_2026-10_cccc",
            "caritass",
            PERIOD,
            dt.date(2026, 11, 3),
            state="rejected",
            rule="provider_unknown",
            file="manifest.json",
            message="provider 'caritass' is not configured",
        )
    )
    con.executemany("INSERT INTO marts.fct_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", deliveries)
    con.executemany("INSERT INTO marts.delivery_timeliness VALUES (?, ?, ?, ?, ?)", timeliness)

    # ---- check results: history, the newest result per check counts
    early, late = _at(dt.date(2026, 11, 6), 8), _at(dt.date(2026, 11, 6), 12)
    checks = []

    def check(at, did, pid, table, exp, col, desc, sev, ok, unexpected=0, elements=150, keys=None, observed=None):
        checks.append(
            (
                at,
                "v1",
                did,
                pid,
                f"staging.{table}",
                f"staging_{table}",
                exp,
                col,
                desc,
                sev,
                ok,
                observed,
                unexpected,
                elements,
                keys,
                12.5,
            )
        )

    cur = "caritas_2026-10_bbbb"
    # failing error (it passed in an earlier run; the newest result counts)
    check(
        early,
        cur,
        "caritas",
        "cases",
        "expect_column_values_to_be_in_set",
        "referral_source",
        "Zuweisungsweg muss aus der Codeliste stammen",
        "error",
        True,
    )
    check(
        late,
        cur,
        "caritas",
        "cases",
        "expect_column_values_to_be_in_set",
        "referral_source",
        "Zuweisungsweg muss aus der Codeliste stammen",
        "error",
        False,
        2,
        keys=[key(0xA1), key(0xA2)],
    )
    # failing warning with more sample keys than are shown
    check(
        late,
        cur,
        "caritas",
        "cases",
        "expect_column_values_to_not_be_null",
        "case_manager_id",
        "Fallverantwortliche Fachkraft sollte angegeben sein",
        "warning",
        False,
        7,
        keys=[key(0xB0 + i) for i in range(7)],
    )
    # failed earlier, passes now: must not be listed
    check(
        early,
        cur,
        "caritas",
        "needs",
        "expect_column_values_to_not_be_null",
        "category",
        "Bedarfskategorie ist Pflicht",
        "error",
        False,
        4,
        keys=[key(0xC1)],
    )
    check(
        late,
        cur,
        "caritas",
        "needs",
        "expect_column_values_to_not_be_null",
        "category",
        "Bedarfskategorie ist Pflicht",
        "error",
        True,
    )
    check(
        late,
        cur,
        "caritas",
        "cases",
        "expect_compound_columns_to_be_unique",
        None,
        "Fallnummer ist je Träger eindeutig",
        "error",
        True,
    )
    # the superseded delivery failed too: not its business any more
    check(
        early,
        "caritas_2026-10_aaaa",
        "caritas",
        "contacts",
        "expect_column_values_to_not_be_null",
        "contact_on",
        "Kontaktdatum ist Pflicht",
        "error",
        False,
        11,
        keys=[key(0xD1)],
    )
    # a warning on a person attribute: the observed value must not be shown
    check(
        late,
        "awo_2026-10_aaaa",
        "awo",
        "cases",
        "expect_column_values_to_be_in_set",
        "gender",
        "Geschlecht muss w, m, d oder x sein",
        "warning",
        False,
        1,
        120,
        keys=[key(0xE1)],
        observed="['q']",
    )
    for pid in ("stadt", "abh"):
        did = f"{pid}_{PERIOD if pid == 'stadt' else '2026-09'}_aaaa"
        check(
            late,
            did,
            pid,
            "cases",
            "expect_compound_columns_to_be_unique",
            None,
            "Schlüssel ist eindeutig",
            "error",
            True,
        )
    # September: one failing error for stadt (history for the chart)
    check(
        early,
        "stadt_2026-09_aaaa",
        "stadt",
        "cases",
        "expect_column_values_to_not_be_null",
        "opened_on",
        "Beginn des Falls ist Pflicht",
        "error",
        False,
        1,
        120,
        keys=[key(0xF1)],
    )
    con.executemany("INSERT INTO dq.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", checks)

    # ---- quarantine
    q = [
        (cur, "caritas", "cases", "cases.csv", 5, "gender", "code_list", "q", "w, m, d, x", key(0x51)),
        (cur, "caritas", "cases", "cases.csv", 9, "opened_on", "date_format", "31.02.2026", "%d.%m.%Y", key(0x52)),
        # the same row breaks a second rule, with no value kept (as the pipeline stores it)
        (cur, "caritas", "cases", "cases.csv", 9, "closed_on", "date_format", None, "%d.%m.%Y", key(0x52)),
        (cur, "caritas", "needs", "needs.csv", 3, "category", "code_list", "wohnung", "sprache, arbeit, …", key(0x53)),
        (
            "caritas_2026-10_aaaa",
            "caritas",
            "cases",
            "cases.csv",
            4,
            "birth_year",
            "out_of_range",
            "1850",
            "1900…2026",
            key(0x54),
        ),
    ]
    q += [
        (
            "awo_2026-10_aaaa",
            "awo",
            "contacts",
            "contacts.csv",
            10 + i,
            "duration_minutes",
            "out_of_range",
            str(900 + i),
            "1…600",
            key(0x600 + i),
        )
        for i in range(25)
    ]
    con.executemany("INSERT INTO quarantine.rejected_rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", q)

    # ---- staging: each provider's current delivery (plus one stale row to be ignored)
    def case(did, pid, row, district, arrival, closed=None):
        return {
            "delivery_id": did,
            "provider_id": pid,
            "source_row": row,
            "case_id": key(row),
            "person_id": key(1000 + row),
            "case_manager_id": key(7),
            "opened_on": dt.date(2026, 1, 5),
            "closed_on": closed,
            "closing_reason": "ziele_erreicht" if closed else None,
            "birth_year": 1990,
            "gender": "w",
            "nationality": "SYR",
            "residence_status": "duldung",
            "arrival_year": arrival,
            "district": district,
            "referral_source": "selbst",
        }

    cases = [
        # caritas: district 3 of 4 (75,0 %, below 95 %), closed_on 1 of 4 (conditional)
        case(cur, "caritas", 2, "opladen", 2019, dt.date(2026, 9, 1)),
        case(cur, "caritas", 3, "wiesdorf", 2020),
        case(cur, "caritas", 4, None, 2021),
        case(cur, "caritas", 5, "schlebusch", 2022),
        # stadt: arrival_year 2 of 3 (66,66… % shown rounded down as 66,6 %)
        case("stadt_2026-10_aaaa", "stadt", 2, "opladen", 2015),
        case("stadt_2026-10_aaaa", "stadt", 3, "opladen", None),
        case("stadt_2026-10_aaaa", "stadt", 4, "opladen", 2016),
        # a row of a superseded delivery: not part of the current state
        case("caritas_2026-10_aaaa", "caritas", 2, None, None),
    ]
    # awo: district 19 of 20 (exactly 95,0 %, not highlighted)
    cases += [case("awo_2026-10_aaaa", "awo", 2 + i, None if i == 0 else "opladen", 2018) for i in range(20)]
    names = ["delivery_id", "provider_id", "source_row"] + [c.name for c in TABLES["cases"]]
    con.executemany(
        f"INSERT INTO staging.cases ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [[row[n] for n in names] for row in cases],
    )
    con.executemany(
        "INSERT INTO staging.status_changes VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            ("abh_2026-09_aaaa", "abh", 2, key(1002), dt.date(2026, 9, 3), "duldung", "aufenthaltserlaubnis"),
            ("abh_2026-09_aaaa", "abh", 3, key(1003), dt.date(2026, 9, 4), "gestattung", None),
        ],
    )
    return con


def overview(page) -> dict[tuple[str | None, str], str]:
    """The overview table: (provider, data-field) -> text."""
    return page.row_cells("tabelle-ueberblick", "data-field")


def timeliness(page) -> dict[tuple[str | None, str], str]:
    """The timeliness matrix: (provider, period) -> text."""
    return page.row_cells("tabelle-puenktlichkeit", "data-period")


def completeness(page) -> dict[tuple[str, str, str], str]:
    """The completeness tables: (table, column, provider) -> text."""
    prefix = "tabelle-vollstaendigkeit-"
    return {
        (table_id.removeprefix(prefix), column, provider): text
        for table_id in page.tables
        if table_id.startswith(prefix)
        for (column, provider), text in page.row_cells(table_id, "data-key", row_attr="data-column").items()
        if column
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One warehouse and one rendered report for the read-only tests of this module."""
    tmp_path = tmp_path_factory.mktemp("dq")
    con = build_dq_warehouse(tmp_path / "warehouse.duckdb")
    path = render_data_quality_report(con, tmp_path / "reports", city=CITY)
    yield con, path, tmp_path
    con.close()


# ---------------------------------------------------------------------------------------------


def test_path_default_period_and_index(report):
    _, path, tmp_path = report
    assert path == tmp_path / "reports" / "datenqualitaet_2026-10.html"
    index = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert '<a href="datenqualitaet_2026-10.html">' in index
    section = index[index.index("<h3>Datenqualität (intern)</h3>") :]
    assert "Datenqualitätsbericht Oktober 2026" in section


def test_german_title_headings_and_internal_marker(report):
    _, path, _ = report
    doc = parse(path)
    html = path.read_text(encoding="utf-8")
    assert doc.heading_texts(1) == ["Datenqualitätsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026"]
    assert doc.heading_texts(2) == [
        "Überblick",
        "Lieferungen",
        "Pünktlichkeit",
        "Prüfergebnisse",
        "Quarantäne",
        "Vollständigkeit",
        "Fehler im Zeitverlauf",
        "Geheimhaltungsprüfung",
        "Hinweise",
    ]
    assert '<html lang="de">' in html
    assert "Intern – nicht zur Veröffentlichung." in html
    assert (
        "Regeln zum Schutz kleiner Fallzahlen (Sperrung von Werten unter k) gelten hier <strong>nicht</strong>" in html
    )
    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_overview_status_words(report):
    _, path, _ = report
    f = overview(parse(path))
    # caritas: a failing error check -> action needed; counts of the current delivery
    assert f[("caritas", "rating")].startswith("✗ Handlungsbedarf")
    assert "1 Fehler-Prüfung nicht bestanden" in f[("caritas", "rating")]
    assert f[("caritas", "rows")] == "150"
    assert f[("caritas", "quarantined")] == "3"
    assert f[("caritas", "errors")] == "1"
    assert f[("caritas", "warnings")] == "1"
    assert f[("caritas", "reference")] == "Oktober 2026"
    assert f[("caritas", "timeliness")].startswith("✓ fristgerecht")
    # diakonie: rejected October, September stays current
    assert f[("diakonie", "rating")].startswith("✗ Handlungsbedarf")
    assert "letzte Lieferung abgelehnt: Prüfsumme stimmt nicht" in f[("diakonie", "rating")]
    assert f[("diakonie", "reference")] == "September 2026 veraltet"
    assert f[("diakonie", "latest")].startswith("✗ abgelehnt Oktober 2026")
    assert f[("diakonie", "timeliness")].startswith("✗ fehlt")
    # awo: late and with quarantined rows -> watch
    assert f[("awo", "rating")].startswith("! Beobachten")
    assert "25 Zeilen in Quarantäne" in f[("awo", "rating")]
    assert f[("awo", "timeliness")].startswith("! verspätet (+2 T.)")
    # stadt: all fine; abh: not yet due, so its September state is no problem
    assert f[("stadt", "rating")] == "✓ In Ordnung keine Auffälligkeiten"
    assert f[("abh", "rating")] == "✓ In Ordnung keine Auffälligkeiten"
    assert f[("abh", "timeliness")].startswith("○ offen")
    # a delivery from an unknown folder is listed, not dropped
    assert f[("caritass", "rating")].startswith("✗ Handlungsbedarf")
    assert "Träger ist nicht eingerichtet" in f[("caritass", "rating")]


def test_deliveries_with_states_and_rejection_reason(report):
    _, path, _ = report
    html = path.read_text(encoding="utf-8")
    block = html[html.index('<table class="dense deliveries" data-key="caritas"') :]
    block = block[: block.index("</table>")]
    assert block.count("<tr data-delivery=") == 13  # 12 months, October delivered twice
    assert block.index("caritas_2026-10_bbbb") < block.index("caritas_2026-10_aaaa")
    assert "angenommen, aktuell" in block and "ersetzt" in block
    drk = html[html.index('<table class="dense deliveries" data-key="drk"') :]
    drk = drk[: drk.index("</table>")]
    assert "abgelehnt" in drk
    assert "Spalte mit direkt identifizierenden Daten" in drk  # German rule title
    assert "Was der Träger tut: Die Spalte aus dem Export nehmen" in drk  # and what to do, in German
    assert "Regel <code>pii_column</code> · Datei <code>export.xlsx</code> · Zeile 1" in drk
    diak = html[html.index('<table class="dense deliveries" data-key="diakonie"') :]
    assert "Prüfsumme stimmt nicht" in diak[: diak.index("</table>")]
    # received dates in German format
    assert "07.10.2026" in block  # September: three days before the 10 October deadline
    assert "03.11.2026" in block and "05.11.2026" in block


def test_rejection_message_is_escaped(report):
    _, path, _ = report
    html = path.read_text(encoding="utf-8")
    assert "sha256 is &lt;b&gt;0f3a&lt;/b&gt;, manifest.json says 9c1d" in html
    assert "<b>0f3a</b>" not in html
    # the pipeline's own message is English: marked as such inside the German report
    assert 'Technische Meldung (englisch): <span lang="en">sha256 is &lt;b&gt;' in html


def test_timeliness_matrix(report):
    _, path, _ = report
    t = timeliness(parse(path))
    assert len({p for _, p in t}) == 12
    assert t[("caritas", "2025-11")] == "✓ fristgerecht"
    assert t[("awo", "2026-08")] == "✗ fehlt"
    assert t[("awo", "2026-10")] == "! verspätet (+2 T.)"
    assert t[("abh", "2026-10")] == "○ offen"
    assert ("caritass", "2026-10") not in t
    html = path.read_text(encoding="utf-8")
    row = html[html.index('<tr data-key="awo">', html.index('id="tabelle-puenktlichkeit"')) :]
    row = row[: row.index("</tr>")]
    assert '<td class="num">10 von 12</td>' in row
    assert "Frist: 10.11.2026; eingegangen: 12.11.2026" in row


def test_check_results_show_current_failures_with_sample_keys(report):
    _, path, _ = report
    html = path.read_text(encoding="utf-8")
    block = html[html.index('<table class="dense checks" data-key="caritas"') :]
    block = block[: block.index("</table>")]
    assert "Zuweisungsweg muss aus der Codeliste stammen" in block
    assert "Fallverantwortliche Fachkraft sollte angegeben sein" in block
    assert block.index("Fehler") < block.index("Warnung")
    assert "2 von 150" in block and "7 von 150" in block
    assert key(0xA1) in block and key(0xA2) in block
    for i in range(5):
        assert key(0xB0 + i) in block
    assert key(0xB5) not in html and key(0xB6) not in html  # at most five sample keys
    # passing now (failed before) and the superseded delivery's failures are not listed
    assert "Bedarfskategorie ist Pflicht" not in html and key(0xC1) not in html
    assert "Kontaktdatum ist Pflicht" not in html
    assert "5 Prüfungen, davon nicht bestanden: 1 Fehler und 1 Warnung." not in html
    assert "4 Prüfungen, davon nicht bestanden: 1 Fehler und 1 Warnung." in html
    assert "Die einzige Prüfung wurde bestanden." in html
    # a person attribute's observed value never appears
    awo = html[html.index('<table class="dense checks" data-key="awo"') :]
    awo = awo[: awo.index("</table>")]
    assert "[&#39;q&#39;]" not in awo and "['q']" not in awo and "[ausgeblendet]" in awo


def test_quarantine_counts_rule_texts_and_rows(report):
    _, path, _ = report
    html = path.read_text(encoding="utf-8")
    summary = html[html.index('id="tabelle-quarantaene"') :]
    summary = summary[: summary.index("</table>")]
    # German rule texts from checks.rules; the gender value is masked
    assert "&#39;gender&#39;: unbekannter Wert &#39;[ausgeblendet]&#39;; erlaubt: w, m, d, x" in summary
    assert "&#39;opened_on&#39;: &#39;31.02.2026&#39; ist kein gültiges Datum im Format TT.MM.JJJJ" in summary
    assert "z. B. &#39;duration_minutes&#39;: 900 liegt außerhalb von 1…600" in summary
    assert '<td class="num">25</td>' in summary
    assert "birth_year" not in summary  # superseded delivery's quarantine is not counted
    rows = html[html.index('id="tabelle-quarantaene-zeilen"') :]
    rows = rows[: rows.index("</table>")]
    assert rows.count("<tr data-key=") == 20
    assert rows.count('<tr data-key="caritas">') == 4  # fair share: every provider shows up
    assert key(0x51) in rows and key(0x52) in rows and key(0x53) in rows
    assert "<code>cases.csv</code>" in rows and '<td class="num">9</td>' in rows
    # entries and rows are told apart (a row that breaks two rules is one row: issue 18)
    assert "20 von 29 Meldungen, gleichmäßig auf die Träger verteilt (je Träger die ersten nach Tabelle, " in html
    assert "Zeile) zu 28 Zeilen (eine Zeile kann mehrere Regeln verletzen)" in html
    # a value the pipeline did not keep shows as "…", the date format as people write it
    assert "&#39;closed_on&#39;: &#39;…&#39; ist kein gültiges Datum im Format TT.MM.JJJJ" in rows
    assert "&#39;q&#39;" not in html


def test_completeness_numbers(report):
    _, path, _ = report
    c = completeness(parse(path))
    html = path.read_text(encoding="utf-8")
    assert c[("cases", "district", "caritas")] == "▼ unter 95 %: 75,0 %"
    assert c[("cases", "district", "awo")] == "95,0 %"  # 19 of 20: not below
    assert c[("cases", "district", "stadt")] == "100,0 %"
    assert c[("cases", "arrival_year", "stadt")] == "▼ unter 95 %: 66,6 %"  # 2/3 rounded down
    assert c[("cases", "arrival_year", "caritas")] == "100,0 %"  # the stale row is ignored
    assert c[("cases", "closed_on", "caritas")] == "25,0 %"  # conditional: not highlighted
    assert c[("cases", "district", "diakonie")] == "–"  # no rows in staging
    assert c[("status_changes", "status_to", "abh")] == "▼ unter 95 %: 50,0 %"
    assert c[("status_changes", "person_id", "abh")] == "100,0 %"
    assert ("cases", "district", "abh") not in c  # abh delivers status changes only
    assert 'title="3 von 4 Zeilen gefüllt"' in html
    table = html[html.index('id="tabelle-vollstaendigkeit-cases"') :]
    table = table[: table.index("</table>")]
    assert table.count('class="pct low"') == 2


def test_trend_chart_and_no_external_requests(report):
    _, path, _ = report
    html = path.read_text(encoding="utf-8")
    doc = parse(path)
    assert html.count("<svg") == 1 and 'id="grafik-fehlerverlauf"' in html
    assert (
        'role="img"' in html
        and "Die meisten Zeilen in Quarantäne: Arbeiterwohlfahrt Leverkusen im Oktober 2026 (25)." in html
    )
    external = [u for u in doc.urls if re.match(r"(?i)\s*(https?:)?//", u[2])]
    assert not external, external
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "@import" not in html and "url(http" not in html
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids on the page"


def test_rendering_is_deterministic_and_period_validated(report):
    con, path, tmp_path = report
    again = render_data_quality_report(con, tmp_path / "again", city=CITY)
    assert again.read_bytes() == path.read_bytes()
    september = render_data_quality_report(con, tmp_path / "again", city=CITY, period="2026-09")
    assert september.name == "datenqualitaet_2026-09.html"
    f = overview(parse(september))
    # in September the superseded caritas delivery of that month is the state, not staging
    assert f[("caritas", "reference")] == "September 2026"
    # the October rejection came later; September's state has no check results here
    assert "abgelehnt" not in f[("diakonie", "rating")]
    assert f[("diakonie", "rating")] == "! Beobachten keine Prüfergebnisse"
    with pytest.raises(ValueError):
        render_data_quality_report(con, tmp_path / "x", city=CITY, period="../../etc")


def test_default_period_skips_rejected_and_missing_inputs(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("""
        CREATE SCHEMA marts;
        CREATE TABLE marts.dim_providers (provider_id VARCHAR, provider_name VARCHAR,
            provider_kind VARCHAR);
        CREATE TABLE marts.fct_deliveries (delivery_id VARCHAR, provider_id VARCHAR,
            period VARCHAR, exported_at TIMESTAMPTZ, received_at TIMESTAMPTZ,
            loaded_at TIMESTAMPTZ, state VARCHAR, total_rows BIGINT, quarantined_rows BIGINT,
            rejection_rule VARCHAR, rejection_file VARCHAR, rejection_line INTEGER,
            rejection_message VARCHAR, is_current BOOLEAN);
        INSERT INTO marts.dim_providers VALUES ('caritas', 'Caritasverband', 'wohlfahrt');
    """)
    rows = [
        _delivery(
            "c1", "caritas", "2026-12", dt.date(2027, 1, 5), state="rejected", rule="encoding", message="not UTF-8"
        ),
        _delivery(
            "c2",
            "caritas",
            "oktober",
            dt.date(2027, 1, 6),
            state="rejected",
            rule="period_invalid",
            message="period is not YYYY-MM",
        ),
    ]
    con.executemany("INSERT INTO marts.fct_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    assert latest_dq_period(con) == "2026-12"  # only rejected ones: the latest of all
    con.execute(
        "INSERT INTO marts.fct_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _delivery("c0", "caritas", "2026-11", dt.date(2026, 12, 5), state="accepted", current=True),
    )
    assert latest_dq_period(con) == "2026-11"
    path = render_data_quality_report(con, tmp_path / "reports", city=CITY)
    html = path.read_text(encoding="utf-8")
    assert path.name == "datenqualitaet_2026-11.html"
    # optional inputs are missing: the sections say so instead of failing
    assert "Tabelle marts.delivery_timeliness liegt nicht vor" in html
    assert "Tabelle dq.check_results liegt nicht vor" in html
    assert "Tabelle quarantine.rejected_rows liegt nicht vor" in html
    assert "Die Tabellen staging.* liegen nicht vor." in html
    # the invalid-period rejection is still listed (received in the window)
    assert "„oktober“ (ungültig)" in html
    con.close()


# ---------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_dq_report_in_headless_chromium(tmp_path):
    con = build_dq_warehouse(tmp_path / "warehouse.duckdb")
    path = render_data_quality_report(con, tmp_path / "reports", city=CITY)
    con.close()
    with chromium_page() as (page, traffic):
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert page.inner_text("h1") == (
            "Datenqualitätsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026"
        )
        assert page.locator("p.internal").is_visible()
        chart = page.locator("svg.chart")
        assert chart.count() == 1
        box = chart.first.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 200
        # nothing sticks out of the page horizontally (wide tables scroll in their box)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        shot = tmp_path / "datenqualitaet.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        keep = os.environ.get("KIM_DQ_REPORT_SCREENSHOT")
        if keep:
            shutil.copy(shot, keep)
        page.goto((tmp_path / "reports" / "index.html").as_uri())
        page.click("text=Datenqualitätsbericht Oktober 2026")
        page.wait_for_load_state("load")
        assert page.url.endswith("datenqualitaet_2026-10.html")
    assert not traffic.external, traffic.external
    assert traffic.requests
    assert not traffic.console_errors, traffic.console_errors
