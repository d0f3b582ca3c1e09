"""Report layer (reports/): suppression display rules, German formatting, self-contained HTML,
index, and one headless-browser check of a realistic monthly report."""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from reports import labels, render_reports
from reports.kit import charts
from reports.kit.index import render_index
from reports.suppression import Kind, display, publishable

CITY = "Leverkusen"
K = 5
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# ---------------------------------------------------------------------------------------------
# Hand-built warehouse

DDL = """
CREATE SCHEMA IF NOT EXISTS marts;
CREATE TABLE marts.indicator_values (
    indicator_id VARCHAR, period VARCHAR, provider_id VARCHAR, dimension VARCHAR,
    dimension_value VARCHAR, value DOUBLE, numerator BIGINT, denominator BIGINT,
    suppressed BOOLEAN);
CREATE TABLE marts.dim_providers (provider_id VARCHAR, provider_name VARCHAR,
    provider_kind VARCHAR);
CREATE TABLE marts.dim_periods (period VARCHAR, period_start DATE, period_end DATE);
CREATE TABLE marts.fct_deliveries (delivery_id VARCHAR, provider_id VARCHAR, period VARCHAR,
    exported_at TIMESTAMPTZ, loaded_at TIMESTAMPTZ, is_current BOOLEAN, state VARCHAR DEFAULT 'accepted');
"""

EVIL_NAME = "AWO <script>alert(1)</script>"

PROVIDERS = [
    ("caritas", "Caritasverband Leverkusen", "wohlfahrt"),
    ("diakonie", "Diakonisches Werk Leverkusen", "wohlfahrt"),
    ("awo", EVIL_NAME, "wohlfahrt"),
    ("drk", "Deutsches Rotes Kreuz Leverkusen", "wohlfahrt"),
    ("stadt", "Stadt Leverkusen, kommunales Case Management", "stadt"),
    ("abh", "Ausländerbehörde Leverkusen", "abh"),
]


