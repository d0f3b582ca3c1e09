"""The pages of releases (issue 19): a release's own page (release.html: what it contains, what
changed against the newest approved release and why, the disclosure audit's verdict) and the index
of the published folder, which lists every approved release, newest first, grouped by year."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports.kit import formatting as fmt
from reports.kit.files import write_atomic
from reports.kit.templating import environment
from reports.release.changes import Changes
from reports.release.open_data import open_data_name
from warehouse.releases import ReleaseRecord

TEMPLATES = Path(__file__).resolve().parent / "templates"
RELEASE_PAGE = "release.html"
PUBLISHED_INDEX = "index.html"


def release_title(release_id: str, period: str, sequence: int) -> str:
    kind = "Erstveröffentlichung" if sequence == 1 else f"Korrektur {sequence - 1}"
    return f"Release {release_id}: Berichtsstand {fmt.month_year(period)} ({kind})"


def write_release_page(
    folder: Path, *, city: str, record: ReleaseRecord, changes: Changes, audit: dict[str, Any]
) -> Path:
    page = (
        environment(TEMPLATES)
        .get_template("release.html.j2")
        .render(
            title=release_title(record.release_id, record.period, record.sequence),
            city=city,
            record=record,
            built_on=fmt.date_long(record.built_at),
            changes=changes,
            audit=audit,
            open_data=f"downloads/{open_data_name(record.release_id)}",
            month_year=fmt.month_year,
            date_long=fmt.date_long,
            integer=fmt.integer,
        )
    )
    path = folder / RELEASE_PAGE
    write_atomic(path, page)
    return path


@dataclass(frozen=True)
class PublishedEntry:
    record: ReleaseRecord
    title: str
    href: str
    approved_on: str
    superseded: bool


def write_published_index(published_dir: Path, *, city: str, records: list[ReleaseRecord]) -> Path:
    """The index of the published folder: every approved release, by year, newest first; a release
    a later one of the same period corrects is marked as corrected, and stays readable."""
    approved = sorted((r for r in records if r.approved), key=lambda r: (r.period, r.sequence), reverse=True)
    newest_of_period: dict[str, int] = {}
    for r in approved:
        newest_of_period.setdefault(r.period, r.sequence)
    years: dict[str, list[PublishedEntry]] = {}
    for r in approved:
        entry = PublishedEntry(
            record=r,
            title=release_title(r.release_id, r.period, r.sequence),
            href=f"{r.release_id}/{RELEASE_PAGE}",
            approved_on=fmt.date_long(r.approved_at),
            superseded=newest_of_period[r.period] != r.sequence,
        )
        years.setdefault(r.period[:4], []).append(entry)
    page = (
        environment(TEMPLATES)
        .get_template("veroeffentlichungen.html.j2")
        .render(
            title=f"Veröffentlichungen Kommunales Integrationsmanagement {city}", city=city, years=list(years.items())
        )
    )
    path = Path(published_dir) / PUBLISHED_INDEX
    write_atomic(path, page)
    return path
