"""Write one provider delivery (design §3): table files plus manifest.json.

The writer applies the provider's profile in reverse, so the files look like the provider's own
export: its column names, its code values, its date format, encoding and delimiter, or one XLSX
workbook. Files are byte-identical for identical input. manifest.json is written last, after
every table file is complete, so a watcher never sees a manifest without its files.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from kim.config import Profile, Provider
from kim.contract import FORMAT_VERSION, MANIFEST_NAME, TABLES, ColumnType, column_names, manifest_bytes

WORKBOOK_NAME = "export.xlsx"
PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

_DTYPES: dict[ColumnType, pl.DataType] = {
    "id": pl.String(),
    "code": pl.String(),
    "text": pl.String(),
    "date": pl.Date(),
    "int": pl.Int64(),
}
# strftime directives -> Excel number-format tokens, for the workbook's date cells.
_EXCEL_DATE_TOKENS = {"%d": "dd", "%m": "mm", "%Y": "yyyy", "%y": "yy"}
_EXCEL_EPOCH = date(1899, 12, 30)  # serial day 0 in the 1900 date system (valid from 1900-03-01)


def write_delivery(
    provider: Provider,
    period: str,
    tables: dict[str, pl.DataFrame],
    landing_dir: Path,
    exported_at: datetime,
) -> Path:
    """Write `landing_dir/<provider.id>/<period>/` and return that folder.

    `tables` holds one exchange-format frame per table the provider delivers (canonical column
    names, values and types); frames may be empty, their file then has only the header row.
    `exported_at` must be timezone-aware.
    """
    if not PERIOD_PATTERN.match(period):
        raise ValueError(f"period must look like YYYY-MM, not '{period}'")
    if exported_at.tzinfo is None or exported_at.utcoffset() is None:
        raise ValueError("exported_at must be timezone-aware")
    if set(tables) != set(provider.tables):
        raise ValueError(f"provider '{provider.id}' delivers {sorted(provider.tables)}, got {sorted(tables)}")
    profile = provider.profile
    exports = {table: _in_provider_shape(profile, table, _canonical(table, tables[table])) for table in provider.tables}
    # file name -> (content, what the manifest says about it besides the checksum)
    files: dict[str, tuple[bytes, dict[str, Any]]]
    if profile.format == "csv":
        files = {
            f"{table}.csv": (_csv_bytes(profile, frame), {"rows": frame.height}) for table, frame in exports.items()
        }
    else:
        sheets = {table: frame.height for table, frame in exports.items()}
        files = {
            WORKBOOK_NAME: (
                _xlsx_bytes(profile, exports, exported_at),
                {"rows": sum(sheets.values()), "sheets": sheets},
            )
        }

    delivery_dir = Path(landing_dir) / provider.id / period
    delivery_dir.mkdir(parents=True, exist_ok=True)
    manifest_files = {}
    for name, (content, counts) in files.items():
        _write_atomically(delivery_dir / name, content)
        manifest_files[name] = {**counts, "sha256": hashlib.sha256(content).hexdigest()}
    manifest = {
        "provider_id": provider.id,
        "period": period,
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "format_version": FORMAT_VERSION,
        "files": manifest_files,
    }
    _write_atomically(delivery_dir / MANIFEST_NAME, manifest_bytes(manifest))
    # Synthetic deliveries arrive when they are exported: the landing folder's file times are what
    # the pipeline reads as the arrival (received_at, delivery_on_time).
    arrival = exported_at.timestamp()
    for name in [*manifest_files, MANIFEST_NAME]:
        os.utime(delivery_dir / name, (arrival, arrival))
    return delivery_dir


def _canonical(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The table's columns in canonical order and types; missing columns are an error."""
    missing = [name for name in column_names(table) if name not in frame.columns]
    if missing:
        raise ValueError(f"table '{table}' lacks columns {missing}")
    return frame.select(pl.col(column.name).cast(_DTYPES[column.type], strict=True) for column in TABLES[table])


def _in_provider_shape(profile: Profile, table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Reverse the profile: the provider's code values and column names."""
    recode = [
        pl.col(column).replace(_inverse(profile.codes[column])) for column in frame.columns if column in profile.codes
    ]
    return frame.with_columns(recode).rename(profile.provider_column_names(table))


def _inverse(codes: dict[str, str]) -> dict[str, str]:
    """Canonical value -> provider value; if several map to one value, the first one listed."""
    inverse: dict[str, str] = {}
    for own, canonical in codes.items():
        inverse.setdefault(canonical, own)
    return inverse


def _csv_bytes(profile: Profile, frame: pl.DataFrame) -> bytes:
    text = frame.write_csv(
        separator=profile.delimiter,
        quote_char='"',
        line_terminator="\n",
        date_format=profile.date_format,
        null_value="",
    )
    # Encoding the text (not letting Polars write UTF-8) yields real cp1252 bytes, and the
    # utf-8-sig codec writes the BOM.
    return text.encode(profile.encoding)


def _xlsx_bytes(profile: Profile, frames: dict[str, pl.DataFrame], exported_at: datetime) -> bytes:
    """One sheet per table with native dates; byte-identical for identical input."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            # In memory, xlsxwriter stamps every zip member with a fixed 1980-01-01 timestamp.
            "in_memory": True,
            # Ids and codes are text, never formulas, numbers or links.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    # The document's creation time would otherwise be "now".
    workbook.set_properties(
        {
            "created": exported_at.astimezone(UTC).replace(tzinfo=None),
        }
    )
    header = workbook.add_format({"bold": True})
    date_cell = workbook.add_format({"num_format": _excel_date_format(profile.date_format)})
    for table, frame in frames.items():
        sheet = workbook.add_worksheet(table)
        sheet.write_row(0, 0, frame.columns, header)
        sheet.freeze_panes(1, 0)
        for index, name in enumerate(frame.columns):
            is_date = frame.schema[name] == pl.Date
            sheet.set_column(index, index, max(len(name) + 2, 12))
            values = _excel_serial_days(frame[name]) if is_date else frame[name]
            sheet.write_column(1, index, values.to_list(), date_cell if is_date else None)
    workbook.close()
    return buffer.getvalue()


def _excel_serial_days(dates: pl.Series) -> pl.Series:
    """Dates as Excel serial day numbers: the same cell xlsxwriter writes for a date, computed
    column-wise instead of per cell."""
    return (dates - _EXCEL_EPOCH).dt.total_days()


def _excel_date_format(date_format: str) -> str:
    excel = date_format
    for directive, token in _EXCEL_DATE_TOKENS.items():
        excel = excel.replace(directive, token)
    return excel


def _write_atomically(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)