def _month_bounds(period: str) -> tuple[dt.date, dt.date]:
    year, month = map(int, period.split("-"))
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def _periods(first: str, last: str) -> list[str]:
    out, (y, m) = [], map(int, first.split("-"))
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def build_warehouse(
    path: Path, indicator_rows, *, providers=PROVIDERS, periods=None, deliveries=None
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute(DDL)
    con.executemany("INSERT INTO marts.dim_providers VALUES (?, ?, ?)", providers)
    periods = periods or sorted({row[1] for row in indicator_rows})
    con.executemany("INSERT INTO marts.dim_periods VALUES (?, ?, ?)", [(p, *_month_bounds(p)) for p in periods])
    con.executemany("INSERT INTO marts.indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", indicator_rows)
    if deliveries is None:
        deliveries = []
        for pid, *_ in providers:
            # drk is stale (newest delivery one month behind); alone it has none at all
            last = periods[-1] if pid != "drk" else (periods[-2] if len(periods) > 1 else "")
            for p in periods:
                if p <= last:
                    _, end = _month_bounds(p)
                    exported = dt.datetime.combine(end + dt.timedelta(days=5), dt.time(9, 30), tzinfo=dt.UTC)
                    deliveries.append((f"{pid}-{p}", pid, p, exported, exported + dt.timedelta(hours=3), p == last))
    con.executemany(
        "INSERT INTO marts.fct_deliveries (delivery_id, provider_id, period, exported_at, loaded_at, is_current) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        deliveries,
    )
    return con


def small_rows() -> list[tuple]:
    """Hand-written figures for 2026-09 and 2026-10 with every display case in them."""
    P, PREV = "2026-10", "2026-09"

    def count(ind, prov, value, suppressed=False, dim="all", dv="all", period=P):
        return (ind, period, prov, dim, dv, float(value), int(value), None, suppressed)

    def share(ind, prov, num, den, suppressed=False, dim="all", dv="all", period=P):
        return (ind, period, prov, dim, dv, num / den if den else None, num, den, suppressed)

    def median(ind, prov, value, n, suppressed=False, dim="all", dv="all", period=P):
        return (ind, period, prov, dim, dv, value, None, n, suppressed)

    return [
        # cases_active: a large number, a primary-suppressed 3, a secondary-suppressed 7
        count("cases_active", "all", 1234),
        count("cases_active", "caritas", 500),
        count("cases_active", "diakonie", 400),
        count("cases_active", "awo", 324),
        count("cases_active", "drk", 3, suppressed=True),
        count("cases_active", "stadt", 7, suppressed=True),
        count("cases_active", "all", 1200, period=PREV),
        # cases_new: zero (shown as 0), drk has no row at all (k. A.)
        count("cases_new", "all", 48),
        count("cases_new", "caritas", 20),
        count("cases_new", "diakonie", 0),
        count("cases_new", "awo", 16),
        count("cases_new", "stadt", 12),
        count("cases_new", "all", 40, period=PREV),
        # cases_closed incl. closing reasons
        count("cases_closed", "all", 14),
        count("cases_closed", "caritas", 9),
        count("cases_closed", "diakonie", 5),
        count("cases_closed", "all", 14, dim="closing_reason", dv="ziele_erreicht"),
        count("cases_closed", "all", 11, dim="closing_reason", dv="ziele_erreicht"),
        count("cases_closed", "all", 3, True, dim="closing_reason", dv="umzug"),
        count("cases_closed", "all", 11, period=PREV),
        # handover delay medians: overall, by provider, by target service
        median("handover_delay_median_days", "all", 12.5, 40),
        median("handover_delay_median_days", "caritas", 11.0, 20),
        median("handover_delay_median_days", "drk", 9.0, 3, suppressed=True),
        median("handover_delay_median_days", "all", 30.5, 10, dim="target_service", dv="auslaenderbehoerde"),
        median("handover_delay_median_days", "all", 8.0, 12, dim="target_service", dv="jobcenter"),
        median("handover_delay_median_days", "all", 10.0, 16, dim="target_service", dv="mbe"),
        median("handover_delay_median_days", "all", 47.5, 2, suppressed=True, dim="target_service", dv="kita"),
        median("handover_delay_median_days", "all", 11.0, 35, period=PREV),
        # unmet needs share: overall 12,5 %, categories incl. a suppressed one
        share("needs_unmet_share", "all", 5, 40),
        share("needs_unmet_share", "caritas", 3, 20),
        share("needs_unmet_share", "all", 10, 20, dim="category", dv="wohnen"),
        share("needs_unmet_share", "all", 0, 10, dim="category", dv="sprache"),
        share("needs_unmet_share", "all", 1, 2, True, dim="category", dv="gesundheit"),
    ]


class _Page(HTMLParser):
    """Collects what the tests look at: headings, table cells, links, sources, text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headings: dict[str, list[str]] = {"h1": [], "h2": [], "h3": []}
        self.cells: dict[tuple[str, str, str], str] = {}
        self.row_status: dict[str, str] = {}
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self._stack: list[tuple[str, dict]] = []
        self._table = None
        self._capture: list[str] | None = None
        self._capture_tag = None
        self._capture_key = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for name in ("src", "href", "xlink:href", "action", "poster", "data"):
            if a.get(name) is not None:
                self.urls.append((tag, name, a[name]))
        if tag == "table":
            self._table = a.get("id")
        if tag in self.headings or (tag == "td" and ("data-indicator" in a or "data-status" in a)):
            self._capture, self._capture_tag = [], tag
            self._capture_key = (self._table, a.get("data-indicator"), a.get("data-key"))
            if "data-status" in a:
                self._capture_key = ("status",)
        if tag == "tr" and self._table == "tabelle-datenstand":
            self._current_row = a.get("data-key")

    def handle_endtag(self, tag):
        if self._capture is not None and tag == self._capture_tag:
            text = " ".join("".join(self._capture).split())
            if tag in self.headings:
                self.headings[tag].append(text)
            elif self._capture_key == ("status",):
                self.row_status[self._current_row] = text
            else:
                self.cells[self._capture_key] = text
            self._capture = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._capture is not None:
            self._capture.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture
def small(tmp_path):
    con = build_warehouse(tmp_path / "warehouse.duckdb", small_rows())
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    yield con, out, tmp_path
    con.close()


# ---------------------------------------------------------------------------------------------
# Monthly report contents


def test_paths_and_default_period(small):
    _, out, tmp_path = small
    assert set(out) == {"monthly", "index", "monthly_all"}
    assert out["monthly"] == tmp_path / "reports" / "monatsbericht_2026-10.html"
    # one report for every month of marts.dim_periods, oldest first; "monthly" is the newest
    assert out["monthly_all"] == [tmp_path / "reports" / "monatsbericht_2026-09.html", out["monthly"]]
    assert out["index"] == tmp_path / "reports" / "index.html"
    assert out["monthly"].is_file() and out["index"].is_file()


def test_german_headings_and_title(small):
    _, out, _ = small
    page = parse(out["monthly"])
    assert page.headings["h1"] == ["Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026"]
    for heading in (
        "Überblick",
        "Fallzahlen im Verlauf",
        "Übergaben an andere Stellen",
        "Ungedeckte Bedarfe",
        "Datenstand",
        "Hinweise zu Datenschutz und Methodik",
    ):
        assert heading in page.headings["h2"]
    html = out["monthly"].read_text(encoding="utf-8")
    assert '<html lang="de">' in html
    assert "<title>Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026</title>" in html


def test_provider_table_uses_names_and_excludes_abh(small):
    _, out, _ = small
    page = parse(out["monthly"])
    html = out["monthly"].read_text(encoding="utf-8")
    keys = {key[2] for key in page.cells if key[0] == "tabelle-traeger"}
    assert keys == {"caritas", "diakonie", "awo", "drk", "stadt", "all"}
    assert "Caritasverband Leverkusen" in html
    headers = [
        "Aktive Fälle",
        "Neue Fälle",
        "Abgeschlossene Fälle",
        "Median Wartezeit Übergabe (Tage)",
        "Anteil ungedeckter Bedarfe",
    ]
    for header in headers:
        assert f'<th scope="col" class="num">{header}</th>' in html
    # ABH appears in the Datenstand table only
    assert page.row_status["abh"] == "aktuell"


def test_primary_suppressed_count_shows_less_than_k(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells
    assert cells[("tabelle-traeger", "cases_active", "drk")] == "< 5"
    assert "3" not in cells[("tabelle-traeger", "cases_active", "drk")]
    assert cells[("tabelle-abschlussgruende", "cases_closed", "umzug")] == "< 5"
    html = out["monthly"].read_text(encoding="utf-8")
    assert 'data-key="drk" title="Aus Datenschutzgründen' in html
    assert ">3<" not in html


def test_secondary_suppressed_count_shows_x(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells
    assert cells[("tabelle-traeger", "cases_active", "stadt")] == "x"
    assert ">7<" not in out["monthly"].read_text(encoding="utf-8")


def test_suppressed_median_and_share_show_dash(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells
    assert cells[("tabelle-traeger", "handover_delay_median_days", "drk")] == "–"
    assert cells[("tabelle-uebergaben", "handover_delay_median_days", "kita")] == "–"
    assert cells[("tabelle-bedarfe", "needs_unmet_share", "gesundheit")] == "–"
    html = out["monthly"].read_text(encoding="utf-8")
    # the hidden kita median is nowhere, not even in the chart
    assert "47,5" not in html
    assert not any("47" in t for t in re.findall(r"<text[^>]*>([^<]*)</text>", html))
    assert "50,0 %" in html  # wohnen 10/20 is shown


def test_zero_and_missing(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells
    assert cells[("tabelle-traeger", "cases_new", "diakonie")] == "0"
    assert cells[("tabelle-traeger", "cases_new", "drk")] == "k. A."
    assert cells[("tabelle-bedarfe", "needs_unmet_share", "sprache")] == "0,0 %"


def test_german_number_formats(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells
    html = out["monthly"].read_text(encoding="utf-8")
    assert cells[("tabelle-traeger", "cases_active", "all")] == "1.234"
    assert cells[("tabelle-traeger", "needs_unmet_share", "all")] == "12,5 %"
    assert cells[("tabelle-uebergaben", "handover_delay_median_days", "auslaenderbehoerde")] == "30,5"
    assert cells[("tabelle-uebergaben", "handover_delay_median_days", "jobcenter")] == "8,0"
    assert 'title="September 2026">Vormonat: 1.200' in html  # previous month on the card


def test_german_labels_for_codes(small):
    _, out, _ = small
    html = out["monthly"].read_text(encoding="utf-8")
    for text in (
        "Ausländerbehörde",
        "Jobcenter",
        "Migrationsberatung für Erwachsene (MBE)",
        "Wohnen",
        "Ziele erreicht",
        "Umzug",
    ):
        assert text in html
    assert ">auslaenderbehoerde<" not in html and ">mbe<" not in html


def test_legend_explains_signs(small):
    _, out, _ = small
    html = out["monthly"].read_text(encoding="utf-8")
    assert "<dt>&lt; 5</dt>" in html
    assert "<dt>x</dt>" in html and "<dt>–</dt>" in html and "<dt>0</dt>" in html
    assert "Fallzahl zwischen 1 und 4" in html


def test_no_external_requests_possible(small):
    _, out, _ = small
    for path in (out["monthly"], out["index"]):
        html = path.read_text(encoding="utf-8")
        page = parse(path)
        for tag, attr, url in page.urls:
            assert not re.match(r"^\s*(https?:)?//", url, re.I), (tag, attr, url)
        assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", html, re.I)
        assert not re.search(r"@import", html)
        assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)


def test_stale_provider_flagged(small):
    _, out, _ = small
    page = parse(out["monthly"])
    assert page.row_status["drk"] == "veraltet"
    assert page.row_status["caritas"] == "aktuell"
    html = out["monthly"].read_text(encoding="utf-8")
    notice = html[html.index('id="hinweis-datenstand"') :]
    notice = notice[: notice.index("</div>")]
    assert (
        "Deutsches Rotes Kreuz Leverkusen (letzte Lieferung: September 2026; keine Lieferung für Oktober 2026" in notice
    )
    assert "Caritasverband" not in notice  # delivered on time (no delivery_on_time = 0 row)
    assert 'Deutsches Rotes Kreuz Leverkusen <span class="badge">veraltet</span>' in html
    assert "05.11.2026" in html  # caritas' export date in German format (Europe/Berlin)


def test_index_links_reports(small):
    con, out, tmp_path = small
    reports = tmp_path / "reports"
    hrefs = [url for tag, attr, url in parse(out["index"]).urls if tag == "a"]
    assert "monatsbericht_2026-10.html" in hrefs
    # A report written later by another renderer shows up after the next index run.
    (reports / "jahresbericht_2026.html").write_text(
        '<!DOCTYPE html><html lang="de"><head><title>Jahresbericht 2026</title></head><body></body></html>',
        encoding="utf-8",
    )
    render_reports(con, reports, city=CITY, k=K, period="2026-09")
    index = parse(reports / "index.html")
    hrefs = [url for tag, attr, url in index.urls if tag == "a"]
    assert {"monatsbericht_2026-10.html", "monatsbericht_2026-09.html", "jahresbericht_2026.html"} <= set(hrefs)
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert "Jahresbericht 2026" in html and "Monatsberichte" in html
    assert "index.html" not in hrefs


def test_autoescape_provider_name(small):
    _, out, _ = small
    html = out["monthly"].read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "AWO &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_charts_inline_svg_accessible_and_unique_ids(small):
    _, out, _ = small
    html = out["monthly"].read_text(encoding="utf-8")
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    svgs = re.findall(r"<svg\b[^>]*>", html)
    assert len(svgs) == 3
    for svg in svgs:
        assert 'role="img"' in svg and "aria-labelledby=" in svg
    assert html.count("<title id=") == 3
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids on the page"
    # the suppressed kita median is not in the chart, and the omission is explained
    chart = html[html.index('id="grafik-uebergaben"') :]
    chart = chart[: chart.index("</svg>")]
    assert "Kita" not in chart and "Ausländerbehörde" in chart
    assert "Aus Datenschutzgründen nicht dargestellt (zu wenige Übergaben): Kita." in html


def test_rendering_is_deterministic(small):
    con, out, tmp_path = small
    first = out["monthly"].read_bytes()
    again = render_reports(con, tmp_path / "again", city=CITY, k=K)
    assert again["monthly"].read_bytes() == first


def test_explicit_period_and_validation(small):
    con, _, tmp_path = small
    out = render_reports(con, tmp_path / "r2", city=CITY, k=K, period="2026-09")
    assert out["monthly"].name == "monatsbericht_2026-09.html"
    # an explicit month renders that month only
    assert out["monthly_all"] == [out["monthly"]]
    assert not (tmp_path / "r2" / "monatsbericht_2026-10.html").exists()
    page = parse(out["monthly"])
    assert page.headings["h1"][0].endswith("September 2026")
    # nothing is stale for September: drk delivered September
    assert page.row_status["drk"] == "aktuell"
    with pytest.raises(ValueError):
        render_reports(con, tmp_path / "r3", city=CITY, k=K, period="../../etc")


def test_missing_indicators_do_not_break(tmp_path):
    rows = [("cases_active", "2026-10", pid, "all", "all", 50.0, 50, None, False) for pid in ("all", "caritas")]
    con = build_warehouse(tmp_path / "w.duckdb", rows)
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    html = out["monthly"].read_text(encoding="utf-8")
    page = parse(out["monthly"])
    assert page.cells[("tabelle-traeger", "cases_active", "caritas")] == "50"
    assert page.cells[("tabelle-traeger", "needs_unmet_share", "caritas")] == "k. A."
    assert "Für Oktober 2026 liegen keine Angaben zu Übergaben nach Zielstelle vor." in html
    assert "Fälle je Vollzeitstelle" not in html
    assert parse(out["monthly"]).row_status["drk"] == "keine Lieferung"


def test_future_indicators_appear_when_present(tmp_path):
    rows = small_rows() + [
        ("caseload_per_fte", "2026-10", "caritas", "all", "all", 42.857, 150, None, False),
        ("handover_delay_p90_days", "2026-10", "all", "target_service", "jobcenter", 21.0, None, 12, False),
        ("handovers_pending_over_30d", "2026-10", "all", "target_service", "jobcenter", 2.0, 2, None, True),
        ("needs_unmet_count", "2026-10", "all", "category", "wohnen", 10.0, 10, None, False),
    ]
    con = build_warehouse(tmp_path / "w.duckdb", rows)
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    cells = parse(out["monthly"]).cells
    assert cells[("tabelle-traeger", "caseload_per_fte", "caritas")] == "42,9"
    assert cells[("tabelle-uebergaben", "handover_delay_p90_days", "jobcenter")] == "21,0"
    assert cells[("tabelle-uebergaben", "handovers_pending_over_30d", "jobcenter")] == "< 5"
    assert cells[("tabelle-bedarfe", "needs_unmet_count", "wohnen")] == "10"


def test_index_with_empty_folder(tmp_path):
    path = render_index(tmp_path / "empty", city=CITY)
    assert "Es liegen noch keine Berichte vor." in path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The sections of the monthly monitoring report beyond the basics: comparisons with the previous
# month and the same month last year, the gap matrix, continuity, focus group, persons, late
# deliveries, revisions, a report for every month.

RICH_FIRST, P, PREV, LAST_YEAR = "2025-10", "2026-10", "2026-09", "2025-10"

REVISIONS_DDL = """
CREATE TABLE marts.indicator_revisions (
    indicator_id VARCHAR, period VARCHAR, provider_id VARCHAR, dimension VARCHAR,
    dimension_value VARCHAR, previous_value DOUBLE, current_value DOUBLE,
    previous_numerator BIGINT, current_numerator BIGINT, previous_denominator BIGINT,
    current_denominator BIGINT, previous_suppressed BOOLEAN, current_suppressed BOOLEAN,
    previous_vintage VARCHAR, current_vintage VARCHAR);
"""


def _count(ind, prov, value, suppressed=False, dim="all", dv="all", period=P):
    return (ind, period, prov, dim, dv, float(value), int(value), None, suppressed)


def _share(ind, prov, num, den, suppressed=False, dim="all", dv="all", period=P):
    return (ind, period, prov, dim, dv, num / den if den else None, num, den, suppressed)


def _median(ind, prov, value, n, suppressed=False, dim="all", dv="all", period=P):
    return (ind, period, prov, dim, dv, value, None, n, suppressed)


def rich_rows() -> list[tuple]:
    """small_rows() plus the indicators of the newer sections, the same month last year, and
    planted suppressed values that must never appear (93,7 days; 43,2 %; 777)."""
    c, s, m = _count, _share, _median
    reasons = "category_reason"
    return small_rows() + [
        # comparisons: the same month last year, one hidden
        c("cases_active", "all", 1000, period=LAST_YEAR),
        c("cases_new", "all", 3, True, period=LAST_YEAR),
        m("handover_delay_median_days", "all", 12.5, 30, period=LAST_YEAR),
        s("needs_unmet_share", "all", 4, 40, period=PREV),
        # persons vs cases
        c("persons_active", "all", 1180),
        c("persons_active", "caritas", 480),
        c("persons_active", "diakonie", 400),
        c("persons_active", "awo", 300),
        c("persons_active", "stadt", 6, True),
        c("persons_active", "all", 1150, period=PREV),
        # focus group
        s("focus_group_share_new", "all", 20, 48),
        s("focus_group_share_new", "caritas", 8, 20),
        s("focus_group_share_new", "awo", 7, 16, True),
        (("focus_group_share_new", P, "stadt", "all", "all", 0.4321, 5, 12, True)),
        c("cases_new", "all", 12, dim="residence_status", dv="duldung"),
        c("cases_new", "all", 8, dim="residence_status", dv="gestattung"),
        c("cases_new", "all", 25, dim="residence_status", dv="aufenthaltserlaubnis"),
        c("cases_new", "all", 3, True, dim="residence_status", dv="unbekannt"),
        # handovers: p90, share within 14 days, pending over 30 days
        m("handover_delay_p90_days", "all", 30.0, 40),
        m("handover_delay_p90_days", "all", 21.0, 12, dim="target_service", dv="jobcenter"),
        s("handover_within_14d_share", "all", 20, 40),
        s("handover_within_14d_share", "all", 9, 12, dim="target_service", dv="jobcenter"),
        c("handovers_pending_over_30d", "all", 6),
        c("handovers_pending_over_30d", "all", 2, True, dim="target_service", dv="jobcenter"),
        c("handovers_pending_over_30d", "all", 4, True, dim="target_service", dv="auslaenderbehoerde"),
        # Kaplan-Meier median by target service (kita hidden: base 3)
        m("handover_contact_km_median_days", "all", 14.0, 200),
        m("handover_contact_km_median_days", "all", 9.5, 40, dim="target_service", dv="jobcenter"),
        m("handover_contact_km_median_days", "all", 35.0, 30, dim="target_service", dv="auslaenderbehoerde"),
        m("handover_contact_km_median_days", "all", 93.7, 3, True, dim="target_service", dv="kita"),
        # gap matrix: unmet needs by category x reason with both totals
        c("needs_unmet_count", "all", 18),
        c("needs_unmet_count", "all", 10, dim="category", dv="wohnen"),
        c("needs_unmet_count", "all", 7, True, dim="category", dv="arbeit"),
        c("needs_unmet_count", "all", 1, True, dim="category", dv="gesundheit"),
        c("needs_unmet_count", "all", 3, True, dim="unmet_reason", dv="kein_angebot"),
        c("needs_unmet_count", "all", 14, dim="unmet_reason", dv="wartezeit"),
        c("needs_unmet_count", "all", 1, True, dim="unmet_reason", dv="kosten"),
        c("needs_unmet_count", "all", 3, True, dim=reasons, dv="wohnen|kein_angebot"),
        c("needs_unmet_count", "all", 7, True, dim=reasons, dv="wohnen|wartezeit"),
        c("needs_unmet_count", "all", 7, True, dim=reasons, dv="arbeit|wartezeit"),
        c("needs_unmet_count", "all", 1, True, dim=reasons, dv="gesundheit|kosten"),
        # needs open over 90 days by category
        c("needs_open_over_90d", "all", 30),
        c("needs_open_over_90d", "all", 20, dim="category", dv="wohnen"),
        c("needs_open_over_90d", "all", 7, dim="category", dv="sprache"),
        c("needs_open_over_90d", "all", 3, True, dim="category", dv="familie"),
        # continuity; caseload bands city-wide and per provider (never shown per provider)
        s("cm_continuity_share", "all", 10, 14),
        s("cm_continuity_share", "caritas", 7, 9),
        s("cm_continuity_share", "diakonie", 3, 5),
        c("caseload_band_case_managers", "all", 15),
        c("caseload_band_case_managers", "all", 6, True, dim="caseload_band", dv="30_bis_49"),
        c("caseload_band_case_managers", "all", 7, dim="caseload_band", dv="50_bis_69"),
        c("caseload_band_case_managers", "all", 2, True, dim="caseload_band", dv="ab_70"),
        c("caseload_band_case_managers", "caritas", 9),
        c("caseload_band_case_managers", "caritas", 2, True, dim="caseload_band", dv="ab_70"),
        s("status_change_retained_share", "all", 9, 10),
        s("status_change_retained_share", "all", 6, 6, dim="status_to", dv="aufenthaltserlaubnis"),
        s("status_change_retained_share", "all", 3, 4, True, dim="status_to", dv="duldung"),
        # delivery_on_time: caritas' October delivery came late; drk has none (stale)
        ("delivery_on_time", P, "caritas", "all", "all", 0.0, None, None, False),
        ("delivery_on_time", P, "diakonie", "all", "all", 1.0, None, None, False),
        ("delivery_on_time", P, "awo", "all", "all", 1.0, None, None, False),
        ("delivery_on_time", P, "stadt", "all", "all", 1.0, None, None, False),
        ("delivery_on_time", PREV, "caritas", "all", "all", 1.0, None, None, False),
    ]


def _revision(ind, period, prov, dim, dv, before, now, prev_supp=False, cur_supp=False, den=None):
    return (
        ind,
        period,
        prov,
        dim,
        dv,
        before,
        now,
        None if den else int(before),
        None if den else int(now),
        den,
        den,
        prev_supp,
        cur_supp,
        PREV,
        P,
    )


REVISIONS = [
    _revision("cases_closed", PREV, "all", "all", "all", 9, 11),  # shown
    _revision("cases_active", PREV, "all", "all", "all", 1190, 1200),  # shown
    _revision("cases_new", PREV, "all", "all", "all", 3, 40, prev_supp=True),  # hidden before
    _revision("cases_new", PREV, "caritas", "all", "all", 15, 17),  # a provider
    _revision("cases_closed", PREV, "all", "closing_reason", "umzug", 5, 6),  # a breakdown
    _revision("handover_delay_median_days", PREV, "all", "all", "all", 11.04, 11.0, den=35),  # no visible change
    _revision("cases_active", "2026-08", "all", "all", "all", 777, 1190, prev_supp=True),
]


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("rich")
    con = build_warehouse(tmp_path / "warehouse.duckdb", rich_rows(), periods=_periods(RICH_FIRST, P))
    con.execute(REVISIONS_DDL)
    con.executemany(
        "INSERT INTO marts.indicator_revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", REVISIONS
    )
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    yield con, out, tmp_path
    con.close()


def _section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _table(html: str, table_id: str) -> str:
    start = html.index(f'<table id="{table_id}"')
    return html[start : html.index("</table>", start)]


def test_new_sections_have_german_headings_in_order(rich):
    _, out, _ = rich
    page = parse(out["monthly"])
    for heading in (
        "Überblick",
        "Fallzahlen im Verlauf",
        "Personen, Fälle und Zielgruppe",
        "Übergaben an andere Stellen",
        "Ungedeckte Bedarfe",
        "Kontinuität der Fallverantwortung",
        "Korrekturen gegenüber dem Vormonat",
        "Datenstand",
        "Hinweise zu Datenschutz und Methodik",
    ):
        assert heading in page.headings["h2"], heading
    for heading in (
        "Begleitete Personen und Fälle",
        "Zielgruppe: Duldung und Aufenthaltsgestattung",
        "Lücken im Angebot: ungedeckte Bedarfe nach Kategorie und Grund",
        "Seit über 90 Tagen offene Bedarfe",
        "Weiterbegleitung nach einem Statuswechsel",
        "Fallverantwortliche nach Zahl ihrer Fälle",
    ):
        assert heading in page.headings["h3"], heading
    # h1 -> h2 -> h3, never a level skipped
    html = out["monthly"].read_text(encoding="utf-8")
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


def _card(html: str, indicator: str) -> str:
    start = html.index(f'<div class="card" data-indicator="{indicator}">')
    return html[start : html.index("</div>", start)]


def test_key_figures_compare_previous_month_and_same_month_last_year(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    card = _card(html, "cases_active")
    assert 'title="September 2026">Vormonat: 1.200' in card
    assert 'title="Oktober 2025">Oktober 2025: 1.000' in card
    assert '<span class="arrow" aria-hidden="true">▲</span> 34 mehr (+2,8 %)' in card
    assert "234 mehr (+23,4 %)" in card
    assert 'data-direction="up"' in card
    # a hidden value last year: shown with its sign, but no change computed from it
    card = _card(html, "cases_new")
    assert "Oktober 2025: &lt; 5" in card and "8 mehr (+20,0 %)" in card
    assert card.count('class="change"') == 1
    # shares change in percentage points, days are longer or shorter
    assert "2,5 %-Punkte mehr" in _card(html, "needs_unmet_share")
    card = _card(html, "handover_delay_median_days")
    assert "1,5 Tage länger" in card and "unverändert" in card
    # no month before the first one: no comparison line at all
    first = (out["monthly_all"][0]).read_text(encoding="utf-8")
    assert "Vormonat:" not in _card(first, "cases_active")


def test_gap_matrix_shows_suppressed_cells_with_markers(rich):
    _, out, _ = rich
    cells = parse(out["monthly"]).cells
    html = out["monthly"].read_text(encoding="utf-8")
    t = "tabelle-luecken"
    assert cells[(t, "needs_unmet_count", "wohnen|kein_angebot")] == "< 5"  # planted 3
    assert cells[(t, "needs_unmet_count", "wohnen|wartezeit")] == "x"
    assert cells[(t, "needs_unmet_count", "gesundheit|kosten")] == "< 5"
    assert cells[(t, "needs_unmet_count", "arbeit|kein_angebot")] == "0"  # no such need
    assert cells[(t, "needs_unmet_count", "wohnen|all")] == "10"  # row total
    assert cells[(t, "needs_unmet_count", "arbeit|all")] == "x"
    assert cells[(t, "needs_unmet_count", "all|wartezeit")] == "14"  # column total
    assert cells[(t, "needs_unmet_count", "all|kein_angebot")] == "< 5"
    assert cells[(t, "needs_unmet_count", "all|all")] == "18"
    table = _table(html, t)
    # rows are categories, columns reasons, with headers for both
    assert '<th scope="row">Wohnen</th>' in table and "Kein passendes Angebot" in table
    assert '<th scope="col" class="num total-col">Insgesamt</th>' in table
    assert re.search(r">\s*[37]\s*<", table) is None  # no hidden count leaks
    # needs open over 90 days by category
    t = "tabelle-offene-bedarfe"
    assert cells[(t, "needs_open_over_90d", "wohnen")] == "20"
    assert cells[(t, "needs_open_over_90d", "familie")] == "< 5"
    assert cells[(t, "needs_open_over_90d", "all")] == "30"


def test_handover_table_has_kaplan_meier_median_and_explains_it(rich):
    _, out, _ = rich
    cells = parse(out["monthly"]).cells
    html = out["monthly"].read_text(encoding="utf-8")
    t = "tabelle-uebergaben"
    assert cells[(t, "handover_contact_km_median_days", "jobcenter")] == "9,5"
    assert cells[(t, "handover_contact_km_median_days", "kita")] == "–"
    assert cells[(t, "handover_contact_km_median_days", "all")] == "14,0"
    assert "Median inkl. noch wartender Übergaben (Kaplan-Meier, Tage)" in html
    section = _section(html, "uebergaben")
    assert "Der Median nach Kaplan-Meier bezieht auch die Übergaben" in section
    # median, p90, share within 14 days and pending over 30 days
    assert cells[(t, "handover_delay_median_days", "jobcenter")] == "8,0"
    assert cells[(t, "handover_delay_p90_days", "jobcenter")] == "21,0"
    assert cells[(t, "handover_within_14d_share", "jobcenter")] == "75,0 %"
    assert cells[(t, "handovers_pending_over_30d", "jobcenter")] == "< 5"
    assert cells[(t, "handovers_pending_over_30d", "mbe")] == "0"  # none pending
    assert cells[(t, "handovers_pending_over_30d", "all")] == "6"
    assert cells[(t, "handover_within_14d_share", "mbe")] == "k. A."  # no observations


def test_persons_focus_group_and_continuity_sections(rich):
    _, out, _ = rich
    cells = parse(out["monthly"]).cells
    html = out["monthly"].read_text(encoding="utf-8")
    assert cells[("tabelle-personen", "persons_active", "all")] == "1.180"
    assert cells[("tabelle-personen", "persons_active", "stadt")] == "x"
    assert cells[("tabelle-personen", "cases_active", "all")] == "1.234"
    assert "stadtweit 1.180 Personen in 1.234 aktiven Fällen" in html
    assert cells[("tabelle-personen", "focus_group_share_new", "all")] == "41,7 %"
    assert cells[("tabelle-personen", "focus_group_share_new", "awo")] == "–"
    assert cells[("tabelle-aufenthaltsstatus", "cases_new", "duldung")] == "12"
    assert cells[("tabelle-aufenthaltsstatus", "cases_new", "unbekannt")] == "< 5"
    assert cells[("tabelle-kontinuitaet", "cm_continuity_share", "caritas")] == "77,8 %"
    assert cells[("tabelle-kontinuitaet", "cm_continuity_share", "all")] == "71,4 %"
    assert cells[("tabelle-statuswechsel", "status_change_retained_share", "duldung")] == "–"
    # caseload bands: the city-wide distribution only, every band, never per provider
    bands = {key[2]: text for key, text in cells.items() if key[0] == "tabelle-fallzahlbaender"}
    assert bands == {"unter_30": "0", "30_bis_49": "x", "50_bis_69": "7", "ab_70": "< 5", "all": "15"}
    assert "tabelle-traeger" in html and not any(
        key[1] == "caseload_band_case_managers" and key[2] == "caritas" for key in cells
    )


def test_late_and_stale_deliveries_flagged_at_the_top(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    notice = html[html.index('id="hinweis-datenstand"') :]
    notice = notice[: notice.index("</div>")]
    assert html.index('id="hinweis-datenstand"') < html.index('class="cards"')
    assert (
        "Caritasverband Leverkusen (Lieferung für Oktober 2026 nicht fristgerecht bis 10.11.2026 eingegangen)" in notice
    )
    assert "Deutsches Rotes Kreuz Leverkusen (letzte Lieferung: September 2026" in notice
    assert "Diakonisches Werk" not in notice
    row = _table(html, "tabelle-datenstand")
    row = row[row.index('<tr data-key="caritas">') :]
    assert '<td data-on-time="caritas"><span class="badge">nein</span></td>' in row
    # September: caritas was on time, drk delivered: nothing to flag
    september = (out["monthly_all"][-2]).read_text(encoding="utf-8")
    assert 'id="hinweis-datenstand"' not in september


def test_corrections_against_previous_month(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    section = _section(html, "korrekturen")
    table = _table(section, "tabelle-korrekturen")
    keys = re.findall(r'<tr data-key="([^"]+)">', table)
    assert keys == ["cases_active|2026-09", "cases_closed|2026-09"]
    assert "1.190" in table and "1.200" in table and "10 mehr (+0,8 %)" in table
    assert "2 mehr (+22,2 %)" in table
    assert "777" not in html  # suppressed before: never shown
    assert "2 stadtweite Kennzahlen früherer Monate wurden" in html
    # only the newest month's report has the section
    september = (out["monthly_all"][-2]).read_text(encoding="utf-8")
    assert 'id="korrekturen"' not in september and "Korrekturen gegenüber" not in september


def test_no_corrections_section_without_revisions_table(small):
    _, out, _ = small
    html = out["monthly"].read_text(encoding="utf-8")
    assert 'id="korrekturen"' not in html and "Korrekturen gegenüber" not in html


def test_every_chart_has_title_axis_labels_alt_text_and_data_table(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    figures = re.findall(r"<figure\b[^>]*>.*?</figure>", html, re.S)
    charts_found = [f for f in figures if "<svg" in f]
    assert len(charts_found) == 3
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    for fig in charts_found:
        svg = re.search(r"<svg\b[^>]*>", fig).group(0)
        chart_id = re.search(r'\bid="([^"]+)"', svg).group(1)
        assert 'role="img"' in svg
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        title = re.search(rf'<title id="{chart_id}-title">([^<]+)</title>', fig).group(1)
        desc = re.search(rf'<desc id="{chart_id}-desc">([^<]+)</desc>', fig).group(1)
        assert len(title) > 10 and len(desc) > 40
        assert "Tabelle" in desc  # the text alternative points to the values
        # a data table: inside the figure, or referenced and present on the page
        ref = re.search(r'<figure[^>]*data-table="([^"]+)"', fig)
        assert "<table" in fig or (ref and ref.group(1) in ids), chart_id
        if chart_id != "grafik-verlauf":  # bar charts: the breakdown table below them
            assert ref is not None and f'<table id="{ref.group(1)}"' in html
    verlauf = next(f for f in charts_found if 'id="grafik-verlauf"' in f)
    assert '<details class="chart-data" open>' in verlauf
    cells = parse(out["monthly"]).cells
    assert cells[("tabelle-verlauf-2026", "cases_active", "2026-10")] == "1.234"
    assert cells[("tabelle-verlauf-2026", "cases_active", "2026-09")] == "1.200"
    assert cells[("tabelle-verlauf-2025", "cases_active", "2025-10")] == "1.000"
    assert cells[("tabelle-verlauf-2025", "cases_new", "2025-10")] == "< 5"
    assert cells[("tabelle-verlauf-2026", "cases_new", "2026-03")] == "k. A."
    # the same palette everywhere (Okabe-Ito blue and orange), nothing else coloured
    fills = set(re.findall(r"fill: ?(#[0-9a-fA-F]{6})", " ".join(charts_found)))
    assert "#0072b2" in {f.lower() for f in fills}
    assert not {f.lower() for f in fills} - {
        "#0072b2",
        "#e69f00",
        "#ffffff",
        "#1f2933",
        "#6b7280",
        "#e5e7eb",
        "#fdf3d8",
        "#000000",
    }


def test_axis_labels_in_bar_charts(rich):
    _, out, _ = rich
    html = out["monthly"].read_text(encoding="utf-8")
    chart = html[html.index('id="grafik-uebergaben"') :]
    chart = chart[: chart.index("</svg>")]
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", chart)
    joined = " ".join(texts)
    assert "Median der Wartezeit in Tagen" in joined and "Zielstelle" in joined
    chart = html[html.index('id="grafik-verlauf"') :]
    chart = chart[: chart.index("</svg>")]
    joined = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", chart))
    for label in ("Aktive Fälle", "Fälle je Monat", "Monat"):
        assert label in joined


def test_no_suppressed_value_anywhere(rich):
    _, out, _ = rich
    for path in out["monthly_all"]:
        html = path.read_text(encoding="utf-8")
        # text outside the charts' drawing instructions (coordinates may contain any digits)
        text = re.sub(r"<svg\b.*?</svg>", " ", html, flags=re.S) + " ".join(
            re.findall(r"<(?:text|title|desc)\b[^>]*>([^<]*)<", html)
        )
        assert "93,7" not in html and "93.7" not in text  # hidden Kaplan-Meier median
        assert "43,2" not in html and "0.4321" not in text  # hidden share
        assert "777" not in text  # hidden before a revision
        assert "data-value" not in html
        for attr in re.findall(r'data-[a-z-]+="([^"]*)"', html):
            assert not re.fullmatch(r"\d+([.,]\d+)?", attr), attr


def test_a_report_for_every_month_listed_newest_first(rich):
    con, out, _tmp_path = rich
    periods = [row[0] for row in con.execute("SELECT period FROM marts.dim_periods ORDER BY period").fetchall()]
    assert [p.name for p in out["monthly_all"]] == [f"monatsbericht_{p}.html" for p in periods]
    assert all(p.is_file() for p in out["monthly_all"])
    hrefs = [url for tag, attr, url in parse(out["index"]).urls if tag == "a" and url.startswith("monatsbericht_")]
    assert hrefs == [f"monatsbericht_{p}.html" for p in reversed(periods)]
    html = out["index"].read_text(encoding="utf-8")
    section = html[html.index("<h2>Monatsberichte</h2>") :]
    assert section.index("<h3>2026</h3>") < section.index("<h3>2025</h3>")
    assert "Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2025" in html


def test_index_sorts_each_type_newest_first(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in (
        "monatsbericht_2025-12.html",
        "monatsbericht_2026-01.html",
        "traegerbericht_awo_2026-01.html",
        "traegerbericht_caritas_2025-12.html",
        "traegerbericht_caritas_2026-01.html",
        "jahresbericht_2025.html",
        "jahresbericht_2024.html",
        "notizen.html",
    ):
        (reports / name).write_text("<title>x</title>", encoding="utf-8")
    hrefs = [
        url for tag, _, url in parse(render_index(reports, city=CITY)).urls if tag == "a" and not url.startswith("#")
    ]
    assert hrefs == [
        "monatsbericht_2026-01.html",
        "monatsbericht_2025-12.html",
        "jahresbericht_2025.html",
        "jahresbericht_2024.html",
        "traegerbericht_awo_2026-01.html",
        "traegerbericht_caritas_2026-01.html",
        "traegerbericht_caritas_2025-12.html",
        "notizen.html",
    ]


# ---------------------------------------------------------------------------------------------
# Display rules and labels as units


@pytest.mark.parametrize(
    ("row", "kind", "text", "publishable_value"),
    [
        ({"value": 3, "suppressed": True}, Kind.COUNT, "< 5", None),
        ({"value": 3, "suppressed": False}, Kind.COUNT, "< 5", None),  # safety net
        ({"value": 7, "suppressed": True}, Kind.COUNT, "x", None),
        ({"value": 0, "suppressed": True}, Kind.COUNT, "x", None),
        ({"value": 0, "suppressed": False}, Kind.COUNT, "0", 0.0),
        ({"value": 1234, "suppressed": False}, Kind.COUNT, "1.234", 1234.0),
        ({"value": 0.125, "numerator": 5, "denominator": 40, "suppressed": False}, Kind.SHARE, "12,5 %", 0.125),
        ({"value": 0.5, "numerator": 1, "denominator": 2, "suppressed": True}, Kind.SHARE, "–", None),
        ({"value": 0.5, "numerator": 1, "denominator": 2, "suppressed": False}, Kind.SHARE, "–", None),  # safety net
        ({"value": 9.0, "denominator": 3, "suppressed": True}, Kind.DAYS, "–", None),
        ({"value": 12.5, "denominator": 30, "suppressed": True}, Kind.DAYS, "–", None),
        ({"value": 12.5, "denominator": 30, "suppressed": False}, Kind.DAYS, "12,5", 12.5),
        ({"value": None, "suppressed": False}, Kind.COUNT, "k. A.", None),
        (None, Kind.SHARE, "k. A.", None),
    ],
)
def test_display_rules(row, kind, text, publishable_value):
    cell = display(row, kind, K)
    assert cell.text == text
    assert cell.value == publishable_value
    assert str(cell) == text


def test_publishable_drops_hidden_values():
    cells = [
        ("A", display({"value": 10, "suppressed": False}, Kind.COUNT, K)),
        ("B", display({"value": 3, "suppressed": True}, Kind.COUNT, K)),
        ("C", display(None, Kind.COUNT, K)),
    ]
    points, omitted = publishable(cells)
    assert points == [("A", 10.0)]
    assert omitted == ["B"]


def test_labels_cover_exchange_format_code_lists():
    exchange_format = pytest.importorskip("kim.contract")
    for name, column in (
        ("residence_status", "RESIDENCE_STATUS"),
        ("closing_reason", "CLOSING_REASON"),
        ("referral_source", "REFERRAL_SOURCE"),
        ("category", "NEED_CATEGORY"),
        ("status", "NEED_STATUS"),
        ("unmet_reason", "UNMET_REASON"),
        ("target_service", "TARGET_SERVICE"),
        ("outcome", "HANDOVER_OUTCOME"),
        ("channel", "CONTACT_CHANNEL"),
        ("gender", "GENDER"),
    ):
        codes = getattr(exchange_format, column, None)
        if codes is None:
            continue
        assert set(codes) <= set(labels.CODE_LISTS[name]), name
    assert labels.code_label("target_service", "agentur_fuer_arbeit") == "Agentur für Arbeit"
    assert labels.code_label("target_service", "jmd") == "Jugendmigrationsdienst (JMD)"
    assert labels.code_label("category_reason", "wohnen|kein_angebot") == "Wohnen: Kein passendes Angebot"
    assert labels.code_label("category", "neu_code") == "neu_code"


def test_chart_svg_is_deterministic_and_clean():
    kwargs = dict(chart_id="c", title="Titel <1>", description="Beschreibung", axis_label="Tage", value_format=str)
    one = charts.horizontal_bar_chart([("Jobcenter", 8.0), ("Kita", 3.0)], **kwargs)
    two = charts.horizontal_bar_chart([("Jobcenter", 8.0), ("Kita", 3.0)], **kwargs)
    assert one == two
    assert one.startswith("<svg") and "<?xml" not in one
    assert '<title id="c-title">Titel &lt;1&gt;</title>' in one


# ---------------------------------------------------------------------------------------------
# Realistic warehouse (24 months, 5 providers + abh) and the browser test


def realistic_rows(first="2024-11", last="2026-10", seed=7, k=K) -> list[tuple]:
    """Plausible figures for Leverkusen with suppression flags set like the pipeline does."""
    rng = random.Random(seed)
    periods = _periods(first, last)
    case_providers = {"caritas": 170, "diakonie": 130, "awo": 95, "drk": 55, "stadt": 210}
    service_delay = {
        "auslaenderbehoerde": 38,
        "jobcenter": 12,
        "agentur_fuer_arbeit": 16,
        "integrationskurs": 42,
        "berufssprachkurs": 48,
        "mbe": 7,
        "jmd": 6,
        "anerkennungsberatung": 27,
        "gesundheit": 21,
        "psychosozial": 64,
        "wohnen": 55,
        "schule": 10,
        "kita": 75,
        "rechtsberatung": 14,
        "sonstige": 11,
    }
    service_volume = dict(zip(service_delay, (30, 26, 12, 22, 10, 14, 6, 5, 9, 4, 8, 5, 2, 3, 6)))
    unmet = {
        "sprache": 0.12,
        "arbeit": 0.28,
        "ausbildung": 0.22,
        "schule": 0.08,
        "wohnen": 0.58,
        "gesundheit": 0.18,
        "aufenthalt": 0.35,
        "leistungen": 0.1,
        "kinderbetreuung": 0.52,
        "familie": 0.15,
        "psychosozial": 0.47,
        "sonstiges": 0.2,
    }
    need_volume = {
        "sprache": 30,
        "arbeit": 22,
        "ausbildung": 9,
        "schule": 7,
        "wohnen": 18,
        "gesundheit": 12,
        "aufenthalt": 15,
        "leistungen": 14,
        "kinderbetreuung": 6,
        "familie": 4,
        "psychosozial": 5,
        "sonstiges": 3,
    }
    reasons = {
        "ziele_erreicht": 0.45,
        "weitervermittelt": 0.2,
        "umzug": 0.1,
        "abbruch": 0.07,
        "kontakt_verloren": 0.1,
        "ausreise": 0.03,
        "sonstiges": 0.05,
    }
    rows: list[tuple] = []

    def counts(indicator, period, by_provider: dict[str, int], dim="all", dv="all"):
        flags = {p: 1 <= v < k for p, v in by_provider.items()}
        if sum(flags.values()) == 1:  # secondary suppression: hide the next smallest cell
            candidates = sorted((v, p) for p, v in by_provider.items() if not flags[p] and v)
            if candidates:
                flags[candidates[0][1]] = True
        for p, v in by_provider.items():
            rows.append((indicator, period, p, dim, dv, float(v), v, None, flags[p]))
        total = sum(by_provider.values())
        rows.append((indicator, period, "all", dim, dv, float(total), total, None, 1 <= total < k))

    active = dict(case_providers)
    for i, period in enumerate(periods):
        new = {p: max(0, round(rng.gauss(base / 14 + i * 0.15, 2.5))) for p, base in case_providers.items()}
        closed = {p: max(0, round(rng.gauss(base / 16, 2.5))) for p, base in case_providers.items()}
        new["drk"] = rng.choice([1, 2, 3, 6, 7])
        for p in active:
            active[p] = active[p] + new[p] - closed[p] // 2
        counts("cases_active", period, dict(active))
        counts("cases_new", period, new)
        counts("cases_closed", period, closed)
        total_closed = sum(closed.values())
        split = {r: round(total_closed * s) for r, s in reasons.items()}
        for reason, value in split.items():
            rows.append(
                ("cases_closed", period, "all", "closing_reason", reason, float(value), value, None, 1 <= value < k)
            )
        if period != last:
            continue
        # current-month breakdowns
        all_obs = 0
        for service, delay in service_delay.items():
            n = max(1, round(rng.gauss(service_volume[service], 2)))
            all_obs += n
            value = max(1.0, round(rng.gauss(delay, delay * 0.12) * 2) / 2)
            rows.append(("handover_delay_median_days", period, "all", "target_service", service, value, None, n, n < k))
        rows.append(("handover_delay_median_days", period, "all", "all", "all", 18.5, None, all_obs, False))
        for p, delay in zip(case_providers, (16.0, 21.5, 14.0, 9.0, 24.5)):
            n = 3 if p == "drk" else rng.randint(18, 45)
            rows.append(("handover_delay_median_days", period, p, "all", "all", delay, None, n, n < k))
        den_all = num_all = 0
        for category, share in unmet.items():
            den = max(1, round(rng.gauss(need_volume[category], 2)))
            num = round(den * share)
            den_all, num_all = den_all + den, num_all + num
            rows.append(("needs_unmet_share", period, "all", "category", category, num / den, num, den, den < k))
        rows.append(("needs_unmet_share", period, "all", "all", "all", num_all / den_all, num_all, den_all, False))
        for p in case_providers:
            den = rng.randint(20, 60) if p != "drk" else 4
            num = round(den * rng.uniform(0.15, 0.35))
            rows.append(("needs_unmet_share", period, p, "all", "all", num / den, num, den, den < k))
    return rows


def realistic_new_sections(period="2026-10", k=K) -> list[tuple]:
    """The newer sections' figures for the report month, suppression flags set (primary, and
    secondary where a lone hidden cell would follow from its total)."""
    c, s, m = _count, _share, _median
    rows: list[tuple] = []
    gap = {  # category -> reason -> unmet needs
        "wohnen": {"kein_angebot": 11, "wartezeit": 6, "kosten": 2},
        "sprache": {"wartezeit": 9, "erreichbarkeit": 1},
        "arbeit": {"zugangsvoraussetzungen": 7, "sprachbarriere": 3},
        "psychosozial": {"kein_angebot": 5, "wartezeit": 5},
        "kinderbetreuung": {"wartezeit": 6},
    }
    hidden = {
        ("wohnen", "kosten"),
        ("wohnen", "wartezeit"),
        ("sprache", "erreichbarkeit"),
        ("sprache", "wartezeit"),
        ("arbeit", "sprachbarriere"),
        ("arbeit", "zugangsvoraussetzungen"),
    }
    by_reason: dict[str, int] = {}
    for category, reasons in gap.items():
        for reason, n in reasons.items():
            rows.append(
                c(
                    "needs_unmet_count",
                    "all",
                    n,
                    (category, reason) in hidden,
                    dim="category_reason",
                    dv=f"{category}|{reason}",
                    period=period,
                )
            )
            by_reason[reason] = by_reason.get(reason, 0) + n
        total = sum(reasons.values())
        rows.append(c("needs_unmet_count", "all", total, 1 <= total < k, dim="category", dv=category, period=period))
    for reason, n in by_reason.items():
        rows.append(
            c(
                "needs_unmet_count",
                "all",
                n,
                1 <= n < k or reason == "sprachbarriere",
                dim="unmet_reason",
                dv=reason,
                period=period,
            )
        )
    rows.append(c("needs_unmet_count", "all", sum(by_reason.values()), period=period))
    for category, n in {
        "sprache": 25,
        "wohnen": 25,
        "aufenthalt": 19,
        "arbeit": 15,
        "familie": 2,
        "sonstiges": 1,
    }.items():
        rows.append(c("needs_open_over_90d", "all", n, 1 <= n < k, dim="category", dv=category, period=period))
    rows.append(c("needs_open_over_90d", "all", 87, period=period))
    for status, n in {
        "duldung": 22,
        "gestattung": 22,
        "aufenthaltserlaubnis": 35,
        "deutsch": 2,
        "unbekannt": 5,
    }.items():
        rows.append(c("cases_new", "all", n, n < k, dim="residence_status", dv=status, period=period))
    for pid, persons, cont in (
        ("all", 1186, (81, 98)),
        ("caritas", 338, (26, 31)),
        ("diakonie", 247, (8, 12)),
        ("awo", 230, (16, 19)),
        ("drk", 189, (17, 19)),
        ("stadt", 206, (14, 17)),
    ):
        rows.append(c("persons_active", pid, persons, period=period))
        rows.append(s("cm_continuity_share", pid, *cont, period=period))
        rows.append(s("focus_group_share_new", pid, cont[1] // 2, cont[1], period=period))
    for service, (value, n) in {
        "jobcenter": (8.0, 120),
        "auslaenderbehoerde": (41.0, 90),
        "psychosozial": (52.0, 40),
        "kita": (30.0, 4),
    }.items():
        rows.append(
            m(
                "handover_contact_km_median_days",
                "all",
                value,
                n,
                n < k,
                dim="target_service",
                dv=service,
                period=period,
            )
        )
    rows.append(m("handover_contact_km_median_days", "all", 17.0, 1744, period=period))
    for band, n in {"30_bis_49": 4, "50_bis_69": 13, "ab_70": 2}.items():
        rows.append(c("caseload_band_case_managers", "all", n, n < k, dim="caseload_band", dv=band, period=period))
    rows.append(c("caseload_band_case_managers", "all", 19, period=period))
    rows.append(s("status_change_retained_share", "all", 50, 52, period=period))
    for pid, on_time in (("caritas", 0.0), ("diakonie", 1.0), ("awo", 1.0), ("stadt", 1.0), ("abh", 1.0)):
        rows.append(("delivery_on_time", period, pid, "all", "all", on_time, None, None, False))
    return rows


def build_realistic(path: Path) -> duckdb.DuckDBPyConnection:
    rows = realistic_rows() + realistic_new_sections()
    con = build_warehouse(path, rows, periods=_periods("2024-11", "2026-10"))
    con.execute(REVISIONS_DDL)
    con.executemany(
        "INSERT INTO marts.indicator_revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", REVISIONS
    )
    return con


def _browser_or_skip():
    if not Path(CHROMIUM).exists():
        if os.environ.get("KIM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing but KIM_REQUIRE_BROWSER=1")
        pytest.skip(f"headless browser test needs Chromium at {CHROMIUM} (not installed)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("KIM_REQUIRE_BROWSER") == "1":
            pytest.fail("playwright is not installed but KIM_REQUIRE_BROWSER=1")
        pytest.skip("headless browser test needs the playwright Python package")
    return sync_playwright


@pytest.mark.browser
def test_monthly_report_in_headless_chromium(tmp_path):
    sync_playwright = _browser_or_skip()
    con = build_realistic(tmp_path / "warehouse.duckdb")
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    con.close()
    assert len(out["monthly_all"]) == 24
    requests: list[str] = []
    failed: list[str] = []
    console_errors: list[str] = []  # e.g. a Content-Security-Policy violation
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
            page.goto(out["monthly"].as_uri())
            page.wait_for_load_state("load")
            assert page.inner_text("h1") == (
                "Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026"
            )
            svgs = page.locator("svg.chart")
            assert svgs.count() == 3
            for i in range(3):
                box = svgs.nth(i).bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 100
            drk = "#tabelle-traeger td[data-indicator='cases_active'][data-key='drk']"
            assert page.locator(drk).count() == 1
            # the new sections are there and laid out
            for selector in (
                "#tabelle-luecken",
                "#tabelle-offene-bedarfe",
                "#tabelle-personen",
                "#tabelle-kontinuitaet",
                "#tabelle-fallzahlbaender",
                "#tabelle-korrekturen",
                "#hinweis-datenstand",
                "#tabelle-verlauf-2026",
            ):
                assert page.locator(selector).is_visible(), selector
            gap = page.locator("#tabelle-luecken")
            assert gap.locator("td[data-key='wohnen|kosten']").inner_text() == "< 5"
            # the matrix fits the page width (no horizontal scrolling on a desktop screen)
            wrap = gap.locator("xpath=..")
            assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
            assert "nicht fristgerecht" in page.inner_text("#hinweis-datenstand")
            shot = tmp_path / "monatsbericht.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            keep = os.environ.get("KIM_REPORT_SCREENSHOT")
            if keep:
                shutil.copy(shot, keep)
            # print: the chart's values print even when a reader folded them away on screen
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = false)")
            assert not page.locator("#tabelle-verlauf-2026").is_visible()
            page.emulate_media(media="print")
            assert page.locator("#tabelle-verlauf-2026").is_visible()
            assert not page.locator("nav.toc").is_visible()
            pdf = page.pdf(format="A4", print_background=True)
            pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
            assert pages > 0
            keep = os.environ.get("KIM_REPORT_PDF")
            if keep:
                Path(keep).write_bytes(pdf)
            page.emulate_media(media="screen")
            page.goto(out["index"].as_uri())
            links = page.locator("a[href^='monatsbericht_']")
            assert links.count() == 24
            assert links.first.get_attribute("href") == "monatsbericht_2026-10.html"
            assert links.last.get_attribute("href") == "monatsbericht_2024-11.html"
            page.click("text=Monatsbericht Kommunales Integrationsmanagement Leverkusen")
            page.wait_for_load_state("load")
            assert page.url.endswith("monatsbericht_2026-10.html")
        finally:
            browser.close()
    external = [u for u in requests if not (u.startswith("file://") or u.startswith("data:"))]
    assert not external, external
    assert requests, "the browser recorded no request at all"
    assert not failed, failed
    assert not console_errors, console_errors
