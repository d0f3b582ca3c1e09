"""The corpus of broken deliveries, generated from a good one (never hand-copied files).

Each entry names a defect, how to make it from a good delivery, and the exact rule, file and line a
user must be told about. Run `python -m tests.warehouse.bad_delivery_corpus OUT_DIR` to write the corpus to a
folder and look at it (and try `kim check` on an entry).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

PERIOD = "2026-10"


@dataclass(frozen=True)
class CorpusEntry:
    name: str
    provider: str
    make: Callable[[Path], None]  # mutates a copy of the good delivery folder
    rule: str  # the delivery-level rule the pipeline reports
    file_name: str | None
    line: int | None
    fragment: str  # text the user must see
    row_rule: str | None = None  # for too_many_bad_rows: the rule of the first bad row
    refresh_manifest: bool = True  # recompute rows and checksums after the mutation
    folder: tuple[str, str] | None = None  # (provider folder, period folder) if not the default
    # A defect of where the delivery was put in the landing folder: the provider's self-check
    # (`kim check`) looks at an export folder named as they like and cannot see it.
    landing_only: bool = False


# --- editing helpers ---------------------------------------------------------------------------

ENCODINGS = {"caritas": "utf-8-sig", "awo": "cp1252"}
DELIMITERS = {"caritas": ";", "awo": ","}


def read_table(folder: Path, table: str) -> tuple[list[str], list[list[str]]]:
    provider = folder.parent.name
    text = (folder / f"{table}.csv").read_bytes().decode(ENCODINGS[provider])
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[provider]))
    return rows[0], rows[1:]


def write_table(folder: Path, table: str, header: list[str], rows: list[list[str]]) -> None:
    provider = folder.parent.name
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=DELIMITERS[provider], lineterminator="\n").writerows([header, *rows])
    (folder / f"{table}.csv").write_bytes(out.getvalue().encode(ENCODINGS[provider]))


def set_field(table: str, row: int, column: str, value: str, count: int = 1) -> Callable[[Path], None]:
    """Set a field in `count` data rows from `row` on (0-based; file line = row + 2). Contacts are
    many, so defects there are repeated to break more than 1 % of the delivery's rows."""

    def make(folder: Path) -> None:
        header, rows = read_table(folder, table)
        for index in range(row, row + count):
            rows[index][header.index(column)] = value
        write_table(folder, table, header, rows)

    return make


def edit_rows(table: str, edit: Callable[[list[str], list[list[str]]], tuple[list[str], list[list[str]]]]):
    def make(folder: Path) -> None:
        write_table(folder, table, *edit(*read_table(folder, table)))

    return make


