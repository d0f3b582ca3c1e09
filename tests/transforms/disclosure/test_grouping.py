"""Merged categories (transforms.disclosure.grouping): the pools on hand-computed tables (small
cells, the insider's "city minus own", large cells kept, plain breakdowns, nested parents), the
grouped rows, and the audit's relation 'members add up to the grouped cell' (a grouped cell over
one small member gives it away; the audit must see that)."""

from __future__ import annotations

import polars as pl

from tests.transforms.disclosure.release import Release
from transforms.disclosure.audit import audit
from transforms.disclosure.cells import ROW_KEY
from transforms.disclosure.grouping import grouped_rows, grouped_tables, members, pooled_fine_rows, pools, unsafe

K = 5
# a|x 10, a|y 2, b|x 7, b|y 8, c|x 1 (c|y is 0: no row). Totals a 12, b 15, c 1; x 18, y 10.
CELLS = {("a", "x"): 10, ("a", "y"): 2, ("b", "x"): 7, ("b", "y"): 8, ("c", "x"): 1}


def _city(cells: dict[tuple[str, str], int]) -> dict[tuple[str, str], dict[str, int]]:
    return {key: {"all": n} for key, n in cells.items()}


def test_pools_take_the_smallest_member_beside_an_unsafe_cell_until_no_merged_cell_is_unsafe():
    """c (total 1) goes first; then of a|y = 2's a (12) and y (10), and *|x = 1's a, b, x: y;
    then a|* = 2: a (12) before x (18); then *|* = a|y = 2: b (15) before x. Left: *|x 18, *|y 10."""
    assert pools(_city(CELLS), K) == ({"a", "b", "c"}, {"y"})


def test_a_cell_whose_other_providers_hold_less_than_k_is_unsafe():
    """12 with one provider holding 9: that provider learns the others hold 3 together."""
    assert unsafe({"all": 12, "p": 9, "q": 2, "r": 1}, K)
    assert not unsafe({"all": 12, "p": 7, "q": 5}, K)
    assert not unsafe({"all": 12, "p": 12}, K)  # the others hold nothing: no count of theirs
    assert not unsafe({"all": 0}, K)


def test_pooling_keeps_large_cells_printed_where_it_can_choose():
    """w|z = 4 is unsafe: w holds a cell of 25, z none of 20 or more, so z goes although its total
    (37) is larger than w's (29). Then w|* = 4 is unsafe: w and big both lose 25; big's total is
    smaller. The categories stay: w 29, v 18, u 15."""
    cells = _city({("w", "big"): 25, ("w", "z"): 4, ("v", "z"): 18, ("u", "z"): 15})
    assert pools(cells, K) == (set(), {"z", "big"})


def test_a_plain_breakdown_pools_its_unsafe_codes_until_the_pool_is_safe():
    """s 3 and t 9 (a provider holds 6 of it: the others 3) are unsafe; the pool s+t = 12 has
    provider shares 1+6 and 2+3: the others hold 5 or 7. u and v stay."""
    cells = {
        ("s", ""): {"all": 3, "p": 1, "q": 2},
        ("t", ""): {"all": 9, "p": 6, "q": 3},
        ("u", ""): {"all": 30, "p": 15, "q": 15},
        ("v", ""): {"all": 25, "p": 10, "q": 15},
    }
    assert pools(cells, K) == ({"s", "t"}, set())


def _yearly(extra: list[tuple] | None = None) -> pl.DataFrame:
    rows = [("needs_unmet_count", "2025", "all", "category_reason", f"{c}|{r}", float(n), n, None) for (c, r), n in CELLS.items()]  # fmt: skip
    rows.append(("needs_unmet_count", "2025", "all", "all", "all", 28.0, 28, None))
    schema = {"indicator_id": pl.String, "period": pl.String, "provider_id": pl.String, "dimension": pl.String,
              "dimension_value": pl.String, "value": pl.Float64, "numerator": pl.Int64, "denominator": pl.Int64}  # fmt: skip
    return pl.DataFrame(rows + (extra or []), schema=schema, orient="row")


