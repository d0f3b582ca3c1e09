"""Decode a provider's export into typed exchange-format tables (design §3).

The profile absorbs the provider's quirks: encoding, delimiter, quote, date format, column names
and code values. Structural problems (unreadable file, missing or unknown column, identifiers)
reject the delivery at once; a value that breaks a rule makes its row a *violation*, collected for
the quarantine and the provider's self-check.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from checks import pii
from checks.findings import VIOLATION_SCHEMA, no_violations
from kim.config import Profile
from kim.contract import EARLIEST_PLAUSIBLE_DATE, ID_PATTERN, TABLES, Column, int_range
from kim.errors import DeliveryRejected, Problems, noted

# Line 1 of a file is its header, so data row i (0-based) sits on line i + 2.
FIRST_DATA_LINE = 2
# A field larger than this is no code, id or date: a sign of a broken or hostile export.
MAX_FIELD_CHARS = 10_000
# A workbook column without any value is read as text, as in a CSV. fastexcel warns about it in
# English on stderr ("Could not determine dtype for column 6"), which `kim run` and `kim check`
# would print to the user between their German lines.
logging.getLogger("fastexcel.types.dtype").setLevel(logging.ERROR)


@dataclass
class DecodedTable:
    frame: pl.DataFrame  # source_row + exchange-format columns, typed
    violations: pl.DataFrame  # VIOLATION_SCHEMA


def _reject(path: Path, rule: str, message: str, line: int | None = None, file_name: str | None = None):
    return DeliveryRejected(path.parent, rule, message, file_name=file_name or path.name, source_row=line)


def read_csv_table(path: Path, profile: Profile) -> pl.DataFrame:
    """Read one CSV file strictly as text columns; empty field = missing.

    The csv module (C) parses; it is strict on quoting and reports the line of a problem.
    """
    content = path.read_bytes()
    if not content:
        raise _reject(path, "file_empty", "the file is empty: it needs at least the header line", 1)
    if b"\x00" in content:
        line = content[: content.index(b"\x00")].count(b"\n") + 1
        raise _reject(path, "nul_byte", "the file contains a NUL byte: it is binary or damaged; export again", line)
    crlf = content.count(b"\r\n")
    if crlf and crlf != content.count(b"\n"):
        bare_lf = re.search(rb"(?<!\r)\n", content)
        assert bare_lf is not None  # fewer CRLF than LF: some LF stands alone
        raise _reject(
            path,
            "line_endings_mixed",
            "lines end partly with CRLF and partly with LF: the file was put together from "
            "several sources or edited by hand; export it again in one piece",
            content[: bare_lf.start()].count(b"\n") + 1,
        )
    try:
        text = content.decode(profile.encoding)
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise _reject(
            path,
            "encoding",
            f"byte {content[error.start]:#04x} is not valid {profile.encoding}; export the file as "
            f"{profile.encoding} or correct the provider's profile",
            line,
        ) from None
    if "\ufeff" in text:
        line = text[: text.index("\ufeff")].count("\n") + 1
        raise _reject(path, "bom_inside", "a byte-order mark (BOM) inside the file: files were concatenated", line)
    if not text.endswith("\n"):
        # The last line of a complete export ends with a line break; without it the file may have
        # been cut off while it was written.
        raise _reject(
            path,
            "truncated",
            "the last line does not end with a line break: the file seems cut "
            "off (still being written or transferred incompletely); export again",
            text.count("\n") + 1,
        )
    plain = _split_plain(text, profile.delimiter, profile.quote, crlf > 0)
    if plain is not None:
        header, frame = plain
        _reject_duplicate_headers(header, path, path.name)
        return frame.with_columns(pl.all().replace("", None))
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=profile.delimiter, quotechar=profile.quote, strict=True
    )
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        rows = list(reader)
    except csv.Error as error:
        rule = "field_too_large" if "field larger" in str(error) else "csv_malformed"
        raise _reject(
            path, rule, f"not readable as CSV ({error}); check delimiter and quoting", reader.line_num
        ) from None
    header, records = rows[0], rows[1:]
    lengths = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
    wrong = np.flatnonzero(lengths != len(header))
    if wrong.size:
        index = int(wrong[0])
        raise _reject(
            path,
            "field_count",
            f"line has {lengths[index]} fields, the header has {len(header)}: a line is cut off "
            f"or the delimiter '{profile.delimiter}' appears unquoted in a value",
            index + FIRST_DATA_LINE,
        )
    _reject_duplicate_headers(header, path, path.name)
    frame = pl.DataFrame(records, schema=dict.fromkeys(header, pl.String), orient="row")
    return frame.with_columns(pl.all().replace("", None))


def _split_plain(text: str, delimiter: str, quote: str, crlf: bool) -> tuple[list[str], pl.DataFrame] | None:
    """The common export, read fast (~7x the csv module): no quote character, no carriage return
    but in CRLF line ends, every line with the header's number of fields, no field over
    MAX_FIELD_CHARS, no blank line. Then every line is split at the delimiter, exactly as the csv
    module would.
    None for anything else: the csv module reads it, and finds and places any problem."""
    if quote in text:
        return None
    body = text.replace("\r\n", "\n") if crlf else text
    if "\r" in body:
        return None
    lines = body[:-1].split("\n")  # the text ends with a line break (checked before)
    header = lines[0].split(delimiter)
    rows = pl.Series("line", lines[1:], dtype=pl.String)
    if not lines[0] or len(lines[0]) > MAX_FIELD_CHARS or len(set(header)) != len(header):
        return None
    lengths = rows.str.len_chars()
    if rows.len() and (
        (lengths > MAX_FIELD_CHARS).any()
        or (lengths == 0).any()  # a blank line is a record of no fields to the csv module
        or (rows.str.count_matches(delimiter, literal=True) != len(header) - 1).any()
    ):
        return None
    fields = rows.str.split_exact(delimiter, len(header) - 1).struct.rename_fields(header)
    return header, fields.struct.unnest() if rows.len() else pl.DataFrame(schema=dict.fromkeys(header, pl.String))


def _reject_duplicate_headers(header: list[str], path: Path, file_name: str) -> None:
    if any(not name.strip() for name in header):
        raise _reject(
            path,
            "header_missing",
            "the first line has empty cells, so it is no header: is the header row missing?",
            1,
            file_name,
        )
    seen: set[str] = set()
    for position, name in enumerate(header):
        if name in seen:
            raise _reject(
                path,
                "column_duplicate",
                f"{pii.shown_column_name(name, position)} appears twice in the header",
                1,
                file_name,
            )
        seen.add(name)


# Parts of a workbook that the exchange format never holds (design §6: only its files and sheets
# may be present): a comment can name a client, a picture can show a document.
FOREIGN_PARTS = (
    (re.compile(r"^xl/(comments[^/]*\.xml|threadedComments/|persons/)"), "xlsx_comment", "comments or notes"),
    (re.compile(r"^xl/(embeddings|activeX|media|drawings)/"), "xlsx_embedded", "embedded objects or pictures"),
    (re.compile(r"^xl/externalLinks/"), "xlsx_external_link", "links to other workbooks"),
    (re.compile(r"^xl/vbaProject\.bin$"), "xlsx_macro", "macros"),
)
SHEET_ELEMENT = re.compile(r"<sheet\b[^>]*>")


def check_workbook_parts(path: Path, tables: Sequence[str]) -> None:
    """Reject a workbook with anything besides the visible sheets of `tables`: a hidden or very
    hidden sheet, a sheet outside the exchange format, comments, embedded objects or pictures,
    external links, macros. Sheets are named by position, never by name (a name may be a value)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            workbook_xml = archive.read("xl/workbook.xml").decode("utf-8", "replace")
    except Exception as error:  # zipfile raises its own error types
        raise _reject(path, "xlsx_unreadable", f"not a readable XLSX workbook: {error}") from None
    allowed = ", ".join(tables)
    for position, element in enumerate(SHEET_ELEMENT.findall(workbook_xml), start=1):
        name = re.search(r'\bname="([^"]*)"', element)
        if re.search(r'\bstate="(hidden|veryHidden)"', element):
            message = f"sheet {position} is hidden; a delivery holds only the visible sheets {allowed}"
            raise _reject(path, "xlsx_hidden_sheet", message + "; delete it and export again")
        if name is None or html.unescape(name.group(1)) not in tables:
            message = f"sheet {position} is not part of the exchange format (sheets: {allowed})"
            raise _reject(path, "xlsx_extra_sheet", message + "; delete it and export again")
    for pattern, rule, what in FOREIGN_PARTS:
        if any(pattern.match(member) for member in members):
            raise _reject(path, rule, f"the workbook holds {what}; export the sheets' values only")


