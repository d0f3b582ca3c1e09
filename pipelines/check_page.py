"""The result of `kim check --html FILE`: one printable page a clerk can file or send with the
export (German or English), every finding with its place in the provider's own words."""

from __future__ import annotations

from datetime import datetime

import jinja2

from pipelines.self_check import WORDS, CheckResult, where

TITLES = {
    "de": {
        "title": "Prüfergebnis der Lieferung",
        "checked": "Geprüft am",
        "place": "Fundstelle",
        "rule": "Regel",
        "problem": "Problem",
        "none": "Keine Probleme gefunden.",
    },
    "en": {
        "title": "Check result of the delivery",
        "checked": "Checked on",
        "place": "Place",
        "rule": "Rule",
        "problem": "Problem",
        "none": "No problems found.",
    },
}
PAGE = """<!DOCTYPE html>
<html lang="{{ language }}">
<head>
<meta charset="utf-8">
<title>{{ t.title }} {{ result.folder }}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; }
  h1 { font-size: 1.4rem; }
  .verdict { padding: 0.8rem 1rem; border-left: 0.4rem solid; margin: 1rem 0; }
  .verdict.ok { border-color: #2e7d32; background: #edf7ee; }
  .verdict.not_clean { border-color: #b26a00; background: #fff4e5; }
  .verdict.rejected { border-color: #c62828; background: #fdecea; }
  table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
  th, td { border: 1px solid #bbb; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
  th { background: #f0f0f0; }
  code { font-size: 0.85rem; }
  .detail { color: #555; }
  @media print { body { margin: 0; } .verdict { break-inside: avoid; } tr { break-inside: avoid; } }
</style>
</head>
<body>
<h1>{{ t.title }} {{ result.folder }}</h1>
<p>{{ t.checked }} {{ checked }}</p>
<p class="verdict {{ result.verdict }}" id="verdict">{{ result.summary }}</p>
{% if rows %}
<table id="findings">
<thead><tr><th>{{ t.place }}</th><th>{{ t.rule }}</th><th>{{ t.problem }}</th></tr></thead>
<tbody>
{% for place, finding in rows %}
<tr><td>{{ place }}</td><td><code>{{ finding.rule }}</code></td>
<td>{{ finding.message }}{% if finding.action %}<br><strong>{{ words.action }}:</strong> {{ finding.action }}{% endif %}{% if finding.detail %}<br><span class="detail">{{ words.detail }}: {{ finding.detail }}</span>{% endif %}</td></tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p>{{ t.none }}</p>
{% endif %}
</body>
</html>
"""


def check_page(result: CheckResult, checked_at: datetime) -> str:
    """The page's HTML (autoescaped: the findings quote values from the export)."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    language = result.language
    rows = [(where(finding, result.folder, language), finding) for finding in result.findings]
    checked = checked_at.strftime("%d.%m.%Y, %H:%M") if language == "de" else checked_at.strftime("%Y-%m-%d %H:%M")
    return environment.from_string(PAGE).render(
        result=result, rows=rows, t=TITLES[language], words=WORDS[language], language=language, checked=checked
    )
