"""Approving a release (issue 19, `kim approve`): only an approved release is published. Approval
checks that the release was audited together with every release approved so far and that its
folder is exactly what was built (manifest), records who approved it and when, copies it into the
published folder (whole, then renamed into place), makes both copies read-only and rewrites the
index of the published folder."""

from __future__ import annotations

import shutil
import stat
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reports.release.manifest import verify_manifest
from reports.release.page import write_published_index
from warehouse.releases import ReleaseError, ReleaseRecord, approved_ids, record_approval, release, releases

READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def check_approvable(con: duckdb.DuckDBPyConnection, record: ReleaseRecord) -> None:
    if record.approved:
        raise ReleaseError(
            f"Release {record.release_id} ist bereits freigegeben (am {record.approved_at:%d.%m.%Y} von "
            f"{record.approved_by}). Eine Korrektur wird ein neues Release: `kim publish`."
        )
    if not record.audit_passed:
        raise ReleaseError(f"Release {record.release_id} hat die Offenlegungsprüfung nicht bestanden.")
    missing = sorted(set(approved_ids(con)) - set(record.audited_with))
    if missing:
        raise ReleaseError(
            f"Seit Release {record.release_id} gebaut wurde, ist {', '.join(missing)} freigegeben worden; die "
            f"Offenlegungsprüfung hat es nicht einbezogen. Bauen Sie das Release neu (`kim publish --period "
            f"{record.period}`) und geben Sie dann das neue frei."
        )


def approve_release(
    con: duckdb.DuckDBPyConnection,
    release_id: str,
    *,
    approved_by: str,
    published_dir: Path,
    city: str,
    now: datetime | None = None,
) -> ReleaseRecord:
    """Approve and publish; ReleaseError (German) says why not and what to do."""
    approved_by = " ".join(approved_by.split())
    if not approved_by:
        raise ReleaseError('Wer gibt frei? Geben Sie Ihren Namen an: `kim approve <release> --by "Name"`.')
    record = release(con, release_id)
    check_approvable(con, record)
    folder = Path(record.folder)
    verify_manifest(folder, record.manifest_sha256)
    target = Path(published_dir) / release_id
    if target.exists():
        raise ReleaseError(f"{target} existiert schon: ein veröffentlichtes Release wird nie überschrieben.")
    copying = Path(published_dir) / f".{release_id}.copying"
    shutil.rmtree(copying, ignore_errors=True)
    shutil.copytree(folder, copying)
    verify_manifest(copying, record.manifest_sha256)
    approved_at = now or datetime.now(UTC)
    record_approval(con, release_id, approved_by, approved_at, str(target))
    copying.rename(target)
    for tree in (folder, target):
        make_read_only(tree)
    write_published_index(published_dir, city=city, records=releases(con))
    return release(con, release_id)


def make_read_only(folder: Path) -> None:
    """Files read-only for everybody (the folders stay enterable)."""
    for path in folder.rglob("*"):
        if path.is_file():
            path.chmod(READ_ONLY)
