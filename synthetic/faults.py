"""Faults seeded into the demo's landing folder (issue 18), so that the data-quality report, its
trends and the Dagster checks show what data stewards really meet: a delivery rejected for an
identifier column, a row quarantined for an impossible date, a month never delivered. (Late
deliveries come from the generator's export times.)

Each fault edits one generated delivery the way a careless export would, with manifest.json kept
consistent (checksum, file time), so the pipeline finds the fault itself and not a checksum
mismatch. Which providers and months are hit is fixed: the same demo every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from kim.config import ProgrammeConfig, Provider
from kim.contract import MANIFEST_NAME, manifest_bytes

IMPOSSIBLE_DATE = {"%d.%m.%Y": "31.02.{year}", "%Y-%m-%d": "{year}-02-31"}


@dataclass(frozen=True)
class SeededFault:
    provider_id: str
    period: str
    kind: str  # rejected | quarantined | missing
    description: str  # German, for the demo's output

    @property
    def folder_name(self) -> str:
        return f"{self.provider_id}/{self.period}"


def _csv_providers(config: ProgrammeConfig) -> list[Provider]:
    return [
        p
        for p in sorted(config.providers.values(), key=lambda p: p.id)
        if p.profile.format == "csv" and "contacts" in p.tables and p.profile.date_format in IMPOSSIBLE_DATE
    ]


def _rewrite(folder: Path, name: str, content: bytes) -> None:
    """Replace one file and bring the manifest's checksum and the file times along."""
    manifest_path = folder / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    stamp = manifest_path.stat().st_mtime
    (folder / name).write_bytes(content)
    manifest["files"][name]["sha256"] = hashlib.sha256(content).hexdigest()
    manifest_path.write_bytes(manifest_bytes(manifest))
    for path in (folder / name, manifest_path):
        os.utime(path, (stamp, stamp))


def _lines(folder: Path, name: str, provider: Provider) -> tuple[list[str], str]:
    """The file's lines (without line ends) and its line end."""
    text = (folder / name).read_bytes().decode(provider.profile.encoding)
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.split(newline), newline


def _encoded(lines: list[str], newline: str, provider: Provider) -> bytes:
    # utf-8-sig writes its BOM again; the decoded text no longer starts with one
    return newline.join(lines).encode(provider.profile.encoding)


def _impossible_date(folder: Path, provider: Provider) -> None:
    """One contact on a day that does not exist (a leaf row: nothing else is quarantined with it)."""
    lines, newline = _lines(folder, "contacts.csv", provider)
    delimiter = provider.profile.delimiter
    header = lines[0].split(delimiter)
    column = header.index(provider.profile.provider_column_names("contacts").get("contact_on", "contact_on"))
    fields = lines[1].split(delimiter)
    fields[column] = IMPOSSIBLE_DATE[provider.profile.date_format].format(year=folder.name[:4])
    lines[1] = delimiter.join(fields)
    _rewrite(folder, "contacts.csv", _encoded(lines, newline, provider))


def _identifier_column(folder: Path, provider: Provider) -> None:
    """An extra column "Vorname" in the cases file: an export with the clients' first names."""
    lines, newline = _lines(folder, "cases.csv", provider)
    delimiter = provider.profile.delimiter
    names = ("Amira", "Jonas", "Leyla", "Milan")
    lines = [
        f"{line}{delimiter}{'Vorname' if i == 0 else names[i % len(names)]}" if line else line
        for i, line in enumerate(lines)
    ]
    _rewrite(folder, "cases.csv", _encoded(lines, newline, provider))


def seed_demo_faults(landing_dir: Path, config: ProgrammeConfig, periods: list[str]) -> list[SeededFault]:
    """Seed the faults into the deliveries of `periods` (oldest first, as generated); returns what
    was seeded. Needs three CSV providers and two months; seeds what it can otherwise."""
    providers = _csv_providers(config)
    faults: list[SeededFault] = []
    if len(periods) < 2:
        return faults
    plan = [
        # the newest month: the quarantined row stays in the current delivery, so in the report
        ("quarantined", periods[-1], _impossible_date, "ein Kontakt am 31. Februar (Zeile in Quarantäne)"),
        ("rejected", periods[-2], _identifier_column, "eine Spalte „Vorname“ (Lieferung abgewiesen)"),
        ("missing", periods[-1], None, "die Lieferung des neuesten Monats fehlt"),
    ]
    for provider, (kind, period, edit, description) in zip(providers, plan, strict=False):
        folder = Path(landing_dir) / provider.id / period
        if not folder.is_dir():
            continue
        if edit is None:
            shutil.rmtree(folder)
        else:
            edit(folder, provider)
        faults.append(SeededFault(provider.id, period, kind, description))
    return faults
