"""Provider-controlled text made inert for each place it is shown (design §6, issue 16).

A delivery controls its folder names, manifest strings, file names and cell values, and messages
quote some of them. Each sink gets them through one function here:

- a message (register, reports, metadata): `quoted` (control and invisible characters escaped,
  at most QUOTE_CHARS characters);
- the terminal: `for_terminal` (the same, and Rich markup escaped);
- Dagster metadata: plain text (`dg.MetadataValue.text`) of `printable` text, never Markdown;
- HTML: Jinja2 autoescape; CSV/XLSX downloads: reports.spreadsheet's formula guard.
"""

from __future__ import annotations

import re

# Control characters and invisible Unicode formatting (bidi overrides, zero-width, BOM): ANSI
# escapes can rewrite a screen, a bidi override can reverse what a line seems to say. They are
# shown as visible escapes instead. The line break stays.
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
QUOTE_CHARS = 80


def printable(text: str) -> str:
    """`text` with every control or invisible formatting character (not the line break) escaped."""
    return UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def quoted(value: object, limit: int = QUOTE_CHARS) -> str:
    """A delivered value for a message: printable, cut to `limit` characters ("…" marks the cut)."""
    text = printable(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def for_terminal(text: object) -> str:
    """Provider-controlled text for the terminal: printable, and Rich markup escaped (a provider id
    holding "[/yellow]" is text, not a crash)."""
    from rich.markup import escape

    return escape(printable(str(text)))


# A text cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made inert; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
