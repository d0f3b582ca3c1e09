"""Building a release (issue 19, `kim publish`): the published reports with their downloads, the
open-data table, what changed against the newest approved release, the disclosure audit's
summary and a manifest with the checksum of every file, in releases_dir/<release id>/. Built in a
temporary folder and moved into place whole; registered in the warehouse with the cells the audit
saw (warehouse.releases), so that every later audit includes it once approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from reports.kit.sql import KIT
from reports.publish import render_published_reports
from reports.release.changes import release_changes
from reports.release.manifest import MANIFEST_NAME, remove_tree, write_manifest
from reports.release.open_data import as_the_reports_print, shown_values, write_open_data
from reports.release.page import write_release_page
from transforms.disclosure import OUTSIDE
from warehouse.disclosure_audit import current_release, distinct_unprotected, run_disclosure_audit
from warehouse.releases import (
    ReleaseError,
    ReleaseRecord,
    approved_ids,
    next_release_id,
    published_values,
    register_release,
    releases,
)

AUDIT_SUMMARY_NAME = "offenlegungspruefung.json"
RESTORE_REGISTER = (
    "Es wurde nichts gebaut. Stellen Sie das Schema publication des Warehouse aus der Sicherung wieder her "
    "(docs/operations.md, Abschnitt 6), statt Ordner zu verschieben: ohne es übersieht die Geheimhaltungsprüfung, "
    "was schon veröffentlicht ist."
)


def check_register_knows(con: duckdb.DuckDBPyConnection, published_dir: Path) -> None:
    """Every release in the published folder must be an approved release of this warehouse's
    register: a rebuilt warehouse would otherwise audit as if nothing had been published."""
    if not published_dir.is_dir():
        return
    known = set(approved_ids(con))
    for folder in sorted(published_dir.iterdir()):
        if (folder / MANIFEST_NAME).is_file() and folder.name not in known:
            raise ReleaseError(
                f"Im Veröffentlichungsordner {published_dir} liegt Release {folder.name}, das dieses Warehouse nicht "
                f"kennt. {RESTORE_REGISTER}"
            )


@dataclass(frozen=True)
class BuiltRelease:
    record: ReleaseRecord
    folder: Path
    previous: ReleaseRecord | None
    changed_figures: int


def newest_period(con: duckdb.DuckDBPyConnection) -> str:
    rows = KIT.run(con, "latest_period")
    if not rows or rows[0]["period"] is None:
        raise ReleaseError("Das Warehouse enthält noch keine Kennzahlen: erst `kim run`, dann `kim publish`.")
    return str(rows[0]["period"])


def check_period(con: duckdb.DuckDBPyConnection, period: str | None) -> str:
    """The release's period: the newest month in the warehouse (a release is everything published
    as of then, so an older month cannot be released any more)."""
    newest = newest_period(con)
    if period is not None and period != newest:
        raise ReleaseError(
            f"Veröffentlicht werden kann nur der neueste Monat im Warehouse ({newest}), nicht {period}: "
            f"ein Release enthält alle Berichte bis zu seinem Monat. Rufen Sie `kim publish --period {newest}` auf."
        )
    return newest


def build_release(
    con: duckdb.DuckDBPyConnection,
    releases_dir: Path,
    *,
    city: str,
    k: int,
    period: str | None = None,
    now: datetime | None = None,
    published_dir: Path | None = None,
) -> BuiltRelease:
    """Audit, render and register a release of `period` (default: the newest month); ReleaseError
    (German) when the audit does not pass, the period is not the newest, or `published_dir` holds a
    release the register does not know (its figures would be missing from the audit)."""
    if published_dir is not None:
        check_register_knows(con, Path(published_dir))
    period = check_period(con, period)
    audit = run_disclosure_audit(con, k)
    if not audit.passed:
        raise ReleaseError(
            f"Die Offenlegungsprüfung hat {distinct_unprotected(audit)} verdeckte Zahlen gefunden, die ein Leser "
            "auf weniger als k Werte eingrenzen könnte. Es wurde kein Release gebaut. `kim audit` zeigt sie; "
            "nach einem vollständigen Lauf (`kim run --full`) erneut versuchen."
        )
    built_at = now or datetime.now(UTC)
    release_id, sequence = next_release_id(con, period)
    audited_with = approved_ids(con)
    previous = next((r for r in reversed(releases(con)) if r.approved), None)
    folder = Path(releases_dir) / release_id
    if folder.exists() and not any(r.release_id == release_id and not r.approved for r in releases(con)):
        raise ReleaseError(
            f"Der Ordner {folder} existiert schon, gehört aber zu keinem unveröffentlichten Release dieses "
            f"Warehouse, vielleicht zu einem Release von vor einem Neuaufbau des Warehouse. {RESTORE_REGISTER}"
        )
    staging = Path(releases_dir) / f".{release_id}.building"
    remove_tree(staging)
    staging.mkdir(parents=True)
    try:
        record = ReleaseRecord(
            release_id, period, sequence, built_at, "built", True, audited_with, "", str(folder.resolve())
        )
        render_published_reports(con, staging, city=city, k=k)
        shown = shown_values(as_the_reports_print(con, published_values(con)), k)
        write_open_data(staging, release_id, shown)
        changes = release_changes(con, staging, release_id, previous, shown, built_at)
        summary = _audit_summary(audit, k, audited_with)
        (staging / AUDIT_SUMMARY_NAME).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")  # fmt: skip
        write_release_page(staging, city=city, record=record, changes=changes, audit=summary)
        record = replace(record, manifest_sha256=write_manifest(staging, record))
        remove_tree(folder)  # an unapproved build of the same id (register_release refuses an approved one)
        cells, public = current_release(con)
        register_release(con, record, cells, public, shown)
        staging.rename(folder)
    except BaseException:
        remove_tree(staging)
        raise
    return BuiltRelease(record, folder, previous, changes.total)


def _audit_summary(audit: Any, k: int, audited_with: tuple[str, ...]) -> dict[str, Any]:
    """The verdict and what it covered, nothing counted: how many cells were targets depends on
    true values (hidden zeros, small unprinted counts) and is not for publication."""
    return {
        "k": k,
        "bestanden": bool(audit.passed),
        "leser": sorted("außen" if reader == OUTSIDE else reader for reader in audit.counts.get("readers", {})),
        "fruehere_releases_einbezogen": list(audited_with),
    }
