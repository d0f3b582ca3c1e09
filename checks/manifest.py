"""manifest.json: reading it and verifying a delivery's files against it (design §3)."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kim.config import ProgrammeConfig, Provider
from kim.contract import FORMAT_VERSION, LOCAL_TIME_ZONE, MANIFEST_NAME, PERIOD_PATTERN
from kim.errors import DeliveryRejected, Problems, noted
from kim.text import quoted

# Resource limits (docs/security.md). The decoder reads a CSV file whole and a workbook sheet by
# sheet, so a file far larger than any real export must be refused *before* it is read: the limit
# applies to every delivered file, and to a workbook's unpacked size (a small zip can unpack to
# gigabytes). 1 GiB is ~10x the largest file of a provider at tier L (design §8); KIM_MAX_FILE_BYTES
# sets another limit.
DEFAULT_MAX_FILE_BYTES = 1 << 30
MAX_FILE_BYTES_ENV = "KIM_MAX_FILE_BYTES"
# manifest.json is a few hundred bytes; it is parsed whole.
MAX_MANIFEST_BYTES = 1 << 20
# A manifest string (provider id, period, time, version) is short; a file name at most a file
# system's 255. Longer ones reject the delivery before they are quoted anywhere.
MAX_MANIFEST_FIELD_CHARS = 100
MAX_FILE_NAME_CHARS = 255
# Digest placeholders for files that are never opened: their name in a delivery's digest says why.
SYMLINK_DIGEST = "symbolic-link"
TOO_LARGE_DIGEST = "too-large:"


def max_file_bytes() -> int:
    """The largest delivered file accepted, in bytes (KIM_MAX_FILE_BYTES, default 1 GiB)."""
    configured = os.environ.get(MAX_FILE_BYTES_ENV, "").strip()
    if not configured:
        return DEFAULT_MAX_FILE_BYTES
    try:
        limit = int(configured)
    except ValueError:
        raise ValueError(f"{MAX_FILE_BYTES_ENV} must be a whole number of bytes, not '{configured}'") from None
    if limit < 1:
        raise ValueError(f"{MAX_FILE_BYTES_ENV} must be positive")
    return limit


@dataclass(frozen=True)
class FileEntry:
    rows: int
    sha256: str
    sheets: dict[str, int] | None = None


@dataclass(frozen=True)
class Manifest:
    delivery_dir: Path
    provider: Provider
    period: str
    exported_at: datetime
    format_version: str
    files: dict[str, FileEntry]
    districts: tuple[str, ...] = ()  # the city's district codes (kim.config), empty: no list


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def local_export_date(exported_at: datetime) -> date:
    """The export's calendar day in the city's time zone (no date in a delivery may be later)."""
    return exported_at.astimezone(LOCAL_TIME_ZONE).date()


def folder_digest(delivery_dir: Path) -> dict[str, str]:
    """sha256 of every file in a delivery folder, manifest included.

    Symbolic links are not followed (a link may point anywhere outside the landing folder) and files
    over the size limit are not read: both get a placeholder instead of a checksum, which
    verify_files rejects. Anything that is no regular file (folder, FIFO, device) is left out."""
    limit = max_file_bytes()
    digest = {}
    for path in sorted(delivery_dir.iterdir()):
        if path.is_symlink():
            digest[path.name] = SYMLINK_DIGEST
        elif path.is_file():
            size = path.stat().st_size
            digest[path.name] = sha256_of_file(path) if size <= limit else f"{TOO_LARGE_DIGEST}{size}"
    return digest


def linked_folder_rejection(delivery_dir: Path) -> DeliveryRejected | None:
    """A landing folder <landing>/<provider>/<YYYY-MM> must be a real folder in a real provider
    folder: a symbolic link (either level) could make the pipeline read files from anywhere.
    The landing folder itself may be a link (a mount point, say)."""
    landing = delivery_dir.parent.parent
    inside = landing.resolve() / delivery_dir.parent.name / delivery_dir.name
    if delivery_dir.is_symlink() or delivery_dir.parent.is_symlink() or delivery_dir.resolve() != inside:
        return DeliveryRejected(
            delivery_dir,
            "path_outside_landing",
            "the delivery folder or its provider folder is a symbolic link: deliveries must be real "
            "folders inside the landing folder; nothing in it was read",
        )
    return None


def content_key(delivery_dir: Path, digest: dict[str, str]) -> str:
    """Identifies what was delivered: the same files in the same provider/period folder."""
    key = hashlib.sha256(f"{delivery_dir.parent.name}|{delivery_dir.name}".encode())
    for name in sorted(digest):
        key.update(f"|{name}={digest[name]}".encode())
    return key.hexdigest()


# What a delivery folder that is a symbolic link is keyed on: the folder, never the link's target.
LINKED_FOLDER_DIGEST = {"(symbolic link)": ""}


def landed_digest(delivery_dir: Path, linked: bool) -> dict[str, str]:
    """folder_digest of a landing folder, without looking into it when it is a symbolic link
    (`linked`: what linked_folder_rejection found, computed once per delivery by the caller)."""
    return LINKED_FOLDER_DIGEST if linked else folder_digest(delivery_dir)


def delivery_id(delivery_dir: Path, key: str) -> str:
    return f"{delivery_dir.parent.name}_{delivery_dir.name}_{key[:12]}"


def _rejecter(delivery_dir: Path):
    def reject(rule: str, message: str) -> DeliveryRejected:
        return DeliveryRejected(delivery_dir, rule, message, file_name=MANIFEST_NAME)

    return reject


def _manifest_object(delivery_dir: Path) -> dict:
    """manifest.json as a JSON object with every required field, or a rejection."""
    path = delivery_dir / MANIFEST_NAME
    reject = _rejecter(delivery_dir)
    if path.is_symlink():
        raise reject(
            "file_symlink", "manifest.json is a symbolic link: deliveries must be plain files; it was not read"
        )
    if not path.is_file():
        raise DeliveryRejected(
            delivery_dir,
            "manifest_missing",
            "no manifest.json: every delivery needs one (design §3, exchange format v1)",
        )
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise reject(
            "file_too_large",
            f"manifest.json is larger than {MAX_MANIFEST_BYTES} bytes: it is no manifest; it was not read",
        )
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise reject("manifest_unreadable", f"manifest.json is not valid UTF-8 JSON: {error}") from None
    if not isinstance(raw, dict):
        raise reject("manifest_unreadable", "manifest.json must hold a JSON object")
    for key in ("provider_id", "period", "exported_at", "format_version", "files"):
        if key not in raw:
            raise reject("manifest_field_missing", f"manifest.json has no '{key}'")
    for key in ("provider_id", "period", "exported_at", "format_version"):
        length = len(str(raw[key]))
        if length > MAX_MANIFEST_FIELD_CHARS:
            raise reject(
                "manifest_field_too_long",
                f"manifest field '{key}' is {length} characters long (at most {MAX_MANIFEST_FIELD_CHARS}): "
                "it is no manifest value; correct the export",
            )
    return raw


def _provider_and_period(
    raw: dict, delivery_dir: Path, config: ProgrammeConfig, check_folder: bool
) -> tuple[Provider, str]:
    """Whose delivery and which month: configured, well-formed and (in landing) its folder's."""
    reject = _rejecter(delivery_dir)
    provider_id = str(raw["provider_id"])
    if provider_id not in config.providers:
        raise reject(
            "provider_unknown",
            f"provider '{quoted(provider_id)}' is not configured in {config.path.name}; "
            "ask the KI to add the provider before it delivers",
        )
    if check_folder and provider_id != delivery_dir.parent.name:
        raise reject(
            "provider_mismatch",
            f"manifest says provider '{quoted(provider_id)}' but the delivery lies in folder '{quoted(delivery_dir.parent.name)}'",
        )
    period = str(raw["period"])
    if not PERIOD_PATTERN.match(period):
        raise reject("period_invalid", f"period '{quoted(period)}' is not YYYY-MM")
    if check_folder and period != delivery_dir.name:
        raise reject(
            "period_mismatch",
            f"manifest says period '{quoted(period)}' but the delivery lies in folder '{quoted(delivery_dir.name)}'",
        )
    return config.providers[provider_id], period


