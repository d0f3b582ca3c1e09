"""docs/indicators.md, generated from the specs and docs_template.md (the explanatory sections
that are not about one indicator). Usage:

    python -m transforms.indicators.docs > docs/indicators.md
    python -m transforms.indicators.docs --check docs/indicators.md   # exit 1 when stale
"""

from __future__ import annotations

import sys

from kim.generated_docs import generated_doc_main
from transforms.indicators.registry import INDICATORS, PACKAGE_DIR
from transforms.indicators.spec import Indicator, Relation, Term

TEMPLATE = PACKAGE_DIR / "docs_template.md"
SECTION_MARKER = "<!-- indicators: {section} -->"
RELATIONS_MARKER = "<!-- relations -->"
GENERATED_NOTE = (
    "Generated from transforms/indicators/specs/ and transforms/indicators/docs_template.md by "
    "`python -m transforms.indicators.docs > docs/indicators.md`: edit those, not this file."
)
TABLE_HEADER = (
    "| indicator_id | German name | definition | value / numerator / denominator | breakdowns |\n"
    "|---|---|---|---|---|\n"
)
RELATIONS_HEADER = "| indicator_id | time | adds up | relations |\n|---|---|---|---|\n"
SIGN = {"equal": "=", "at_most": "≤", "at_least": "≥"}
PROVIDERS = {"each_and_all": "", "each": "per provider", "all": "for `all`"}


def indicator_table(specs: list[Indicator]) -> str:
    rows = []
    for spec in specs:
        assert spec.docs is not None  # the loader requires it
        rows.append(
            f"| `{spec.id}` | {spec.label} | {spec.docs.definition} | {spec.docs.columns} | {spec.docs.breakdowns} |\n"
        )
    return TABLE_HEADER + "".join(rows)


def term_text(term: Term, own_id: str) -> str:
    if term.public:
        figure = f"*{term.public}*"
    else:
        name = "" if term.indicator == own_id else f"`{term.indicator}`."
        figure = f"{name}{term.column}"
        if term.period_offset:
            figure += f"(P{term.period_offset:+d})".replace("-", "−")
        if term.dimension:
            figure += f"[{term.dimension}={term.dimension_value}]"
        if term.sum_over_providers:
            figure = f"Σ providers {figure}"
    factor = abs(term.coefficient)
    return figure if factor == 1 else f"{factor:g} × {figure}"


def relation_text(relation: Relation, own_id: str) -> str:
    left = term_text(relation.left, own_id)
    if relation.type == "quotient":
        assert relation.numerator is not None and relation.denominator is not None
        formula = f"{left} = {term_text(relation.numerator, own_id)} / {term_text(relation.denominator, own_id)}"
    else:
        right = ""
        for number, term in enumerate(relation.right):
            sign = "−" if term.coefficient < 0 else "+"
            text = term_text(term, own_id)
            right += (f"−{text}" if sign == "−" else text) if number == 0 else f" {sign} {text}"
        formula = f"{left} {SIGN[relation.type]} {right}"
    scope = [
        "each cell" if relation.cells == "matching" else "",
        PROVIDERS[relation.providers],
        "" if relation.periods == "both" else f"{relation.periods} only",
    ]
    where = ", ".join(part for part in scope if part)
    return f"{formula}{f' ({where})' if where else ''}: {relation.about}"


def relations_table(specs: tuple[Indicator, ...]) -> str:
    rows = []
    for spec in specs:
        adds = spec.adds_up
        if adds.columns and adds.over:
            added = f"{', '.join(adds.columns)} over {', '.join(adds.over)}"
            added += "".join(f"; {name} also to {a} and {b}" for name, (a, b) in adds.crossed)
        else:
            added = "–"
        relations = "<br>".join(relation_text(r, spec.id) for r in spec.relations) or "–"
        rows.append(f"| `{spec.id}` | {spec.time} | {added} | {relations} |\n")
    return RELATIONS_HEADER + "".join(rows)


def render(template: str | None = None, specs: tuple[Indicator, ...] = INDICATORS) -> str:
    """The whole of docs/indicators.md."""
    text = TEMPLATE.read_text(encoding="utf-8") if template is None else template
    sections: dict[str, list[Indicator]] = {}
    for spec in specs:
        assert spec.docs is not None
        sections.setdefault(spec.docs.section, []).append(spec)
    for section, members in sections.items():
        marker = SECTION_MARKER.format(section=section)
        if marker not in text:
            raise ValueError(f"docs_template.md has no '### {section}' with {marker} (spec docs.section)")
        text = text.replace(marker, indicator_table(members).rstrip("\n"))
    if "<!-- indicators:" in text:
        raise ValueError("docs_template.md has a section marker that no spec's docs.section names")
    text = text.replace(RELATIONS_MARKER, relations_table(specs).rstrip("\n"))
    return text.replace("{generated_note}", GENERATED_NOTE)


def main(argv: list[str]) -> int:
    return generated_doc_main(argv, render, "transforms.indicators.docs", __doc__)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
