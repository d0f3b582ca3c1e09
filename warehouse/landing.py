"""Watching the landing folder: which delivery folders are complete and new.

A delivery is complete when its manifest.json is there and no file in the folder changed for a
quiet period (files still being copied keep changing). A folder is looked at again only when its
files changed, so a large landing folder is not re-hashed on every sensor tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from checks.manifest import MANIFEST_NAME, content_key, landed_digest, linked_folder_rejection
from transforms.delivery import find_delivery_dirs

DEFAULT_QUIET_SECONDS = 60


@dataclass(frozen=True)
class LandedDelivery:
    provider_id: str
    period: str
    path: Path
    content_key: str


def _entries(folder: Path, linked: bool = False) -> list[Path]:
    """The files of a delivery folder, symbolic links included but never followed (lstat): a link
    may point outside the landing folder, or nowhere. A linked folder is not looked into."""
    if linked:
        return []
    return [p for p in folder.iterdir() if p.is_symlink() or p.is_file()]


def folder_fingerprint(folder: Path, linked: bool) -> str:
    """Cheap identity of a folder's current state: names, sizes and modification times."""
    entries = sorted((p.name, p.lstat().st_size, p.lstat().st_mtime_ns) for p in _entries(folder, linked))
    return repr(entries)


def latest_change(folder: Path) -> float:
    return max((p.lstat().st_mtime for p in _entries(folder)), default=folder.lstat().st_mtime)


def scan_landing(
    landing_dir: Path, seen: dict[str, str], now: float, quiet_seconds: float = DEFAULT_QUIET_SECONDS
) -> tuple[list[LandedDelivery], dict[str, str]]:
    """Complete delivery folders that changed since `seen` (folder -> fingerprint), and the new
    `seen` state. A folder still changing is left for a later scan."""
    ready, state = [], dict(seen)
    for folder in find_delivery_dirs(landing_dir):
        # A linked folder is handed on at once: loading registers its rejection (and reads nothing).
        linked = linked_folder_rejection(folder) is not None
        if not linked and (not (folder / MANIFEST_NAME).is_file() or now - latest_change(folder) < quiet_seconds):
            continue
        fingerprint = folder_fingerprint(folder, linked)
        if seen.get(str(folder)) == fingerprint:
            continue
        state[str(folder)] = fingerprint
        ready.append(
            LandedDelivery(folder.parent.name, folder.name, folder, content_key(folder, landed_digest(folder, linked)))
        )
    return ready, state
