"""The monthly report (reports/monthly/) from a small hand-built warehouse: headings, the signs of
suppressed figures, German formats and labels, a self-contained file, stale providers, the index
links, explicit months, missing and optional indicators."""

from __future__ import annotations

import re

import pytest

from reports import render_reports
from tests.html_helpers import parse
from tests.reports.monthly.hand_built import CITY, K, build_warehouse, small_rows
from tests.reports.signs import HIDDEN, HIDDEN_NOTE


def delivery_status(page) -> dict[str | None, str]:
    """The "Datenstand" table's status column by provider."""
    return {provider: text for (provider, _), text in page.row_cells("tabelle-datenstand", "data-status").items()}


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
    assert page.heading_texts(1) == ["Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026"]
    for heading in (
        "Überblick",
        "Fallzahlen im Verlauf",
        "Übergaben an andere Stellen",
        "Ungedeckte Bedarfe",
        "Datenstand",
        "Hinweise zu Datenschutz und Methodik",
    ):
        assert heading in page.heading_texts(2)
    html = out["monthly"].read_text(encoding="utf-8")
    assert '<html lang="de">' in html
    assert "<title>Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026</title>" in html


def test_provider_table_uses_names_and_excludes_abh(small):
    _, out, _ = small
    page = parse(out["monthly"])
    html = out["monthly"].read_text(encoding="utf-8")
    keys = {key[2] for key in page.cells() if key[0] == "tabelle-traeger"}
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
    assert delivery_status(page)["abh"] == "aktuell"


