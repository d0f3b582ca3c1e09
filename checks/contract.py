"""The data contract of exchange format v1 (design §3) as Great Expectations suites, one per table
(and the same rules as DuckDB SQL: checks.contract_sql).

Read this file to see every rule staging data must meet. Each expectation carries its rule in plain
German (`description_de`) for the data stewards' report. Rules spanning tables (references,
a need identified before its case opened) and shifts between deliveries are SQL in
checks/sql_checks.py, reported the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cached_property
from typing import Any

from kim.contract import EARLIEST_PLAUSIBLE_DATE, PRIMARY_KEYS, TABLES, TERMINAL_NEED_STATUS, Column, int_range

PSEUDONYM_PATTERN = r"^[0-9a-f]{32}$"
NATIONALITY_PATTERN = r"^[A-Z]{3}$"
DATE_DTYPES = ["datetime64[us]", "datetime64[ns]", "datetime64[ms]", "datetime64[s]"]
INT_DTYPES = ["int32", "int64", "Int32Dtype", "Int64Dtype"]  # numpy, and pandas nullable


@dataclass(frozen=True)
class Condition:
    """The rows a rule applies to (a GX row condition, and the same as SQL): `column` is null, not
    null, equal to one of `values` or not."""

    column: str
    operator: str  # "null" | "not_null" | "in" | "not_in"
    values: tuple[str, ...] = ()

    def gx(self) -> Any:
        from great_expectations.expectations.row_conditions import Column as C

        column = C(self.column)
        return {
            "null": lambda: column.is_null(),
            "not_null": lambda: column.is_not_null(),
            "in": lambda: column == self.values[0] if len(self.values) == 1 else column.is_in(list(self.values)),
            "not_in": lambda: (
                column != self.values[0] if len(self.values) == 1 else column.is_not_in(list(self.values))
            ),
        }[self.operator]()


def required_iff() -> tuple[tuple[str, str, Condition, Condition, str], ...]:
    """(table, column, rows where it must be set, rows where it must be empty, German text)."""
    terminal = tuple(TERMINAL_NEED_STATUS)
    return (
        (
            "cases",
            "closing_reason",
            Condition("closed_on", "not_null"),
            Condition("closed_on", "null"),
            "Abschlussgrund genau dann, wenn ein Abschlussdatum gesetzt ist",
        ),
        (
            "needs",
            "resolved_on",
            Condition("status", "in", terminal),
            Condition("status", "not_in", terminal),
            "Erledigungsdatum genau dann, wenn der Bedarf gedeckt oder nicht gedeckt ist",
        ),
        (
            "needs",
            "unmet_reason",
            Condition("status", "in", ("nicht_gedeckt",)),
            Condition("status", "not_in", ("nicht_gedeckt",)),
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
    """One rule of the contract: a Great Expectations expectation type (`kind`) with its arguments,
    and the rows it applies to. The same rule runs as GX (`expectation`, the pipeline's suites) or
    as DuckDB SQL (checks.contract_sql, the provider's self-check without GX); tests keep the two
    equal."""

    kind: str  # e.g. "expect_column_values_to_not_be_null"
    arguments: tuple[tuple[str, Any], ...]
    description_de: str
    condition: Condition | None = None

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.arguments)

    @cached_property
    def expectation(self) -> Any:
        """The GX expectation (built once per rule: GX is slow to import)."""
        import great_expectations as gx

        name = "".join(part.capitalize() for part in self.kind.split("_"))
        extra = {"row_condition": self.condition.gx()} if self.condition else {}
        return getattr(gx.expectations, name)(**self.kwargs, **extra)


def _rule(kind: str, description: str, condition: Condition | None = None, **arguments: Any) -> ContractRule:
    return ContractRule(kind, tuple(arguments.items()), description, condition)


def _column_rules(column: Column, export_date: date) -> list[ContractRule]:
    """The rules of one column: filled if required, then its type's and code list's rules."""
    name = column.name
    rules = []
    if column.required:
        rules.append(_rule("expect_column_values_to_not_be_null", f"Pflichtfeld {name} ist gefüllt", column=name))
    if column.type == "id":
        rules.append(
            _rule(
                "expect_column_values_to_match_regex",
                f"{name} ist ein Pseudonym (HMAC)",
                column=name,
                regex=PSEUDONYM_PATTERN,
            )
        )
    elif column.type == "date":
        latest = datetime.combine(export_date, datetime.min.time())
        earliest = datetime.combine(EARLIEST_PLAUSIBLE_DATE, datetime.min.time())
        rules.append(
            _rule(
                "expect_column_values_to_be_in_type_list", f"{name} ist ein Datum", column=name, type_list=DATE_DTYPES
            )
        )
        rules.append(
            _rule(
                "expect_column_values_to_be_between",
                f"{name} liegt zwischen {EARLIEST_PLAUSIBLE_DATE:%d.%m.%Y} und dem Exportdatum",
                column=name,
                min_value=earliest,
                max_value=latest,
            )
        )
    elif column.type == "int":
        low, high = int_range(name, export_date.year)
        rules.append(
            _rule(
                "expect_column_values_to_be_in_type_list",
                f"{name} ist eine ganze Zahl",
                column=name,
                type_list=INT_DTYPES,
            )
        )
        rules.append(
            _rule(
                "expect_column_values_to_be_between",
                f"{name} liegt zwischen {low} und {high}",
                column=name,
                min_value=low,
                max_value=high,
            )
        )
    elif column.codes:
        rules.append(
            _rule(
                "expect_column_values_to_be_in_set",
                f"{name} enthält nur Werte der Codeliste",
                column=name,
                value_set=list(column.codes),
            )
        )
    elif name == "nationality":
        rules.append(
            _rule(
                "expect_column_values_to_match_regex",
                "Staatsangehörigkeit ist ein ISO-3166-Alpha-3-Code",
                column=name,
                regex=NATIONALITY_PATTERN,
            )
        )
    return rules


def _cross_column_rules(table: str) -> list[ContractRule]:
    """Rules between columns of a row: required iff another is set, one date not before another."""
    rules = []
    for rule_table, column, must_be_set, must_be_empty, text in required_iff():
        if rule_table == table:
            rules.append(_rule("expect_column_values_to_not_be_null", f"{text} (gesetzt)", must_be_set, column=column))
            rules.append(_rule("expect_column_values_to_be_null", f"{text} (leer)", must_be_empty, column=column))
    for rule_table, later, earlier, text in DATE_ORDER:
        if rule_table == table:
            rules.append(
                _rule(
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    text,
                    column_A=later,
                    column_B=earlier,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                )
            )
    return rules


def contract_rules(table: str, export_date: date) -> list[ContractRule]:
    """Every rule for one delivery's rows of `table` (dates are checked against the delivery's
    export date)."""
    key = list(PRIMARY_KEYS[table])
    unique = (
        _rule("expect_compound_columns_to_be_unique", "", column_list=key)
        if len(key) > 1
        else _rule("expect_column_values_to_be_unique", "", column=key[0])
    )
    rules = [replace(unique, description_de=f"Schlüssel ({', '.join(key)}) ist in der Lieferung eindeutig")]
    for column in TABLES[table]:
        rules.extend(_column_rules(column, export_date))
    return rules + _cross_column_rules(table)
