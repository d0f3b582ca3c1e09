"""Every spec's worked examples (transforms/indicators/specs/<id>.yaml, `examples`), run against a
DuckDB with the real marts schema: the example's fact rows go into the marts tables (all other
tables empty), the indicator's SQL runs as in the build, and its rows must equal `expected`."""

from __future__ import annotations

import calendar
from datetime import date

import polars as pl
import pytest

from transforms.indicators import INDICATORS, Indicator
from transforms.indicators.spec import EXPECTED_COLUMNS, Example
from warehouse.indicator_build import compute_indicator_values

CASES = [
    pytest.param(indicator, example, id=f"{indicator.id}-{number}")
    for indicator in INDICATORS
    for number, example in enumerate(indicator.examples)
]
DECIMALS = 6


def _month(period: str) -> tuple[str, date, date]:
    year, month = map(int, period.split("-"))
    return period, date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def load_example(con, example: Example) -> None:
    """Empty every marts table, then insert the example's periods, reporting units and facts."""
    tables = [
        t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()
    ]
    for table in tables:
        con.execute(f'DELETE FROM marts."{table}"')
    providers = example.providers or sorted(
        {
            row["provider_id"]
            for rows in example.facts.values()
            for row in rows
            if row.get("provider_id", "all") != "all"
        }
    )
    months = [_month(period) for period in example.periods]
    con.executemany("INSERT INTO marts.dim_periods VALUES (?, ?, ?)", [list(m) for m in months])
    con.executemany(
        "INSERT INTO marts.reporting_scaffold VALUES (?, ?)",
        [[period, unit] for period, _, _ in months for unit in [*providers, "all"]],
    )
    for relation, rows in example.facts.items():
        schema, table = relation.split(".")
        assert schema == "marts" and table in tables, f"{relation} is no marts table"
        frame = pl.DataFrame([dict(row) for row in rows], infer_schema_length=None)
        con.register("example_rows", frame.to_arrow())
        try:
            con.execute(f'INSERT INTO marts."{table}" BY NAME SELECT * FROM example_rows')
        finally:
            con.unregister("example_rows")


def _rounded(row) -> tuple:
    *key, value, numerator, denominator = row
    return (*key, None if value is None else round(float(value), DECIMALS), numerator, denominator)


@pytest.mark.parametrize(("indicator", "example"), CASES)
def test_spec_example(facts_db, indicator: Indicator, example: Example):
    unread = set(example.facts) - set(indicator.read_tables)
    assert not unread, f"the example fills {unread}, which the spec does not read"
    load_example(facts_db, example)
    values = compute_indicator_values(facts_db, indicators=(indicator,), yearly=example.yearly)
    actual = sorted(_rounded(row) for row in values.select(EXPECTED_COLUMNS).rows())
    expected = sorted(_rounded(tuple(row)) for row in example.expected)
    assert actual == expected, example.name


def test_every_indicator_has_an_example():
    assert [i.id for i in INDICATORS if not i.examples] == []
