"""Decode a provider's export into typed exchange-format tables (design §3).

The profile absorbs the provider's quirks: encoding, delimiter, date format, column names and code
values. Every rule broken raises DeliveryRejected naming the file, the line and the rule.
"""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from checks.errors import DeliveryRejected
from kim.config import Profile
from transforms.exchange_format import ID_PATTERN, TABLES, Column

# Line 1 of a file is its header, so data row i (0-based) sits on line i + 2.
HEADER_LINES = 1


def _line_of(row_index: int) -> int:
    return row_index + HEADER_LINES + 1


def read_csv_table(path: Path, profile: Profile) -> pl.DataFrame:
    """Read one CSV file as all-text columns; empty field = missing."""
    content = path.read_bytes()
    try:
        text = content.decode(profile.encoding)
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise DeliveryRejected(
            path.parent, "encoding",
            f"byte {content[error.start]:#04x} is not valid {profile.encoding}; "
            f"export the file as {profile.encoding} or correct the provider's profile",
            file_name=path.name, source_row=line,
        ) from None
    try:
        return pl.read_csv(
            io.BytesIO(text.encode("utf-8")),
            separator=profile.delimiter,
            quote_char='"',
            infer_schema=False,
            empty_string_is_null=True,
        )
    except pl.exceptions.PolarsError as error:
        raise DeliveryRejected(
            path.parent, "csv_malformed",
            f"not readable as CSV with delimiter '{profile.delimiter}': {error}",
            file_name=path.name,
        ) from None


def read_xlsx_tables(path: Path) -> dict[str, pl.DataFrame]:
    """Read every sheet of a workbook; sheet name = table name."""
    try:
        sheets = pl.read_excel(path, sheet_id=0, engine="calamine")
    except Exception as error:  # fastexcel raises its own error types
        raise DeliveryRejected(
            path.parent, "xlsx_unreadable", f"not a readable XLSX workbook: {error}",
            file_name=path.name,
        ) from None
    return {name: frame for name, frame in sheets.items()}


def normalise_xlsx_cell_types(frame: pl.DataFrame) -> pl.DataFrame:
    """Workbook cells arrive typed; bring them to text except dates, like a CSV."""
    converted = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
            converted.append(column.dt.date())
        elif dtype == pl.Date:
            converted.append(column)
        elif dtype.is_float():
            # Excel stores every number as a float; whole numbers are ints or numeric ids.
            whole = column.round(0) == column
            converted.append(
                pl.when(whole).then(column.cast(pl.Int64).cast(pl.String))
                .otherwise(column.cast(pl.String)).alias(name)
            )
        elif dtype == pl.String:
            converted.append(column)
        else:
            converted.append(column.cast(pl.String))
    return frame.select(converted)


def _first_failure(frame: pl.DataFrame, failed: pl.Expr) -> int | None:
    hit = frame.with_row_index("_row").filter(failed).select("_row").head(1)
    return None if hit.is_empty() else int(hit.item())


def _decode_column(
    frame: pl.DataFrame, column: Column, profile: Profile, file_name: str, delivery_dir: Path
) -> pl.Expr:
    name = column.name
    source = pl.col(name)
    dtype = frame.schema[name]

    def reject(rule: str, failed: pl.Expr, message: str) -> None:
        row = _first_failure(frame, failed)
        if row is not None:
            value = frame[name][row]
            raise DeliveryRejected(
                delivery_dir, rule, f"column '{name}' value '{value}': {message}",
                file_name=file_name, source_row=_line_of(row),
            )

    if column.required:
        reject("required", source.is_null(), "a value is required")

    if column.type == "date":
        if dtype == pl.Date:
            return source
        text = source.str.strip_chars()
        parsed = text.str.strptime(pl.Date, profile.date_format, strict=False)
        reject(
            "date_format", text.is_not_null() & parsed.is_null(),
            f"not a date in the profile's format {profile.date_format}",
        )
        return parsed.alias(name)
    if column.type == "int":
        text = source.str.strip_chars()
        parsed = text.cast(pl.Int32, strict=False)
        reject("integer", text.is_not_null() & parsed.is_null(), "not a whole number")
        return parsed.alias(name)
    text = source.str.strip_chars()
    if column.type == "id":
        reject(
            "id_format", text.is_not_null() & ~text.str.contains(ID_PATTERN),
            "ids must be pseudonyms of at most 64 characters from A-Z, a-z, 0-9, '_' and '-'",
        )
        return text.alias(name)
    if column.type == "code" and name in profile.codes:
        # Codes the profile does not know pass through unchanged; validation flags them.
        return text.replace(profile.codes[name]).alias(name)
    return text.alias(name)


def decode_table(
    frame: pl.DataFrame, table: str, profile: Profile, file_name: str, delivery_dir: Path
) -> pl.DataFrame:
    """Rename to exchange-format columns and type every column; reject on the first broken rule."""
    frame = frame.rename(profile.column_renames(table), strict=False)
    known = [column.name for column in TABLES[table]]
    unknown = [name for name in frame.columns if name not in known]
    if unknown:
        raise DeliveryRejected(
            delivery_dir, "column_unknown",
            f"column(s) {', '.join(repr(c) for c in unknown)} are not part of exchange format v1 "
            f"table '{table}' and not mapped by profile '{profile.name}'. Columns that could "
            "identify a person must never be exported; rename or remove them",
            file_name=file_name, source_row=1,
        )
    for column in TABLES[table]:
        if column.name not in frame.columns:
            if column.required:
                raise DeliveryRejected(
                    delivery_dir, "column_missing",
                    f"required column '{column.name}' of table '{table}' is missing",
                    file_name=file_name, source_row=1,
                )
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column.name))
    return frame.select(
        _decode_column(frame, column, profile, file_name, delivery_dir) for column in TABLES[table]
    )
