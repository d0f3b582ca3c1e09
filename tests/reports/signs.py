"""The signs of hidden figures as a reader sees them (design §6), written out here rather than
imported from reports.suppression, so that a test fails when the report's sign changes.

`old_sign_findings` lists what a published report must no longer contain: the reason- and
size-telling signs and words of the old display rules ("< 5" for a count of 1–4, "x" for a
secondary suppression, "–" for a hidden share, "gesperrt", "zwischen 1 und …")."""

from __future__ import annotations

import re

from tests.html_helpers import parse

HIDDEN = "\u2022"  # "•": every hidden figure
HIDDEN_NOTE = "Aus Datenschutzgründen nicht ausgewiesen (\u2022)."
LEGEND = [
    (HIDDEN, "Zahlenwert unbekannt oder geheim zu halten"),
    ("0", "genau null"),
]

# Text that tells the size or the reason of a hidden cell. Matched on the HTML as written
# (escaped), case-insensitively.
OLD_TEXT = re.compile(
    r"&lt;\s*\d|&lt;\s*k\b|zwischen 1 und|gesperrt|sperrung"
    r"|sekundär|zu wenige|zu kleine|Fallzahl(en)? von 1 bis",
    re.IGNORECASE,
)
# Hidden-figure signs of the old rules, as the whole text of a figure cell.
OLD_CELL_SIGNS = {"x", "–", "-", "< 5", "<5"}


def old_sign_findings(path) -> list[str]:
    """What in the report at `path` still shows an old sign or tells why or how small a hidden
    figure is (empty: nothing)."""
    html = path.read_text(encoding="utf-8")
    found = [f"text {m.group(0)!r}" for m in OLD_TEXT.finditer(html)]
    page = parse(path)
    for element in page.find_all(attr="data-indicator"):
        if element.text in OLD_CELL_SIGNS:
            found.append(f"cell {element.get('data-indicator')}/{element.get('data-key')} = {element.text!r}")
        classes = set(element.classes)
        if classes & {"cell-primary", "cell-secondary"}:
            found.append(f"class {sorted(classes)}")
        if "cell-hidden" in classes and (element.text != HIDDEN or element.get("title") != HIDDEN_NOTE):
            found.append(f"hidden cell {element.text!r} with note {element.get('title')!r}")
    for dt in page.find_all("dt"):
        if dt.text in OLD_CELL_SIGNS:
            found.append(f"legend sign {dt.text!r}")
    return found
