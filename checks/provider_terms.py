"""A finding of `kim check` in the provider's own words (issue 18): its file names, column names
and code values (its profile read backwards) instead of the exchange format's, dates as the
people in the office write them (TT.MM.JJJJ), in German or English."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.rules import render
from kim.config import Profile
from kim.contract import TABLES

LANGUAGES = ("de", "en")
# strftime directives as a clerk reads them
DATE_PATTERN_PARTS = {
    "de": {"%d": "TT", "%m": "MM", "%Y": "JJJJ", "%y": "JJ"},
    "en": {"%d": "DD", "%m": "MM", "%Y": "YYYY", "%y": "YY"},
}
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# rules whose value and expected figure are dates of the exchange format (ISO)
DATE_VALUE_RULES = ("date_implausible", "date_in_future", "date_order")
DATE_EXPECTED_RULES = ("date_implausible", "date_in_future")
REFERENCE_RULES = ("orphan_reference", "parent_quarantined")


def shown_date(value: str | None) -> str | None:
    """'2024-02-29' as '29.02.2024'; anything else unchanged."""
    match = ISO_DATE.match(value or "")
    return f"{match[3]}.{match[2]}.{match[1]}" if match else value


def shown_date_pattern(pattern: str, language: str) -> str:
    """'%d.%m.%Y' as 'TT.MM.JJJJ' (German) or 'DD.MM.YYYY'."""
    for directive, shown in DATE_PATTERN_PARTS[language].items():
        pattern = pattern.replace(directive, shown)
    return pattern


@dataclass(frozen=True)
class ProviderTerms:
    """The profile of one provider and the files of its delivery (table -> file or sheet)."""

    profile: Profile
    file_names: Mapping[str, str] = field(default_factory=dict)
    language: str = "de"

    def column(self, table: str, name: str) -> str:
        return self.profile.provider_column_names(table).get(name, name)

    def file(self, table: str) -> str:
        return self.file_names.get(table, table)

    def code(self, column: str, code: str) -> str:
        """The provider's value(s) for an exchange-format code ('nicht gedeckt' for nicht_gedeckt)."""
        own = [value for value, mapped in self.profile.codes.get(column, {}).items() if mapped == code]
        return " / ".join(own) if own else code

    def names(self, table: str) -> dict[str, str]:
        """Every column of `table` and every code value of its code columns, as the provider says them."""
        found = {}
        for column in TABLES[table]:
            found[column.name] = self.column(table, column.name)
            for code in column.codes or ():
                found[f"{column.name}={code}"] = self.code(column.name, code)
        return found

    def _column_reference(self, table: str, reference: str) -> str:
        """'opened_on' or 'cases.opened_on' (another table) in the provider's words."""
        other, _, name = reference.rpartition(".")
        if other in TABLES:
            return f"{self.file(other)}: {self.column(other, name)}"
        return ", ".join(self.column(table, part.strip()) for part in reference.split(","))

    def _expected(self, table: str, rule: str, column: str, expected: str | None) -> str | None:
        if expected is None:
            return None
        if rule == "date_format":
            return shown_date_pattern(expected, self.language)
        if rule in DATE_EXPECTED_RULES:
            return shown_date(expected)
        if rule == "code_list":
            return ", ".join(self.code(column, code.strip()) for code in expected.split(","))
        if rule in ("date_order", "duplicate_key"):
            return self._column_reference(table, expected)
        if rule in REFERENCE_RULES:
            return self.file(expected)
        return expected

    def message(self, violation: Mapping[str, Any]) -> str:
        """One violation (checks.findings.VIOLATION_SCHEMA) as the provider reads it."""
        table, rule, column = violation["table_name"], violation["rule"], violation["column_name"]
        value = violation["value"]
        return render(
            rule,
            self.language,
            self.column(table, column) if column else None,
            shown_date(value) if rule in DATE_VALUE_RULES else value,
            self._expected(table, rule, column, violation["expected"]),
            self.names(table),
        )
