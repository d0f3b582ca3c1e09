"""Annual evaluation report (reports/annual.py): contents from a real warehouse (synthetic
deliveries through the whole pipeline), privacy, German formatting, and a headless-browser
check (screenshot, print to PDF, no requests leaving the file)."""

from __future__ import annotations

import os
import re
import shutil

import duckdb
import pytest

from reports.annual import build_annual_context, change_text, render_annual_reports, span_label
from reports.kit import formatting as fmt
from reports.kit.text import UNPUBLISHED
from reports.suppression import display, indicator_kind
from tests.conftest import build_warehouse_models
from tests.html_helpers import check_printed, chromium_page, parse
from tests.reports.publication import add_publication, set_breakdown_status, set_status
from tests.reports.signs import HIDDEN
from transforms.indicators import INDICATORS_BY_ID

CITY = "Leverkusen"
K = 5
MARKERS = {HIDDEN}  # every hidden figure, whatever the reason
SECTIONS = [
    "Zusammenfassung",
    "Reichweite",
    "Prozessqualität",
    "Ergebnisse",
    "Strukturelle Lücken",
    "Budget",
    "Datenqualität",
    "Methodische Hinweise",
]


# ---------------------------------------------------------------------------------------------
# A real warehouse: 14 months (January 2024 to February 2025) of synthetic deliveries


@pytest.fixture(scope="module")
def real(tmp_path_factory, config):
    from synthetic import generate
    from warehouse.indicator_build import build_yearly_indicator_values
    from warehouse.load import ingest_landing
    from warehouse.migrate import connect

    root = tmp_path_factory.mktemp("annual")
    generate(config, root / "landing", months=14, seed=5, total_cases=600, end_period="2025-02")
    con = connect(root / "warehouse.duckdb")
    ingest_landing(con, root / "landing", config, "k")
    build_warehouse_models(con, config)
    build_yearly_indicator_values(con, K)
    paths = render_annual_reports(con, root / "reports", city=CITY, k=K)
    yield con, paths, root
    con.close()


def yearly(con, year: str, indicator: str, provider: str = "all", dimension: str = "all", value: str = "all") -> dict:
    cursor = con.execute(
        "SELECT value, numerator, denominator, suppressed FROM marts.indicator_values_yearly "
        "WHERE period = ? AND indicator_id = ? AND provider_id = ? AND dimension = ? "
        "AND dimension_value = ?",
        [year, indicator, provider, dimension, value],
    )
    row = cursor.fetchone()
    assert row is not None, (year, indicator, provider, dimension, value)
    return dict(zip(("value", "numerator", "denominator", "suppressed"), row))


def expected_text(row: dict, indicator: str) -> str:
    """What the report must show for a stored row, written out independently of display()."""
    kind = indicator_kind(indicator).value
    value = row["value"]
    if kind == "count":
        n = round(value)
        if 1 <= n < K or row["suppressed"]:
            return HIDDEN
        return f"{n:,}".replace(",", ".")
    if kind == "money":
        return f"{round(value):,}".replace(",", ".") + "\u00a0€"
    if kind == "money_share":
        return f"{value * 100:.1f}".replace(".", ",") + " %"
    if row["suppressed"] or (row["denominator"] is not None and row["denominator"] < K):
        return HIDDEN
    if kind == "share":
        return f"{value * 100:.1f}".replace(".", ",") + " %"
    if kind == "money_per_case":
        return f"{round(value):,}".replace(",", ".") + "\u00a0€"
    return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")


def test_one_file_per_year(real):
    con, paths, root = real
    assert [p.name for p in paths] == ["jahresbericht_2024.html", "jahresbericht_2025.html"]
    assert all(p.parent == root / "reports" and p.stat().st_size > 20_000 for p in paths)
    again = render_annual_reports(con, root / "again", city=CITY, k=K, years=["2024"])
    assert again == [root / "again" / "jahresbericht_2024.html"]
    assert again[0].read_bytes() == paths[0].read_bytes()  # deterministic
    with pytest.raises(ValueError):
        render_annual_reports(con, root / "bad", city=CITY, k=K, years=["../2024"])
    with pytest.raises(ValueError):
        build_annual_context(con, city=CITY, k=K, year="1999")


