"""Small-cell suppression rules of design §6 (k = 5)."""

from __future__ import annotations

import polars as pl
import pytest

from transforms.suppression import apply_suppression

KINDS = {
    "cases_active": "count",
    "cases_closed": "count",
    "needs_unmet_share": "share",
    "handover_delay_median_days": "median",
    "needs_unmet_count": "count",
    "caseload_per_fte": "ratio",
    "cost_per_active_case": "per_case",
    "delivery_on_time": "flag",
    "budget_actual_cost": "amount",
}


def frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "indicator_id": pl.String,
            "period": pl.String,
            "provider_id": pl.String,
            "dimension": pl.String,
            "dimension_value": pl.String,
            "value": pl.Float64,
            "numerator": pl.Int64,
            "denominator": pl.Int64,
        },
        orient="row",
    )


def hidden(result: pl.DataFrame) -> set[tuple[str, str, str]]:
    rows = result.filter(pl.col("suppressed")).select("indicator_id", "provider_id", "dimension_value").rows()
    return set(rows)


def hidden_cells(result: pl.DataFrame) -> set[tuple[str, str, str]]:
    """(provider_id, dimension, dimension_value) of the hidden cells."""
    cells = result.filter(pl.col("suppressed")).select("provider_id", "dimension", "dimension_value")
    return set(cells.rows())


def table(indicator: str, rows: dict[str, dict[str, dict[str, int]]]) -> pl.DataFrame:
    """A count table: rows[provider][dimension][value] = count; 'all' rows and dimension 'all'
    totals are given explicitly. Zero breakdown cells are left out, as the SQL does."""
    return frame(
        [
            (indicator, "2026-01", provider, dimension, value, float(count), count, None)
            for provider, dimensions in rows.items()
            for dimension, values in dimensions.items()
            for value, count in values.items()
            if count or dimension == "all"
        ]
    )


def test_counts_from_1_to_k_minus_1_are_hidden_and_one_more_cell_protects_the_total():
    values = frame(
        [
            ("cases_active", "2026-01", "a", "all", "all", 3, 3, None),
            ("cases_active", "2026-01", "b", "all", "all", 10, 10, None),
            ("cases_active", "2026-01", "c", "all", "all", 20, 20, None),
            ("cases_active", "2026-01", "d", "all", "all", 0, 0, None),
            ("cases_active", "2026-01", "all", "all", "all", 33, 33, None),
        ]
    )
    # a (3) is small; all - b - c - d would reveal it, so the smallest other non-zero cell (b) goes too.
    # The zero (d) is shown: it singles out nobody and protects nothing.
    assert hidden(apply_suppression(values, KINDS, 5)) == {("cases_active", "a", "all"), ("cases_active", "b", "all")}


def test_breakdown_cells_are_protected_against_the_breakdown_total():
    values = frame(
        [
            ("cases_closed", "2026-01", "all", "all", "all", 18, 18, None),
            ("cases_closed", "2026-01", "all", "closing_reason", "ziele_erreicht", 2, 2, None),
            ("cases_closed", "2026-01", "all", "closing_reason", "umzug", 7, 7, None),
            ("cases_closed", "2026-01", "all", "closing_reason", "abbruch", 0, 0, None),
            ("cases_closed", "2026-01", "all", "closing_reason", "sonstiges", 9, 9, None),
        ]
    )
    assert hidden(apply_suppression(values, KINDS, 5)) == {
        ("cases_closed", "all", "ziele_erreicht"),
        ("cases_closed", "all", "umzug"),
    }


def test_two_small_cells_protect_each_other_and_nothing_else_is_hidden():
    values = frame(
        [
            ("cases_active", "2026-01", "a", "all", "all", 1, 1, None),
            ("cases_active", "2026-01", "b", "all", "all", 4, 4, None),
            ("cases_active", "2026-01", "c", "all", "all", 50, 50, None),
            ("cases_active", "2026-01", "all", "all", "all", 55, 55, None),
        ]
    )
    assert hidden(apply_suppression(values, KINDS, 5)) == {("cases_active", "a", "all"), ("cases_active", "b", "all")}