def edit_bytes(file_name: str, edit: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / file_name
        path.write_bytes(edit(path.read_bytes()))

    return make


def edit_manifest(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        edit(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    return make


def refresh_manifest(folder: Path) -> None:
    """Recompute rows and sha256 of every listed file (the defect is then in the data only)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["files"].items():
        path = folder / name
        if not path.exists():
            continue
        content = path.read_bytes()
        entry["sha256"] = hashlib.sha256(content).hexdigest()
        if name.endswith(".csv"):
            entry["rows"] = max(content.count(b"\n") - 1, 0)
        else:
            sheets = pl.read_excel(path, sheet_id=0)
            entry["sheets"] = {sheet: frame.height for sheet, frame in sheets.items()}
            entry["rows"] = sum(entry["sheets"].values())
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def rewrite_workbook(
    edit: Callable[[dict[str, pl.DataFrame]], dict[str, pl.DataFrame]],
    formula: str | None = None,
    *,
    hidden: frozenset[str] = frozenset(),
    comment: str | None = None,
):
    """Rebuild export.xlsx from its sheets after `edit`; optionally put a formula into cases!B2,
    hide sheets, or put a comment on cases!A2."""
    import xlsxwriter

    def make(folder: Path) -> None:
        path = folder / "export.xlsx"
        sheets = edit(pl.read_excel(path, sheet_id=0))
        with xlsxwriter.Workbook(str(path)) as workbook:
            for name, frame in sheets.items():
                sheet = workbook.add_worksheet(name)
                frame.write_excel(workbook=workbook, worksheet=sheet, autofit=False)
                if formula and name == "cases":
                    sheet.write_formula("B2", formula)
                if comment and name == "cases":
                    sheet.write_comment("A2", comment)
                if name in hidden:
                    sheet.hide()

    return make


def add_workbook_part(member: str, content: bytes) -> Callable[[Path], None]:
    """Add a part to export.xlsx (a macro project, a link to another workbook, …)."""

    def make(folder: Path) -> None:
        with zipfile.ZipFile(folder / "export.xlsx", "a") as archive:
            archive.writestr(member, content)

    return make


# A sheet a careless export adds: the clients themselves.
CLIENTS_SHEET = pl.DataFrame(
    {"Vorname": ["Anna"], "Nachname": ["Muster"], "Geburtsdatum": ["12.03.1985"], "Telefon": ["0214 4065246"]}
)


def insert_at_line(file_name: str, line: int, prefix: bytes) -> Callable[[Path], None]:
    """Put bytes at the start of a line (1-based)."""

    def edit(content: bytes) -> bytes:
        lines = content.split(b"\n")
        lines[line - 1] = prefix + lines[line - 1]
        return b"\n".join(lines)

    return edit_bytes(file_name, edit)


def reencode(file_name: str, encoding: str, then: Callable[[Path], None]) -> Callable[[Path], None]:
    """Apply `then`, and store the file in another encoding than the profile's."""

    def make(folder: Path) -> None:
        then(folder)
        path = folder / file_name
        path.write_bytes(path.read_bytes().decode("utf-8-sig").encode(encoding))

    return make


def drop_column(table: str, column: str):
    def edit(header, rows):
        index = header.index(column)
        return header[:index] + header[index + 1 :], [r[:index] + r[index + 1 :] for r in rows]

    return edit_rows(table, edit)


def add_column(table: str, column: str, value: str):
    return edit_rows(table, lambda header, rows: (header + [column], [r + [value] for r in rows]))


def replace_line(file_name: str, line: int, text: bytes) -> Callable[[Path], None]:
    def edit(content: bytes) -> bytes:
        lines = content.split(b"\n")
        lines[line - 1] = text
        return b"\n".join(lines)

    return edit_bytes(file_name, edit)


def copy_first_row_id(table: str, key: str):
    """Give data row 2 the key of data row 1: a duplicate id."""

    def edit(header, rows):
        rows[1][header.index(key)] = rows[0][header.index(key)]
        return header, rows

    return edit_rows(table, edit)


# --- the corpus ----------------------------------------------------------------------------------

C, A, D = "caritas", "awo", "drk"

CORPUS: tuple[CorpusEntry, ...] = (
    # files and their encoding
    CorpusEntry(
        "wrong_encoding",
        C,
        reencode("cases.csv", "cp1252", set_field("cases", 2, "district", "bürgerbusch")),
        "encoding",
        "cases.csv",
        4,
        "byte 0xfc is not valid utf-8-sig",
    ),
    CorpusEntry(
        "bom_in_the_middle",
        C,
        insert_at_line("cases.csv", 4, "\ufeff".encode("utf-8")),
        "bom_inside",
        "cases.csv",
        4,
        "byte-order mark",
    ),
    CorpusEntry(
        "truncated_last_line",
        C,
        edit_bytes("cases.csv", lambda b: b[:-7]),
        "truncated",
        "cases.csv",
        None,
        "seems cut off",
    ),
    CorpusEntry(
        "empty_file", C, edit_bytes("needs.csv", lambda b: b""), "file_empty", "needs.csv", 1, "the file is empty"
    ),
    CorpusEntry(
        "header_only",
        C,
        edit_bytes("cases.csv", lambda b: b.split(b"\n")[0] + b"\n"),
        "cases_empty",
        "cases.csv",
        None,
        "cases has no data rows",
    ),
    CorpusEntry(
        "missing_column",
        C,
        drop_column("cases", "gender"),
        "column_missing",
        "cases.csv",
        1,
        "required column 'gender'",
    ),
    CorpusEntry(
        "extra_unknown_column",
        C,
        add_column("contacts", "Raum", "A1"),
        "column_unknown",
        "contacts.csv",
        1,
        "'Raum' are not part of exchange format v1",
    ),
    CorpusEntry(
        "duplicate_column",
        C,
        edit_rows("cases", lambda h, r: (h + ["gender"], [x + [x[h.index("gender")]] for x in r])),
        "column_duplicate",
        "cases.csv",
        1,
        "'gender' appears twice",
    ),
    CorpusEntry("nul_bytes", C, insert_at_line("contacts.csv", 3, b"\x00"), "nul_byte", "contacts.csv", 3, "NUL byte"),
    CorpusEntry(
        "crlf_lf_mix",
        C,
        edit_bytes("needs.csv", lambda b: b.replace(b"\n", b"\r\n", 2)),
        "line_endings_mixed",
        "needs.csv",
        3,
        "partly with CRLF",
    ),
    CorpusEntry(
        "field_of_10_mb",
        C,
        set_field("cases", 0, "nationality", "X" * 10_000_000),
        "field_too_large",
        "cases.csv",
        2,
        "field larger than field limit",
    ),
    CorpusEntry(
        "unquoted_delimiter",
        C,
        replace_line("contacts.csv", 3, b"K;1;2;3;4;5;6"),
        "field_count",
        "contacts.csv",
        3,
        "line has 7 fields, the header has 5",
    ),
    # values, row by row (a small delivery: one bad row is more than 1 %)
    CorpusEntry(
        "duplicate_ids",
        C,
        copy_first_row_id("cases", "case_id"),
        "too_many_bad_rows",
        "cases.csv",
        2,
        "key (case_id) occurs more than once",
        row_rule="duplicate_key",
    ),
    CorpusEntry(
        "orphan_case_id_in_needs",
        C,
        set_field("needs", 0, "case_id", "CV-999999", count=10),
        "too_many_bad_rows",
        "needs.csv",
        2,
        "'case_id' refers to a record missing from cases",
        row_rule="orphan_reference",
    ),
    CorpusEntry(
        "closed_before_opened",
        C,
        edit_rows(
            "cases",
            lambda h, r: (
                h,
                [
                    x if i else x[: h.index("closed_on")] + ["01.01.2000", "umzug"] + x[h.index("closed_on") + 2 :]
                    for i, x in enumerate(r)
                ],
            ),
        ),
        "too_many_bad_rows",
        "cases.csv",
        2,
        "'closed_on' (2000-01-01) is before 'opened_on'",
        row_rule="date_order",
    ),
    CorpusEntry(
        "date_in_the_future",
        C,
        set_field("contacts", 0, "contact_on", "24.12.2030", count=10),
        "too_many_bad_rows",
        "contacts.csv",
        2,
        "date 2030-12-24 is after the export date",
        row_rule="date_in_future",
    ),
    CorpusEntry(
        "impossible_date",
        C,
        set_field("contacts", 1, "contact_on", "31.02.2024", count=10),
        "too_many_bad_rows",
        "contacts.csv",
        3,
        "'31.02.2024' is not a valid date in the format %d.%m.%Y",
        row_rule="date_format",
    ),
    CorpusEntry(
        "two_digit_year",
        C,
        set_field("contacts", 0, "contact_on", "15.01.26", count=10),
        "too_many_bad_rows",
        "contacts.csv",
        2,
        "is before 1950-01-01 (two-digit year?)",
        row_rule="date_implausible",
    ),
    CorpusEntry(
        "decimal_comma_in_int",
        C,
        set_field("contacts", 0, "duration_minutes", "45,5", count=10),
        "too_many_bad_rows",
        "contacts.csv",
        2,
        "'45,5' is not a whole number",
        row_rule="integer",
    ),
    CorpusEntry(
        "unknown_code_value",
        C,
        set_field("cases", 0, "residence_status", "Duldung §60b"),
        "too_many_bad_rows",
        "cases.csv",
        2,
        "unknown value 'Duldung §60b'; expected one of: duldung, gestattung",
        row_rule="code_list",
    ),
    CorpusEntry(
        "unknown_code_value_awo",
        A,
        set_field("contacts", 0, "Kontaktart", "Brieftaube", count=10),
        "too_many_bad_rows",
        "contacts.csv",
        2,
        "unknown value 'Brieftaube'",
        row_rule="code_list",
    ),
    CorpusEntry(
        "missing_closing_reason",
        C,
        edit_rows(
            "cases",
            lambda h, r: (
                h,
                [
                    x[: h.index("closed_on")] + ["15.10.2026", ""] + x[h.index("closed_on") + 2 :] if i == 0 else x
                    for i, x in enumerate(r)
                ],
            ),
        ),
        "too_many_bad_rows",
        "cases.csv",
        2,
        "closing_reason is required if and only if closed_on is set",
        row_rule="closing_reason_iff_closed",
    ),
    CorpusEntry(
        "duration_out_of_range",
        C,
        set_field("contacts", 0, "duration_minutes", "900", count=10),
        "too_many_bad_rows",
        "contacts.csv",
        2,
        "900 is outside 1…600",
        row_rule="out_of_range",
    ),
    # the manifest
    CorpusEntry(
        "manifest_row_count_wrong",
        C,
        edit_manifest(lambda m: m["files"]["needs.csv"].update(rows=m["files"]["needs.csv"]["rows"] + 1)),
        "row_count_mismatch",
        "needs.csv",
        None,
        "manifest.json says",
        refresh_manifest=False,
    ),
    CorpusEntry(
        "checksum_wrong",
        C,
        edit_bytes("contacts.csv", lambda b: b.replace(b"telefon", b"video", 1)),
        "checksum_mismatch",
        "contacts.csv",
        None,
        "the file changed after export",
        refresh_manifest=False,
    ),
    CorpusEntry(
        "file_missing",
        C,
        lambda folder: (folder / "assignments.csv").unlink(),
        "file_missing",
        "assignments.csv",
        None,
        "listed in manifest.json but missing",
    ),
    CorpusEntry(
        "manifest_missing",
        C,
        lambda folder: (folder / "manifest.json").unlink(),
        "manifest_missing",
        None,
        None,
        "no manifest.json",
        refresh_manifest=False,
    ),
    CorpusEntry(
        "unlisted_extra_file",
        C,
        lambda folder: (folder / "notes.txt").write_text("x"),
        "file_unlisted",
        "notes.txt",
        None,
        "is not in manifest.json",
    ),
    CorpusEntry(
        "provider_id_mismatch",
        C,
        edit_manifest(lambda m: m.update(provider_id="diakonie")),
        "provider_mismatch",
        "manifest.json",
        None,
        "lies in folder 'caritas'",
        landing_only=True,
    ),
    CorpusEntry(
        "unknown_provider",
        C,
        edit_manifest(lambda m: m.update(provider_id="hilfswerk")),
        "provider_unknown",
        "manifest.json",
        None,
        "provider 'hilfswerk' is not configured",
        folder=("hilfswerk", PERIOD),
    ),
    CorpusEntry(
        "period_not_yyyy_mm",
        C,
        edit_manifest(lambda m: m.update(period="10/2026")),
        "period_invalid",
        "manifest.json",
        None,
        "period '10/2026' is not YYYY-MM",
    ),
    # direct identifiers
    CorpusEntry(
        "name_column",
        C,
        add_column("cases", "Name", "Muster"),
        "pii_column",
        "cases.csv",
        1,
        "column 'Name' looks like a name",
    ),
    CorpusEntry(
        "vorname_column_accented",
        A,
        add_column("cases", "VÓRNAME", "Anna"),
        "pii_column",
        "cases.csv",
        1,
        "column 'VÓRNAME' looks like a name",
    ),
    CorpusEntry(
        "email_in_code_field",
        C,
        set_field("cases", 2, "district", "anna.muster@example.org"),
        "pii_value",
        "cases.csv",
        4,
        "column 'district' holds a value that looks like an e-mail address",
    ),
    CorpusEntry(
        "phone_in_code_field",
        C,
        set_field("cases", 1, "district", "0214 406-1234"),
        "pii_value",
        "cases.csv",
        3,
        "looks like a phone number",
    ),
    CorpusEntry(
        "iban_in_a_field",
        C,
        set_field("cases", 0, "nationality", "DE89 3704 0044 0532 0130 00"),
        "pii_value",
        "cases.csv",
        2,
        "looks like an IBAN",
    ),
    CorpusEntry(
        "full_birth_date",
        C,
        set_field("cases", 0, "birth_year", "12.03.1990"),
        "pii_value",
        "cases.csv",
        2,
        "looks like a full date",
    ),
    CorpusEntry(
        "free_text_in_code_field",
        C,
        set_field("cases", 0, "district", "wohnt bei ihrer Tante in Opladen"),
        "pii_value",
        "cases.csv",
        2,
        "looks like free text",
    ),
    CorpusEntry(
        "header_row_missing",
        C,
        edit_bytes("cases.csv", lambda b: b.split(b"\n", 1)[1]),
        "header_missing",
        "cases.csv",
        1,
        "is the header row missing",
    ),
    CorpusEntry(
        "name_in_a_code_without_list",
        C,
        set_field("cases", 1, "district", "Hans Mueller"),
        "pii_value",
        "cases.csv",
        3,
        "column 'district' holds a value that is no code word",
    ),
    # identifiers in codes and ids (issue 16): a delivery is rejected, never a row quarantined
    CorpusEntry(
        "district_surname",
        C,
        set_field("cases", 0, "district", "Mueller"),
        "district_unknown",
        "cases.csv",
        2,
        "not one of the city's districts",
    ),
    CorpusEntry(
        "district_full_name_as_code",
        C,
        set_field("cases", 1, "district", "Max_Mustermann"),
        "district_unknown",
        "cases.csv",
        3,
        "not one of the city's districts",
    ),
    CorpusEntry(
        "district_street_and_number",
        C,
        set_field("cases", 2, "district", "Hauptstrasse12"),
        "district_unknown",
        "cases.csv",
        4,
        "not one of the city's districts",
    ),
    CorpusEntry(
        "district_phone_without_prefix",
        C,
        set_field("cases", 0, "district", "2144065246"),
        "district_unknown",
        "cases.csv",
        2,
        "not one of the city's districts",
    ),
    CorpusEntry(
        "district_lowercase_iban",
        C,
        set_field("cases", 0, "district", "de89370400440532013000"),
        "pii_value",
        "cases.csv",
        2,
        "looks like an IBAN",
    ),
    CorpusEntry(
        "person_id_name_and_birth_year",
        C,
        set_field("cases", 0, "person_id", "Max_Mustermann_1985"),
        "pii_value",
        "cases.csv",
        2,
        "column 'person_id' holds a value that looks like a name, not an opaque id",
    ),
    CorpusEntry(
        "person_id_tax_id",
        C,
        set_field("cases", 1, "person_id", "65929970489"),
        "pii_value",
        "cases.csv",
        3,
        "looks like a tax id (Steuer-ID), not an opaque id",
    ),
    CorpusEntry(
        "person_id_phone",
        C,
        set_field("cases", 0, "person_id", "0214/4065246"),
        "pii_value",
        "cases.csv",
        2,
        "looks like a phone number, not an opaque id",
    ),
    CorpusEntry(
        "person_id_azr_number",
        C,
        set_field("cases", 0, "person_id", "850312123456"),
        "pii_value",
        "cases.csv",
        2,
        "looks like an AZR number, not an opaque id",
    ),
    CorpusEntry(
        "person_id_lowercase_iban",
        C,
        set_field("cases", 0, "person_id", "de89370400440532013000"),
        "pii_value",
        "cases.csv",
        2,
        "looks like an IBAN",
    ),
    CorpusEntry(
        "case_manager_id_name",
        C,
        set_field("cases", 0, "case_manager_id", "Schmidt_Anna"),
        "pii_value",
        "cases.csv",
        2,
        "column 'case_manager_id' holds a value that looks like a name, not an opaque id",
    ),
    CorpusEntry(
        "xlsx_numeric_phone_in_district",
        D,
        rewrite_workbook(
            lambda s: {
                k: v.with_columns(pl.lit(2144065246).alias("district")) if k == "cases" else v for k, v in s.items()
            }
        ),
        "district_unknown",
        "export.xlsx[cases]",
        2,
        "not one of the city's districts",
    ),
    CorpusEntry(
        "xlsx_numeric_birth_date_in_year",
        D,
        rewrite_workbook(
            lambda s: {
                k: v.with_columns(pl.lit(19850312).alias("birth_year")) if k == "cases" else v for k, v in s.items()
            }
        ),
        "pii_value",
        "export.xlsx[cases]",
        2,
        "looks like a full date (e.g. a birth date) where a year is expected",
    ),
    # workbooks
    CorpusEntry(
        "xlsx_birth_date_cell_in_year",
        D,
        rewrite_workbook(
            lambda s: {
                k: v.with_columns(pl.date(1990, 3, 12).alias("birth_year")) if k == "cases" else v for k, v in s.items()
            }
        ),
        "pii_value",
        "export.xlsx[cases]",
        2,
        "holds a full date where int values are expected",
    ),
    CorpusEntry(
        "xlsx_missing_sheet",
        D,
        rewrite_workbook(lambda s: {k: v for k, v in s.items() if k != "contacts"}),
        "sheet_missing",
        "export.xlsx",
        None,
        "the workbook has no sheet 'contacts'",
    ),
    CorpusEntry(
        "xlsx_formula_cell",
        D,
        rewrite_workbook(lambda s: s, formula="=A2"),
        "xlsx_formula",
        "export.xlsx[cases]",
        None,
        "cell B2 holds a formula",
    ),
    CorpusEntry(
        "xlsx_clients_sheet",
        D,
        rewrite_workbook(lambda s: {**s, "Klienten": CLIENTS_SHEET}),
        "xlsx_extra_sheet",
        "export.xlsx",
        None,
        "is not part of the exchange format",
    ),
    CorpusEntry(
        "xlsx_hidden_clients_sheet",
        D,
        rewrite_workbook(lambda s: {**s, "Klienten": CLIENTS_SHEET}, hidden=frozenset({"Klienten"})),
        "xlsx_hidden_sheet",
        "export.xlsx",
        None,
        "is hidden",
    ),
    CorpusEntry(
        "xlsx_cell_comment",
        D,
        rewrite_workbook(lambda s: s, comment="Klientin: Anna Muster, geb. 12.03.1985, Tel. 0214 4065246"),
        "xlsx_comment",
        "export.xlsx",
        None,
        "holds comments or notes",
    ),
    CorpusEntry(
        "xlsx_macro",
        D,
        add_workbook_part("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0"),
        "xlsx_macro",
        "export.xlsx",
        None,
        "holds macros",
    ),
)


def build_entry(entry: CorpusEntry, good_landing: Path, out_landing: Path) -> Path:
    """Write one broken delivery under out_landing/<provider>/<period>/."""
    provider_folder, period_folder = entry.folder or (entry.provider, PERIOD)
    target = out_landing / provider_folder / period_folder
    shutil.copytree(good_landing / entry.provider / PERIOD, target)
    entry.make(target)
    if entry.refresh_manifest:
        refresh_manifest(target)
    return target


def main(out: str) -> None:  # pragma: no cover - manual inspection helper
    from kim.config import load_config
    from synthetic import generate

    root = Path(out)
    good = root / "_good"
    generate(load_config(), good, months=1, total_cases=120, seed=3, end_period=PERIOD)
    for entry in CORPUS:
        build_entry(entry, good, root / entry.name)
    print(f"{len(CORPUS)} broken deliveries under {root}")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])