def test_german_headings_in_order(real):
    _, paths, _ = real
    for path, year in zip(paths, ("2024", "2025")):
        page = parse(path)
        html = path.read_text(encoding="utf-8")
        assert '<html lang="de">' in html
        levels = [level for level, _ in page.headings]
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), "heading level skipped"
        assert page.heading_texts(2) == [*SECTIONS, "Tabellen zum Herunterladen"]  # the downloads last
        h1 = page.headings[0][1]
        assert h1.startswith(f"Jahresbericht Kommunales Integrationsmanagement {CITY} {year}")
        for h3 in (
            "Das Wichtigste in Kürze",
            "Übergaben an andere Stellen",
            "Abschlussgründe",
            "Nicht gedeckte Bedarfe nach Bereich und Grund",
            "Verlauf über das Jahr",
            "Datenschutz",
            "Begriffe",
            "Datengrundlage",
        ):
            assert (3, h3) in page.headings


def test_incomplete_year_wording(real):
    _, paths, _ = real
    full, partial = parse(paths[0]), parse(paths[1])
    assert "Januar bis Februar 2025" in partial.plain
    assert "Unvollständiges Jahr: Der Bericht umfasst Januar bis Februar 2025" in partial.plain
    assert partial.headings[0][1].endswith("2025 (Januar bis Februar)")
    assert "Berichtszeitraum: Januar bis Februar 2025 (Jahr unvollständig)" in partial.plain
    # the complete year has no such note; the partial one is not compared with a full year
    assert "Unvollständiges Jahr" not in full.plain
    assert "Berichtszeitraum: Januar bis Dezember 2024" in full.plain
    assert "Vorjahr (Januar bis Dezember 2024)" in partial.plain
    assert "Veränderung:" not in partial.plain
    assert span_label(["2026-01", "2026-10"]) == "Januar bis Oktober 2026"
    assert span_label(["2024-11", "2024-12"]) == "November bis Dezember 2024"
    assert span_label(["2026-10"]) == "Oktober 2026"


def test_key_figures_equal_warehouse_values(real):
    con, paths, _ = real
    for path, year in zip(paths, ("2024", "2025")):
        page = parse(path)
        providers = [
            r[0]
            for r in con.execute("SELECT provider_id FROM marts.dim_providers WHERE provider_kind <> 'abh'").fetchall()
        ]
        checked = 0
        for indicator in ("cases_active", "persons_active", "cases_new", "cases_closed", "focus_group_share_new"):
            for provider in providers + ["all"]:
                row = yearly(con, year, indicator, provider)
                shown = page.cells()[("tabelle-reichweite", indicator, provider)]
                assert shown == expected_text(row, indicator), (year, indicator, provider)
                checked += 1
        assert checked == 5 * (len(providers) + 1)
        # the city-wide totals are published and formatted the German way
        active = yearly(con, year, "cases_active")
        assert not active["suppressed"] and active["value"] >= K
        assert page.cells()[("tabelle-reichweite", "cases_active", "all")] == fmt.integer(active["value"])
        # the same figure in the summary sentence
        assert (
            f"begleitete das Kommunale Integrationsmanagement in {CITY} "
            f"{fmt.integer(active['value'])} Fälle" in page.plain
        )
        for indicator in (
            "handover_delay_median_days",
            "handover_delay_p90_days",
            "handover_within_14d_share",
            "handovers_pending_over_30d",
        ):
            row = yearly(con, year, indicator)
            assert page.cells()[("tabelle-uebergaben", indicator, "all")] == expected_text(row, indicator)
        for indicator in ("budget_funding_granted", "budget_actual_cost", "budget_funding_coverage_share"):
            row = yearly(con, year, indicator)
            assert page.cells()[("tabelle-budget", indicator, "all")] == expected_text(row, indicator)
        granted = yearly(con, year, "budget_funding_granted")["value"]
        assert f"Die bewilligte Förderung von {fmt.euro(granted)} deckte" in page.plain


