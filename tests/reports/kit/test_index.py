"""The index of the reports folder (reports/kit/index.py)."""

from __future__ import annotations

from reports.kit.index import render_index
from tests.html_helpers import parse

CITY = "Leverkusen"


def test_index_with_empty_folder(tmp_path):
    path = render_index(tmp_path / "empty", city=CITY)
    assert "Es liegen noch keine Berichte vor." in path.read_text(encoding="utf-8")


def test_index_groups_by_year_then_type_newest_first_with_short_titles(tmp_path):
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
        "traegerbericht_awo_2026-01.html",
        "traegerbericht_caritas_2026-01.html",
        "monatsbericht_2025-12.html",
        "jahresbericht_2025.html",
        "traegerbericht_caritas_2025-12.html",
        "jahresbericht_2024.html",
        "notizen.html",
    ]
    page = parse(reports / "index.html")
    assert page.heading_texts(2) == ["2026", "2025", "2024", "Ohne Jahr"]
    assert page.heading_texts(3)[:2] == ["Monatsberichte", "Rückmeldungen an die Träger"]


def test_a_report_is_listed_by_its_short_title_without_its_file_name(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "monatsbericht_2026-10.html").write_text(
        '<html><head><meta name="kim:short-title" content="Oktober 2026">'
        "<title>Monatsbericht Kommunales Integrationsmanagement Leverkusen – Oktober 2026</title></head></html>",
        encoding="utf-8",
    )
    page = parse(render_index(reports, city=CITY))
    links = [a.text for a in page.find_all("a") if a.get("href") == "monatsbericht_2026-10.html"]
    assert links == ["Oktober 2026"]
    assert "monatsbericht_2026-10.html" not in page.plain