def read_xlsx_tables(path: Path, tables: Sequence[str] | None = None) -> dict[str, pl.DataFrame]:
    """Read the sheets of a workbook; sheet name = table name. With `tables`, the workbook must
    hold nothing else (`check_workbook_parts`) and only those sheets are read. Formulas are
    refused: an export holds values, and a formula's result depends on the program that opens it."""
    import fastexcel

    if tables is not None:
        check_workbook_parts(path, tables)
    try:
        workbook = fastexcel.read_excel(str(path))
        formulas = first_formula_cells(path)
    except Exception as error:  # fastexcel and zipfile raise their own error types
        raise _reject(path, "xlsx_unreadable", f"not a readable XLSX workbook: {error}") from None
    frames = {}
    for sheet_name in workbook.sheet_names:
        if tables is not None and sheet_name not in tables:
            continue
        file_name = f"{path.name}[{sheet_name}]"
        if sheet_name in formulas:
            raise _reject(
                path,
                "xlsx_formula",
                f"cell {formulas[sheet_name]} holds a formula; export values only",
                None,
                file_name,
            )
        sheet = workbook.load_sheet(sheet_name, header_row=0)
        _reject_duplicate_headers([c.name for c in sheet.available_columns()], path, file_name)
        frames[sheet_name] = sheet.to_polars()
    return frames