def test_budget_per_provider_and_cost_guard(real):
    con, paths, _ = real
    page = parse(paths[1])
    for provider in ("caritas", "diakonie", "awo", "drk", "stadt"):
        granted = yearly(con, "2025", "budget_funding_granted", provider)
        assert page.cells()[("tabelle-budget", "budget_funding_granted", provider)] == expected_text(
            granted, "budget_funding_granted"
        )
        for cost, base in (("cost_per_active_case", "cases_active"), ("cost_per_closed_case", "cases_closed")):
            shown = page.cells()[("tabelle-budget", cost, provider)]
            base_row = yearly(con, "2025", base, provider)
            if expected_text(base_row, base) in MARKERS | {"0"}:
                assert shown == HIDDEN, (cost, provider)  # else cost ÷ cost per case = the count
            else:
                assert shown == expected_text(yearly(con, "2025", cost, provider), cost)
    assert "nach ihrem Anteil an den geförderten Vollzeitstellen umgelegt" in page.plain


def test_suppressed_cells_show_the_hidden_sign_not_values(real):
    con, paths, _ = real
    rows = con.execute(
        "SELECT period, indicator_id, dimension, dimension_value, value, suppressed "
        "FROM marts.indicator_values_yearly WHERE provider_id = 'all' AND suppressed "
        "AND ((indicator_id = 'cases_closed' AND dimension = 'closing_reason') "
        "  OR (indicator_id = 'needs_unmet_count' AND dimension = 'category_reason'))"
    ).fetchall()
    assert rows, "the synthetic year should have suppressed breakdown cells"
    tables = {"closing_reason": "tabelle-abschlussgruende", "category_reason": "tabelle-luecken-matrix"}
    pages = {"2024": parse(paths[0]), "2025": parse(paths[1])}
    seen_small = seen_large = False
    for year, indicator, dimension, code, value, _ in rows:
        shown = pages[year].cells()[(tables[dimension], indicator, code)]
        assert shown == HIDDEN, (year, indicator, code, shown)  # the same sign for 1…4 and ≥ 5
        seen_small |= 1 <= value < K
        seen_large |= value >= K
    assert seen_small and seen_large, "expected hidden counts below k and of k or more"
    html = paths[0].read_text(encoding="utf-8")
    assert f"<dt>{HIDDEN}</dt><dd>Zahlenwert unbekannt oder geheim zu halten</dd>" in html
    assert "<dt>&lt; 5</dt>" not in html and "<dt>x</dt>" not in html and "<dt>–</dt>" not in html
    # a hidden residence status never becomes a bar: the chart names it instead
    hidden = [
        code
        for (code,) in con.execute(
            "SELECT dimension_value FROM marts.indicator_values_yearly WHERE period = '2024' "
            "AND provider_id = 'all' AND indicator_id = 'cases_new' "
            "AND dimension = 'residence_status' AND suppressed"
        ).fetchall()
    ]
    from reports import labels

    chart = html[html.find('id="grafik-aufenthaltsstatus"') :]
    chart = chart[: chart.find("</svg>")]
    for code in hidden:
        assert f">{labels.code_label('residence_status', code)}<" not in chart


def test_monthly_trend_uses_published_months_only(real):
    con, paths, _ = real
    page = parse(paths[0])
    months = con.execute(
        "SELECT period, indicator_id, value, numerator, denominator, suppressed "
        "FROM marts.indicator_values WHERE provider_id = 'all' AND dimension = 'all' "
        "AND period LIKE '2024-%' AND indicator_id IN ('needs_unmet_count', 'needs_unmet_share')"
    ).fetchall()
    assert len(months) == 24
    hidden = []
    for period, indicator, value, numerator, denominator, suppressed in months:
        row = {"value": value, "numerator": numerator, "denominator": denominator, "suppressed": suppressed}
        shown = page.cells()[("tabelle-luecken-verlauf", indicator, period)]
        assert shown == display(row, indicator_kind(indicator), K).text
        assert shown == expected_text(row, indicator)
        if shown in MARKERS:
            hidden.append(fmt.month_year(period))
    html = paths[0].read_text(encoding="utf-8")
    for month in hidden:
        assert month in html[html.find('id="grafik-luecken-verlauf"') :]


