"""Downloads of a rendered report (issue 19): every table as a CSV file for German Excel (`;`,
UTF-8 with BOM, decimal comma) and all tables of the report in one XLSX file, each with exactly the
text the HTML shows ("•" included), formula-safe. Taken from the written HTML itself, so a download
can never show a figure the page does not; then the page gets its links (one under each table and
a list at the end, where base.html.j2 leaves DOWNLOADS_MARK).

    write_report(Path("monatsbericht_2026-10.html"), page)   # instead of write_atomic
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import xlsxwriter

from reports.kit.files import write_atomic
from reports.kit.index import DOWNLOADS_DIR, TITLE_RE
from reports.kit.templating import environment
from reports.spreadsheet import csv_text, neutralise, write_csv

DOWNLOADS_MARK = "<!--kim:downloads-->"
LEGEND_LINE = "• = zum Schutz der Personen nicht veröffentlicht (Zahl zu klein oder aus anderen Zahlen ableitbar)"
# A German number as the reports print it: sign, thousands dots, decimal comma, % or € after it.
GERMAN_NUMBER = re.compile(r"^(?P<sign>[+\-−]?)(?P<int>\d{1,3}(?:\.\d{3})*|\d+)(?:,(?P<dec>\d+))?\s?(?P<unit>%|€)?$")
SHEET_NAME_LIMIT = 31
FIXED_CREATED = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class Table:
    table_id: str
    caption: str = ""
    rows: list[list[str]] = field(default_factory=list)
    header_rows: int = 0

    @property
    def file_stem(self) -> str:
        return re.sub(r"[^A-Za-z0-9_-]+", "-", self.table_id).strip("-") or "tabelle"


class _TableParser(HTMLParser):
    """The tables of a report page: id, caption, rows of cell texts (header rows counted)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self._table: Table | None = None
        self._row: list[str] | None = None
        self._text: list[str] | None = None
        self._in_head = False
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = Table(dict(attrs).get("id") or f"tabelle-{len(self.tables) + 1}")
        elif self._table is None:
            return
        elif tag == "caption":
            self._in_caption, self._text = True, []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        table = self._table
        if table is None:
            return
        if tag == "table":
            if table.rows:
                self.tables.append(table)
            self._table = None
        elif tag == "caption" and self._text is not None:
            table.caption, self._in_caption, self._text = _clean(self._text), False, None
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._row is not None and self._text is not None:
            self._row.append(_clean(self._text))
            self._text = None
        elif tag == "tr" and self._row is not None:
            table.rows.append(self._row)
            table.header_rows += 1 if self._in_head else 0
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def _clean(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


def read_tables(page: str) -> list[Table]:
    parser = _TableParser()
    parser.feed(page)
    parser.close()
    return parser.tables


class ShownNumber:
    """A number as the page prints it ('-3,0 %'): written as it is, never taken for a formula
    (reports.spreadsheet neutralises text only)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:  # compares as the text it prints
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.text)


def csv_cell(text: str) -> object:
    """A number stays the number the page prints (a leading minus is no formula); any other text
    is made inert (reports.spreadsheet)."""
    if GERMAN_NUMBER.match(text):
        return ShownNumber(text.replace("−", "-"))
    return neutralise(text)


def number_of(text: str) -> tuple[float, str] | None:
    """The value of a German number and its Excel format ('0.0%', '#,##0 €', '#,##0.0'), or None."""
    match = GERMAN_NUMBER.match(text)
    if not match:
        return None
    decimals = match.group("dec") or ""
    value = float(match.group("int").replace(".", "") + ("." + decimals if decimals else ""))
    value = -value if match.group("sign") in ("-", "−") else value
    places = "." + "0" * len(decimals) if decimals else ""
    unit = match.group("unit")
    if unit == "%":
        return value / 100, f"0{places}%"
    return value, f"#,##0{places}" + (" €" if unit == "€" else "")


def _sheet_names(tables: list[Table]) -> list[str]:
    names: list[str] = []
    for number, table in enumerate(tables, start=1):
        base = re.sub(r"[\[\]:*?/\\']", " ", table.caption or table.table_id).strip()
        name = f"{number} {base}"[:SHEET_NAME_LIMIT].strip()
        names.append(name)
    return names


def write_xlsx(path: Path, title: str, tables: list[Table]) -> Path:
    """One sheet per table: caption, the rows as the page shows them (numbers as numbers in the
    page's format, every text written as text, never as a formula), the legend line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    workbook = xlsxwriter.Workbook(str(temporary), {"strings_to_formulas": False, "strings_to_urls": False})
    # the same tables give the same bytes (an unchanged report's downloads are not rewritten)
    workbook.set_properties({"title": title, "created": FIXED_CREATED})
    bold = workbook.add_format({"bold": True})
    formats: dict[str, object] = {}
    for name, table in zip(_sheet_names(tables), tables, strict=True):
        sheet = workbook.add_worksheet(name)
        sheet.write_string(0, 0, str(neutralise(table.caption or title)), bold)
        for r, row in enumerate(table.rows, start=2):
            for c, text in enumerate(row):
                parsed = None if r - 2 < table.header_rows or c == 0 else number_of(text)
                if parsed is None:
                    sheet.write_string(r, c, str(neutralise(text)), bold if r - 2 < table.header_rows else None)
                else:
                    value, number_format = parsed
                    cell_format = formats.setdefault(number_format, workbook.add_format({"num_format": number_format}))
                    sheet.write_number(r, c, value, cell_format)
        sheet.write_string(len(table.rows) + 3, 0, LEGEND_LINE)
        sheet.set_column(0, 0, 36)
    workbook.close()
    _replace_if_changed(temporary, path)
    return path


def _replace_if_changed(temporary: Path, path: Path) -> None:
    if path.is_file() and path.read_bytes() == temporary.read_bytes():
        temporary.unlink()
    else:
        temporary.replace(path)


def write_table_csv(path: Path, table: Table) -> None:
    """The table as the page shows it, in German Excel's CSV dialect; an unchanged file stays."""
    rows = [[csv_cell(text) for text in row] for row in table.rows[1:]]
    text = csv_text(table.rows[0], rows)
    if path.is_file() and path.read_bytes() == text.encode("utf-8-sig"):
        return
    write_csv(path, table.rows[0], rows)


def write_report(path: Path, page: str) -> bool:
    """Write a report page with its downloads: the CSV and XLSX files of its tables (in
    downloads/ beside it; a file whose content is unchanged stays as it is) and the page with its
    links. Returns whether the page was written (reports.kit.files.write_atomic)."""
    tables = read_tables(page)
    folder = path.parent / DOWNLOADS_DIR / path.stem
    for table in tables:
        write_table_csv(folder / f"{table.file_stem}.csv", table)
    _prune(folder, path.parent / DOWNLOADS_DIR / f"{path.stem}.xlsx", {f"{t.file_stem}.csv" for t in tables})
    if tables:
        write_xlsx(path.parent / DOWNLOADS_DIR / f"{path.stem}.xlsx", _title(page), tables)
        page = _linked(page, path.stem, tables)
    return write_atomic(path, page)


def _prune(folder: Path, workbook: Path, keep: set[str]) -> None:
    """Remove the downloads of tables the page no longer has (a table withdrawn since): a figure
    must not stay readable at its old address."""
    if folder.is_dir():
        for stale in folder.glob("*.csv"):
            if stale.name not in keep:
                stale.unlink()
    if not keep:
        workbook.unlink(missing_ok=True)


def _title(page: str) -> str:
    match = TITLE_RE.search(page)
    return html.unescape(match.group(1)).strip() if match else ""


def _linked(page: str, stem: str, tables: list[Table]) -> str:
    """The page with a CSV link under each table and the download list at DOWNLOADS_MARK."""
    template = environment().get_template("_downloads.html.j2")
    base = f"{DOWNLOADS_DIR}/{stem}"
    for table in tables:
        start = page.find(f'<table id="{html.escape(table.table_id)}"')
        end = page.find("</table>", start) + len("</table>") if start >= 0 else -1
        if end > 0:
            link = template.module.table_link(f"{base}/{table.file_stem}.csv", table.caption)  # type: ignore[attr-defined]
            page = page[:end] + str(link) + page[end:]
    listing = template.module.listing(f"{DOWNLOADS_DIR}/{stem}.xlsx", [(f"{base}/{t.file_stem}.csv", t.caption or t.table_id) for t in tables])  # type: ignore[attr-defined]  # fmt: skip
    footer = page.rfind('<footer class="report-footer"')
    if footer >= 0:  # above the report's footer, which stays last
        page = page[:footer] + str(listing) + "\n" + page[footer:]
        return page.replace(DOWNLOADS_MARK, "", 1)
    return page.replace(DOWNLOADS_MARK, str(listing), 1)
