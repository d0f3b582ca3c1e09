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

from reports.release.manifest import remove_tree, verify_manifest
from reports.release.page import write_published_index
from warehouse.releases import ReleaseError, ReleaseRecord, approved_ids, record_approval, release, releases

READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
READ_ONLY_DIR = READ_ONLY | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


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
            "Offenlegungsprüfung hat es nicht einbezogen. Bauen Sie ein neues Release (`kim publish`) und geben Sie "
            "dann dieses frei."
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
    """Approve and publish; ReleaseError (German) says why not and what to do. The approval is
    recorded before the copy is moved into place: a release is never readable without its record
    (the audit of every later release depends on it). An approval whose copy did not arrive (a
    crash in between) is finished by calling this again."""
    approved_by = " ".join(approved_by.split())
    if not approved_by:
        raise ReleaseError('Wer gibt frei? Geben Sie Ihren Namen an: `kim approve <release> --by "Name"`.')
    record = release(con, release_id)
    target = Path(published_dir) / release_id
    if record.approved and not target.exists():
        _publish_copy(record, target)  # finish an approval interrupted after it was recorded
        write_published_index(published_dir, city=city, records=releases(con))
        return record
    check_approvable(con, record)
    if target.exists():
        raise ReleaseError(f"{target} existiert schon: ein veröffentlichtes Release wird nie überschrieben.")
    verify_manifest(Path(record.folder), record.manifest_sha256)
    if not record_approval(con, release_id, approved_by, now or datetime.now(UTC), str(target.resolve())):
        raise ReleaseError(f"Release {release_id} wurde gleichzeitig anderswo freigegeben; `kim releases` zeigt es.")
    _publish_copy(release(con, release_id), target)
    write_published_index(published_dir, city=city, records=releases(con))
    return release(con, release_id)


def _publish_copy(record: ReleaseRecord, target: Path) -> None:
    """Copy the release folder beside (never inside) the published folder, check it against the
    manifest, move it into place, and make both copies read-only."""
    folder = Path(record.folder)
    verify_manifest(folder, record.manifest_sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    copying = target.parent.parent / f".{target.parent.name}-{record.release_id}.copying"
    remove_tree(copying)
    try:
        shutil.copytree(folder, copying)
        verify_manifest(copying, record.manifest_sha256)
        copying.rename(target)
    except BaseException:
        remove_tree(copying)
        raise
    for tree in (folder, target):
        make_read_only(tree)


def make_read_only(folder: Path) -> None:
    """Files and folders read-only for everybody (nothing can be changed, added or removed)."""
    paths = sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True)  # deepest first
    for path in [*paths, folder]:
        path.chmod(READ_ONLY_DIR if path.is_dir() else READ_ONLY)