def test_charts_have_title_desc_and_data_table(real):
    _, paths, _ = real
    for path in paths:
        page = parse(path)
        charts, svg_texts = page.chart_ids(), page.svg_texts()
        assert len(charts) >= 4
        assert len(charts) == len(set(charts))
        behind = {chart for table in page.tables.values() if (chart := table.get("data-chart"))}
        for chart_id in charts:
            assert svg_texts.get(f"title:{chart_id}-title"), chart_id
            assert len(svg_texts.get(f"desc:{chart_id}-desc", "")) > 40, chart_id
            assert chart_id in behind, f"no data table behind {chart_id}"
        html = path.read_text(encoding="utf-8")
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), "duplicate ids"
        for svg in re.findall(r"<svg\b[^>]*>", html):
            assert 'role="img"' in svg and "aria-labelledby=" in svg


def test_no_pseudonym_and_no_record_keys(real):
    con, paths, _ = real
    ids = {
        v
        for (v,) in con.execute(
            "SELECT case_id FROM raw.cases UNION SELECT person_id FROM raw.cases "
            "UNION SELECT case_manager_id FROM raw.cases"
        ).fetchall()
        if v
    }
    assert len(ids) > 500
    deliveries = {v for (v,) in con.execute("SELECT delivery_id FROM marts.fct_deliveries").fetchall()}
    tokens = set()
    for path in paths:
        html = path.read_text(encoding="utf-8")
        tokens |= set(re.findall(r"[A-Za-z0-9_-]{12,}", html))
    assert not tokens & ids
    assert not tokens & deliveries


# Table columns that are no indicator, by name and why they are public. Every other column of
# the report's tables must be an indicator with a spec (indicator_kind raises for an unknown id).
NOT_INDICATORS = {
    # the budget table's "Geförderte Vollzeitstellen": the funded posts of the configuration
    # (config/<city>.yaml, marts.dim_provider_years), published by the funder; no count of people
    "funded_fte": "configured funded full-time posts",
}


def test_no_count_between_one_and_k_minus_one_in_tables(real):
    _, paths, _ = real
    quality_tables = {"tabelle-datenqualitaet"}  # deliveries per provider: not about people
    checked, not_indicators = 0, set()
    for path in paths:
        page = parse(path)
        for (table, indicator, key), text in page.cells().items():
            if table in quality_tables:
                continue
            if indicator in NOT_INDICATORS:
                not_indicators.add(indicator)
                continue
            if indicator_kind(indicator).value != "count":
                continue
            checked += 1
            assert text not in {"1", "2", "3", "4"}, (table, indicator, key)
    assert checked > 100  # the tables do carry count cells
    # the exemptions are in use and never exempt a real indicator
    assert not_indicators == set(NOT_INDICATORS)
    assert not set(NOT_INDICATORS) & set(INDICATORS_BY_ID)


def test_data_quality_is_aggregate(real):
    con, paths, _ = real
    page = parse(paths[0])
    rows = con.execute(
        "SELECT provider_id, count(*) FILTER (WHERE status = 'fristgerecht'), "
        "count(*) FILTER (WHERE status = 'verspaetet') FROM marts.delivery_timeliness "
        "WHERE period LIKE '2024-%' GROUP BY ALL"
    ).fetchall()
    for provider, on_time, late in rows:
        assert page.cells()[("tabelle-datenqualitaet", "on_time", provider)] == str(on_time)
        assert page.cells()[("tabelle-datenqualitaet", "late", provider)] == str(late)
        assert page.cells()[("tabelle-datenqualitaet", "due", provider)] == "12"
    assert page.cells()[("tabelle-datenqualitaet", "rejected", "all")] == "0"
    assert "Von 72 fälligen Monatslieferungen kamen" in page.plain


def test_methodology_section(real):
    _, paths, _ = real
    page = parse(paths[1])
    text = page.plain
    for phrase in (
        "die weniger als 5 Personen oder Fälle betreffen, nicht veröffentlicht",
        f"Jeder verdeckte Wert trägt dasselbe Zeichen „{HIDDEN}“, gleich aus welchem Grund",
        "Vor jeder Veröffentlichung wird geprüft",
        "neuesten angenommenen Lieferung",
        "können Zahlen daher noch ändern",
        "Caritasverband Leverkusen",
        "Ausländerbehörde Leverkusen",
        "Fälle, die im Berichtsjahr eröffnet wurden.",
    ):
        assert phrase in text, phrase
    assert "Berichtsmonat" not in text
    assert "Fallzahlen von 1 bis 4" not in text and "zwischen 1 und" not in text
    # the method note sits with the legend in the methodology section
    hinweise = text[text.index("Methodische Hinweise Datenschutz") :]
    assert hinweise.index("dasselbe Zeichen") < hinweise.index("Zahlenwert unbekannt oder geheim zu halten")