def test_shares_and_medians_hide_when_their_base_is_below_k():
    values = frame(
        [
            ("needs_unmet_share", "2026-01", "a", "all", "all", 0.5, 2, 4),
            ("needs_unmet_share", "2026-01", "b", "all", "all", 0.2, 1, 5),
            ("needs_unmet_share", "2026-01", "c", "all", "all", None, None, 0),
            ("handover_delay_median_days", "2026-01", "a", "all", "all", 12.0, None, 4),
            ("handover_delay_median_days", "2026-01", "b", "all", "all", 30.0, None, 5),
        ]
    )
    assert hidden(apply_suppression(values, KINDS, 5)) == {
        ("needs_unmet_share", "a", "all"),
        ("needs_unmet_share", "c", "all"),
        ("handover_delay_median_days", "a", "all"),
    }
    # k is configurable: with k = 3 the share over 4 needs is shown
    assert ("needs_unmet_share", "a", "all") not in hidden(apply_suppression(values, KINDS, 3))


def test_the_only_equation_a_share_is_in_can_be_solved_for_its_base():
    values = frame(
        [
            ("needs_unmet_share", "2026-01", "a", "all", "all", 1 / 3, 1, 3),
            ("needs_unmet_share", "2026-01", "b", "all", "all", 2 / 8, 2, 8),
            ("needs_unmet_share", "2026-01", "c", "all", "all", 5 / 20, 5, 20),
            ("needs_unmet_share", "2026-01", "d", "all", "all", None, None, 0),
            ("needs_unmet_share", "2026-01", "all", "all", "all", 8 / 31, 8, 31),
        ]
    )
    # a's base (3) is hidden, but 31 - 8 - 20 - 0 gives it back (and its numerator, 8 - 2 - 5).
    # d (no needs) is hidden too, yet carries nothing: a share over 0 is a known zero and protects
    # nobody. So the smallest other base is hidden as well: b (8).
    assert hidden(apply_suppression(values, KINDS, 5)) == {
        ("needs_unmet_share", "a", "all"),
        ("needs_unmet_share", "b", "all"),
        ("needs_unmet_share", "d", "all"),
    }


def test_a_ratio_is_protected_like_the_count_behind_it():
    values = frame(
        [
            ("caseload_per_fte", "2026-01", "a", "all", "all", 3 / 1.0, 3, None),
            ("caseload_per_fte", "2026-01", "b", "all", "all", 40 / 2.0, 40, None),
            ("caseload_per_fte", "2026-01", "c", "all", "all", 60 / 3.0, 60, None),
            ("caseload_per_fte", "2026-01", "d", "all", "all", None, 2, None),
            ("caseload_per_fte", "2026-01", "all", "all", "all", 103 / 6.0, 103, None),
        ]
    )
    # The FTE are public, so each ratio gives its case count away: a (3) is hidden, and
    # 103 - 40 - 60 would give it back. d has no funded FTE: no value, and (as in
    # caseload_per_fte.sql) not part of 'all'; hidden for its 2 cases, it protects nothing. So b
    # (40, the smallest other count) is hidden too.
    assert hidden(apply_suppression(values, KINDS, 5)) == {
        ("caseload_per_fte", "a", "all"),
        ("caseload_per_fte", "b", "all"),
        ("caseload_per_fte", "d", "all"),
    }


def test_medians_and_per_case_figures_get_no_secondary_suppression():
    values = frame(
        [
            ("handover_delay_median_days", "2026-01", "a", "all", "all", 12.0, None, 3),
            ("handover_delay_median_days", "2026-01", "b", "all", "all", 20.0, None, 10),
            ("handover_delay_median_days", "2026-01", "c", "all", "all", 30.0, None, 20),
            ("handover_delay_median_days", "2026-01", "all", "all", "all", 25.0, None, 33),
            ("cost_per_active_case", "2026-01", "a", "all", "all", 900.0, None, 2),
            ("cost_per_active_case", "2026-01", "b", "all", "all", 450.0, None, 50),
            ("cost_per_active_case", "2026-01", "all", "all", "all", 460.0, None, 52),
        ]
    )
    # Base below k: hidden. But a median (or money per case) of 'all' is no sum of the providers'
    # figures, so nothing can be recomputed and nothing else is hidden.
    assert hidden(apply_suppression(values, KINDS, 5)) == {
        ("handover_delay_median_days", "a", "all"),
        ("cost_per_active_case", "a", "all"),
    }