def test_grouped_rows_are_the_members_sums_with_row_and_column_totals():
    yearly = _yearly()
    tables = grouped_tables(yearly, K)  # 2 of 5 cells small; the crossed table's parents with it
    assert tables == {("needs_unmet_count", d) for d in ("category_reason", "category", "unmet_reason")}
    rows = grouped_rows(yearly, tables, K)
    assert set(rows["dimension"]) == {"category_reason_grouped"}  # the fixture has no parent rows
    assert dict(rows.select("dimension_value", "numerator").iter_rows()) == {
        "a+b+c|x": 18,  # a cell and its column's total at once (every category pooled)
        "a+b+c|y": 10,
        "a+b+c|x+y": 28,
    }
    assert members("a+c|x+y") == (["a", "c"], ["x", "y"])
    # a grouped cell that pools nothing repeats a fine row: the column total of x is reason x
    aliases = {v: (d, a) for v, d, a in rows.select("dimension_value", "alias_dimension", "alias_value").iter_rows()}
    assert aliases == {"a+b+c|x": ("unmet_reason", "x"), "a+b+c|y": (None, None), "a+b+c|x+y": (None, None)}
    # every fine cell lies in a pool (every category is pooled): none is printed
    fine = set(pooled_fine_rows(rows).select("dimension", "dimension_value").iter_rows())
    assert fine == {("category_reason", f"{c}|{r}") for c in "abc" for r in "xy"}


def test_a_parent_breakdown_pools_within_the_crossed_pool_or_starts_from_it():
    """The crossed table pools the categories a, b, c. On its own the category breakdown pools c
    (1); the pool c = 1 is still unsafe, so the smaller of a (12) and b (15) joins: {a, c} lies
    within {a, b, c} and is kept. The reason breakdown pools nothing on its own."""
    categories = {"a": 12, "b": 15, "c": 1}
    reasons = {"x": 18, "y": 10}
    parents = [("needs_unmet_count", "2025", "all", "category", c, float(n), n, None) for c, n in categories.items()]
    parents += [("needs_unmet_count", "2025", "all", "unmet_reason", r, float(n), n, None) for r, n in reasons.items()]
    yearly = _yearly(parents)
    rows = grouped_rows(yearly, grouped_tables(yearly, K), K)
    category = dict(rows.filter(pl.col("dimension") == "category_grouped").select("dimension_value", "numerator").iter_rows())  # fmt: skip
    assert category == {"a+c": 13, "b": 15}
    kept = rows.filter(pl.col("dimension_value") == "b", pl.col("dimension") == "category_grouped")
    assert kept.select("alias_dimension", "alias_value").row(0) == ("category", "b")
    assert set(pooled_fine_rows(rows.filter(pl.col("dimension") == "category_grouped"))["dimension_value"]) == {
        "a",
        "c",
    }
    reason = dict(rows.filter(pl.col("dimension") == "unmet_reason_grouped").select("dimension_value", "numerator").iter_rows())  # fmt: skip
    assert reason == {"x": 18, "y": 10}


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


def test_the_audit_reads_a_plain_grouped_cell():
    """A plain breakdown's pool s+t = 6 over s = 2 (t has no row: 0) gives s = 2 away."""
    r = Release()
    r.cell("needs_open_over_90d", "2025", 2, "unprinted", dimension="category", value="s")
    r.cell("needs_open_over_90d", "2025", 20, "unprinted", dimension="category", value="u")
    r.cell("needs_open_over_90d", "2025", 2, "published", dimension="category_grouped", value="s+t")
    r.cell("needs_open_over_90d", "2025", 20, "published", dimension="category_grouped", value="u")
    result = audit(r.cell("needs_open_over_90d", "2025", 22).frame(), k=K)
    small = result.filter(pl.col("dimension_value") == "s")
    assert small.select("lower", "upper").row(0) == (2.0, 2.0)


def test_a_release_without_grouped_tables_gives_typed_empty_frames():
    """Nothing grouped (a large city): the publication step still joins the empty frames."""
    few = _yearly().with_columns(numerator=pl.col("numerator") + 10)
    rows = grouped_rows(few, grouped_tables(few, K), K)
    assert rows.height == 0 and rows.schema["alias_value"] == pl.String
    assert pooled_fine_rows(rows).schema == pl.Schema(dict.fromkeys(ROW_KEY, pl.String))