def first_formula_cells(path: Path) -> dict[str, str]:
    """Sheet name -> the first cell holding a formula. fastexcel reads cached values only, so
    formulas are found in the sheet XML (<f> elements), via the workbook's sheet relations."""
    with zipfile.ZipFile(path) as archive:
        workbook_xml = archive.read("xl/workbook.xml").decode("utf-8")
        relations_xml = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8")
        targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', relations_xml))
        targets.update(
            {
                rid: target
                for target, rid in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', relations_xml)
            }
        )
        found = {}
        for name, relation in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', workbook_xml):
            target = targets.get(relation, "").lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            if member not in archive.namelist():
                continue
            cell = re.search(r'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f[ >/]', archive.read(member).decode("utf-8", "replace"))
            if cell:
                found[html.unescape(name)] = cell.group(1)
    return found


def normalise_xlsx_cell_types(frame: pl.DataFrame) -> pl.DataFrame:
    """Workbook cells arrive typed; bring them to text except dates, like a CSV."""
    converted = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            converted.append(column.dt.date())
        elif dtype == pl.Date or dtype == pl.String:
            converted.append(column)
        elif dtype.is_float():
            # Excel stores every number as a float; whole numbers are ints or numeric ids.
            whole = column.round(0) == column
            converted.append(
                pl.when(whole).then(column.cast(pl.Int64).cast(pl.String)).otherwise(column.cast(pl.String)).alias(name)
            )
        else:
            converted.append(column.cast(pl.String))
    return frame.select(converted)


def check_districts(
    frame: pl.DataFrame, profile: Profile, districts: Sequence[str], delivery_dir: Path, file_name: str
) -> None:
    """Reject the delivery at the first district (after the profile's code mapping) that is not one
    of the city's: a free field is where a name or an address slips in, so it is never quarantined
    (the quarantine keeps values) and never repeated."""
    text = pl.col("district").cast(pl.String).str.strip_chars()
    mapped = text.replace(profile.codes["district"]) if "district" in profile.codes else text
    unknown = frame.select(pl.arg_where(mapped.is_not_null() & (mapped != "") & ~mapped.is_in(list(districts))))
    if unknown.height:
        raise DeliveryRejected(
            delivery_dir,
            "district_unknown",
            "column 'district' holds a value that is not one of the city's districts (a name or an "
            f"address?). Allowed: {', '.join(districts)}. Correct the export, or map your own codes "
            f"in the profile '{profile.name}'",
            file_name=file_name,
            source_row=int(unknown.item(0, 0)) + FIRST_DATA_LINE,
        )


