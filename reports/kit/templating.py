"""The Jinja2 environment of the reports: a report's own templates first, then the kit's
shared ones (`base.html.j2`, `_macros.html.j2`, `index.html.j2`)."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

KIT_TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.cache
def environment(templates: Path | None = None) -> jinja2.Environment:
    """The environment for a report whose templates are in `templates` (None: the kit's only).
    Autoescaping is on for every template."""
    search = [templates, KIT_TEMPLATES] if templates is not None else [KIT_TEMPLATES]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
