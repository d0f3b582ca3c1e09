"""The floor: DuckDB alone reading every delivery file into a table -- no manifest check, no
decoding through the profile's column names and code values, no row checks, no pseudonyms, no
transforms. Whatever KIM Monitor does on top of reading the bytes shows as `ours / floor`.

Each CSV file becomes one table with `read_csv` and the provider profile's delimiter, quote and
header (types sniffed as DuckDB does by default). cp1252 files are read as latin-1, the closest
encoding DuckDB's CSV reader has natively (they differ only in 0x80-0x9F, which the synthetic data
does not use). XLSX workbooks are read with fastexcel into Arrow and copied into DuckDB: the DuckDB
excel extension is not installed offline here.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from kim.config import ProgrammeConfig

# Profile encodings -> DuckDB read_csv encodings.
DUCKDB_ENCODINGS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "cp1252": "latin-1",
    "latin-1": "latin-1",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
}
READ_CSV = """
CREATE TABLE {table} AS
SELECT * FROM read_csv($path, delim = $delimiter, quote = $quote, header = true, encoding = $encoding)
"""
COPY_ARROW = "CREATE TABLE {table} AS SELECT * FROM sheet"


def delivery_files(landing_dir: Path) -> list[tuple[str, Path]]:
    """(provider_id, file) for every file named in every manifest under landing_dir."""
    files: list[tuple[str, Path]] = []
    for manifest in sorted(landing_dir.glob("*/*/manifest.json")):
        named = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
        files.extend((manifest.parent.parent.name, manifest.parent / name) for name in sorted(named))
    return files


def read_all(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, config: ProgrammeConfig, progress=None
) -> dict[str, int]:
    """Read every delivery file into its own table; returns {"files": n, "rows": total rows}."""
    files = delivery_files(landing_dir)
    rows = 0
    for number, (provider_id, path) in enumerate(files):
        profile = config.provider(provider_id).profile
        if path.suffix.lower() == ".xlsx":
            import fastexcel

            workbook = fastexcel.read_excel(str(path))
            for position, name in enumerate(workbook.sheet_names):
                sheet = workbook.load_sheet(name).to_arrow()
                table = f"f{number}_{position}"  # generated names, never from input
                con.register("sheet", sheet)
                try:
                    con.execute(COPY_ARROW.format(table=table))
                finally:
                    con.unregister("sheet")
                rows += sheet.num_rows
        else:
            table = f"f{number}"
            con.execute(
                READ_CSV.format(table=table),
                {
                    "path": str(path),
                    "delimiter": profile.delimiter,
                    "quote": profile.quote,
                    "encoding": DUCKDB_ENCODINGS.get(profile.encoding.lower(), "utf-8"),
                },
            )
            rows += con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        if progress:
            progress(number + 1, len(files))
    return {"files": len(files), "rows": rows}