def test_no_external_requests_possible(real):
    _, paths, _ = real
    for path in paths:
        html = path.read_text(encoding="utf-8")
        page = parse(path)
        for tag, attr, url in page.urls:
            assert not re.match(r"^\s*(https?:)?//", url, re.I), (tag, attr, url)
        assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.I)
        assert "@import" not in html
        assert not {"script", "link", "img", "iframe", "object", "embed"} & page.tags


# ---------------------------------------------------------------------------------------------
# A hand-built yearly table: comparable years, planted suppressed cells, the cost guard

DDL = """
CREATE SCHEMA marts;
CREATE TABLE marts.indicator_values (indicator_id VARCHAR, period VARCHAR, provider_id VARCHAR,
    dimension VARCHAR, dimension_value VARCHAR, value DOUBLE, numerator BIGINT,
    denominator BIGINT, suppressed BOOLEAN);
CREATE TABLE marts.indicator_values_yearly AS SELECT * FROM marts.indicator_values;
CREATE TABLE marts.dim_providers (provider_id VARCHAR, provider_name VARCHAR,
    provider_kind VARCHAR);
CREATE TABLE marts.dim_provider_years (provider_id VARCHAR, year INTEGER, funded_fte DOUBLE);
CREATE TABLE marts.dim_periods (period VARCHAR, period_start DATE, period_end DATE);
CREATE TABLE marts.fct_deliveries (delivery_id VARCHAR, provider_id VARCHAR, period VARCHAR,
    exported_at TIMESTAMPTZ, received_at TIMESTAMPTZ, loaded_at TIMESTAMPTZ, state VARCHAR,
    total_rows BIGINT, quarantined_rows BIGINT, rejection_rule VARCHAR, rejection_file VARCHAR,
    rejection_line INTEGER, rejection_message VARCHAR, is_current BOOLEAN);
"""


