"""Read one delivery folder into typed exchange-format tables: manifest, files, decoding, rules."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from checks.manifest import Manifest, folder_digest, local_export_date, read_manifest, verify_files
from checks.row_rules import cascade_to_children, cross_column_violations
from checks.rules import render
from kim.config import ProgrammeConfig
from kim.contract import PRIMARY_KEYS, TABLES
from kim.errors import DeliveryRejected, Problems, noted
from transforms.decode import (
    decode_table,
    normalise_xlsx_cell_types,
    read_csv_table,
    read_xlsx_tables,
)
from transforms.pseudonymise import Pseudonymiser

XLSX_FILE = "export.xlsx"
# The share of bad rows up to which a delivery is accepted (bad rows go to quarantine).
DEFAULT_MAX_BAD_ROW_SHARE = 0.01
EXAMPLES_IN_REJECTION = 5


@dataclass
class DecodedDelivery:
    manifest: Manifest
    tables: dict[str, pl.DataFrame]  # source_row + exchange-format columns, typed, every row
    violations: pl.DataFrame  # one row per broken rule (checks.findings.VIOLATION_SCHEMA)
    file_names: dict[str, str]  # table -> file (or workbook sheet) it came from

    @property
    def total_rows(self) -> int:
        return sum(frame.height for frame in self.tables.values())

    @property
    def bad_rows(self) -> pl.DataFrame:
        return self.violations.select("table_name", "source_row").unique()

    def accepted_rows(self, table: str) -> pl.DataFrame:
        bad = self.bad_rows.filter(pl.col("table_name") == table).select("source_row")
        return self.tables[table].join(bad, on="source_row", how="anti")

    def pseudonymised(self, key: str | Pseudonymiser) -> DecodedDelivery:
        pseudonymiser = key if isinstance(key, Pseudonymiser) else Pseudonymiser(key)
        provider_id = self.manifest.provider.id
        return replace(self, tables=pseudonymiser.tables(self.tables, provider_id))

    def quarantine_rows(self) -> pl.DataFrame:
        """Violations with the (pseudonymised, once `pseudonymised` was applied) record key. The
        delivered value is not kept: it might be a name where a code belongs; the provider sees it
        in `kim check`."""
        keyed = []
        for table, frame in self.tables.items():
            key_column = PRIMARY_KEYS[table][0]
            keyed.append(
                self.violations.filter(pl.col("table_name") == table).join(
                    frame.select("source_row", pl.col(key_column).alias("record_key")), on="source_row", how="left"
                )
            )
        rows = pl.concat(keyed) if keyed else self.violations.with_columns(record_key=pl.lit(None, pl.String))
        return rows.with_columns(value=pl.lit(None, dtype=pl.String))


def _check_row_count(
    manifest: Manifest, file_name: str, counted: int, listed: int, what: str, problems: Problems = None
) -> None:
    if counted != listed:
        rejection = DeliveryRejected(
            manifest.delivery_dir,
            "row_count_mismatch",
            f"{what} has {counted} data rows, manifest.json says {listed}: "
            "the export is incomplete or the manifest is stale; export again",
            file_name=file_name,
        )
        noted(problems, rejection)


def read_verified_manifest(
    delivery_dir: Path,
    config: ProgrammeConfig,
    digest: dict[str, str] | None = None,
    check_folder: bool = True,
    problems: Problems = None,
) -> Manifest:
    """The manifest, with every file present and matching its checksum."""
    manifest = read_manifest(delivery_dir, config, check_folder)
    verify_files(manifest, digest if digest is not None else folder_digest(delivery_dir), problems)
    return manifest


def read_delivery(
    delivery_dir: Path, config: ProgrammeConfig, check_folder: bool = True, problems: Problems = None
) -> DecodedDelivery:
    """Verify and decode a delivery; raises DeliveryRejected for problems of the whole delivery.
    With `problems` (kim check's one pass), those after which rows can still be read are kept
    there instead, and the check goes on (kim.errors.noted)."""
    manifest = read_verified_manifest(delivery_dir, config, check_folder=check_folder, problems=problems)
    return decode_delivery(manifest, problems)


def _raw_tables(manifest: Manifest, problems: Problems = None) -> dict[str, tuple[str, pl.DataFrame]]:
    """table -> (file name for messages, all-text frame), after file-level checks."""
    delivery_dir = manifest.delivery_dir
    provider = manifest.provider
    if provider.profile.format == "xlsx":
        sheets = read_xlsx_tables(delivery_dir / XLSX_FILE, provider.tables)
        missing = [t for t in provider.tables if t not in sheets]
        if missing:
            raise DeliveryRejected(
                delivery_dir,
                "sheet_missing",
                f"the workbook has no sheet '{missing[0]}' (needed: {', '.join(provider.tables)})",
                file_name=XLSX_FILE,
            )
        entry = manifest.files[XLSX_FILE]
        _check_row_count(
            manifest, XLSX_FILE, sum(sheets[t].height for t in provider.tables), entry.rows, "the workbook", problems
        )
        raw = {}
        for table in provider.tables:
            name = f"{XLSX_FILE}[{table}]"
            if entry.sheets and table in entry.sheets:
                _check_row_count(
                    manifest, name, sheets[table].height, entry.sheets[table], f"sheet '{table}'", problems
                )
            raw[table] = (name, normalise_xlsx_cell_types(sheets[table]))
        return raw
    raw = {}
    for table in provider.tables:
        file_name = f"{table}.csv"
        try:
            frame = read_csv_table(delivery_dir / file_name, provider.profile)
        except DeliveryRejected as unreadable:
            noted(problems, unreadable)
            continue  # kim check: the other files are still checked
        _check_row_count(manifest, file_name, frame.height, manifest.files[file_name].rows, file_name, problems)
        raw[table] = (file_name, frame)
    return raw


def decode_delivery(manifest: Manifest, problems: Problems = None) -> DecodedDelivery:
    """Decode the files of a verified delivery and find every row that breaks a rule (`problems`:
    see read_delivery; a table that cannot be read is then left out)."""
    provider = manifest.provider
    export_date = local_export_date(manifest.exported_at)
    tables, file_names, violations = {}, {}, []
    for table, (file_name, raw) in _raw_tables(manifest, problems).items():
        decoded = decode_table(
            raw, table, provider.profile, file_name, manifest.delivery_dir, export_date, manifest.districts, problems
        )
        if decoded is None:
            continue
        tables[table], file_names[table] = decoded.frame, file_name
        violations.append(decoded.violations)
    if "cases" in tables and tables["cases"].is_empty():
        empty = DeliveryRejected(
            manifest.delivery_dir,
            "cases_empty",
            "cases has no data rows: a delivery is a full snapshot and always contains the provider's cases",
            file_name=file_names["cases"],
        )
        noted(problems, empty)
    violations.append(cross_column_violations(tables, file_names))
    found = pl.concat(violations)
    found = pl.concat([found, cascade_to_children(tables, found, file_names)])
    # Root causes first, in the order of the exchange format's tables, then by line.
    table_order = {table: index for index, table in enumerate(TABLES)}
    found = found.sort(
        pl.col("rule") == "parent_quarantined",
        pl.col("table_name").replace_strict(table_order, return_dtype=pl.Int32),
        "source_row",
        "column_name",
    )
    return DecodedDelivery(manifest, tables, found, file_names)


def assess(delivery: DecodedDelivery, max_bad_row_share: float = DEFAULT_MAX_BAD_ROW_SHARE) -> None:
    """Reject the delivery when more rows break rules than the configured share allows."""
    bad = delivery.bad_rows.height
    if not bad or bad <= max_bad_row_share * delivery.total_rows:
        return
    by_rule = delivery.violations.group_by("rule").len().sort("len", descending=True)
    share = f"{bad / delivery.total_rows:.1%} of {delivery.total_rows}, allowed {max_bad_row_share:.1%}"
    examples = "; ".join(
        # the register keeps this message: values are masked, `kim check` shows them to the provider
        f"{v['file_name']} line {v['source_row']}: {render(v['rule'], 'en', v['column_name'], '…', v['expected'])}"
        for v in delivery.violations.head(EXAMPLES_IN_REJECTION).iter_rows(named=True)
    )
    first = delivery.violations.row(0, named=True)
    raise DeliveryRejected(
        delivery.manifest.delivery_dir,
        "too_many_bad_rows",
        f"{bad} bad rows ({share}); by rule: "
        + ", ".join(f"{rule} {count}" for rule, count in by_rule.iter_rows())
        + f". First: {examples}",
        file_name=first["file_name"],
        source_row=first["source_row"],
        violations=delivery.violations,
    )


def find_delivery_dirs(landing_dir: Path) -> list[Path]:
    """landing/<provider>/<YYYY-MM>/ folders, ordered by provider then period."""
    if not landing_dir.is_dir():
        return []
    return sorted(p for p in landing_dir.glob("*/*") if p.is_dir() and not p.name.startswith("."))
