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

from reports import charts, labels, render_reports
from reports.render import render_index
from reports.suppression import Kind, display, publishable

CITY = "Leverkusen"
K = 5
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
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
    end = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
    return start, end


def _periods(first: str, last: str) -> list[str]:
    out, (y, m) = [], map(int, first.split("-"))
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def build_warehouse(path: Path, indicator_rows, *, providers=PROVIDERS, periods=None,
                    deliveries=None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute(DDL)
    con.executemany("INSERT INTO marts.dim_providers VALUES (?, ?, ?)", providers)
    periods = periods or sorted({row[1] for row in indicator_rows})
    con.executemany("INSERT INTO marts.dim_periods VALUES (?, ?, ?)",
                    [(p, *_month_bounds(p)) for p in periods])
    con.executemany("INSERT INTO marts.indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    indicator_rows)
    if deliveries is None:
        deliveries = []
        for pid, *_ in providers:
            # drk is stale (newest delivery one month behind); alone it has none at all
            last = periods[-1] if pid != "drk" else (periods[-2] if len(periods) > 1 else "")
            for p in periods:
                if p <= last:
                    _, end = _month_bounds(p)
                    exported = dt.datetime.combine(end + dt.timedelta(days=5), dt.time(9, 30),
                                                   tzinfo=dt.timezone.utc)
                    deliveries.append((f"{pid}-{p}", pid, p, exported,
                                       exported + dt.timedelta(hours=3), p == last))
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
        median("handover_delay_median_days", "all", 30.5, 10, dim="target_service",
               dv="auslaenderbehoerde"),
        median("handover_delay_median_days", "all", 8.0, 12, dim="target_service",
               dv="jobcenter"),
        median("handover_delay_median_days", "all", 10.0, 16, dim="target_service", dv="mbe"),
        median("handover_delay_median_days", "all", 47.5, 2, suppressed=True,
               dim="target_service", dv="kita"),
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
        if tag in self.headings or (tag == "td" and ("data-indicator" in a
                                                     or "data-status" in a)):
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
    assert set(out) == {"monthly", "index"}
    assert out["monthly"] == tmp_path / "reports" / "monatsbericht_2026-10.html"
    assert out["index"] == tmp_path / "reports" / "index.html"
    assert out["monthly"].is_file() and out["index"].is_file()


def test_german_headings_and_title(small):
    _, out, _ = small
    page = parse(out["monthly"])
    assert page.headings["h1"] == [
        "Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026"]
    for heading in ("Überblick", "Fallzahlen im Verlauf", "Übergaben an andere Stellen",
                    "Ungedeckte Bedarfe", "Datenstand", "Hinweise zu Datenschutz und Methodik"):
        assert heading in page.headings["h2"]
    html = out["monthly"].read_text(encoding="utf-8")
    assert '<html lang="de">' in html
    assert "<title>Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026" \
           "</title>" in html


def test_provider_table_uses_names_and_excludes_abh(small):
    _, out, _ = small
    page = parse(out["monthly"])
    html = out["monthly"].read_text(encoding="utf-8")
    keys = {key[2] for key in page.cells if key[0] == "tabelle-traeger"}
    assert keys == {"caritas", "diakonie", "awo", "drk", "stadt", "all"}
    assert "Caritasverband Leverkusen" in html
    headers = ["Aktive Fälle", "Neue Fälle", "Abgeschlossene Fälle",
               "Median Wartezeit Übergabe (Tage)", "Anteil ungedeckter Bedarfe"]
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
    assert cells[("tabelle-uebergaben", "handover_delay_median_days", "auslaenderbehoerde")] \
        == "30,5"
    assert cells[("tabelle-uebergaben", "handover_delay_median_days", "jobcenter")] == "8,0"
    assert 'title="September 2026">Vormonat: 1.200' in html  # previous month on the card


def test_german_labels_for_codes(small):
    _, out, _ = small
    html = out["monthly"].read_text(encoding="utf-8")
    for text in ("Ausländerbehörde", "Jobcenter", "Migrationsberatung für Erwachsene (MBE)",
                 "Wohnen", "Ziele erreicht", "Umzug"):
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
    assert "Deutsches Rotes Kreuz Leverkusen (letzte Lieferung: September 2026)" in html
    assert 'Deutsches Rotes Kreuz Leverkusen <span class="badge">veraltet</span>' in html
    assert "05.11.2026" in html  # caritas' export date in German format (Europe/Berlin)


def test_index_links_reports(small):
    con, out, tmp_path = small
    reports = tmp_path / "reports"
    hrefs = [url for tag, attr, url in parse(out["index"]).urls if tag == "a"]
    assert "monatsbericht_2026-10.html" in hrefs
    # A report written later by another renderer shows up after the next index run.
    (reports / "jahresbericht_2026.html").write_text(
        "<!DOCTYPE html><html lang=\"de\"><head><title>Jahresbericht 2026</title></head>"
        "<body></body></html>", encoding="utf-8")
    render_reports(con, reports, city=CITY, k=K, period="2026-09")
    index = parse(reports / "index.html")
    hrefs = [url for tag, attr, url in index.urls if tag == "a"]
    assert {"monatsbericht_2026-10.html", "monatsbericht_2026-09.html",
            "jahresbericht_2026.html"} <= set(hrefs)
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
    chart = html[html.index('id="grafik-uebergaben"'):]
    chart = chart[:chart.index("</svg>")]
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
    page = parse(out["monthly"])
    assert page.headings["h1"][0].endswith("September 2026")
    # nothing is stale for September: drk delivered September
    assert page.row_status["drk"] == "aktuell"
    with pytest.raises(ValueError):
        render_reports(con, tmp_path / "r3", city=CITY, k=K, period="../../etc")


def test_missing_indicators_do_not_break(tmp_path):
    rows = [("cases_active", "2026-10", pid, "all", "all", 50.0, 50, None, False)
            for pid in ("all", "caritas")]
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
        ("handover_delay_p90_days", "2026-10", "all", "target_service", "jobcenter", 21.0,
         None, 12, False),
        ("handovers_pending_over_30d", "2026-10", "all", "target_service", "jobcenter", 2.0,
         2, None, True),
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
        ({"value": 0.125, "numerator": 5, "denominator": 40, "suppressed": False}, Kind.SHARE,
         "12,5 %", 0.125),
        ({"value": 0.5, "numerator": 1, "denominator": 2, "suppressed": True}, Kind.SHARE,
         "–", None),
        ({"value": 0.5, "numerator": 1, "denominator": 2, "suppressed": False}, Kind.SHARE,
         "–", None),  # safety net
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
    cells = [("A", display({"value": 10, "suppressed": False}, Kind.COUNT, K)),
             ("B", display({"value": 3, "suppressed": True}, Kind.COUNT, K)),
             ("C", display(None, Kind.COUNT, K))]
    points, omitted = publishable(cells)
    assert points == [("A", 10.0)]
    assert omitted == ["B"]


def test_labels_cover_exchange_format_code_lists():
    exchange_format = pytest.importorskip("transforms.exchange_format")
    for name, column in (("residence_status", "RESIDENCE_STATUS"),
                         ("closing_reason", "CLOSING_REASON"),
                         ("referral_source", "REFERRAL_SOURCE"),
                         ("category", "NEED_CATEGORY"), ("status", "NEED_STATUS"),
                         ("unmet_reason", "UNMET_REASON"), ("target_service", "TARGET_SERVICE"),
                         ("outcome", "HANDOVER_OUTCOME"), ("channel", "CONTACT_CHANNEL"),
                         ("gender", "GENDER")):
        codes = getattr(exchange_format, column, None)
        if codes is None:
            continue
        assert set(codes) <= set(labels.CODE_LISTS[name]), name
    assert labels.code_label("target_service", "agentur_fuer_arbeit") == "Agentur für Arbeit"
    assert labels.code_label("target_service", "jmd") == "Jugendmigrationsdienst (JMD)"
    assert labels.code_label("category_reason", "wohnen|kein_angebot") == \
        "Wohnen: Kein passendes Angebot"
    assert labels.code_label("category", "neu_code") == "neu_code"


def test_chart_svg_is_deterministic_and_clean():
    kwargs = dict(chart_id="c", title="Titel <1>", description="Beschreibung",
                  axis_label="Tage", value_format=str)
    one = charts.horizontal_bar_chart([("Jobcenter", 8.0), ("Kita", 3.0)], **kwargs)
    two = charts.horizontal_bar_chart([("Jobcenter", 8.0), ("Kita", 3.0)], **kwargs)
    assert one == two
    assert one.startswith("<svg") and "<?xml" not in one
    assert "<title id=\"c-title\">Titel &lt;1&gt;</title>" in one


# ---------------------------------------------------------------------------------------------
# Realistic warehouse (24 months, 5 providers + abh) and the browser test


def realistic_rows(first="2024-11", last="2026-10", seed=7, k=K) -> list[tuple]:
    """Plausible figures for Leverkusen with suppression flags set like the pipeline does."""
    rng = random.Random(seed)
    periods = _periods(first, last)
    case_providers = {"caritas": 170, "diakonie": 130, "awo": 95, "drk": 55, "stadt": 210}
    service_delay = {
        "auslaenderbehoerde": 38, "jobcenter": 12, "agentur_fuer_arbeit": 16,
        "integrationskurs": 42, "berufssprachkurs": 48, "mbe": 7, "jmd": 6,
        "anerkennungsberatung": 27, "gesundheit": 21, "psychosozial": 64, "wohnen": 55,
        "schule": 10, "kita": 75, "rechtsberatung": 14, "sonstige": 11,
    }
    service_volume = {s: v for s, v in zip(service_delay, (30, 26, 12, 22, 10, 14, 6, 5, 9, 4,
                                                            8, 5, 2, 3, 6))}
    unmet = {"sprache": 0.12, "arbeit": 0.28, "ausbildung": 0.22, "schule": 0.08,
             "wohnen": 0.58, "gesundheit": 0.18, "aufenthalt": 0.35, "leistungen": 0.1,
             "kinderbetreuung": 0.52, "familie": 0.15, "psychosozial": 0.47, "sonstiges": 0.2}
    need_volume = {"sprache": 30, "arbeit": 22, "ausbildung": 9, "schule": 7, "wohnen": 18,
                   "gesundheit": 12, "aufenthalt": 15, "leistungen": 14, "kinderbetreuung": 6,
                   "familie": 4, "psychosozial": 5, "sonstiges": 3}
    reasons = {"ziele_erreicht": 0.45, "weitervermittelt": 0.2, "umzug": 0.1, "abbruch": 0.07,
               "kontakt_verloren": 0.1, "ausreise": 0.03, "sonstiges": 0.05}
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
        rows.append((indicator, period, "all", dim, dv, float(total), total, None,
                     1 <= total < k))

    active = dict(case_providers)
    for i, period in enumerate(periods):
        new = {p: max(0, round(rng.gauss(base / 14 + i * 0.15, 2.5)))
               for p, base in case_providers.items()}
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
            rows.append(("cases_closed", period, "all", "closing_reason", reason, float(value),
                         value, None, 1 <= value < k))
        if period != last:
            continue
        # current-month breakdowns
        all_obs = 0
        for service, delay in service_delay.items():
            n = max(1, round(rng.gauss(service_volume[service], 2)))
            all_obs += n
            value = max(1.0, round(rng.gauss(delay, delay * 0.12) * 2) / 2)
            rows.append(("handover_delay_median_days", period, "all", "target_service",
                         service, value, None, n, n < k))
        rows.append(("handover_delay_median_days", period, "all", "all", "all", 18.5, None,
                     all_obs, False))
        for p, delay in zip(case_providers, (16.0, 21.5, 14.0, 9.0, 24.5)):
            n = 3 if p == "drk" else rng.randint(18, 45)
            rows.append(("handover_delay_median_days", period, p, "all", "all", delay, None,
                         n, n < k))
        den_all = num_all = 0
        for category, share in unmet.items():
            den = max(1, round(rng.gauss(need_volume[category], 2)))
            num = round(den * share)
            den_all, num_all = den_all + den, num_all + num
            rows.append(("needs_unmet_share", period, "all", "category", category, num / den, num,
                         den, den < k))
        rows.append(("needs_unmet_share", period, "all", "all", "all", num_all / den_all,
                     num_all, den_all, False))
        for p in case_providers:
            den = rng.randint(20, 60) if p != "drk" else 4
            num = round(den * rng.uniform(0.15, 0.35))
            rows.append(("needs_unmet_share", period, p, "all", "all", num / den, num, den,
                         den < k))
    return rows


def build_realistic(path: Path) -> duckdb.DuckDBPyConnection:
    rows = realistic_rows()
    return build_warehouse(path, rows, periods=_periods("2024-11", "2026-10"))


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
    requests: list[str] = []
    console_errors: list[str] = []  # e.g. a Content-Security-Policy violation
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda msg: console_errors.append(msg.text)
                    if msg.type == "error" else None)
            page.goto(out["monthly"].as_uri())
            page.wait_for_load_state("load")
            assert page.inner_text("h1") == (
                "Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026")
            svgs = page.locator("svg.chart")
            assert svgs.count() == 3
            for i in range(3):
                box = svgs.nth(i).bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 100
            assert page.locator("td[data-indicator='cases_active'][data-key='drk']").count() == 1
            shot = tmp_path / "monatsbericht.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            keep = os.environ.get("KIM_REPORT_SCREENSHOT")
            if keep:
                shutil.copy(shot, keep)
            page.goto(out["index"].as_uri())
            page.click("text=Monatsbericht Kommunales Integrationsmanagement Leverkusen")
            page.wait_for_load_state("load")
            assert page.url.endswith("monatsbericht_2026-10.html")
        finally:
            browser.close()
    external = [u for u in requests if not (u.startswith("file://") or u.startswith("data:"))]
    assert not external, external
    assert requests, "the browser recorded no request at all"
    assert not console_errors, console_errors
