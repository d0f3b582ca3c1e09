"""The contract's Great Expectations suites on staging rows: one delivery's frame (`validate_rows`,
the reference the tests hold every other route to), or every pending delivery of a table in one
suite run (`validate_deliveries`), split back into per-delivery outcomes.

GX spends about 17 ms per expectation building its metric graph, whatever the number of rows, so
one suite per delivery cost a city run ~0.5 s per table and provider. The batch runs each distinct
rule once over all deliveries: the row-wise rules give each row the verdict it gets alone, the
key's uniqueness is checked within each delivery (`DELIVERY_KEY`), and a rule that depends on the
export date (date bounds) counts only for the deliveries of that date.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from checks.contract import Condition, ContractRule, contract_rules
from checks.contract_sql import SAMPLE_KEYS
from kim.contract import PRIMARY_KEYS
from warehouse.check_outcome import CheckOutcome

if TYPE_CHECKING:  # pandas and GX load only where a suite runs (`kim check` needs neither)
    import pandas as pd

# A column of the batch frame: the delivery, on rows whose key has a value (null where it has
# none). The key's uniqueness rule becomes compound uniqueness over (DELIVERY_KEY, key): a row
# without any key value is all-missing and ignored as GX ignores it alone, and equal keys of two
# deliveries are no duplicates.
DELIVERY_KEY = "_delivery_key"
UNIQUENESS = ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")


@dataclass(frozen=True)
class RuleResult:
    """What GX said about one rule: its verdict, its result figures, and the rows it flagged (their
    index column values)."""

    success: bool
    details: dict[str, Any]

    @property
    def unexpected_rows(self) -> list[dict]:
        return [row for row in self.details.get("unexpected_index_list") or [] if isinstance(row, dict)]

    @property
    def observed_value(self) -> str | None:
        observed = self.details.get("observed_value")
        return None if observed is None else str(observed)


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("staging")
    return source.add_dataframe_asset("delivery_rows").add_batch_definition_whole_dataframe("one_delivery")


def _run_suite(table: str, rows: pd.DataFrame, expectations: list, index_columns: list[str]) -> list[RuleResult]:
    """One GX suite run; the results in the order of `expectations` (each carries its position)."""
    import great_expectations as gx

    for position, expectation in enumerate(expectations):
        expectation.meta = {"position": position}
    suite = gx.ExpectationSuite(name=f"contract_{table}", expectations=expectations)
    result = (
        _batch_definition()
        .get_batch(batch_parameters={"dataframe": rows})
        .validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": index_columns,
                "partial_unexpected_count": SAMPLE_KEYS,
            },
        )
    )
    ordered: list[RuleResult | None] = [None] * len(expectations)
    for outcome in result.results:
        position = outcome.expectation_config.meta["position"]
        ordered[position] = RuleResult(bool(outcome.success), dict(outcome.result or {}))
    assert all(r is not None for r in ordered), "GX returned fewer results than expectations"
    return [r for r in ordered if r is not None]


def validate_rows(
    rows: pd.DataFrame,
    table: str,
    delivery_id: str,
    provider_id: str,
    export_date: date,
    rules: list[ContractRule] | None = None,
) -> list[CheckOutcome]:
    """The GX contract suite (or some of its rules) on a pandas frame of one delivery's rows."""
    key = PRIMARY_KEYS[table][0]
    rules = contract_rules(table, export_date) if rules is None else rules
    started = time.perf_counter()
    results = _run_suite(table, rows, [rule.expectation for rule in rules], [key])
    per_rule_ms = (time.perf_counter() - started) * 1000 / max(len(rules), 1)
    return [
        CheckOutcome.of_rule(
            rule,
            table,
            delivery_id,
            provider_id,
            success=result.success,
            observed_value=result.observed_value,
            unexpected_count=result.details.get("unexpected_count"),
            element_count=result.details.get("element_count", len(rows)),
            sample_keys=_sample_keys(result.unexpected_rows, key),
            duration_ms=per_rule_ms,
        )
        for rule, result in zip(rules, results, strict=True)
    ]


def _sample_keys(rows: list[dict], key: str) -> list[str]:
    """The keys of the first flagged rows that have one: a missing key identifies no row (and GX
    lists it as 'None' or 'nan' by the column's dtype, which differs between a delivery and a batch;
    the SQL rules leave it out too)."""
    import pandas as pd

    keys = (row[key] for row in rows if key in row)
    return [str(value) for value in keys if not pd.isna(value)][:SAMPLE_KEYS]


