"""Building a release (issue 19, `kim publish`): the published reports with their downloads, the
open-data table, what changed against the newest approved release, the disclosure audit's
summary and a manifest with the checksum of every file, in releases_dir/<release id>/. Built in a
temporary folder and moved into place whole; registered in the warehouse with the cells the audit
saw (warehouse.releases), so that every later audit includes it once approved.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from reports.kit.sql import KIT
from reports.publish import render_published_reports
from reports.release.changes import release_changes
from reports.release.manifest import write_manifest
from reports.release.open_data import shown_values, write_open_data
from reports.release.page import write_release_page
from transforms.disclosure import OUTSIDE
from warehouse.disclosure_audit import current_release, run_disclosure_audit
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
) -> BuiltRelease:
    """Audit, render and register a release of `period` (default: the newest month); ReleaseError
    (German) when the audit does not pass or the period is not the newest."""
    period = check_period(con, period)
    audit = run_disclosure_audit(con, k)
    if not audit.passed:
        raise ReleaseError(
            f"Die Offenlegungsprüfung hat {audit.counts.get('unprotected', 0)} verdeckte Zahlen gefunden, die ein Leser "
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
            "Warehouse. Verschieben Sie ihn (er kann zu einem anderen Warehouse gehören) und starten Sie erneut."
        )
    staging = Path(releases_dir) / f".{release_id}.building"
    _remove(staging)
    staging.mkdir(parents=True)
    try:
        record = ReleaseRecord(release_id, period, sequence, built_at, "built", True, audited_with, "", str(folder))
        render_published_reports(con, staging, city=city, k=k)
        shown = shown_values(published_values(con), k)
        write_open_data(staging, release_id, shown)
        changes = release_changes(con, staging, release_id, previous, shown, built_at)
        summary = _audit_summary(audit, k, audited_with)
        (staging / AUDIT_SUMMARY_NAME).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")  # fmt: skip
        write_release_page(staging, city=city, record=record, changes=changes, audit=summary)
        record = replace(record, manifest_sha256=write_manifest(staging, record))
        _remove(folder)  # an unapproved build of the same id (register_release refuses an approved one)
        cells, public = current_release(con)
        register_release(con, record, cells, public, shown)
        staging.rename(folder)
    except BaseException:
        _remove(staging)
        raise
    return BuiltRelease(record, folder, previous, changes.total)


def _audit_summary(audit: Any, k: int, audited_with: tuple[str, ...]) -> dict[str, Any]:
    """Counts only: the audit's cells hold true values and never leave the warehouse."""
    counts = audit.counts
    return {
        "k": k,
        "bestanden": bool(audit.passed),
        "verdeckte_zahlen": counts.get("hidden", 0),
        "gepruefte_zahlen": counts.get("targets", 0),
        "zu_eng_eingegrenzt": counts.get("unprotected", 0),
        "leser": sorted("außen" if reader == OUTSIDE else reader for reader in counts.get("readers", {})),
        "fruehere_releases_einbezogen": list(audited_with),
    }


def _remove(folder: Path) -> None:
    """A folder of an unapproved build (its files may be read-only)."""
    if not folder.exists():
        return
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)