def test_flags_and_amounts_are_never_hidden():
    values = frame(
        [
            ("delivery_on_time", "2026-01", "a", "all", "all", 1.0, None, None),
            ("delivery_on_time", "2026-01", "b", "all", "all", 0.0, None, None),
            ("budget_actual_cost", "2026-01", "a", "all", "all", 3.0, 3, 1),
            ("budget_actual_cost", "2026-01", "all", "all", "all", 3.0, 3, 1),
        ]
    )
    assert hidden(apply_suppression(values, KINDS, 5)) == set()


def test_zero_is_never_hidden_even_where_it_would_be_the_cheapest_protection():
    values = frame(
        [
            ("cases_active", "2026-01", "a", "all", "all", 3, 3, None),
            ("cases_active", "2026-01", "b", "all", "all", 0, 0, None),
            ("cases_active", "2026-01", "c", "all", "all", 7, 7, None),
            ("cases_active", "2026-01", "all", "all", "all", 10, 10, None),
            ("cases_new", "2026-01", "a", "all", "all", 3, 3, None),
            ("cases_new", "2026-01", "b", "all", "all", 0, 0, None),
            ("cases_new", "2026-01", "all", "all", "all", 3, 3, None),
        ]
    )
    # cases_active: a = 10 - 0 - 7, so one more cell goes: c (7), not the zero b.
    # cases_new: a and 'all' are both 3 and both hidden; a = 'all' - 0 holds, but with both
    # hidden neither can be computed. The zero stays.
    assert hidden(apply_suppression(values, {**KINDS, "cases_new": "count"}, 5)) == {
        ("cases_active", "a", "all"),
        ("cases_active", "c", "all"),
        ("cases_new", "a", "all"),
        ("cases_new", "all", "all"),
    }


def test_two_protected_blocks_joined_by_one_hidden_cell_get_one_more():
    # cases_closed by closing_reason, providers p1..p4. The nine counts 1..4 are hidden:
    #            v1  v2  v3  v4 | all
    #   p1      [1] [2]  11  10 |  24
    #   p2      [3] [4] [1]  10 |  18
    #   p3       10  10 [2] [3] |  25
    #   p4       10  10 [4] [1] |  25
    #   all      24  26  18  24 |  92
    # Every row and column holds two or three hidden cells, so "no single hidden cell in a row or
    # column" holds. But (p2, v3) is the only link between the block p1/p2 x v1/v2 and the block
    # p3/p4 x v3/v4: the hidden parts of rows p1 + p2 minus those of columns v1 + v2 leave exactly
    # (p2, v3) = (24 - 21) + (18 - 10) - (24 - 20) - (26 - 20) = 1. One more cell must link the blocks
    # again: (p2, v4) = 10 (row p2 to column v4) or (p1, v3) = 11 (row p1 to column v3) would;
    # the smaller goes.
    counts = {"p1": [1, 2, 11, 10], "p2": [3, 4, 1, 10], "p3": [10, 10, 2, 3], "p4": [10, 10, 4, 1]}
    counts["all"] = [sum(column) for column in zip(*counts.values())]
    values = table(
        "cases_closed",
        {
            provider: {"all": {"all": sum(row)}, "closing_reason": dict(zip(["v1", "v2", "v3", "v4"], row))}
            for provider, row in counts.items()
        },
    )
    small = {
        (p, "closing_reason", v)
        for p, row in counts.items()
        for v, c in zip(["v1", "v2", "v3", "v4"], row)
        if 1 <= c < 5
    }
    assert len(small) == 9
    assert hidden_cells(apply_suppression(values, KINDS, 5)) == small | {("p2", "closing_reason", "v4")}


