"""Reading report HTML in tests, and opening reports in headless Chromium.

One parser for every report: `parse` turns a report into a small element tree (`Page`) and the
report tests read what they check from it — headings, table cells by `data-*` attributes, figures,
links, charts, the visible text. The browser helpers open a report in the Chromium that CI
installs (`KIM_REQUIRE_BROWSER=1` makes a missing browser a failure instead of a skip).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

# ---------------------------------------------------------------------------------------------
# The element tree

VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
URL_ATTRIBUTES = ("src", "href", "xlink:href", "action", "poster", "data")
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def squash(text: str) -> str:
    """Collapse runs of ordinary white space; non-breaking spaces stay (they are part of the
    German number formats, e.g. "490\u00a0€")."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def words(text: str) -> str:
    """Collapse every kind of white space, non-breaking spaces included, to single spaces."""
    return " ".join(text.split())


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str | None]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def has(self, name: str) -> bool:
        return name in self.attrs

    @property
    def classes(self) -> list[str]:
        return (self.get("class") or "").split()

    def raw_text(self, skip: frozenset[str] = frozenset()) -> str:
        """The text of the element and its descendants, joined as it stands in the file;
        subtrees whose tag is in `skip` are left out."""
        parts: list[str] = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag not in skip:
                parts.append(child.raw_text(skip))
        return "".join(parts)

    @property
    def text(self) -> str:
        return squash(self.raw_text())

    def ancestor(self, tag: str) -> Element | None:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node

    def iter(self, *tags: str) -> Iterator[Element]:
        """Descendants in document order (only those with one of `tags`, if given)."""
        for child in self.children:
            if isinstance(child, Element):
                if not tags or child.tag in tags:
                    yield child
                yield from child.iter(*tags)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self._open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), parent=self._open[-1])
        self._open[-1].children.append(element)
        if tag not in VOID_TAGS:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self._open[-1].children.append(Element(tag, dict(attrs), parent=self._open[-1]))

    def handle_endtag(self, tag):
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data):
        self._open[-1].children.append(data)


# ---------------------------------------------------------------------------------------------
# A report page


class Page:
    """A parsed report with the views the report tests read."""

    def __init__(self, html: str) -> None:
        builder = _TreeBuilder()
        builder.feed(html)
        builder.close()
        self.root = builder.root
        self.elements = list(self.root.iter())
        self._cells: dict[tuple[str, ...], dict[tuple[str | None, ...], str]] = {}

    def find_all(self, *tags: str, attr: str | None = None) -> list[Element]:
        """Elements with one of `tags` (any tag if none given) that carry `attr` (if given)."""
        return [e for e in self.elements if (not tags or e.tag in tags) and (attr is None or e.has(attr))]

    # headings, text, links ------------------------------------------------------------------

    @cached_property
    def headings(self) -> list[tuple[int, str]]:
        """(level, text) of every heading in document order."""
        return [(int(e.tag[1]), e.text) for e in self.find_all(*HEADINGS)]

    def heading_texts(self, level: int) -> list[str]:
        return [text for lvl, text in self.headings if lvl == level]

    @property
    def plain(self) -> str:
        """All text outside the charts' SVG, squashed."""
        return squash(self.root.raw_text(skip=frozenset({"svg"})))

    @property
    def tags(self) -> set[str]:
        return {e.tag for e in self.elements}

    @property
    def urls(self) -> list[tuple[str, str, str]]:
        """(tag, attribute, value) of every attribute that can hold a URL."""
        return [
            (e.tag, name, value) for e in self.elements for name in URL_ATTRIBUTES if (value := e.get(name)) is not None
        ]

    # tables -----------------------------------------------------------------------------------

    @cached_property
    def tables(self) -> dict[str, Element]:
        """Every table by id (a table without one is `table-<n>`, n counting from 0)."""
        return {e.get("id") or f"table-{n}": e for n, e in enumerate(self.find_all("table"))}

    def caption(self, table_id: str) -> str | None:
        captions = list(self.tables[table_id].iter("caption"))
        return captions[0].text if captions else None

    def th_without_scope(self) -> list[str]:
        """The ids of the tables that hold a header cell without a scope (once per such cell)."""
        return [
            table_id
            for table_id, table in self.tables.items()
            for th in table.iter("th")
            if not th.has("scope") and th.ancestor("table") is table
        ]

    def cells(self, *extra: str) -> dict[tuple[str | None, ...], str]:
        """Text of every table cell with a figure: (table id, data-indicator, data-key, *the
        values of the `extra` attributes) -> text."""
        if extra in self._cells:
            return self._cells[extra]
        out = self._cells[extra] = {}
        for td in self.find_all("td", attr="data-indicator"):
            table = td.ancestor("table")
            table_id = table.get("id") if table is not None else None
            key = (table_id, td.get("data-indicator"), td.get("data-key"), *(td.get(name) for name in extra))
            out[key] = td.text
        return out

    def row_cells(self, table_id: str, attr: str, row_attr: str = "data-key") -> dict[tuple[str | None, str], str]:
        """Cells of one table that carry `attr`: (the row's `row_attr`, the cell's `attr`) -> text."""
        out: dict[tuple[str | None, str], str] = {}
        for td in self.tables[table_id].iter("td"):
            value = td.get(attr)
            if value is not None:
                row = td.ancestor("tr")
                out[(row.get(row_attr) if row is not None else None, value)] = td.text
        return out

    def row_texts(self, table_id: str) -> dict[str | None, list[str]]:
        """The data cells' texts of every row of a table that has a data-key, by that key."""
        return {tr.get("data-key"): [td.text for td in tr.iter("td")] for tr in self.tables[table_id].iter("tr") if tr.has("data-key")}  # fmt: skip

    def figures(self) -> list[tuple[str, str]]:
        """(indicator, text) of every element that carries a figure (td, p, span or div with
        `data-indicator`), in document order."""
        return [
            (e.get("data-indicator") or "", e.text)
            for e in self.find_all("td", "p", "span", "div", attr="data-indicator")
        ]

    # charts and cards -------------------------------------------------------------------------

    def chart_ids(self) -> list[str | None]:
        """The ids of the SVG charts (`<svg class="chart">`)."""
        return [e.get("id") for e in self.find_all("svg") if "chart" in e.classes]

    def svg_texts(self) -> dict[str, str]:
        """'title:<id>' and 'desc:<id>' -> text of the <title>/<desc> elements inside SVGs."""
        return {
            f"{e.tag}:{e.get('id')}": e.text for e in self.find_all("title", "desc") if e.ancestor("svg") is not None
        }

    def cards(self) -> dict[str | None, list[str]]:
        """The key-figure cards (`<div class="card" data-indicator=…>`): their paragraphs' texts."""
        return {
            e.get("data-indicator"): [p.text for p in e.iter("p")] for e in self.find_all("div") if "card" in e.classes
        }


