"""A release's manifest (issue 19): every file of the release folder with its size and SHA-256,
and what the release is. The manifest's own SHA-256 is kept in the warehouse, so approval can
prove that nothing in the folder changed after it was built, and readers can check a copy."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from warehouse.releases import ReleaseError, ReleaseRecord

MANIFEST_NAME = "manifest.json"
CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def release_files(folder: Path) -> list[Path]:
    """Every file of the release folder but the manifest, in a fixed order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST_NAME)


def write_manifest(folder: Path, record: ReleaseRecord) -> str:
    """Write manifest.json; returns its SHA-256."""
    manifest: dict[str, Any] = {
        "release": record.release_id,
        "zeitraum": record.period,
        "folge": record.sequence,
        "gebaut_am": record.built_at.isoformat(),
        "fruehere_releases_in_der_pruefung": list(record.audited_with),
        "dateien": [
            {"pfad": path.relative_to(folder).as_posix(), "bytes": path.stat().st_size, "sha256": sha256_of(path)}
            for path in release_files(folder)
        ],
    }
    path = folder / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return sha256_of(path)


def verify_manifest(folder: Path, expected_sha256: str) -> int:
    """Raise ReleaseError naming the first file that differs from the manifest (changed, missing or
    added) or a manifest that is not the one registered; returns the number of files checked."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise ReleaseError(
            f"{path} fehlt: der Release-Ordner ist unvollständig. Bauen Sie das Release neu (`kim publish`)."
        )
    if sha256_of(path) != expected_sha256:
        raise ReleaseError(
            f"{path} ist nicht das beim Bau registrierte Manifest. Bauen Sie das Release neu (`kim publish`)."
        )
    listed = {entry["pfad"]: entry for entry in json.loads(path.read_text(encoding="utf-8"))["dateien"]}
    present = {p.relative_to(folder).as_posix() for p in release_files(folder)}
    for name in sorted(present - set(listed)):
        raise ReleaseError(
            f"{folder / name} steht nicht im Manifest: nach dem Bau hinzugefügt. Bauen Sie das Release neu."
        )
    for name, entry in sorted(listed.items()):
        file = folder / name
        if not file.is_file():
            raise ReleaseError(f"{file} fehlt, steht aber im Manifest. Bauen Sie das Release neu (`kim publish`).")
        if sha256_of(file) != entry["sha256"]:
            raise ReleaseError(f"{file} wurde nach dem Bau verändert (Prüfsumme weicht ab). Bauen Sie das Release neu.")
    return len(listed)


def remove_tree(folder: Path) -> None:
    """Remove a release folder that is not published (its files and folders may be read-only)."""
    if not folder.exists():
        return
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    folder.chmod(0o755)
    shutil.rmtree(folder)
