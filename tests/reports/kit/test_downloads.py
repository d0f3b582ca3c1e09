"""A report page's downloads (reports.kit.downloads): the tables read from the written HTML, as CSV
for German Excel and as one XLSX per report, formula-safe, with the page's own text; the links."""

from __future__ import annotations

import csv
import io
import zipfile

import polars as pl

from reports.kit.downloads import DOWNLOADS_MARK, csv_cell, number_of, read_tables, write_report
from reports.kit.templating import environment

PAGE = """<!DOCTYPE html><html lang="de"><head><title>Monatsbericht – Oktober 2026</title></head><body>
<div class="table-wrap"><table id="tabelle-traeger"><caption>Kennzahlen je Träger, Oktober 2026</caption>
<thead><tr><th scope="col">Träger</th><th scope="col">Fälle</th><th scope="col"><abbr title="Anteil">Anteil</abbr></th><th scope="col">Kosten</th></tr></thead>
<tbody>
<tr><th scope="row">Caritas <span class="badge">neu</span></th><td>1.234</td><td>12,5&nbsp;%</td><td>2.500&nbsp;€</td></tr>
<tr><th scope="row">=HYPERLINK("http://x","y")</th><td>•</td><td>−3,0 %</td><td>0</td></tr>
</tbody></table></div>
<table id="tabelle-leer"><caption>leer</caption></table>
<table id="tabelle-zwei"><caption>Zweite</caption><tr><th>a</th><td>b</td></tr></table>
{mark}
<footer class="report-footer">Fuß</footer>
</body></html>
""".replace("{mark}", DOWNLOADS_MARK)


def test_tables_are_read_as_the_page_shows_them():
    tables = read_tables(PAGE)
    assert [t.table_id for t in tables] == ["tabelle-traeger", "tabelle-zwei"]  # a table without rows has nothing
    first = tables[0]
    assert first.caption == "Kennzahlen je Träger, Oktober 2026" and first.header_rows == 1
    assert first.rows == [
        ["Träger", "Fälle", "Anteil", "Kosten"],
        ["Caritas neu", "1.234", "12,5 %", "2.500 €"],
        ['=HYPERLINK("http://x","y")', "•", "−3,0 %", "0"],
    ]


def test_german_numbers_stay_numbers_and_other_text_cannot_be_a_formula():
    assert csv_cell("1.234") == "1.234" and csv_cell("−3,0 %") == "-3,0 %" and csv_cell("•") == "•"
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("-cmd|' /C calc'!A0") == "'-cmd|' /C calc'!A0"
    assert number_of("12,5\u00a0%") == (0.125, "0.0%")
    assert number_of("2.500\u00a0€") == (2500.0, "#,##0 €")
    assert number_of("−3") == (-3.0, "#,##0")
    assert number_of("•") is None and number_of("2024") == (2024.0, "#,##0")


def test_write_report_writes_csv_xlsx_and_the_links(tmp_path):
    report = tmp_path / "monatsbericht_2026-10.html"
    assert write_report(report, PAGE)
    csv_path = tmp_path / "downloads" / "monatsbericht_2026-10" / "tabelle-traeger.csv"
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows == [
        ["Träger", "Fälle", "Anteil", "Kosten"],
        ["Caritas neu", "1.234", "12,5 %", "2.500 €"],
        ['\'=HYPERLINK("http://x","y")', "•", "-3,0 %", "0"],
    ]
    xlsx = tmp_path / "downloads" / "monatsbericht_2026-10.xlsx"
    with zipfile.ZipFile(xlsx) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 2
        assert all("<f>" not in archive.read(name).decode() for name in sheets)  # no formula anywhere
    sheet = pl.read_excel(xlsx, sheet_id=1, has_header=False, infer_schema_length=0)
    values = [[v for v in row if v is not None] for row in sheet.rows()]
    assert values[0] == ["Kennzahlen je Träger, Oktober 2026"]
    assert ["Caritas neu", "1234", "0.125", "2500"] in values
    assert any(row and row[0].startswith("'=HYPERLINK") for row in values)
    assert values[-1][0].startswith("• = ")

    page = report.read_text(encoding="utf-8")
    assert DOWNLOADS_MARK not in page
    assert page.count('<p class="download">') == 2
    link_after_table = page.index("</table>", page.index('id="tabelle-traeger"')) + len("</table>")
    assert page[link_after_table:].startswith('<p class="download"><a href="downloads/monatsbericht_2026-10/tabelle-traeger.csv"')  # fmt: skip
    assert page.index('id="downloads"') < page.index('<footer class="report-footer"')
    assert 'href="downloads/monatsbericht_2026-10.xlsx" download' in page


def test_the_same_page_again_rewrites_no_file(tmp_path):
    report = tmp_path / "monatsbericht_2026-10.html"
    write_report(report, PAGE)
    stamps = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()}
    assert not write_report(report, PAGE)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file()} == stamps


def test_a_page_without_tables_is_written_as_it_is(tmp_path):
    page = "<html><head><title>x</title></head><body><p>Text</p></body></html>"
    write_report(tmp_path / "seite.html", page)
    assert (tmp_path / "seite.html").read_text(encoding="utf-8") == page
    assert not (tmp_path / "downloads").exists()


def test_captions_are_escaped_in_the_links():
    link = environment().get_template("_downloads.html.j2").module.table_link("a.csv", "<script>x</script>")
    assert "<script>" not in str(link) and "&lt;script&gt;" in str(link)


def test_the_downloads_of_a_table_no_longer_on_the_page_are_removed(tmp_path):
    report = tmp_path / "monatsbericht_2026-10.html"
    write_report(report, PAGE)
    gone = tmp_path / "downloads" / "monatsbericht_2026-10" / "tabelle-zwei.csv"
    assert gone.is_file()
    start = PAGE.index('<table id="tabelle-zwei">')
    write_report(report, PAGE[:start] + PAGE[PAGE.index("</table>", start) + len("</table>") :])
    assert not gone.exists()
    assert (tmp_path / "downloads" / "monatsbericht_2026-10" / "tabelle-traeger.csv").is_file()
    write_report(report, "<html><head><title>x</title></head><body></body></html>")
    assert not list((tmp_path / "downloads").rglob("*.*"))
