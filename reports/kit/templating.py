"""The Jinja2 environment of the reports: a report's own templates first, then the kit's
shared ones (`base.html.j2`, `_macros.html.j2`, `index.html.j2`)."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
import markupsafe

KIT_TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.cache
def environment(templates: Path | None = None) -> jinja2.Environment:
    """The environment for a report whose templates are in `templates` (None: the kit's only).
    Autoescaping is on for every template."""
    search = [templates, KIT_TEMPLATES] if templates is not None else [KIT_TEMPLATES]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    return env


def css_string(text: object) -> markupsafe.Markup:
    """`text` as a quoted CSS string for a <style> element: quotes, backslashes and line breaks
    escaped, and every character that could end the element or the string (`<`, `>`, `&`) written
    as a CSS escape, so no title can break out of the style sheet."""
    out = []
    for char in str(text):
        if char in '"\\<>&\n\r' or ord(char) < 32:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return markupsafe.Markup('"' + "".join(out) + '"')