@pytest.fixture
def planted(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute(DDL)
    add_publication(con)
    con.executemany(
        "INSERT INTO marts.dim_providers VALUES (?, ?, ?)",
        [
            ("caritas", "Caritasverband Leverkusen", "wohlfahrt"),
            ("drk", "Deutsches Rotes Kreuz Leverkusen", "wohlfahrt"),
        ],
    )
    con.executemany(
        "INSERT INTO marts.dim_provider_years VALUES (?, ?, ?)",
        [("caritas", y, 3.0) for y in (2024, 2025)] + [("drk", y, 1.0) for y in (2024, 2025)],
    )
    con.execute(
        "INSERT INTO marts.dim_periods SELECT strftime(d, '%Y-%m'), d, last_day(d) "
        "FROM generate_series(DATE '2024-01-01', DATE '2025-12-01', INTERVAL 1 MONTH) "
        "AS t(d)"
    )
    con.execute(
        "INSERT INTO marts.fct_deliveries (delivery_id, provider_id, period, loaded_at, "
        "state, total_rows, quarantined_rows, rejection_message, is_current) VALUES "
        "('d1', 'caritas', '2025-12', TIMESTAMPTZ '2026-01-05 10:00:00+00', 'accepted', "
        "1000, 3, NULL, true), "
        "('d2', 'drk', '2025-11', TIMESTAMPTZ '2025-12-05 10:00:00+00', 'rejected', "
        "NULL, NULL, 'Spalte geburtsdatum: 01.02.1990', false)"
    )

    def count(ind, prov, value, suppressed=False, year="2025", dim="all", dv="all"):
        return (ind, year, prov, dim, dv, float(value), int(value), None, suppressed)

    def share(ind, prov, num, den, suppressed=False, year="2025", dim="all", dv="all"):
        return (ind, year, prov, dim, dv, num / den, num, den, suppressed)

    def other(ind, prov, value, den=None, suppressed=False, year="2025", dim="all", dv="all"):
        return (ind, year, prov, dim, dv, value, None, den, suppressed)

    rows = [
        count("cases_active", "all", 1234),
        count("cases_active", "all", 1100, year="2024"),
        count("cases_active", "caritas", 1225),
        count("cases_active", "drk", 9),
        count("cases_closed", "all", 411),
        count("cases_closed", "all", 400, year="2024"),
        count("cases_closed", "caritas", 7, True),
        count("cases_closed", "drk", 3, True),
        count("cases_closed", "all", 404, True, dim="closing_reason", dv="ziele_erreicht"),
        count("cases_closed", "all", 3, True, dim="closing_reason", dv="umzug"),
        count("cases_closed", "all", 4, True, dim="closing_reason", dv="abbruch"),
        share("focus_group_share_new", "all", 50, 100),
        share("focus_group_share_new", "all", 45, 100, year="2024"),
        other("handover_delay_median_days", "all", 18.5, 60),
        other("handover_delay_median_days", "all", 47.5, 3, True, dim="target_service", dv="kita"),
        other("handover_delay_median_days", "all", 12.0, 30, dim="target_service", dv="jobcenter"),
        other("budget_funding_granted", "all", 625600.0),
        other("budget_actual_cost", "all", 800000.0),
        other("budget_funding_coverage_share", "all", 0.782),
        other("cost_per_active_case", "all", 800000 / 1234, 1234),
        other("cost_per_active_case", "caritas", 600000 / 1225, 1225),
        other("cost_per_active_case", "drk", 200000 / 9, 9),
        other("cost_per_closed_case", "all", 800000 / 411, 411),
        other("cost_per_closed_case", "caritas", 600000 / 7, 7),  # count hidden: guard
        other("cost_per_closed_case", "drk", 200000 / 3, 3, True),
    ]
    con.executemany("INSERT INTO marts.indicator_values_yearly VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    paths = render_annual_reports(con, tmp_path / "reports", city=CITY, k=K)
    yield con, paths
    con.close()


def test_planted_suppression_and_comparison(planted):
    _con, paths = planted
    assert [p.name for p in paths] == ["jahresbericht_2024.html", "jahresbericht_2025.html"]
    page = parse(paths[1])
    html = paths[1].read_text(encoding="utf-8")
    cells = page.cells()
    assert cells[("tabelle-reichweite", "cases_closed", "caritas")] == HIDDEN
    assert cells[("tabelle-reichweite", "cases_closed", "drk")] == HIDDEN
    assert cells[("tabelle-abschlussgruende", "cases_closed", "umzug")] == HIDDEN
    assert cells[("tabelle-abschlussgruende", "cases_closed", "ziele_erreicht")] == HIDDEN
    assert cells[("tabelle-abschlussgruende", "cases_closed", "ausreise")] == "0"
    assert cells[("tabelle-uebergaben", "handover_delay_median_days", "kita")] == HIDDEN
    assert "47,5" not in html and ">404<" not in html
    # cost per closed case of caritas (7 closed, hidden): 85.714 € would give the 7 away
    assert cells[("tabelle-budget", "cost_per_closed_case", "caritas")] == HIDDEN
    assert "85.714" not in html
    assert cells[("tabelle-budget", "cost_per_closed_case", "drk")] == HIDDEN
    assert cells[("tabelle-budget", "cost_per_active_case", "caritas")] == "490\u00a0€"
    # complete years are compared
    assert "Vorjahr 2024: 1.100" in page.plain
    assert "Veränderung: +12,2 %" in page.plain
    assert "Veränderung: +5,0\u00a0Prozentpunkte" in page.plain
    assert "(Vorjahr: 1.100; +12,2 %)" in page.plain
    assert "Unvollständiges Jahr" not in page.plain
    # data quality: aggregate only, never a rejection message
    assert "geburtsdatum" not in html and "1990" not in html
    assert cells[("tabelle-datenqualitaet", "rejected", "drk")] == "1"
    assert cells[("tabelle-datenqualitaet", "quarantine", "caritas")] == "0,3 %"


def test_publication_statuses_of_yearly_rows(planted, tmp_path):
    """Issue 15: a breakdown with a row the protection step left unpublished for the year is a
    note, with neither its figures nor "•" nor a known zero in their place; a row it hid shows "•"."""
    con, _ = planted
    con.execute(
        "INSERT INTO marts.indicator_values_yearly VALUES "
        "('cases_closed', '2025', 'all', 'closing_reason', 'weitervermittelt', 321, 321, NULL, false)"
    )
    set_breakdown_status(con, "unpublished", "cases_closed", "2025", "closing_reason")
    set_status(con, "hidden", "handover_delay_median_days", "2025", "all", "target_service", "jobcenter")
    [path] = render_annual_reports(con, tmp_path / "again", city=CITY, k=K, years=["2025"])
    html = path.read_text(encoding="utf-8")
    page = parse(html)
    assert "tabelle-abschlussgruende" not in page.tables
    reasons = {"ziele_erreicht", "umzug", "abbruch", "ausreise", "weitervermittelt"}
    assert not [key for key in page.cells() if key[1] == "cases_closed" and key[2] in reasons]
    assert ">321<" not in html
    results = html[html.index('<section id="ergebnisse"') : html.index('<section id="luecken"')]
    assert UNPUBLISHED in " ".join(results.split())
    assert page.cells()[("tabelle-uebergaben", "handover_delay_median_days", "jobcenter")] == HIDDEN
    assert "12,0" not in html


def test_change_text_only_from_published_cells():
    published = display({"value": 120, "suppressed": False}, indicator_kind("cases_new"), K)
    before = display({"value": 100, "suppressed": False}, indicator_kind("cases_new"), K)
    hidden = display({"value": 3, "suppressed": True}, indicator_kind("cases_new"), K)
    assert change_text(published, before, "cases_new") == "+20,0 %"
    assert change_text(before, published, "cases_new") == "\u221216,7 %"
    assert change_text(published, hidden, "cases_new") is None
    assert change_text(hidden, published, "cases_new") is None


# ---------------------------------------------------------------------------------------------
# Headless Chromium: renders, prints to A4 PDF, requests nothing outside the file


@pytest.mark.browser
def test_annual_report_in_headless_chromium(real, tmp_path):
    _, paths, _ = real
    path = paths[0]
    with chromium_page() as (page, traffic):
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert page.inner_text("h1").startswith("Jahresbericht Kommunales Integrationsmanagement Leverkusen 2024")
        svgs = page.locator("svg.chart")
        assert svgs.count() >= 4
        for i in range(svgs.count()):
            box = svgs.nth(i).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 100
        shot = tmp_path / "jahresbericht.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        keep = os.environ.get("KIM_ANNUAL_SCREENSHOT")
        if keep:
            shutil.copy(shot, keep)
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True)
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert pdf.startswith(b"%PDF") and pages > 0
    assert not traffic.external, traffic.external
    assert not traffic.failed, traffic.failed
    assert traffic.requests, "the browser recorded no request at all"
    assert not traffic.console_errors, traffic.console_errors


@pytest.mark.browser
def test_every_printed_page_has_title_and_page_number_and_the_last_is_not_near_empty(real):
    """Issue 19: the page number and the title in the footer through CSS paged media, no file path
    from the browser's own footer, and no last page holding only a footer line."""
    _, paths, _ = real
    for path, year in zip(paths, ("2024", "2025")):
        pages = check_printed(path, f"Jahresbericht Kommunales Integrationsmanagement {CITY} {year}")
        assert len(pages) >= 3


def test_the_year_is_judged_against_the_configured_targets(real, config):
    """Every configured target has a row; its light follows from the printed yearly figure and the
    rule (shares in %, days), or is "nicht ausgewiesen" where the figure is not printed."""
    _, paths, _ = real
    rows = parse(paths[0]).row_texts("tabelle-ziele")
    assert list(rows) == [t.indicator_id for t in config.targets]
    for target in config.targets:
        value, light, rule = rows[target.indicator_id]
        if value in ("•", "k. A."):
            assert light == "○ nicht ausgewiesen"
            continue
        shown = float(value.replace(" %", "").replace(".", "").replace(",", ".").replace("\u00a0%", ""))
        goal = target.value * 100 if value.endswith("%") else target.value
        tolerance = target.tolerance * 100 if value.endswith("%") else target.tolerance
        off = goal - shown if target.bound == "at_least" else shown - goal
        expected = "erreicht" if off <= 1e-9 else "knapp verfehlt" if off <= tolerance + 1e-9 else "verfehlt"
        assert light == f"● {expected}", (target, value, light)
        assert rule.startswith("mindestens" if target.bound == "at_least" else "höchstens")
