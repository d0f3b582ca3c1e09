"""The index of the reports folder (reports/kit/index.py)."""

from __future__ import annotations

from reports.kit.index import render_index
from tests.html_helpers import parse

CITY = "Leverkusen"


def test_index_with_empty_folder(tmp_path):
    path = render_index(tmp_path / "empty", city=CITY)
    assert "Es liegen noch keine Berichte vor." in path.read_text(encoding="utf-8")


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