def test_primary_suppressed_count_shows_the_hidden_sign(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells()
    assert cells[("tabelle-traeger", "cases_active", "drk")] == HIDDEN
    assert cells[("tabelle-abschlussgruende", "cases_closed", "umzug")] == HIDDEN
    html = out["monthly"].read_text(encoding="utf-8")
    assert f'data-key="drk" title="{HIDDEN_NOTE}"' in html
    assert ">3<" not in html


def test_secondary_suppressed_count_shows_the_same_sign(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells()
    assert cells[("tabelle-traeger", "cases_active", "stadt")] == HIDDEN
    assert ">7<" not in out["monthly"].read_text(encoding="utf-8")


def test_primary_and_secondary_hidden_cells_are_indistinguishable_in_the_html(small):
    """A count of 3 (primary), a count of 7 hidden to protect it (secondary), a hidden median and
    a hidden share: the same element text, class and tooltip, so the page tells nothing about
    their size or why they are hidden (design §6; "< 5" and "x" told 1–4 and ≥ 5)."""
    _, out, _ = small
    page = parse(out["monthly"])
    looks = set()
    for table, indicator, key in [
        ("tabelle-traeger", "cases_active", "drk"),  # 3, primary
        ("tabelle-traeger", "cases_active", "stadt"),  # 7, secondary
        ("tabelle-traeger", "handover_delay_median_days", "drk"),
        ("tabelle-bedarfe", "needs_unmet_share", "gesundheit"),
    ]:
        (td,) = [
            td
            for td in page.find_all("td", attr="data-key")
            if td.get("data-indicator") == indicator
            and td.get("data-key") == key
            and td.ancestor("table").get("id") == table
        ]
        looks.add((td.text, tuple(td.classes), td.get("title")))
    assert looks == {(HIDDEN, ("num", "cell-hidden"), HIDDEN_NOTE)}


def test_suppressed_median_and_share_show_the_hidden_sign(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells()
    assert cells[("tabelle-traeger", "handover_delay_median_days", "drk")] == HIDDEN
    assert cells[("tabelle-uebergaben", "handover_delay_median_days", "kita")] == HIDDEN
    assert cells[("tabelle-bedarfe", "needs_unmet_share", "gesundheit")] == HIDDEN
    html = out["monthly"].read_text(encoding="utf-8")
    # the hidden kita median is nowhere, not even in the chart
    assert "47,5" not in html
    assert not any("47" in t for t in re.findall(r"<text[^>]*>([^<]*)</text>", html))
    assert "50,0 %" in html  # wohnen 10/20 is shown


def test_zero_and_missing(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells()
    assert cells[("tabelle-traeger", "cases_new", "diakonie")] == "0"
    assert cells[("tabelle-traeger", "cases_new", "drk")] == "k. A."
    assert cells[("tabelle-bedarfe", "needs_unmet_share", "sprache")] == "0,0 %"


def test_german_number_formats(small):
    _, out, _ = small
    cells = parse(out["monthly"]).cells()
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
    assert f"<dt>{HIDDEN}</dt><dd>Zahlenwert unbekannt oder geheim zu halten</dd>" in html
    assert "<dt>0</dt><dd>genau null</dd>" in html and "<dt>k. A.</dt><dd>keine Angabe" in html
    for old in ("<dt>&lt; 5</dt>", "<dt>x</dt>", "<dt>–</dt>", "zwischen 1 und", "gesperrt", "sekundäre"):
        assert old not in html, old


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
    assert delivery_status(page)["drk"] == "veraltet"
    assert delivery_status(page)["caritas"] == "aktuell"
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
    assert "Aus Datenschutzgründen nicht dargestellt: Kita." in html
    assert "zu wenige" not in html


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
    assert page.heading_texts(1)[0].endswith("September 2026")
    # nothing is stale for September: drk delivered September
    assert delivery_status(page)["drk"] == "aktuell"
    with pytest.raises(ValueError):
        render_reports(con, tmp_path / "r3", city=CITY, k=K, period="../../etc")


def test_missing_indicators_do_not_break(tmp_path):
    rows = [("cases_active", "2026-10", pid, "all", "all", 50.0, 50, None, False) for pid in ("all", "caritas")]
    con = build_warehouse(tmp_path / "w.duckdb", rows)
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    html = out["monthly"].read_text(encoding="utf-8")
    page = parse(out["monthly"])
    assert page.cells()[("tabelle-traeger", "cases_active", "caritas")] == "50"
    assert page.cells()[("tabelle-traeger", "needs_unmet_share", "caritas")] == "k. A."
    assert "Für Oktober 2026 liegen keine Angaben zu Übergaben nach Zielstelle vor." in html
    assert "Fälle je Vollzeitstelle" not in html
    assert delivery_status(parse(out["monthly"]))["drk"] == "keine Lieferung"


def test_future_indicators_appear_when_present(tmp_path):
    rows = small_rows() + [
        ("caseload_per_fte", "2026-10", "caritas", "all", "all", 42.857, 150, None, False),
        ("handover_delay_p90_days", "2026-10", "all", "target_service", "jobcenter", 21.0, None, 12, False),
        ("handovers_pending_over_30d", "2026-10", "all", "target_service", "jobcenter", 2.0, 2, None, True),
        ("needs_unmet_count", "2026-10", "all", "category", "wohnen", 10.0, 10, None, False),
    ]
    con = build_warehouse(tmp_path / "w.duckdb", rows)
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    cells = parse(out["monthly"]).cells()
    assert cells[("tabelle-traeger", "caseload_per_fte", "caritas")] == "42,9"
    assert cells[("tabelle-uebergaben", "handover_delay_p90_days", "jobcenter")] == "21,0"
    assert cells[("tabelle-uebergaben", "handovers_pending_over_30d", "jobcenter")] == HIDDEN
    assert cells[("tabelle-bedarfe", "needs_unmet_count", "wohnen")] == "10"


def test_monthly_reports_rendered_in_worker_processes_are_the_ones_rendered_here(rich, tmp_path, monkeypatch):
    """Months rendered in chunks by worker processes (reports.kit.parallel), each chunk reading
    the shared data up to its own last month: every file byte for byte the one rendered here."""
    from reports.kit import parallel
    from reports.monthly import render_all_monthly
    from tests.html_helpers import assert_same_files

    con = rich[0]
    serial = render_all_monthly(con, tmp_path / "serial", city=CITY, k=K)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(parallel, "CHUNK", 2)
    in_workers = render_all_monthly(con, tmp_path / "workers", city=CITY, k=K)
    assert len(serial) > 2 and [p.name for p in in_workers] == [p.name for p in serial]
    assert_same_files(tmp_path / "serial", tmp_path / "workers")