def condition_mask(rows: pd.DataFrame, condition: Condition | None) -> pd.Series:
    """The rows a rule's row condition selects, as GX's pandas row conditions select them: a null
    value is not in the list, so "not in" selects it (checks.contract_sql reads them the same way)."""
    import pandas as pd

    if condition is None:
        return pd.Series(True, index=rows.index)
    values = rows[condition.column]
    present = values.notna()
    return {
        "null": lambda: ~present,
        "not_null": lambda: present,
        "in": lambda: present & values.isin(list(condition.values)),
        "not_in": lambda: ~values.isin(list(condition.values)),
    }[condition.operator]()


def _batch_expectation(rule: ContractRule) -> Any:
    """The rule as it runs on the batch frame: uniqueness within each delivery, the rest unchanged."""
    if rule.kind not in UNIQUENESS:
        return rule.expectation
    import great_expectations as gx

    columns = [rule.kwargs["column"]] if "column" in rule.kwargs else list(rule.kwargs["column_list"])
    return gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=[DELIVERY_KEY, *columns])


def _with_delivery_key(rows: pd.DataFrame, table: str) -> pd.DataFrame:
    key = list(PRIMARY_KEYS[table])
    has_key = rows[key].notna().any(axis=1)
    return rows.assign(**{DELIVERY_KEY: rows["delivery_id"].where(has_key, None)})


def validate_deliveries(rows: pd.DataFrame, table: str, deliveries: list[tuple[str, str, date]]) -> list[CheckOutcome]:
    """The contract suite of `table` over the rows of many deliveries at once (`rows` with a
    `delivery_id` column, each delivery's rows in source order), one outcome per delivery and rule
    as `validate_rows` gives it on that delivery's rows alone."""
    key = PRIMARY_KEYS[table][0]
    rules_of = {delivery_id: contract_rules(table, export_date) for delivery_id, _, export_date in deliveries}
    distinct = {_identity(rule): rule for rules in rules_of.values() for rule in rules}
    frame = _with_delivery_key(rows, table)
    started = time.perf_counter()
    expectations = [_batch_expectation(rule) for rule in distinct.values()]
    results = dict(zip(distinct, _run_suite(table, frame, expectations, [key, "delivery_id"]), strict=True))
    per_rule_ms = (time.perf_counter() - started) * 1000 / max(len(distinct) * len(deliveries), 1)
    split = {identity: _per_delivery(frame, rule, results[identity], table) for identity, rule in distinct.items()}
    outcomes = []
    for delivery_id, provider_id, _ in deliveries:
        for rule in rules_of[delivery_id]:
            result = results[_identity(rule)]
            flagged_by, elements = split[_identity(rule)]
            flagged = flagged_by.get(delivery_id, [])
            row_wise = result.details.get("unexpected_count") is not None
            outcomes.append(
                CheckOutcome.of_rule(
                    rule,
                    table,
                    delivery_id,
                    provider_id,
                    success=not flagged if row_wise else result.success,
                    observed_value=result.observed_value,
                    unexpected_count=len(flagged) if row_wise else None,
                    element_count=elements.get(delivery_id, 0),
                    sample_keys=_sample_keys(flagged, key),
                    duration_ms=per_rule_ms,
                )
            )
    return outcomes


def _per_delivery(
    frame: pd.DataFrame, rule: ContractRule, result: RuleResult, table: str
) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """One rule's batch result by delivery: the rows it flagged (in frame order) and the rows it
    applies to."""
    flagged_by: dict[str, list[dict]] = {}
    for row in result.unexpected_rows:
        flagged_by.setdefault(str(row.get("delivery_id")), []).append(row)
    expected = result.details.get("unexpected_count")
    if expected is not None and sum(map(len, flagged_by.values())) != expected:
        raise RuntimeError(f"GX listed not every row it flagged for {rule.kind} on {table}: cannot split")
    applies = frame["delivery_id"][condition_mask(frame, rule.condition)]
    return flagged_by, {str(d): int(n) for d, n in applies.value_counts().items()}


def _identity(rule: ContractRule) -> str:
    """Rules of two export dates are the same rule when kind, arguments and condition agree (the
    arguments hold lists: compared as text)."""
    return repr((rule.kind, rule.arguments, rule.condition, rule.description_de))
