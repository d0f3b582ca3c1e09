"""Merged categories for crossed breakdowns (transforms.disclosure.grouping): the pools on a
hand-computed table, the grouped rows, and the audit's relation 'members add up to the grouped
cell' (a grouped cell over one small member gives it away; the audit must see that)."""

from __future__ import annotations

import polars as pl

from tests.transforms.disclosure.release import Release
from transforms.disclosure import audit
from transforms.disclosure.grouping import grouped_rows, grouped_tables, members, pools

K = 5
# a|x 10, a|y 2, b|x 7, b|y 8, c|x 1 (c|y is 0: no row). Totals a 12, b 15, c 1; x 18, y 10.
CELLS = {("a", "x"): 10, ("a", "y"): 2, ("b", "x"): 7, ("b", "y"): 8, ("c", "x"): 1}


def test_pools_take_the_smallest_member_beside_a_small_cell_until_only_the_pool_is_small():
    """c (total 1) goes first; then of a|y = 2's a (12) and y (10), and *|x = 1's x (18): y; then
    a|* = 2: a. Left is only *|* = 2, in the pools' row and column: stop."""
    assert pools(CELLS, K) == ({"a", "c"}, {"y"})


def _yearly() -> pl.DataFrame:
    rows = [("needs_unmet_count", "2025", "all", "category_reason", f"{c}|{r}", float(n), n, None) for (c, r), n in CELLS.items()]  # fmt: skip
    rows.append(("needs_unmet_count", "2025", "all", "all", "all", 28.0, 28, None))
    schema = {"indicator_id": pl.String, "period": pl.String, "provider_id": pl.String, "dimension": pl.String,
              "dimension_value": pl.String, "value": pl.Float64, "numerator": pl.Int64, "denominator": pl.Int64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def test_grouped_rows_are_the_members_sums_with_row_and_column_totals():
    yearly = _yearly()
    assert grouped_tables(yearly, K) == {("needs_unmet_count", "category_reason")}  # 2 of 5 cells small
    rows = grouped_rows(yearly, {("needs_unmet_count", "category_reason")}, K)
    assert set(rows["dimension"]) == {"category_reason_grouped"}
    assert dict(rows.select("dimension_value", "numerator").iter_rows()) == {
        "a+c|x": 11,
        "a+c|y": 2,
        "b|x": 7,
        "b|y": 8,
        "a+c|x+y": 13,
        "b|x+y": 15,
        "a+b+c|x": 18,
        "a+b+c|y": 10,
    }
    assert members("a+c|x+y") == (["a", "c"], ["x", "y"])


def test_a_table_with_few_small_cells_is_not_grouped():
    few = _yearly().with_columns(numerator=pl.col("numerator") + 10)
    assert grouped_tables(few, K) == set()


def test_the_audit_sees_what_a_grouped_cell_gives_away():
    """Printed: the grouped cells; not printed: the fine table. a+c|y = 2 has one member that is
    not zero (c|y has no row: 0), so a|y = 2 exactly; with the grouped cell hidden it is not."""

    def release(hide_grouped: bool) -> Release:
        r = Release()
        for (c, x), n in CELLS.items():
            r.cell("needs_unmet_count", "2025", n, "unprinted", dimension="category_reason", value=f"{c}|{x}")
        for value, n in {"a+c|x": 11, "a+c|y": 2, "b|x": 7, "b|y": 8}.items():
            status = "hidden" if hide_grouped and value in ("a+c|y", "b|y", "a+c|x", "b|x") else "published"
            r.cell("needs_unmet_count", "2025", n, status, dimension="category_reason_grouped", value=value)
        return r.cell("needs_unmet_count", "2025", 28)

    result = audit(release(False).frame(), k=K)
    small = result.filter(pl.col("dimension_value") == "a|y")
    assert small.select("lower", "upper", "protected").row(0) == (2.0, 2.0, False)
    assert any("members add up to the grouped cell" in label for label in small["binding"][0])
    hidden = audit(release(True).frame(), k=K)
    assert hidden.filter(pl.col("dimension_value") == "a|y")["protected"].item()
