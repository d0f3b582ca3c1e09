"""Watching the landing folder: which delivery folders are complete and new.

A delivery is complete when its manifest.json is there and no file in the folder changed for a
quiet period (files still being copied keep changing). A folder is looked at again only when its
files changed, so a large landing folder is not re-hashed on every sensor tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from checks.manifest import MANIFEST_NAME, content_key, folder_digest
from transforms.delivery import find_delivery_dirs

DEFAULT_QUIET_SECONDS = 60


@dataclass(frozen=True)
class LandedDelivery:
    provider_id: str
    period: str
    path: Path
    content_key: str


def folder_fingerprint(folder: Path) -> str:
    """Cheap identity of a folder's current state: names, sizes and modification times."""
    entries = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file())
    return repr(entries)


def latest_change(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.iterdir() if p.is_file()), default=folder.stat().st_mtime)


def scan_landing(
    landing_dir: Path, seen: dict[str, str], now: float, quiet_seconds: float = DEFAULT_QUIET_SECONDS
) -> tuple[list[LandedDelivery], dict[str, str]]:
    """Complete delivery folders that changed since `seen` (folder -> fingerprint), and the new
    `seen` state. A folder still changing is left for a later scan."""
    ready, state = [], dict(seen)
    for folder in find_delivery_dirs(landing_dir):
        if not (folder / MANIFEST_NAME).is_file() or now - latest_change(folder) < quiet_seconds:
            continue
        fingerprint = folder_fingerprint(folder)
        if seen.get(str(folder)) == fingerprint:
            continue
        state[str(folder)] = fingerprint
        ready.append(LandedDelivery(folder.parent.name, folder.name, folder, content_key(folder, folder_digest(folder))))
    return ready, state
