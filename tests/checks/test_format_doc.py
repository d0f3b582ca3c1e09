"""docs/de/austauschformat.md is written from the contract and must match it (issue 18: the
exchange format in the repository, in German, for providers, generated so it cannot drift)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from checks.format_doc import COLUMN_TEXT, TABLE_TEXT, render
from checks.rules import DELIVERY_RULE_ACTIONS, DELIVERY_RULE_TITLES, RULES
from kim.contract import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "de" / "austauschformat.md"


def test_the_document_is_current():
    assert DOC.read_text(encoding="utf-8") == render(), "python -m checks.format_doc > docs/de/austauschformat.md"


def test_every_table_column_code_and_rule_of_the_contract_is_in_it():
    text = render()
    assert set(TABLE_TEXT) == set(TABLES)
    assert set(COLUMN_TEXT) == {(table, column.name) for table, columns in TABLES.items() for column in columns}
    for table, columns in TABLES.items():
        assert f"### `{table}`" in text
        for column in columns:
            assert f"| `{column.name}` | {COLUMN_TEXT[(table, column.name)]} |" in text
            for code in column.codes or ():
                assert f"`{code}`" in text
    for rule in [*RULES, *DELIVERY_RULE_TITLES]:
        assert f"| `{rule}` |" in text
    # every reason to reject a delivery tells the clerk what to do, in German
    assert set(DELIVERY_RULE_ACTIONS) == set(DELIVERY_RULE_TITLES)


def test_the_check_mode_reports_a_stale_document(tmp_path):
    stale = tmp_path / "austauschformat.md"
    stale.write_text(render().replace("Pflichtfeld", "Pflicht", 1), encoding="utf-8")
    command = [sys.executable, "-m", "checks.format_doc", "--check"]
    assert subprocess.run([*command, str(stale)], capture_output=True).returncode == 1
    assert subprocess.run([*command, str(DOC)], capture_output=True).returncode == 0
