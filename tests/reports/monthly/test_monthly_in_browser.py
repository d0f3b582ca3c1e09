"""The monthly report of a realistic warehouse (24 months, 5 providers and the Ausländerbehörde)
in headless Chromium: laid out, printable, requesting nothing outside the file."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from reports import render_reports
from tests.html_helpers import check_printed, chromium_page
from tests.reports.monthly.hand_built import CITY, K, build_realistic
from tests.reports.signs import HIDDEN, HIDDEN_NOTE


@pytest.mark.browser
def test_monthly_report_in_headless_chromium(tmp_path):
    con = build_realistic(tmp_path / "warehouse.duckdb")
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K)
    con.close()
    assert len(out["monthly_all"]) == 24
    with chromium_page() as (page, traffic):
        page.goto(out["monthly"].as_uri())
        page.wait_for_load_state("load")
        assert page.inner_text("h1") == ("Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026")
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
        # a hidden cell shows "•" on screen (the same for every reason it is hidden), with the
        # one note as its tooltip; the legend and the method note are visible text
        hidden = gap.locator("td[data-key='wohnen|kosten']")
        assert hidden.inner_text() == HIDDEN and hidden.is_visible()
        assert hidden.get_attribute("title") == HIDDEN_NOTE
        hidden_cells = page.locator("td.cell-hidden")
        assert hidden_cells.count() > 3
        assert set(hidden_cells.all_inner_texts()) == {HIDDEN}
        assert page.locator("td.cell-primary, td.cell-secondary").count() == 0
        legend = page.locator("#hinweise dl.legend")
        assert legend.is_visible()
        legend_text = legend.inner_text()
        assert f"{HIDDEN}\nZahlenwert unbekannt oder geheim zu halten" in legend_text, legend_text
        assert "genau null" in legend_text and "keine Angabe" in legend_text
        assert page.locator("#methode-geheimhaltung").is_visible()
        assert "dasselbe Zeichen" in page.inner_text("#methode-geheimhaltung")
        body = page.inner_text("body")
        assert "< 5" not in body and "zwischen 1 und" not in body and "gesperrt" not in body
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
        page.click("text=Oktober 2026")
        page.wait_for_load_state("load")
        assert page.url.endswith("monatsbericht_2026-10.html")
    assert not traffic.external, traffic.external
    assert traffic.requests, "the browser recorded no request at all"
    assert not traffic.failed, traffic.failed
    assert not traffic.console_errors, traffic.console_errors


@pytest.mark.browser
def test_every_printed_page_has_title_and_page_number_and_the_last_is_not_near_empty(tmp_path):
    con = build_realistic(tmp_path / "warehouse.duckdb")
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K, period="2026-10")
    con.close()
    pages = check_printed(out["monthly"], "Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026")
    assert len(pages) >= 3


@pytest.mark.browser
def test_the_monthly_navigation_works_in_the_browser(tmp_path):
    con = build_realistic(tmp_path / "warehouse.duckdb")
    out = render_reports(con, tmp_path / "reports", city=CITY, k=K, period=None)
    con.close()
    with chromium_page() as (page, _):
        page.goto(out["monthly"].as_uri())
        page.click("nav.pager a[rel=prev]")
        page.wait_for_load_state("load")
        assert page.inner_text("h1").endswith("September 2026")
        page.click("nav.pager a[rel=next]")
        page.wait_for_load_state("load")
        assert page.inner_text("h1").endswith("Oktober 2026")
        assert page.locator("nav.pager a[rel=next]").count() == 0  # the newest month
        page.click("nav.pager >> text=Alle Berichte")
        page.wait_for_load_state("load")
        assert page.url.endswith("/index.html")
