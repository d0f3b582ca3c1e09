"""The Kaplan-Meier median in SQL (handover_contact_km_median_days) against a plain Python
product-limit estimator, on random cohorts with ties, censoring and declined handovers."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.indicators import indicator_sql

PERIOD_START, PERIOD_END = date(2024, 2, 1), date(2024, 2, 29)
SCHEMA = """
CREATE SCHEMA marts;
CREATE TABLE marts.fct_handovers (provider_id VARCHAR, target_service VARCHAR, referred_on DATE,
    first_contact_on DATE, outcome VARCHAR, delay_days BIGINT);
CREATE TEMP TABLE target_periods AS SELECT '2024-02' AS period, DATE '2024-02-01' AS period_start,
    DATE '2024-02-29' AS period_end;
"""


def reference_median(observations: list[tuple[int, bool]]) -> float | None:
    """Product-limit estimate; median = smallest t with S(t) <= 0.5 (lifelines' definition)."""
    survival = 1.0
    for t in sorted({time for time, _ in observations}):
        at_risk = sum(1 for time, _ in observations if time >= t)
        events = sum(1 for time, observed in observations if time == t and observed)
        survival *= 1 - events / at_risk
        if survival <= 0.5 + 1e-9:
            return float(t)
    return None


handover = st.tuples(
    st.integers(min_value=0, max_value=400),  # days before the end of February it was referred
    st.one_of(st.none(), st.integers(min_value=0, max_value=120)),  # delay to first contact
    st.sampled_from(["offen", "erfolgreich", "abgelehnt", "nicht_wahrgenommen"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(handover, min_size=1, max_size=25))
def test_sql_kaplan_meier_median_matches_the_product_limit_estimator(handovers):
    con = duckdb.connect()
    con.execute(SCHEMA)
    cohort = []
    for days_before_end, delay, outcome in handovers:
        referred = PERIOD_END - timedelta(days=days_before_end)
        contact = referred + timedelta(days=delay) if delay is not None else None
        con.execute(
            "INSERT INTO marts.fct_handovers VALUES ('p', 'jobcenter', ?, ?, ?, ?)", [referred, contact, outcome, delay]
        )
        in_window = referred >= date(2023, 3, 1)  # the 12 calendar months up to February 2024
        observed = contact is not None and contact <= PERIOD_END
        if not in_window or (not observed and outcome in ("abgelehnt", "nicht_wahrgenommen")):
            continue
        cohort.append((delay if observed else (PERIOD_END - referred).days, observed))
    rows = {
        (provider, dimension): (value, numerator, denominator)
        for _, provider, dimension, _, value, numerator, denominator in con.execute(
            indicator_sql("handover_contact_km_median_days")
        ).fetchall()
    }
    con.close()
    if not cohort:
        assert ("all", "all") not in rows
        return
    expected = reference_median(cohort)
    assert rows[("all", "all")] == (expected, sum(o for _, o in cohort), len(cohort))
    assert rows[("p", "target_service")] == rows[("all", "all")]
