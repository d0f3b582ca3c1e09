"""Writing CSV for people who open it in a spreadsheet program — the one way the project writes a
CSV or XLSX file for readers (synthetic/delivery_writer.py writes the machine-readable exchange
format, whose values the decoder checks, and writes workbook cells as text, never as formulas).

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
LibreOffice ("CSV injection": `=HYPERLINK(...)` sends data away, `+cmd|' /C calc'!A0` runs a
program on old versions). Such text cells get a leading `'` (OWASP's advice), which spreadsheet
programs show as text and which a reader recognises. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from kim.text import FORMULA_TRIGGERS, neutralise

__all__ = ["FORMULA_TRIGGERS", "csv_text", "neutralise", "write_csv"]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ";") -> str:
    """CSV with every cell neutralised and quoted (German Excel's dialect: `;`)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow(["" if value is None else neutralise(value) for value in row])
    return out.getvalue()


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ";") -> Path:
    """Write a neutralised CSV (UTF-8 with BOM, so Excel reads umlauts) atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(csv_text(header, rows, delimiter), encoding="utf-8-sig", newline="")
    os.replace(temporary, path)
    return path
