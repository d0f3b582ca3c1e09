"""Rules across columns and tables on decoded rows (checks.row_rules): each broken row is one
finding with its file, line, column and rule; rows referring to a quarantined row follow it."""

from __future__ import annotations

from datetime import date

import polars as pl

from checks.findings import no_violations
from checks.row_rules import cascade_to_children, cross_column_violations

FILES = {"cases": "cases.csv", "needs": "needs.csv"}


def _cases() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_row": [2, 3, 4, 5],
            "case_id": ["c1", "c2", "c3", "c3"],
            "opened_on": [date(2026, 1, 10)] * 4,
            "closed_on": [None, date(2026, 1, 5), date(2026, 2, 1), None],
            "closing_reason": [None, "umzug", None, None],
        }
    )


def _needs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source_row": [2, 3, 4],
            "need_id": ["n1", "n2", "n3"],
            "case_id": ["c1", "c9", "c2"],
            "identified_on": [date(2026, 1, 1), date(2026, 1, 20), date(2026, 1, 20)],
            "status": ["gedeckt", "offen", "nicht_gedeckt"],
            "resolved_on": [date(2026, 1, 30), None, date(2026, 1, 25)],
            "unmet_reason": [None, None, None],
        }
    )


def test_every_broken_rule_is_one_finding_with_file_line_and_column():
    found = cross_column_violations({"cases": _cases(), "needs": _needs()}, FILES)
    got = set(found.select("file_name", "source_row", "column_name", "rule").iter_rows())
    assert got == {
        ("cases.csv", 3, "closed_on", "date_order"),  # closed before it was opened
        ("cases.csv", 4, "closing_reason", "closing_reason_iff_closed"),  # closed without a reason
        ("cases.csv", 4, "case_id", "duplicate_key"),
        ("cases.csv", 5, "case_id", "duplicate_key"),
        ("needs.csv", 2, "identified_on", "date_order"),  # before its case was opened
        ("needs.csv", 3, "case_id", "orphan_reference"),  # case c9 does not exist
        ("needs.csv", 4, "unmet_reason", "unmet_reason_iff_unmet"),
    }


def test_clean_rows_give_no_findings():
    cases = _cases().filter(pl.col("source_row") == 2)
    needs = _needs().filter(pl.col("source_row") == 2).with_columns(identified_on=pl.lit(date(2026, 1, 12)))
    assert cross_column_violations({"cases": cases, "needs": needs}, FILES).is_empty()


def test_rows_of_a_quarantined_case_are_quarantined_too():
    violations = pl.concat(
        [
            no_violations(),
            pl.DataFrame(
                {
                    "table_name": ["cases"],
                    "file_name": ["cases.csv"],
                    "source_row": [3],
                    "column_name": ["closed_on"],
                    "rule": ["date_order"],
                    "value": [None],
                    "expected": [None],
                }
            ),
        ],
        how="vertical_relaxed",
    )
    cascaded = cascade_to_children({"cases": _cases(), "needs": _needs()}, violations, FILES)
    assert set(cascaded.select("table_name", "source_row", "rule").iter_rows()) == {("needs", 4, "parent_quarantined")}