@dataclass(frozen=True)
class _Check:
    rule: str
    failed: pl.Expr  # true where the row breaks the rule
    value: pl.Expr | None  # what to show (None: never show the value, e.g. for ids)
    expected: str | None = None


def _column_checks(
    column: Column, dtype: pl.DataType, profile: Profile, export_date: date
) -> tuple[pl.Expr, list[_Check]]:
    """The typed expression for a column and the checks of its values."""
    name = column.name
    source = pl.col(name)
    checks = []
    if column.required:
        checks.append(_Check("required", source.is_null(), None))
    if column.type == "date":
        if dtype == pl.Date:
            typed = source
        else:
            text = source.str.strip_chars()
            typed = text.str.strptime(pl.Date, profile.date_format, strict=False)
            checks.append(_Check("date_format", text.is_not_null() & typed.is_null(), text, profile.date_format))
        checks.append(
            _Check(
                "date_implausible",
                typed < EARLIEST_PLAUSIBLE_DATE,
                typed.cast(pl.String),
                EARLIEST_PLAUSIBLE_DATE.isoformat(),
            )
        )
        checks.append(_Check("date_in_future", typed > export_date, typed.cast(pl.String), export_date.isoformat()))
        return typed.alias(name), checks
    text = source.str.strip_chars()
    if column.type == "int":
        # Some exports write whole numbers with zero decimals ("45,00"): read as 45. Other decimals
        # are an error, v1 numbers are whole.
        whole = text.str.replace(re.escape(profile.decimal_separator) + "0+$", "")
        typed = whole.cast(pl.Int32, strict=False)
        checks.append(_Check("integer", text.is_not_null() & typed.is_null(), text))
        low, high = int_range(name, export_date.year)
        checks.append(_Check("out_of_range", ~typed.is_between(low, high), typed.cast(pl.String), f"{low}…{high}"))
        return typed.alias(name), checks
    if column.type == "id":
        checks.append(_Check("id_format", text.is_not_null() & ~text.str.contains(ID_PATTERN), None))
        return text.alias(name), checks
    if column.type == "code":
        mapped = text.replace(profile.codes[name]) if name in profile.codes else text
        if column.codes:
            checks.append(
                _Check(
                    "code_list", mapped.is_not_null() & ~mapped.is_in(list(column.codes)), text, ", ".join(column.codes)
                )
            )
        return mapped.alias(name), checks
    if name == "nationality":
        checks.append(_Check("nationality_format", text.is_not_null() & ~text.str.contains(r"^[A-Z]{3}$"), text))
    return text.alias(name), checks


def _missing_column_message(name: str, table: str, profile: Profile) -> str:
    """Names the column as the provider's export calls it (its profile), and the format's name."""
    own = profile.provider_column_names(table).get(name, name)
    named = f"'{own}' (exchange format: '{name}')" if own != name else f"'{name}'"
    return f"required column {named} of table '{table}' is missing"