def test_a_protecting_total_must_be_protected_in_every_breakdown_of_its_row():
    # cases_closed by closing_reason (x, y) and by duration_band (s, t); both add up to the same
    # provider totals.
    values = table(
        "cases_closed",
        {
            "a": {"all": {"all": 4}, "closing_reason": {"x": 4, "y": 0}, "duration_band": {"s": 4, "t": 0}},
            "b": {"all": {"all": 10}, "closing_reason": {"x": 5, "y": 5}, "duration_band": {"s": 5, "t": 5}},
            "c": {"all": {"all": 40}, "closing_reason": {"x": 20, "y": 20}, "duration_band": {"s": 20, "t": 20}},
            "all": {"all": {"all": 54}, "closing_reason": {"x": 29, "y": 25}, "duration_band": {"s": 29, "t": 25}},
        },
    )
    # a's total (4) and its only non-zero cells x and s (4 each) are hidden; all three equal a's
    # total, which 54 - 10 - 40 gives. Another provider must hide the same three cells: b's total
    # alone would come back as 5 + 5 from b's closing reasons - and, hiding b's x as well, still as
    # 5 + 5 from b's duration bands. Only b's total, x and s together (a and b then swap cases
    # unseen: a +1, b -1 in total, x and s) protect a; b is cheaper than c or the 'all' row.
    # With one breakdown only, two cells (b's total and x) would do.
    assert hidden_cells(apply_suppression(values, KINDS, 5)) == {
        ("a", "all", "all"),
        ("a", "closing_reason", "x"),
        ("a", "duration_band", "s"),
        ("b", "all", "all"),
        ("b", "closing_reason", "x"),
        ("b", "duration_band", "s"),
    }
    one_breakdown = values.filter(pl.col("dimension") != "duration_band")
    assert hidden_cells(apply_suppression(one_breakdown, KINDS, 5)) == {
        ("a", "all", "all"),
        ("a", "closing_reason", "x"),
        ("b", "all", "all"),
        ("b", "closing_reason", "x"),
    }


def test_a_crossed_breakdown_adds_up_to_both_of_its_parents():
    # needs_unmet_count city-wide by category, by unmet_reason and by category_reason:
    #           u1   u2 | category
    #   c1     [3]   9  |  12
    #   c2      8   [4] |  12
    #   reason 11   13  |  24
    values = table(
        "needs_unmet_count",
        {
            "all": {
                "all": {"all": 24},
                "category": {"c1": 12, "c2": 12},
                "unmet_reason": {"u1": 11, "u2": 13},
                "category_reason": {"c1|u1": 3, "c1|u2": 9, "c2|u1": 8, "c2|u2": 4},
            }
        },
    )
    # Within category_reason alone two cells are hidden (3 + 4 = 24 - 9 - 8). But c1|u1 = 12 - 9
    # from category c1, and c2|u2 = 12 - 8. Only all four hidden (3 + 1, 9 - 1, 8 - 1, 4 + 1 fits
    # every total as well) protect them.
    assert hidden_cells(apply_suppression(values, KINDS, 5)) == {
        ("all", "category_reason", "c1|u1"),
        ("all", "category_reason", "c1|u2"),
        ("all", "category_reason", "c2|u1"),
        ("all", "category_reason", "c2|u2"),
    }


def test_a_breakdown_that_leaves_cases_out_gives_no_equation():
    # Three of the 20 closed cases have no duration band; the SQL leaves them out of that
    # breakdown, so s + t = 17, not 20. A reader only learns s <= 6, so hiding s is enough.
    values = table(
        "cases_closed",
        {
            "all": {
                "all": {"all": 20},
                "closing_reason": {"x": 8, "y": 12},
                "duration_band": {"s": 3, "t": 14},
            }
        },
    )
    assert hidden_cells(apply_suppression(values, KINDS, 5)) == {("all", "duration_band", "s")}


def test_an_indicator_without_a_kind_or_an_unknown_kind_is_an_error():
    values = frame([("cases_active", "2026-01", "a", "all", "all", 3, 3, None)])
    with pytest.raises(ValueError, match="cases_active"):
        apply_suppression(values, {"cases_new": "count"}, 5)
    with pytest.raises(ValueError, match="counts"):
        apply_suppression(values, {"cases_active": "counts"}, 5)
