"""The data contract of exchange format v1 (design §3) as Great Expectations suites, one per table.

Read this file to see every rule staging data must meet. Each expectation carries its rule in plain
German (`description_de`) for the data stewards' report. Rules spanning tables (references,
a need identified before its case opened) and shifts between deliveries are SQL in
checks/sql_checks.py, reported the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kim.contract import EARLIEST_PLAUSIBLE_DATE, PRIMARY_KEYS, TABLES, TERMINAL_NEED_STATUS, Column, int_range

PSEUDONYM_PATTERN = r"^[0-9a-f]{32}$"
NATIONALITY_PATTERN = r"^[A-Z]{3}$"
DATE_DTYPES = ["datetime64[us]", "datetime64[ns]", "datetime64[ms]", "datetime64[s]"]
INT_DTYPES = ["int32", "int64", "Int32Dtype", "Int64Dtype"]  # numpy, and pandas nullable


def required_iff():
    """(table, column, rows where it must be set, rows where it must be empty, German text)."""
    from great_expectations.expectations.row_conditions import Column as C

    return (
        (
            "cases",
            "closing_reason",
            C("closed_on").is_not_null(),
            C("closed_on").is_null(),
            "Abschlussgrund genau dann, wenn ein Abschlussdatum gesetzt ist",
        ),
        (
            "needs",
            "resolved_on",
            C("status").is_in(list(TERMINAL_NEED_STATUS)),
            C("status").is_not_in(list(TERMINAL_NEED_STATUS)),
            "Erledigungsdatum genau dann, wenn der Bedarf gedeckt oder nicht gedeckt ist",
        ),
        (
            "needs",
            "unmet_reason",
            C("status") == "nicht_gedeckt",
            C("status") != "nicht_gedeckt",
            "Grund genau dann, wenn der Bedarf nicht gedeckt ist",
        ),
    )


# (table, later, earlier, German text)
DATE_ORDER = (
    ("cases", "closed_on", "opened_on", "Abschluss nicht vor Fallbeginn"),
    ("needs", "resolved_on", "identified_on", "Erledigung nicht vor Feststellung des Bedarfs"),
    ("handovers", "first_contact_on", "referred_on", "Erstkontakt nicht vor der Vermittlung"),
    ("assignments", "assigned_to", "assigned_from", "Zuständigkeitsende nicht vor ihrem Beginn"),
)


@dataclass(frozen=True)
class ContractRule:
    expectation: Any  # a gx.expectations.Expectation (imported lazily: GX is slow to import)
    description_de: str


def _column_rules(e, column: Column, export_date: date) -> list[ContractRule]:
    """The expectations of one column: filled if required, then its type's and code list's rules."""
    name = column.name
    rules = []
    if column.required:
        rules.append(ContractRule(e.ExpectColumnValuesToNotBeNull(column=name), f"Pflichtfeld {name} ist gefüllt"))
    if column.type == "id":
        rules.append(
            ContractRule(
                e.ExpectColumnValuesToMatchRegex(column=name, regex=PSEUDONYM_PATTERN),
                f"{name} ist ein Pseudonym (HMAC)",
            )
        )
    elif column.type == "date":
        latest = datetime.combine(export_date, datetime.min.time())
        earliest = datetime.combine(EARLIEST_PLAUSIBLE_DATE, datetime.min.time())
        rules.append(
            ContractRule(
                e.ExpectColumnValuesToBeInTypeList(column=name, type_list=DATE_DTYPES), f"{name} ist ein Datum"
            )
        )
        rules.append(
            ContractRule(
                e.ExpectColumnValuesToBeBetween(column=name, min_value=earliest, max_value=latest),
                f"{name} liegt zwischen {EARLIEST_PLAUSIBLE_DATE:%d.%m.%Y} und dem Exportdatum",
            )
        )
    elif column.type == "int":
        low, high = int_range(name, export_date.year)
        rules.append(
            ContractRule(
                e.ExpectColumnValuesToBeInTypeList(column=name, type_list=INT_DTYPES), f"{name} ist eine ganze Zahl"
            )
        )
        rules.append(
            ContractRule(
                e.ExpectColumnValuesToBeBetween(column=name, min_value=low, max_value=high),
                f"{name} liegt zwischen {low} und {high}",
            )
        )
    elif column.codes:
        rules.append(
            ContractRule(
                e.ExpectColumnValuesToBeInSet(column=name, value_set=list(column.codes)),
                f"{name} enthält nur Werte der Codeliste",
            )
        )
    elif name == "nationality":
        rules.append(
            ContractRule(
                e.ExpectColumnValuesToMatchRegex(column=name, regex=NATIONALITY_PATTERN),
                "Staatsangehörigkeit ist ein ISO-3166-Alpha-3-Code",
            )
        )
    return rules


def _cross_column_rules(e, table: str) -> list[ContractRule]:
    """Rules between columns of a row: required iff another is set, one date not before another."""
    rules = []
    for rule_table, column, must_be_set, must_be_empty, text in required_iff():
        if rule_table == table:
            rules.append(
                ContractRule(
                    e.ExpectColumnValuesToNotBeNull(column=column, row_condition=must_be_set), f"{text} (gesetzt)"
                )
            )
            rules.append(
                ContractRule(e.ExpectColumnValuesToBeNull(column=column, row_condition=must_be_empty), f"{text} (leer)")
            )
    for rule_table, later, earlier, text in DATE_ORDER:
        if rule_table == table:
            rules.append(
                ContractRule(
                    e.ExpectColumnPairValuesAToBeGreaterThanB(
                        column_A=later, column_B=earlier, or_equal=True, ignore_row_if="either_value_is_missing"
                    ),
                    text,
                )
            )
    return rules


def contract_rules(table: str, export_date: date) -> list[ContractRule]:
    """Every expectation for one delivery's rows of `table` (dates are checked against the
    delivery's export date)."""
    import great_expectations as gx

    e = gx.expectations
    key = list(PRIMARY_KEYS[table])
    rules = [
        ContractRule(
            e.ExpectCompoundColumnsToBeUnique(column_list=key)
            if len(key) > 1
            else e.ExpectColumnValuesToBeUnique(column=key[0]),
            f"Schlüssel ({', '.join(key)}) ist in der Lieferung eindeutig",
        )
    ]
    for column in TABLES[table]:
        rules.extend(_column_rules(e, column, export_date))
    return rules + _cross_column_rules(e, table)