def _exported_at(raw: dict, delivery_dir: Path) -> datetime:
    reject = _rejecter(delivery_dir)
    if str(raw["format_version"]) != FORMAT_VERSION:
        raise reject(
            "format_version",
            f"format_version '{quoted(raw['format_version'])}' is not supported (expected '{FORMAT_VERSION}')",
        )
    try:
        exported_at = datetime.fromisoformat(str(raw["exported_at"]).replace("Z", "+00:00"))
    except ValueError:
        raise reject("exported_at_invalid", f"exported_at '{quoted(raw['exported_at'])}' is not ISO 8601") from None
    if exported_at.tzinfo is None:
        raise reject("exported_at_invalid", "exported_at needs a time zone, e.g. +01:00 or Z")
    return exported_at


def _file_entries(raw: dict, delivery_dir: Path) -> dict[str, FileEntry]:
    reject = _rejecter(delivery_dir)
    files: dict[str, FileEntry] = {}
    if not isinstance(raw["files"], dict) or not raw["files"]:
        raise reject("manifest_files", "'files' must map each file name to {rows, sha256}")
    for name, entry in raw["files"].items():
        if len(name) > MAX_FILE_NAME_CHARS:
            raise reject(
                "manifest_field_too_long",
                f"a file name in 'files' is {len(name)} characters long (at most {MAX_FILE_NAME_CHARS}); correct the export",
            )
        # A listed name is only ever joined to the delivery folder: no path may lead out of it.
        if "/" in name or "\\" in name or name.startswith(".") or "\x00" in name or ":" in name:
            raise reject(
                "manifest_files", f"file name '{quoted(name)}' must be a plain name in the folder (no path, no '..')"
            )
        try:
            files[name] = FileEntry(
                rows=int(entry["rows"]),
                sha256=str(entry["sha256"]).lower(),
                sheets={str(k): int(v) for k, v in entry["sheets"].items()} if "sheets" in entry else None,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise reject("manifest_files", f"entry for '{quoted(name)}' needs integer 'rows' and 'sha256'") from None
    return files


def read_manifest(delivery_dir: Path, config: ProgrammeConfig, check_folder: bool = True) -> Manifest:
    """Parse and check manifest.json; in the landing folder, the folder layout must agree with it
    (`check_folder=False` for a provider's self-check of an export folder named as they like)."""
    raw = _manifest_object(delivery_dir)
    provider, period = _provider_and_period(raw, delivery_dir, config, check_folder)
    exported_at = _exported_at(raw, delivery_dir)
    return Manifest(
        delivery_dir=delivery_dir,
        provider=provider,
        period=period,
        exported_at=exported_at,
        format_version=FORMAT_VERSION,
        files=_file_entries(raw, delivery_dir),
        districts=config.districts,
    )


def expected_files(provider: Provider) -> set[str]:
    if provider.profile.format == "xlsx":
        return {"export.xlsx"}
    return {f"{table}.csv" for table in provider.tables}


def verify_files(manifest: Manifest, digest: dict[str, str], problems: Problems = None) -> None:
    """Every expected file is listed and present, no stray files, checksums match (a mismatch is
    kept in `problems` when given: kim.errors.noted).

    Row counts are verified by the decoder, which is the one that counts rows.
    """
    delivery_dir = manifest.delivery_dir
    for name in sorted(digest):
        if digest[name] == SYMLINK_DIGEST:
            raise DeliveryRejected(
                delivery_dir,
                "file_symlink",
                f"'{quoted(name)}' is a symbolic link: deliveries must be plain files inside the delivery "
                "folder; it was not read",
                file_name=quoted(name, MAX_FILE_NAME_CHARS),
            )
        if digest[name].startswith(TOO_LARGE_DIGEST):
            size = int(digest[name].removeprefix(TOO_LARGE_DIGEST))
            raise DeliveryRejected(
                delivery_dir,
                "file_too_large",
                f"the file has {size} bytes, more than the limit of {max_file_bytes()} bytes "
                f"({MAX_FILE_BYTES_ENV}); it was not read. Is it the right file? If exports really are "
                "this large, the KI raises the limit",
                file_name=quoted(name, MAX_FILE_NAME_CHARS),
            )
    expected = expected_files(manifest.provider)
    listed = set(manifest.files)
    for name in sorted(expected - listed):
        raise DeliveryRejected(
            delivery_dir,
            "file_missing",
            f"manifest.json does not list '{name}', which provider '{manifest.provider.id}' must deliver",
            file_name=MANIFEST_NAME,
        )
    for name in sorted(listed - expected):
        raise DeliveryRejected(
            delivery_dir,
            "file_unexpected",
            f"'{quoted(name)}' is not a table of exchange format v1 for this provider "
            f"(expected: {', '.join(sorted(expected))})",
            file_name=quoted(name, MAX_FILE_NAME_CHARS),
        )
    present = set(digest) - {MANIFEST_NAME}
    for name in sorted(present - listed):
        raise DeliveryRejected(
            delivery_dir,
            "file_unlisted",
            f"'{quoted(name)}' lies in the delivery but is not in manifest.json",
            file_name=quoted(name, MAX_FILE_NAME_CHARS),
        )
    for name in sorted(listed):
        if name not in digest:
            raise DeliveryRejected(
                delivery_dir,
                "file_missing",
                f"'{quoted(name)}' is listed in manifest.json but missing",
                file_name=quoted(name, MAX_FILE_NAME_CHARS),
            )
        actual = digest[name]
        if actual != manifest.files[name].sha256:
            # the file is still read in kim check's one pass: its rows may have problems too
            noted(
                problems,
                DeliveryRejected(
                    delivery_dir,
                    "checksum_mismatch",
                    f"sha256 is {actual}, manifest.json says {quoted(manifest.files[name].sha256)}: "
                    "the file changed after export or was transferred incompletely; export again",
                    file_name=quoted(name, MAX_FILE_NAME_CHARS),
                ),
            )
    for name in sorted(listed):
        if name.endswith(".xlsx"):
            _check_unpacked_size(delivery_dir, name)


def _check_unpacked_size(delivery_dir: Path, name: str) -> None:
    """A workbook is a zip archive: refuse one that would unpack beyond the file size limit."""
    try:
        with zipfile.ZipFile(delivery_dir / name) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: the decoder rejects it as unreadable, with its reason
    if unpacked > max_file_bytes():
        raise DeliveryRejected(
            delivery_dir,
            "file_too_large",
            f"the workbook unpacks to {unpacked} bytes, more than the limit of {max_file_bytes()} bytes "
            f"({MAX_FILE_BYTES_ENV}); it was not read",
            file_name=name,
        )