def parse(source: str | Path) -> Page:
    """A report from its HTML text or its file."""
    if isinstance(source, Path):
        source = source.read_text(encoding="utf-8")
    return Page(source)


# ---------------------------------------------------------------------------------------------
# Headless Chromium

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser_or_skip() -> Any:
    """playwright's `sync_playwright`, or skip the test (fail it under KIM_REQUIRE_BROWSER=1)
    when Chromium or playwright is missing."""
    required = os.environ.get("KIM_REQUIRE_BROWSER") == "1"
    if not Path(CHROMIUM).exists():
        if required:
            pytest.fail(f"{CHROMIUM} is missing but KIM_REQUIRE_BROWSER=1")
        pytest.skip(f"headless browser test needs Chromium at {CHROMIUM} (not installed)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            pytest.fail("playwright is not installed but KIM_REQUIRE_BROWSER=1")
        pytest.skip("headless browser test needs the playwright Python package")
    return sync_playwright


@dataclass
class Traffic:
    """What a page did while it was open: every request, failed requests, console errors."""

    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)  # e.g. a Content-Security-Policy violation

    @property
    def external(self) -> list[str]:
        """Requests that left the file (anything but file:// and data: URLs)."""
        return [u for u in self.requests if not (u.startswith("file://") or u.startswith("data:"))]


@contextmanager
def chromium_page(width: int = 1280, height: int = 900) -> Iterator[tuple[Any, Traffic]]:
    """A fresh page in headless Chromium and the record of its traffic; skips (or fails under
    KIM_REQUIRE_BROWSER=1) without a browser."""
    sync_playwright = browser_or_skip()
    traffic = Traffic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("request", lambda request: traffic.requests.append(request.url))
            page.on("requestfailed", lambda request: traffic.failed.append(request.url))
            page.on("console", lambda msg: traffic.console_errors.append(msg.text) if msg.type == "error" else None)
            yield page, traffic
        finally:
            browser.close()


def printed_pages(path: Path) -> list[str]:
    """The text of every page of `path` printed to PDF by headless Chromium (A4 from the page's own
    @page rule, the browser's own header and footer off, as when printing with the CSS's)."""
    import io

    import pypdf

    with chromium_page() as (page, _):
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        pdf = page.pdf(prefer_css_page_size=True)
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def check_printed(path: Path, title: str) -> list[str]:
    """Every printed page carries the report's title and "Seite n von N" in its footer, never a
    file path; the last page is not near-empty (at least a fifth of a median page's text).
    Returns the pages."""
    pages = printed_pages(path)
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Seite {number} von {total}" in text, (number, text[-200:])
        assert title in text, (number, text[-200:])
        assert "file:" not in text and str(path.parent) not in text
    content = [len(text.replace(f"Seite {n} von {total}", "").replace(title, "")) for n, text in enumerate(pages, start=1)]  # fmt: skip
    assert content[-1] >= 0.2 * sorted(content)[len(content) // 2], content
    return pages


def assert_same_files(first: Path, second: Path) -> None:
    """Two folders hold the same files, byte for byte."""
    names = sorted(f.relative_to(first) for f in first.rglob("*") if f.is_file())
    assert names == sorted(f.relative_to(second) for f in second.rglob("*") if f.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
