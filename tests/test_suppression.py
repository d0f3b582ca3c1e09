"""Small-cell suppression rules of design §6 (k = 5)."""

from __future__ import annotations

import polars as pl

from transforms.suppression import apply_suppression

KINDS = {"cases_active": "count", "cases_closed": "count", "needs_unmet_share": "share",
         "handover_delay_median_days": "median"}


def frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={"indicator_id": pl.String, "period": pl.String, "provider_id": pl.String,
                "dimension": pl.String, "dimension_value": pl.String, "value": pl.Float64,
                "numerator": pl.Int64, "denominator": pl.Int64},
        orient="row",
    )


def hidden(result: pl.DataFrame) -> set[tuple[str, str, str]]:
    rows = result.filter(pl.col("suppressed")).select("indicator_id", "provider_id", "dimension_value").rows()
    return set(rows)


def test_counts_from_1_to_k_minus_1_are_hidden_and_one_more_cell_protects_the_total():
    values = frame([
        ("cases_active", "2026-01", "a", "all", "all", 3, 3, None),
        ("cases_active", "2026-01", "b", "all", "all", 10, 10, None),
        ("cases_active", "2026-01", "c", "all", "all", 20, 20, None),
        ("cases_active", "2026-01", "d", "all", "all", 0, 0, None),
        ("cases_active", "2026-01", "all", "all", "all", 33, 33, None),
    ])
    # a (3) is small; all - b - c - d would reveal it, so the smallest other non-zero cell (b) goes too.
    # The zero (d) is shown: it singles out nobody and protects nothing.
    assert hidden(apply_suppression(values, KINDS, 5)) == {("cases_active", "a", "all"), ("cases_active", "b", "all")}


def test_breakdown_cells_are_protected_against_the_breakdown_total():
    values = frame([
        ("cases_closed", "2026-01", "all", "all", "all", 18, 18, None),
        ("cases_closed", "2026-01", "all", "closing_reason", "ziele_erreicht", 2, 2, None),
        ("cases_closed", "2026-01", "all", "closing_reason", "umzug", 7, 7, None),
        ("cases_closed", "2026-01", "all", "closing_reason", "abbruch", 0, 0, None),
        ("cases_closed", "2026-01", "all", "closing_reason", "sonstiges", 9, 9, None),
    ])
    assert hidden(apply_suppression(values, KINDS, 5)) == {
        ("cases_closed", "all", "ziele_erreicht"), ("cases_closed", "all", "umzug"),
    }


def test_two_small_cells_protect_each_other_and_nothing_else_is_hidden():
    values = frame([
        ("cases_active", "2026-01", "a", "all", "all", 1, 1, None),
        ("cases_active", "2026-01", "b", "all", "all", 4, 4, None),
        ("cases_active", "2026-01", "c", "all", "all", 50, 50, None),
        ("cases_active", "2026-01", "all", "all", "all", 55, 55, None),
    ])
    assert hidden(apply_suppression(values, KINDS, 5)) == {("cases_active", "a", "all"), ("cases_active", "b", "all")}


def test_shares_and_medians_hide_when_their_base_is_below_k():
    values = frame([
        ("needs_unmet_share", "2026-01", "a", "all", "all", 0.5, 2, 4),
        ("needs_unmet_share", "2026-01", "b", "all", "all", 0.2, 1, 5),
        ("needs_unmet_share", "2026-01", "c", "all", "all", None, None, 0),
        ("handover_delay_median_days", "2026-01", "a", "all", "all", 12.0, None, 4),
        ("handover_delay_median_days", "2026-01", "b", "all", "all", 30.0, None, 5),
    ])
    assert hidden(apply_suppression(values, KINDS, 5)) == {
        ("needs_unmet_share", "a", "all"), ("needs_unmet_share", "c", "all"),
        ("handover_delay_median_days", "a", "all"),
    }
    # k is configurable: with k = 3 the share over 4 needs is shown
    assert ("needs_unmet_share", "a", "all") not in hidden(apply_suppression(values, KINDS, 3))
