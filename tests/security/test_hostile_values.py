"""Hostile content (docs/security.md): script, HTML, spreadsheet formulas, paths and terminal escapes
in the fields of a delivery, in landing folder and manifest values, and in the configuration.

* In a delivery's id and code fields they are refused by the id pattern, the code lists or the PII
  guard: they never reach staging.
* Where such text can reach a report (provider and city names from the configuration, folder names
  and manifest values quoted in the internal data-quality report's register), it is escaped: the
  real reports are opened in headless Chromium and no injected element exists.
* A CSV written for spreadsheet users neutralises formulas; the synthetic XLSX writer writes text
  as text; `kim check` never prints a terminal escape from a delivery.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC
from pathlib import Path

import polars as pl
import pytest
import yaml

from kim.errors import DeliveryRejected
from tests.delivery_files import CASE_ROWS, reference_files, write_delivery_files
from tests.html_helpers import CHROMIUM, CHROMIUM_ARGS, browser_or_skip
from transforms.delivery import read_delivery

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "../../etc/passwd",
]
# (column, position in CASE_ROWS' fields): an id, a code with a code list, a code without one
# (district), a text with a pattern, a number and a date.
FIELDS = {
    "case_id": 0,
    "person_id": 1,
    "gender": 7,
    "nationality": 8,
    "residence_status": 9,
    "district": 11,
    "referral_source": 12,
    "birth_year": 6,
    "opened_on": 3,
}


def csv_field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("column", FIELDS)
def test_hostile_values_in_a_delivery_never_reach_the_accepted_rows(tmp_path, config, column, value):
    fields = CASE_ROWS[0].split(";")
    fields[FIELDS[column]] = csv_field(value)
    write_delivery_files(tmp_path / "landing", "caritas", "2026-03", reference_files([";".join(fields), CASE_ROWS[1]]))
    try:
        delivery = read_delivery(tmp_path / "landing" / "caritas" / "2026-03", config)
    except DeliveryRejected as rejection:  # e.g. the PII guard: not a code word, may be free text
        assert rejection.rule == "pii_value" and rejection.file_name == "cases.csv" and rejection.source_row == 2
        assert value not in rejection.message  # the reason names the column, never the value
        return
    flagged = delivery.violations.filter(pl.col("source_row") == 2)
    assert column in flagged["column_name"].to_list(), f"{value!r} in {column} was not flagged"
    accepted = delivery.accepted_rows("cases")
    assert accepted["source_row"].to_list() == [3]


# ---------------------------------------------------------------------------------------------
# Reports in a browser


@pytest.fixture(scope="module")
def hostile_reports(tmp_path_factory, config):
    """Real reports from a small synthetic warehouse whose configuration names providers and the city
    with hostile text, and whose register holds deliveries rejected for hostile folder names and
    manifest values."""
    from kim.config import load_config
    from reports.publish import render_published_reports
    from reports.quality import render_data_quality_report
    from synthetic import generate
    from tests.conftest import build_warehouse_models
    from warehouse.indicator_build import build_yearly_indicator_values
    from warehouse.load import ingest_landing
    from warehouse.migrate import connect

    root = tmp_path_factory.mktemp("hostile")
    raw = yaml.safe_load(config.path.read_text(encoding="utf-8"))
    raw["city"] = "Leverkusen<img src=x onerror=alert('city')>"
    names = iter(HOSTILE)
    for provider in raw["providers"]:
        provider["name"] = next(names)
    hostile_config_path = root / "hostile.yaml"
    hostile_config_path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    hostile = load_config(hostile_config_path)

    landing = root / "landing"
    generate(hostile, landing, months=1, seed=5, total_cases=60, end_period="2026-03")
    # rejected deliveries whose folder names and manifest values end up in the register
    write_delivery_files(landing, '"><img src=x onerror=alert(2)>', "2026-03", reference_files())
    write_delivery_files(
        landing,
        "diakonie",
        "2026-04",
        reference_files(),
        {"provider_id": "<script>alert(3)</script>", "period": "2026-04"},
    )
    write_delivery_files(
        landing, "caritas", "2026-04", reference_files(), {"exported_at": "<img src=x onerror=alert(4)>"}
    )
    con = connect(root / "warehouse.duckdb")
    summary = ingest_landing(con, landing, hostile, "hostile-key")
    assert len(summary.rejected) == 3
    build_warehouse_models(con, hostile)
    build_yearly_indicator_values(con, 5)
    published = render_published_reports(con, root / "reports", city=hostile.city, k=5)
    for period in ("2026-03", "2026-04"):
        render_data_quality_report(con, root / "internal", city=hostile.city, period=period)
    con.close()
    pages = sorted((root / "reports").rglob("*.html")) + sorted((root / "internal").glob("*.html"))
    assert published["annual"] and published["provider_feedback"]
    return pages


INJECTED = "script, img[onerror], [onerror], [onload], iframe, object, embed, a[href^='javascript']"


def test_hostile_text_is_escaped_in_the_html_source(hostile_reports):
    for page in hostile_reports:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), page.name
        assert not re.search(r"<img[^>]*onerror", html, re.IGNORECASE), page.name


@pytest.mark.browser
def test_hostile_text_runs_no_script_and_injects_no_element_in_chromium(hostile_reports):
    sync_playwright = browser_or_skip()
    dialogs: list[str] = []
    shown = dict.fromkeys(HOSTILE[:2], 0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            for report in hostile_reports:
                page.goto(report.as_uri())
                page.wait_for_load_state("load")
                assert page.locator(INJECTED).count() == 0, f"{report.name}: an injected element exists"
                assert page.evaluate("typeof window.alert") == "function"
                text = page.inner_text("body")
                for name in shown:
                    shown[name] += name in text
        finally:
            browser.close()
    assert dialogs == []
    # the hostile names are there, as text: escaped, not dropped
    assert all(shown.values()), shown


def test_the_register_quotes_hostile_folder_and_manifest_values_as_text(hostile_reports):
    """The internal report does show the hostile folder name and manifest values (the data steward
    needs them), escaped: these are the cells the browser test above opens."""
    html = "".join(p.read_text(encoding="utf-8") for p in hostile_reports if p.name.startswith("datenqualitaet"))
    assert "&lt;img src=x onerror=alert(2)&gt;" in html  # a folder name
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html  # manifest provider_id
    assert "&lt;img src=x onerror=alert(4)&gt;" in html  # manifest exported_at


# ---------------------------------------------------------------------------------------------
# Spreadsheets


SOURCE_DIRS = ("checks", "kim", "pipelines", "reports", "synthetic", "transforms", "warehouse")
WRITER = re.compile(r"\b(write_csv|to_csv|csv\.writer|DictWriter|xlsxwriter|openpyxl|write_excel|to_excel)\b")
# Files allowed to write CSV or XLSX, and why.
ALLOWED_WRITERS = {
    "reports/spreadsheet.py": "neutralises every cell",
    "kim/sql_prompt.py": "`kim sql --csv` for analysts: every text cell neutralised like reports.spreadsheet "
    "(tests/test_cli.py)",
    "synthetic/delivery_writer.py": "writes exchange-format deliveries (no spreadsheet for people); "
    "workbook text is written as text, never as a formula",
    "reports/kit/downloads.py": "a report's tables: CSV through reports.spreadsheet.write_csv, XLSX with "
    "strings_to_formulas off and every text neutralised and written as a string (tests/reports/kit/test_downloads.py)",
    "reports/release/open_data.py": "through reports.spreadsheet.write_csv",
    "reports/release/changes.py": "through reports.spreadsheet.write_csv",
}


def test_every_csv_or_xlsx_writer_of_the_project_is_one_that_neutralises_formulas():
    """Inventory: a new CSV/XLSX export must go through reports.spreadsheet (or be listed above with
    a reason) — otherwise this fails."""
    writers = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if WRITER.search(path.read_text(encoding="utf-8")):
                writers.add(path.relative_to(ROOT).as_posix())
    assert writers - set(ALLOWED_WRITERS) == set()


def test_the_csv_writer_neutralises_formula_cells(tmp_path):
    from reports.spreadsheet import write_csv

    rows = [[value, 7, -2, None] for value in HOSTILE + ["\tTAB", "\rCR", "harmlos", "a=b"]]
    path = write_csv(tmp_path / "export.csv", ["=wert", "zahl", "negativ", "leer"], rows)
    read = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline=""), delimiter=";"))
    assert read[0][0] == "'=wert"
    for (cell, number, negative, empty), value in zip(read[1:], rows):
        if value[0][0] in "=+-@\t\r":
            assert cell == "'" + value[0]
        else:
            assert cell == value[0]
        assert (number, negative, empty) == ("7", "-2", "")
    assert read[1][0] == "<script>alert(1)</script>"  # HTML is no formula; CSV is no HTML


def test_the_synthetic_workbook_writer_writes_formula_text_as_text(tmp_path, config):
    from datetime import datetime

    from synthetic.delivery_writer import _xlsx_bytes
    from transforms.decode import first_formula_cells, read_xlsx_tables

    frame = pl.DataFrame({"case_id": HOSTILE})
    path = tmp_path / "export.xlsx"
    path.write_bytes(_xlsx_bytes(config.providers["drk"].profile, {"cases": frame}, datetime(2026, 3, 1, tzinfo=UTC)))
    assert first_formula_cells(path) == {}
    assert read_xlsx_tables(path)["cases"]["case_id"].to_list() == HOSTILE


# ---------------------------------------------------------------------------------------------
# The terminal


def test_kim_check_prints_no_terminal_escape_from_a_delivery(tmp_path, config):
    from pipelines.self_check import format_rejection, format_report, self_check

    fields = CASE_ROWS[0].split(";")
    fields[7] = "\x1b[2J\x1b[31mw"  # clear screen, red
    fields[9] = "dul\u202edung"  # a right-to-left override
    folder = write_delivery_files(tmp_path, "caritas", "2026-03", reference_files([";".join(fields), CASE_ROWS[1]]))
    report = self_check(folder, config.path)
    text = format_report(report)
    assert "[code_list]" in text and "\\x1b[2J" in text
    assert "\x1b" not in text and "\u202e" not in text
    # a rejection quotes manifest values: the same there
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["provider_id"] = "\x1b]0;owned\x07caritas"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DeliveryRejected) as caught:
        read_delivery(folder, config, check_folder=False)  # what self_check reads first
    text = format_rejection(caught.value)
    assert "provider_unknown" in text and "\x1b" not in text and "\x07" not in text