def _format_columns(
    frame: pl.DataFrame, table: str, profile: Profile, file_name: str, delivery_dir: Path, problems: Problems
) -> pl.DataFrame | None:
    """The frame with the exchange format's columns: the provider's renamed, an optional one that is
    missing added empty. A column that must not be there is a problem (left out in kim check's one
    pass); None when the table cannot be read as the format's table."""
    for header, rejection in pii.header_rejections(frame.columns, delivery_dir, file_name):
        noted(problems, rejection)
        frame = frame.drop(header)
    frame = frame.rename(profile.column_renames(table), strict=False)
    known = [column.name for column in TABLES[table]]
    unknown = [pii.shown_column_name(name, i) for i, name in enumerate(frame.columns) if name not in known]
    if len(unknown) > len(frame.columns) // 2:
        # Most "column names" are unknown: the first line is data, not a header. Its cells are never
        # repeated in the message (they may be ids).
        noted(
            problems,
            DeliveryRejected(
                delivery_dir,
                "header_missing",
                f"the first line does not name the columns of table '{table}' (expected: "
                f"{', '.join(known)}): is the header row missing, or the profile '{profile.name}' wrong?",
                file_name=file_name,
                source_row=1,
            ),
        )
        return None
    if unknown:
        noted(
            problems,
            DeliveryRejected(
                delivery_dir,
                "column_unknown",
                f"column(s) {', '.join(unknown)} are not part of exchange format v1 "
                f"table '{table}' and not mapped by profile '{profile.name}'. Columns that could "
                "identify a person must never be exported; rename or remove them",
                file_name=file_name,
                source_row=1,
            ),
        )
        frame = frame.select(name for name in frame.columns if name in known)
    for column in TABLES[table]:
        if column.name not in frame.columns:
            if column.required:
                noted(
                    problems,
                    DeliveryRejected(
                        delivery_dir,
                        "column_missing",
                        _missing_column_message(column.name, table, profile),
                        file_name=file_name,
                        source_row=1,
                    ),
                )
                return None
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column.name))
    return frame


def decode_table(
    frame: pl.DataFrame,
    table: str,
    profile: Profile,
    file_name: str,
    delivery_dir: Path,
    export_date: date,
    districts: Sequence[str] = (),
    problems: Problems = None,
) -> DecodedTable | None:
    """Rename to exchange-format columns, guard against identifiers, type every column and collect
    the rows that break a value rule. With `problems` (kim check's one pass) a problem of the file
    is kept there and the rows are still checked where they can be: a column that must not be
    there is left out; None when the table cannot be read as the format's table at all."""
    columns = _format_columns(frame, table, profile, file_name, delivery_dir, problems)
    if columns is None:
        return None
    frame = columns
    try:
        pii.check_values(
            frame,
            {c.name: c.type for c in TABLES[table]},
            delivery_dir,
            file_name,
            free_codes=tuple(c.name for c in TABLES[table] if c.type == "code" and not c.codes),
        )
        if districts and "district" in frame.columns:
            check_districts(frame, profile, districts, delivery_dir, file_name)
    except DeliveryRejected as rejection:
        noted(problems, rejection)  # the rows are still checked: their other problems are listed too
        # a workbook date cell where a year or code belongs is checked as its text from here on
        misplaced = [c.name for c in TABLES[table] if c.type != "date" and frame.schema[c.name] == pl.Date]
        frame = frame.with_columns(pl.col(misplaced).cast(pl.String))

    frame = frame.with_row_index("source_row", offset=FIRST_DATA_LINE).with_columns(pl.col("source_row").cast(pl.Int64))
    typed_columns: list[pl.Expr] = []
    rules: list[tuple[str, _Check]] = []
    for column in TABLES[table]:
        typed, checks = _column_checks(column, frame.schema[column.name], profile, export_date)
        typed_columns.append(typed)
        rules.extend((column.name, check) for check in checks)
    # every rule in one pass over the rows; only the rules that some row breaks are filtered out
    broken = frame.select(
        pl.any_horizontal(check.failed.fill_null(False).any()).alias(str(i)) for i, (_, check) in enumerate(rules)
    ).row(0)
    violation_frames = [
        frame.filter(check.failed.fill_null(False)).select(
            pl.lit(table).alias("table_name"),
            pl.lit(file_name).alias("file_name"),
            "source_row",
            pl.lit(column_name).alias("column_name"),
            pl.lit(check.rule).alias("rule"),
            (check.value if check.value is not None else pl.lit(None)).cast(pl.String).alias("value"),
            pl.lit(check.expected, dtype=pl.String).alias("expected"),
        )
        for (column_name, check), any_broken in zip(rules, broken)
        if any_broken
    ]
    typed_frame = frame.select("source_row", *typed_columns)
    violations = pl.concat(violation_frames) if violation_frames else no_violations()
    return DecodedTable(typed_frame, violations.cast(VIOLATION_SCHEMA))
