"""What the protection step offers back after its rounds (warehouse.disclosure_protection,
HEADLINE_ROWS): the city's monthly totals, the figures every report leads with."""

from __future__ import annotations

import polars as pl

from warehouse.disclosure_protection import GIVE_BACK_BATCHES, HEADLINE_ROWS


def test_only_the_citys_monthly_totals_are_offered_back():
    rows = pl.DataFrame(
        {
            "indicator_id": ["cases_new", "cases_new", "cases_new", "cases_new", "needs_unmet_count"],
            "period": ["2025-02", "2025", "2025-02", "2025-02", "2025-09"],
            "provider_id": ["all", "all", "caritas", "all", "all"],
            "dimension": ["all", "all", "all", "district", "all"],
            "dimension_value": ["all", "all", "all", "nord", "all"],
        }
    )
    offered = rows.filter(HEADLINE_ROWS).select("indicator_id", "period").rows()
    assert offered == [("cases_new", "2025-02"), ("needs_unmet_count", "2025-09")]
    assert GIVE_BACK_BATCHES >= 1  # on by default: the demo's annual report needs it (docs/privacy.md)
