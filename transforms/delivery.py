"""Read one delivery folder into typed exchange-format tables: manifest, files, decoding."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from checks.errors import DeliveryRejected
from checks.manifest import Manifest, read_manifest, verify_files
from kim.config import ProgrammeConfig
from transforms.decode import normalise_xlsx_cell_types, decode_table, read_csv_table, read_xlsx_tables
from transforms.pseudonymise import pseudonymise_table

XLSX_FILE = "export.xlsx"


@dataclass
class DecodedDelivery:
    manifest: Manifest
    tables: dict[str, pl.DataFrame]  # exchange-format columns, typed, provider ids still in clear

    def pseudonymised(self, key: str) -> "DecodedDelivery":
        provider_id = self.manifest.provider.id
        return DecodedDelivery(
            self.manifest,
            {t: pseudonymise_table(f, t, provider_id, key) for t, f in self.tables.items()},
        )


def _check_row_count(manifest: Manifest, file_name: str, counted: int, listed: int, what: str) -> None:
    if counted != listed:
        raise DeliveryRejected(
            manifest.delivery_dir, "row_count_mismatch",
            f"{what} has {counted} data rows, manifest.json says {listed}: "
            "the export is incomplete or the manifest is stale; export again",
            file_name=file_name,
        )


def read_verified_manifest(delivery_dir: Path, config: ProgrammeConfig) -> Manifest:
    """The manifest, with every file present and matching its checksum."""
    manifest = read_manifest(delivery_dir, config)
    verify_files(manifest)
    return manifest


def read_delivery(delivery_dir: Path, config: ProgrammeConfig) -> DecodedDelivery:
    """Verify and decode a delivery; raises DeliveryRejected on the first broken rule."""
    return decode_delivery(read_verified_manifest(delivery_dir, config))


def decode_delivery(manifest: Manifest) -> DecodedDelivery:
    """Decode the files of a verified delivery into typed exchange-format tables."""
    delivery_dir = manifest.delivery_dir
    provider = manifest.provider
    profile = provider.profile
    tables: dict[str, pl.DataFrame] = {}
    if profile.format == "xlsx":
        sheets = read_xlsx_tables(delivery_dir / XLSX_FILE)
        missing = [t for t in provider.tables if t not in sheets]
        if missing:
            raise DeliveryRejected(
                delivery_dir, "sheet_missing", f"workbook has no sheet(s) {', '.join(missing)}",
                file_name=XLSX_FILE,
            )
        entry = manifest.files[XLSX_FILE]
        _check_row_count(
            manifest, XLSX_FILE, sum(sheets[t].height for t in provider.tables), entry.rows, "the workbook"
        )
        for table in provider.tables:
            if entry.sheets and table in entry.sheets:
                _check_row_count(manifest, XLSX_FILE, sheets[table].height, entry.sheets[table], f"sheet '{table}'")
            raw = normalise_xlsx_cell_types(sheets[table])
            tables[table] = decode_table(raw, table, profile, f"{XLSX_FILE}[{table}]", delivery_dir)
    else:
        for table in provider.tables:
            file_name = f"{table}.csv"
            raw = read_csv_table(delivery_dir / file_name, profile)
            _check_row_count(manifest, file_name, raw.height, manifest.files[file_name].rows, file_name)
            tables[table] = decode_table(raw, table, profile, file_name, delivery_dir)
    return DecodedDelivery(manifest, tables)


def find_delivery_dirs(landing_dir: Path) -> list[Path]:
    """landing/<provider>/<YYYY-MM>/ folders, ordered by provider then period."""
    if not landing_dir.is_dir():
        return []
    return sorted(p for p in landing_dir.glob("*/*") if p.is_dir() and not p.name.startswith("."))
