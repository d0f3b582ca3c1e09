"""`kim manifest`: the manifest.json of an export folder, written for the provider (issue 18).

The files are those the provider's profile expects (checks.manifest.expected_files); rows are
counted by the same readers the pipeline's decoder counts with, so a manifest written here never
disagrees with the row check; checksums are SHA-256 of the files as they are.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from checks.manifest import MANIFEST_NAME, expected_files, sha256_of_file
from kim.config import ProgrammeConfig, Provider
from kim.contract import FORMAT_VERSION, LOCAL_TIME_ZONE, manifest_bytes
from kim.errors import DeliveryRejected, workbook_library_errors
from kim.text import quoted
from transforms.decode import read_csv_table, read_xlsx_tables
from transforms.delivery import XLSX_FILE

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ManifestProblem(ValueError):
    """Why no manifest can be written (German, says what to do)."""


def _provider(config: ProgrammeConfig, provider_id: str) -> Provider:
    if provider_id in config.providers:
        return config.providers[provider_id]
    known = ", ".join(sorted(config.providers))
    raise ManifestProblem(
        f"Der Träger '{provider_id}' ist nicht konfiguriert (bekannt: {known}). Geben Sie die "
        "Träger-Kennung mit --provider an oder legen Sie den Ordner als <träger>/<JJJJ-MM> an."
    )


def _file_entry(folder: Path, name: str, provider: Provider) -> dict:
    path = folder / name
    if not path.is_file():
        raise ManifestProblem(
            f"Die Datei {name} fehlt im Ordner {folder}: legen Sie den Export dort ab und rufen Sie "
            "kim manifest erneut auf."
        )
    entry: dict = {"sha256": sha256_of_file(path)}
    unreadable_errors: tuple[type[BaseException], ...] = (DeliveryRejected, *workbook_library_errors())
    try:
        _count_rows(path, name, provider, entry)
    except unreadable_errors as unreadable:
        reason = unreadable.message if isinstance(unreadable, DeliveryRejected) else str(unreadable)
        raise ManifestProblem(
            f"Die Datei {name} lässt sich nicht lesen ({quoted(reason)}): prüfen Sie den Export mit "
            "kim check und exportieren Sie ihn erneut."
        ) from None
    return entry


def _count_rows(path: Path, name: str, provider: Provider, entry: dict) -> None:
    if name == XLSX_FILE:
        sheets = read_xlsx_tables(path, provider.tables)
        missing = [table for table in provider.tables if table not in sheets]
        if missing:
            raise ManifestProblem(f"Der Arbeitsmappe {name} fehlt das Tabellenblatt '{missing[0]}'.")
        entry["sheets"] = {table: sheets[table].height for table in provider.tables}
        entry["rows"] = sum(entry["sheets"].values())
    else:
        entry["rows"] = read_csv_table(path, provider.profile).height


def build_manifest(
    folder: Path,
    config: ProgrammeConfig,
    *,
    provider_id: str | None = None,
    period: str | None = None,
    exported_at: datetime | None = None,
) -> dict:
    """The manifest of `folder`: provider and period from the options or the folder
    (<provider>/<YYYY-MM>), the export time (default: now, local time) and every expected file."""
    provider = _provider(config, provider_id or folder.parent.name)
    period = period or folder.name
    if not PERIOD.match(period):
        raise ManifestProblem(
            f"'{period}' ist kein Berichtsmonat JJJJ-MM: geben Sie ihn mit --period an (z. B. 2026-10) "
            "oder benennen Sie den Ordner nach dem Monat."
        )
    moment = (exported_at or datetime.now(LOCAL_TIME_ZONE)).astimezone(LOCAL_TIME_ZONE)
    return {
        "provider_id": provider.id,
        "period": period,
        "exported_at": moment.isoformat(timespec="seconds"),
        "format_version": FORMAT_VERSION,
        "files": {name: _file_entry(folder, name, provider) for name in sorted(expected_files(provider))},
    }


def write_manifest(folder: Path, manifest: dict) -> Path:
    """manifest.json in `folder` (replacing one that is there), written last and whole."""
    path = folder / MANIFEST_NAME
    temporary = folder / f".{MANIFEST_NAME}.tmp"
    temporary.write_bytes(manifest_bytes(manifest))
    temporary.replace(path)
    return path
