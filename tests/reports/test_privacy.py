"""Privacy of every published report (design §6): render every report type from a generated data
set whose pseudonyms are known and assert that no pseudonym and no count from 1 to k-1 appears.

The published reports are the monthly reports, the provider feedback reports, the annual reports
and the index. The internal data-quality report may show record keys and is not checked here.

Every hidden figure shows the same sign "•" with the same class and note, whatever the reason it is
hidden (design §6): the old signs told a reader the size ("< 5": 1–4, "x": ≥ 5), so no published
report may carry them, nor a word about why or how small a hidden cell is."""

from __future__ import annotations

import re

import pytest

from reports.suppression import Kind, indicator_kind
from synthetic import generate
from tests.conftest import build_warehouse_models
from tests.html_helpers import parse, words
from tests.reports.signs import HIDDEN, HIDDEN_NOTE, LEGEND, old_sign_findings
from transforms.indicators import INDICATORS_BY_ID
from warehouse.indicator_build import build_yearly_indicator_values
from warehouse.load import ingest_landing
from warehouse.migrate import connect

K = 5
KEY = "privacy-test-key"
PSEUDONYM = re.compile(r"[0-9a-f]{32}")
ID_COLUMNS = {
    "cases": ("case_id", "person_id", "case_manager_id"),
    "needs": ("need_id", "case_id"),
    "handovers": ("handover_id", "case_id", "need_id"),
    "contacts": ("contact_id", "case_id"),
    "assignments": ("case_id", "case_manager_id"),
    "status_changes": ("person_id",),
}


@pytest.fixture(scope="module")
def published(tmp_path_factory, config):
    """A warehouse from 14 synthetic months over two years, every published report rendered."""
    from reports import render_reports
    from reports.annual import render_annual_reports
    from reports.kit.index import render_index
    from reports.provider import render_provider_reports

    root = tmp_path_factory.mktemp("privacy")
    generate(config, root / "landing", months=14, seed=21, total_cases=500, end_period="2025-02")
    con = connect(root / "warehouse.duckdb")
    ingest_landing(con, root / "landing", config, KEY)
    build_warehouse_models(con, config, k=K)
    build_yearly_indicator_values(con, K)
    reports_dir = root / "reports"
    render_reports(con, reports_dir, city=config.city, k=K)
    render_provider_reports(con, reports_dir, city=config.city, k=K)
    render_annual_reports(con, reports_dir, city=config.city, k=K)
    render_index(reports_dir, city=config.city)
    pseudonyms = set()
    for table, columns in ID_COLUMNS.items():
        for column in columns:
            pseudonyms |= {
                value
                for (value,) in con.execute(
                    f"SELECT DISTINCT {column} FROM raw.{table} WHERE {column} IS NOT NULL"
                ).fetchall()
            }
    con.close()
    return sorted(reports_dir.rglob("*.html")), pseudonyms


def test_every_report_type_was_rendered(published):
    pages, _ = published
    names = {page.name.split("_")[0].removesuffix(".html") for page in pages}
    assert {"monatsbericht", "traegerbericht", "jahresbericht", "index"} <= names


def test_no_pseudonym_appears_in_any_published_report(published):
    pages, pseudonyms = published
    assert len(pseudonyms) > 1000 and all(PSEUDONYM.fullmatch(p) for p in pseudonyms)
    for page in pages:
        leaked = set(PSEUDONYM.findall(page.read_text(encoding="utf-8"))) & pseudonyms
        assert not leaked, f"{page.name} shows pseudonyms {sorted(leaked)[:3]}"


def test_no_count_from_1_to_k_minus_1_is_published(published):
    pages, _ = published
    checked = 0
    for page in pages:
        # every element that carries a figure (`data-indicator`), its text with all white space as
        # single spaces (a number ends at the first space)
        for indicator, figure in parse(page).figures():
            text = words(figure)
            # figures about people only (a report may also mark counts of deliveries or providers)
            if indicator not in INDICATORS_BY_ID or indicator_kind(indicator) is not Kind.COUNT:
                continue
            checked += 1
            number = text.split(" ")[0].replace(".", "")
            if number.isdigit():
                assert not 1 <= int(number) < K, f"{page.name}: {indicator} shows {text!r}"
    assert checked > 100  # the reports do carry count cells


def test_published_reports_make_no_external_request_and_run_no_script(published):
    pages, _ = published
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), page.name
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), page.name


def test_internal_reports_are_not_published(published):
    pages, _ = published
    assert not [page for page in pages if page.name.startswith("datenqualitaet")]


def test_no_old_sign_and_no_reason_or_size_of_a_hidden_cell(published):
    pages, _ = published
    for page in pages:
        assert not old_sign_findings(page), (page.name, old_sign_findings(page)[:5])


def test_every_hidden_cell_looks_the_same(published):
    pages, _ = published
    hidden = 0
    for path in pages:
        for element in parse(path).find_all(attr="data-indicator"):
            if element.text == HIDDEN or "cell-hidden" in element.classes:
                hidden += 1
                assert element.text == HIDDEN and "cell-hidden" in element.classes, (path.name, element.attrs)
                assert element.get("title") in (HIDDEN_NOTE, None), (path.name, element.attrs)
    assert hidden > 100  # the demo-like reports do hide figures


def test_legend_has_one_sign_for_hidden_figures_and_the_method_note_is_present(published):
    pages, _ = published
    kinds = set()
    for path in pages:
        kind = path.name.split("_")[0].removesuffix(".html")
        if kind == "index":
            continue
        kinds.add(kind)
        page = parse(path)
        legends = [dl for dl in page.find_all("dl") if "legend" in dl.classes]
        assert legends, path.name
        for dl in legends:
            signs = [dt.text for dt in dl.iter("dt")]
            assert signs == [HIDDEN, "0", "k. A."], (path.name, signs)
            texts = [dd.text for dd in dl.iter("dd")]
            assert list(zip(signs, texts))[:2] == LEGEND, (path.name, texts)
        (note,) = [e for e in page.find_all("div") if e.get("id") == "methode-geheimhaltung"]
        text = note.text
        assert f"weniger als {K} Personen oder Fälle betreffen, nicht veröffentlicht" in text, path.name
        assert "anderen Monaten, Anteilen oder anderen Berichten zurückrechnen" in text, path.name
        assert f"dasselbe Zeichen „{HIDDEN}“, gleich aus welchem Grund" in text, path.name
        assert "Vor jeder Veröffentlichung wird geprüft" in text and f"mindestens {K}" in text, path.name
    assert kinds == {"monatsbericht", "traegerbericht", "jahresbericht"}
