"""Issue 18: a German guide per user group, linked from the README, whose links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDES = sorted((ROOT / "docs" / "de").glob("*.md"))
LINK = re.compile(r"\]\(([^)#]+)(?:#[^)]*)?\)")


def test_there_is_a_guide_for_every_user_group_and_the_readme_links_each():
    names = {guide.name for guide in GUIDES}
    # providers (and their exchange format), data stewards, evaluators, the KI's analysts and operators
    assert {"traeger.md", "austauschformat.md", "datenqualitaet.md", "berichte.md", "analyse.md", "betrieb.md"} <= names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [name for name in sorted(names) if f"(docs/de/{name})" not in readme] == []


def test_every_relative_link_in_the_guides_leads_to_a_file():
    broken = []
    for guide in GUIDES:
        for target in LINK.findall(guide.read_text(encoding="utf-8")):
            if "://" not in target and not (guide.parent / target).exists():
                broken.append(f"{guide.name}: {target}")
    assert broken == []
