"""The contract's rules (checks.contract) as DuckDB SQL: the same verdicts as the Great Expectations
suites without importing GX (seconds per process) or moving rows to pandas. `kim check` runs
these; tests/warehouse/test_validation.py keeps them equal to the GX results rule by rule.

Each rule becomes one query over a relation (a table name the caller controls, never delivery
text) giving the rows it applies to (`elements`), the rows that break it (`unexpected`) and up to
SAMPLE_KEYS of their keys. Constants of the contract (code lists, bounds, patterns) are bound as
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checks.contract import ContractRule

SAMPLE_KEYS = 5
# pandas dtypes of the rules -> DuckDB types that hold them (expect_column_values_to_be_in_type_list)
DUCKDB_TYPES = {
    "datetime64[us]": ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"),
    "datetime64[ns]": ("DATE", "TIMESTAMP", "TIMESTAMP_NS"),
    "datetime64[ms]": ("DATE", "TIMESTAMP_MS"),
    "datetime64[s]": ("DATE", "TIMESTAMP_S"),
    "int32": ("INTEGER",),
    "int64": ("BIGINT",),
    "Int32Dtype": ("INTEGER",),
    "Int64Dtype": ("BIGINT",),
}
COUNTS = """
SELECT {group} AS batch,
       count(*) AS elements,
       count(*) FILTER (WHERE {broken}) AS unexpected,
       list_slice(list({key}) FILTER (WHERE {broken} AND {key} IS NOT NULL), 1, {samples}) AS samples
FROM {source}
GROUP BY ALL
"""
TYPE_OF = "SELECT column_type FROM (DESCRIBE SELECT {column} FROM {relation})"


@dataclass(frozen=True)
class RuleQuery:
    sql: str
    parameters: list[Any]
    type_check: tuple[str, ...] | None = None  # expect_column_values_to_be_in_type_list: DuckDB types allowed


def _identifier(name: str) -> str:
    """A column name of the contract, quoted (names come from kim.contract, not from a delivery)."""
    return '"' + name.replace('"', '""') + '"'


def _condition(rule: ContractRule) -> tuple[str, list[Any]]:
    condition = rule.condition
    if condition is None:
        return "TRUE", []
    column = _identifier(condition.column)
    if condition.operator in ("null", "not_null"):
        return f"{column} IS {'NOT ' if condition.operator == 'not_null' else ''}NULL", []
    marks = ", ".join("?" for _ in condition.values)
    # as GX's pandas row conditions read it: a null value is not in the list, so "not in" selects it
    if condition.operator == "not_in":
        return f"({column} IS NULL OR {column} NOT IN ({marks}))", list(condition.values)
    return f"({column} IS NOT NULL AND {column} IN ({marks}))", list(condition.values)


def _broken(rule: ContractRule, group: str | None) -> tuple[str, list[Any], str]:
    """The condition of a broken row, its parameters and the relation it is read from (`group`: the
    column of a batch of deliveries, within which keys must be unique)."""
    arguments = rule.kwargs
    kind = rule.kind
    if kind in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        columns = [arguments["column"]] if "column" in arguments else list(arguments["column_list"])
        quoted = ", ".join(_identifier(c) for c in columns)
        present = " OR ".join(f"{_identifier(c)} IS NOT NULL" for c in columns)
        # every row of a repeated key counts (as GX does); a key without any value is ignored
        within = f"{_identifier(group)}, " if group else ""
        source = f"(SELECT *, count(*) OVER (PARTITION BY {within}{quoted}) AS _copies FROM {{relation}})"
        return f"({present}) AND _copies > 1", [], source
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _identifier(arguments["column_A"]), _identifier(arguments["column_B"])
        operator = "<" if arguments.get("or_equal") else "<="
        return f"{a} IS NOT NULL AND {b} IS NOT NULL AND {a} {operator} {b}", [], "{relation}"
    column = _identifier(arguments["column"])
    if kind == "expect_column_values_to_not_be_null":
        return f"{column} IS NULL", [], "{relation}"
    if kind == "expect_column_values_to_be_null":
        return f"{column} IS NOT NULL", [], "{relation}"
    if kind == "expect_column_values_to_match_regex":
        return f"{column} IS NOT NULL AND NOT regexp_matches({column}::VARCHAR, ?)", [arguments["regex"]], "{relation}"
    if kind == "expect_column_values_to_be_in_set":
        marks = ", ".join("?" for _ in arguments["value_set"])
        return f"{column} IS NOT NULL AND {column} NOT IN ({marks})", list(arguments["value_set"]), "{relation}"
    if kind == "expect_column_values_to_be_between":
        low, high = arguments["min_value"], arguments["max_value"]
        return f"{column} IS NOT NULL AND ({column} < ? OR {column} > ?)", [low, high], "{relation}"
    raise ValueError(f"no SQL for the contract rule {kind}: add it to checks.contract_sql")


def rule_query(rule: ContractRule, relation: str, key: str, group: str | None = None) -> RuleQuery:
    """The query of one rule over `relation`: per value of the column `group` (a batch of
    deliveries; None: the relation is one) the rows it applies to, the broken rows and sample keys,
    as rows (batch, elements, unexpected, samples). A batch without rows the rule applies to has
    no row."""
    if rule.kind == "expect_column_values_to_be_in_type_list":
        allowed = tuple(t for dtype in rule.kwargs["type_list"] for t in DUCKDB_TYPES.get(dtype, ()))
        sql = TYPE_OF.format(column=_identifier(rule.kwargs["column"]), relation=relation)
        return RuleQuery(sql, [], allowed)
    broken, parameters, source = _broken(rule, group)
    applies, condition_parameters = _condition(rule)
    source = source.format(relation=relation)
    if rule.condition is not None:
        source = f"(SELECT * FROM {source} WHERE {applies})"
    batch = _identifier(group) if group else "NULL"
    sql = COUNTS.format(group=batch, broken=broken, key=_identifier(key), samples=SAMPLE_KEYS, source=source)
    # placeholders in the text's order: the broken condition twice, then the rows it applies to
    return RuleQuery(sql, parameters + parameters + condition_parameters)
