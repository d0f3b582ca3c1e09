"""The index page of a reports folder: every report file by year (newest first), in a year by type, with short titles."""

from __future__ import annotations

import html
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from reports.kit.files import write_atomic
from reports.kit.templating import environment

INDEX_NAME = "index.html"
DOWNLOADS_DIR = "downloads"  # reports.kit.downloads writes there (that module imports this one's names)


@dataclass(frozen=True)
class IndexEntry:
    href: str
    title: str  # the report's short title (its <meta name="kim:short-title">, else its <title>)
    filename: str
    period: str = ""  # "YYYY-MM" or "YYYY" taken from the file name, "" if none

    @property
    def year(self) -> str:
        return self.period[:4]


@dataclass(frozen=True)
class IndexGroup:
    title: str
    entries: list[IndexEntry] = field(default_factory=list)


@dataclass(frozen=True)
class IndexYear:
    """One year of the index (newest first): its reports by type, each type newest first."""

    title: str
    groups: list[IndexGroup] = field(default_factory=list)


REPORT_SUFFIXES = (".html", ".pdf", ".csv", ".xlsx")


# File name prefix -> group heading (other renderers should follow these names).
INDEX_GROUPS = (
    (("monatsbericht",), "Monatsberichte"),
    (("jahresbericht", "jahresevaluation", "evaluation"), "Jahresberichte und Evaluation"),
    (("rueckmeldung", "traegerbericht", "provider_feedback", "feedback"), "Rückmeldungen an die Träger"),
    (("datenqualitaet", "data_quality", "dq"), "Datenqualität (intern)"),
)


OTHER_GROUP = "Weitere Berichte"
NO_YEAR = "Ohne Jahr"


TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SHORT_TITLE_RE = re.compile(r'<meta name="kim:short-title" content="([^"]*)">')


_MONTH_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(0[1-9]|1[0-2])(?!\d)")


_YEAR_IN_NAME = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _report_title(path: Path) -> str:
    if path.suffix.lower() == ".html":
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                head = handle.read(65536)
        except OSError:
            head = ""
        match = _SHORT_TITLE_RE.search(head) or TITLE_RE.search(head)
        if match:
            title = " ".join(html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())
            if title:
                return title
    return path.name


def _group_of(path: Path) -> str:
    name = path.name.lower()
    for prefixes, title in INDEX_GROUPS:
        if any(name.startswith(prefix) for prefix in prefixes):
            return title
    return OTHER_GROUP


def _period_of(filename: str) -> str:
    """The period a report file is about, from its name: 'YYYY-MM', else 'YYYY', else ''."""
    match = _MONTH_IN_NAME.search(filename)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    match = _YEAR_IN_NAME.search(filename)
    return match.group(1) if match else ""


def _newest_first(entries: list[IndexEntry]) -> list[IndexEntry]:
    """Newest period first (a year sorts after the months of that year), files without a
    period last; within one period by file name."""

    def key(entry: IndexEntry) -> tuple[int, str]:
        period = entry.period if len(entry.period) == 7 else entry.period + "-99"
        return (0 if entry.period else 1, period)

    by_name = sorted(entries, key=lambda e: e.filename)
    dated = sorted((e for e in by_name if e.period), key=key, reverse=True)
    return dated + [e for e in by_name if not e.period]


def _by_year(entries: list[tuple[str, IndexEntry]]) -> list[IndexYear]:
    """Years newest first ("Ohne Jahr" last); in a year the types in INDEX_GROUPS order, each
    newest first."""
    order = [title for _, title in INDEX_GROUPS] + [OTHER_GROUP]
    years: dict[str, dict[str, list[IndexEntry]]] = {}
    for group, entry in entries:
        years.setdefault(entry.year or NO_YEAR, {}).setdefault(group, []).append(entry)
    ordered = sorted((y for y in years if y != NO_YEAR), reverse=True) + ([NO_YEAR] if NO_YEAR in years else [])
    return [
        IndexYear(year, [IndexGroup(t, _newest_first(years[year][t])) for t in order if t in years[year]])
        for year in ordered
    ]


def render_index(reports_dir: Path, *, city: str) -> Path:
    """(Re)write reports_dir/index.html linking every report file in the folder and its
    subfolders (HTML, PDF, CSV, XLSX; hidden and temporary files and the reports' downloads are
    skipped), by year (newest first), in a year by type, each with its short title."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for path in sorted(reports_dir.rglob("*")):
        rel = path.relative_to(reports_dir)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts) or rel.parts[0] == DOWNLOADS_DIR:
            continue  # a report's downloads are linked from the report itself
        if path.suffix.lower() not in REPORT_SUFFIXES or rel.as_posix() == INDEX_NAME:
            continue
        files.append((rel, path))
    entries = [
        (
            _group_of(path),
            IndexEntry(
                href=urllib.parse.quote(rel.as_posix()),
                title=_report_title(path),
                filename=rel.as_posix(),
                period=_period_of(path.name),
            ),
        )
        for rel, path in files
    ]
    page = (
        environment()
        .get_template("index.html.j2")
        .render(
            city=city,
            title=f"Berichte Kommunales Integrationsmanagement {city}",
            years=_by_year(entries),
            count=len(files),
        )
    )
    path = reports_dir / INDEX_NAME
    write_atomic(path, page)
    return path
