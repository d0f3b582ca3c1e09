"""Every indicator against two hand-built datasets (tests/transforms/indicators/hand_built.py), run
through the real loading path and the whole build; expected values are worked out by hand, the
arithmetic is in the comments. Last, the relations the specs declare must hold on both datasets."""

from __future__ import annotations

import pytest

from tests.conftest import build_warehouse_models, d, load_hand_built_delivery
from tests.transforms.indicators.hand_built import P1, P2, case, indicator_rows, load_january, load_leap
from transforms.indicators import INDICATORS_BY_ID
from warehouse.migrate import connect


@pytest.fixture(scope="module")
def jan(tmp_path_factory, config):
    """The January dataset, k = 5: (value, numerator, denominator, suppressed) by key."""
    con = connect(tmp_path_factory.mktemp("january") / "warehouse.duckdb")
    load_january(con, config)
    build_warehouse_models(con, config, k=5)
    rows = indicator_rows(con)
    con.close()
    return rows


@pytest.fixture(scope="module")
def leap(tmp_path_factory, config):
    """The leap dataset, k = 5."""
    con = connect(tmp_path_factory.mktemp("leap") / "warehouse.duckdb")
    load_leap(con, config)
    build_warehouse_models(con, config, k=5)
    rows = indicator_rows(con)
    con.close()
    return rows


def value(values, indicator, period, provider="all", dimension="all", dimension_value="all"):
    return values[(indicator, period, provider, dimension, dimension_value)][0]


def v(values, indicator, period, provider="all", dimension="all", dimension_value="all"):
    """(value, numerator, denominator) of one cell."""
    return values[(indicator, period, provider, dimension, dimension_value)][:3]


def test_cases_active(jan, leap):
    values = jan
    # caritas P1: c1 (open), c2 (opened+closed in P1), c3 (opened on 31 Jan); c5 closed 31 Dec -> no
    assert value(values, "cases_active", "2026-01", "caritas") == 3
    # caritas P2: c1, c3 (closed on 1 Feb counts), c4 (opened 1 Feb)
    assert value(values, "cases_active", "2026-02", "caritas") == 3
    # diakonie P1: d2 (closed on 1 Jan, still active that month); P2: d1
    assert value(values, "cases_active", "2026-01", "diakonie") == 1
    assert value(values, "cases_active", "2026-02", "diakonie") == 1
    # all = 3 + 1 in both months
    assert value(values, "cases_active", "2026-01") == 4
    assert value(values, "cases_active", "2026-02") == 4
    # a configured provider without deliveries gets explicit zeros
    assert values[("cases_active", "2026-01", "awo", "all", "all")][:3] == (0.0, 0, None)
    values = leap
    # caritas P1: A1, A2 (opened 29 Feb), A3, A4, A6 (closed 29 Feb), A7 = 6; A5 opens in March
    assert v(values, "cases_active", P1, "caritas") == (6.0, 6, None)
    # caritas P2: A1, A2, A4 (closed 1 Mar), A5, A7 = 5; A3 and A6 closed on 29 Feb
    assert v(values, "cases_active", P2, "caritas") == (5.0, 5, None)
    # diakonie P1: B1, B2; P2 from the stale February snapshot: B1 only (B2 closed 20 Feb)
    assert v(values, "cases_active", P1, "diakonie")[0] == 2
    assert v(values, "cases_active", P2, "diakonie")[0] == 1
    assert v(values, "cases_active", P1)[0] == 6 + 2
    assert v(values, "cases_active", P2)[0] == 5 + 1


def test_persons_active_counts_a_person_at_two_providers_once(leap):
    values = leap
    # P1: caritas q1 q2 q3 q4 q6 q7, diakonie q4 q8 -> 7 distinct (q4 at both)
    assert v(values, "persons_active", P1, "caritas")[0] == 6
    assert v(values, "persons_active", P1, "diakonie")[0] == 2
    assert v(values, "persons_active", P1)[0] == 7
    # P2: caritas q1 q2 q4 q5 q7, diakonie q4 -> 5 distinct
    assert v(values, "persons_active", P2)[0] == 5


def test_cases_new_with_breakdowns_and_unknown_district(jan, leap):
    values = jan
    assert value(values, "cases_new", "2026-01", "caritas") == 2  # c2, c3
    assert value(values, "cases_new", "2026-02", "caritas") == 1  # c4
    assert value(values, "cases_new", "2026-01", "diakonie") == 0
    assert value(values, "cases_new", "2026-02", "diakonie") == 1  # d1
    assert value(values, "cases_new", "2026-01") == 2
    assert value(values, "cases_new", "2026-02") == 2
    values = leap
    # P1: A3 (1 Feb), A2 (29 Feb), B1 (10 Feb)
    assert v(values, "cases_new", P1, "caritas")[0] == 2
    assert v(values, "cases_new", P1)[0] == 3
    assert v(values, "cases_new", P2)[0] == 1  # A5
    assert v(values, "cases_new", P1, "all", "residence_status", "gestattung")[0] == 1  # A2
    assert v(values, "cases_new", P1, "all", "residence_status", "aufenthaltserlaubnis")[0] == 1  # A3
    assert v(values, "cases_new", P1, "all", "residence_status", "duldung")[0] == 1  # B1
    assert v(values, "cases_new", P1, "all", "referral_source", "jobcenter")[0] == 1  # A2
    assert v(values, "cases_new", P1, "all", "referral_source", "selbst")[0] == 1  # A3
    assert v(values, "cases_new", P1, "all", "referral_source", "auslaenderbehoerde")[0] == 1  # B1
    # A2 has no district: counted as 'unbekannt', not dropped; A3 and B1 are in opladen
    assert v(values, "cases_new", P1, "caritas", "district", "unbekannt")[0] == 1
    assert v(values, "cases_new", P1, "all", "district", "opladen")[0] == 2
    assert v(values, "cases_new", P2, "all", "district", "wiesdorf")[0] == 1


def test_cases_closed_by_reason_and_duration_band(jan, leap):
    values = jan
    assert value(values, "cases_closed", "2026-01", "caritas") == 1  # c2
    assert value(values, "cases_closed", "2026-02", "caritas") == 1  # c3
    assert value(values, "cases_closed", "2026-01", "diakonie") == 1  # d2 on 1 Jan
    assert value(values, "cases_closed", "2026-02", "diakonie") == 0
    assert value(values, "cases_closed", "2026-01") == 2
    assert value(values, "cases_closed", "2026-01", "all", "closing_reason", "ziele_erreicht") == 1
    assert value(values, "cases_closed", "2026-01", "all", "closing_reason", "abbruch") == 1
    assert value(values, "cases_closed", "2026-02", "all", "closing_reason", "umzug") == 1
    # c5 closed in December, outside every period
    assert ("cases_closed", "2026-01", "caritas", "closing_reason", "abbruch") not in values
    values = leap
    # P1: A3 (29 Feb), A6 (29 Feb), B2 (20 Feb)
    assert v(values, "cases_closed", P1)[0] == 3
    assert v(values, "cases_closed", P1, "all", "closing_reason", "ziele_erreicht")[0] == 2  # A3, B2
    assert v(values, "cases_closed", P1, "all", "closing_reason", "umzug")[0] == 1  # A6
    # A3: 1 Feb -> 29 Feb; B2: 5 Jan -> 20 Feb: both <= 3 months. A6: exactly 6 months (leap day)
    assert v(values, "cases_closed", P1, "all", "duration_band", "bis_3_monate")[0] == 2
    assert v(values, "cases_closed", P1, "all", "duration_band", "3_bis_6_monate")[0] == 1
    # P2: A2 (15 Mar, 0.5 months), A4 (1 Mar, exactly 12 months), A7 (31 Mar, 16 months)
    assert v(values, "cases_closed", P2, "caritas")[0] == 3
    assert v(values, "cases_closed", P2, "all", "duration_band", "bis_3_monate")[0] == 1
    assert v(values, "cases_closed", P2, "all", "duration_band", "6_bis_12_monate")[0] == 1
    assert v(values, "cases_closed", P2, "all", "duration_band", "ueber_12_monate")[0] == 1
    assert v(values, "cases_closed", P2, "all", "closing_reason", "kontakt_verloren")[0] == 1
    # the stale diakonie snapshot closes nothing in March
    assert v(values, "cases_closed", P2, "diakonie")[0] == 0


def test_focus_group_share_new(leap):
    values = leap
    # caritas P1: A2 gestattung (yes), A3 aufenthaltserlaubnis (no) -> 1/2
    assert v(values, "focus_group_share_new", P1, "caritas") == (0.5, 1, 2)
    # all P1: A2, B1 (duldung) of A2, A3, B1 -> 2/3
    assert v(values, "focus_group_share_new", P1) == (pytest.approx(2 / 3), 2, 3)
    assert v(values, "focus_group_share_new", P2) == (1.0, 1, 1)  # A5 duldung
    # no new case: no share, base 0
    assert v(values, "focus_group_share_new", P2, "diakonie") == (None, None, 0)


def test_caseload_per_fte(leap):
    values = leap
    # caritas on 29 Feb: A1, A2, A3 (closed that day), A4, A6 (closed that day), A7 = 6 cases / 3.0 FTE
    assert v(values, "caseload_per_fte", P1, "caritas") == (2.0, 6, None)
    # caritas on 31 Mar: A1, A5, A7 (closed that day) = 3 / 3.0
    assert v(values, "caseload_per_fte", P2, "caritas") == (1.0, 3, None)
    # diakonie on 29 Feb: B1 (B2 closed 20 Feb) = 1 / 2.5
    assert v(values, "caseload_per_fte", P1, "diakonie") == (0.4, 1, None)
    # all: (6 + 1 + 0 + 0 + 0) / 11.0 FTE; (3 + 1) / 11.0
    assert v(values, "caseload_per_fte", P1) == (pytest.approx(7 / 11), 7, None)
    assert v(values, "caseload_per_fte", P2) == (pytest.approx(4 / 11), 4, None)
    # a provider with funded FTE and no cases has caseload 0
    assert v(values, "caseload_per_fte", P1, "awo") == (0.0, 0, None)


def test_handover_delay_median_p90_and_within_14_days(jan, leap):
    values = jan
    # caritas P1 delays: h1 16, h2 21, h5 8 -> median 16 over 3 observations
    assert values[("handover_delay_median_days", "2026-01", "caritas", "all", "all")][:3] == (16.0, None, 3)
    # caritas P2: h3 1 day; h4 has no first contact and is no observation
    assert values[("handover_delay_median_days", "2026-02", "caritas", "all", "all")][:3] == (1.0, None, 1)
    # all P1: 8, 16, 21, 60 -> (16 + 21) / 2 = 18.5, linear interpolation
    assert values[("handover_delay_median_days", "2026-01", "all", "all", "all")][:3] == (18.5, None, 4)
    # by target service, P1: auslaenderbehoerde 8 and 16 -> 12; jobcenter 21; psychosozial 60
    assert value(values, "handover_delay_median_days", "2026-01", "all", "target_service", "auslaenderbehoerde") == 12
    assert value(values, "handover_delay_median_days", "2026-01", "all", "target_service", "jobcenter") == 21
    assert value(values, "handover_delay_median_days", "2026-01", "diakonie", "target_service", "psychosozial") == 60
    # no observations: no value, base 0
    assert values[("handover_delay_median_days", "2026-02", "diakonie", "all", "all")][:3] == (None, None, 0)
    values = leap
    # caritas P1 observations (first contact in Feb): H1 14, H2 15
    assert v(values, "handover_delay_median_days", P1, "caritas") == (14.5, None, 2)
    assert v(values, "handover_delay_p90_days", P1, "caritas")[0] == pytest.approx(14 + 0.9 * 1)
    assert v(values, "handover_within_14d_share", P1, "caritas") == (0.5, 1, 2)  # 14 days counts
    # all P1: 14, 15, 28 (HB1) -> median 15; p90 at position 0.9 * 2 = 1.8: 15 + 0.8 * (28 - 15) = 25.4
    assert v(values, "handover_delay_median_days", P1) == (15.0, None, 3)
    assert v(values, "handover_delay_p90_days", P1)[0] == pytest.approx(25.4)
    assert v(values, "handover_within_14d_share", P1) == (pytest.approx(1 / 3), 1, 3)
    # P2: H3 1 day (referred 29 Feb, contact 1 Mar), H6 35 days -> median 18, p90 1 + 0.9 * 34 = 31.6
    assert v(values, "handover_delay_median_days", P2) == (18.0, None, 2)
    assert v(values, "handover_delay_p90_days", P2)[0] == pytest.approx(31.6)
    # by target service
    assert v(values, "handover_delay_median_days", P1, "all", "target_service", "psychosozial")[0] == 28
    assert v(values, "handover_within_14d_share", P1, "all", "target_service", "jobcenter") == (0.0, 0, 1)
    assert v(values, "handover_delay_p90_days", P2, "all", "target_service", "integrationskurs")[0] == 35


def test_handovers_pending_over_30_days(leap):
    values = leap
    # end of P1 - 30 days = 30 Jan: H4 (15 Jan, no contact) and H6 (30 Jan, contact only on 5 Mar);
    # H5 is declined; H2 had its contact
    assert v(values, "handovers_pending_over_30d", P1, "caritas")[0] == 2
    assert v(values, "handovers_pending_over_30d", P1, "all", "target_service", "wohnen")[0] == 1
    assert v(values, "handovers_pending_over_30d", P1, "all", "target_service", "integrationskurs")[0] == 1
    # end of P2 - 30 days = 1 Mar: H4 only (H6 had its contact, H7 was referred on 12 Mar)
    assert v(values, "handovers_pending_over_30d", P2)[0] == 1
    assert v(values, "handovers_pending_over_30d", P1, "diakonie")[0] == 0


def test_handover_contact_kaplan_meier_median(leap):
    values = leap
    # caritas as of 29 Feb, cohort referred since 1 Mar 2023 (H5 declined without contact: out):
    # H3 censored at 0 days, H1 event 14, H2 event 15, H6 censored at 30 (30 Jan -> 29 Feb),
    # H4 censored at 45 (15 Jan -> 29 Feb). At t=14, 4 at risk (14, 15, 30, 45): S = 1 - 1/4 = 3/4;
    # at t=15, 3 at risk: S = 3/4 * 2/3 = 1/2 <= 0.5 -> median 15.
    assert v(values, "handover_contact_km_median_days", P1, "caritas") == (15.0, 2, 5)
    # all P1 adds HB1 (event 28): at risk 5 at 14 -> 4/5; 4 at 15 -> 3/5; 3 at 28 -> 2/5 -> median 28
    assert v(values, "handover_contact_km_median_days", P1) == (28.0, 3, 6)
    # caritas as of 31 Mar: events 1 (H3), 14, 15, 35 (H6); censored 19 (H7), 76 (H4: 15 Jan -> 31 Mar)
    # t=1: 6 at risk -> 5/6; t=14: 5 -> 4/6; t=15: 4 -> 1/2 -> median 15
    assert v(values, "handover_contact_km_median_days", P2, "caritas") == (15.0, 4, 6)
    # a single handover at Auslaenderbehoerde with an event: S drops to 0 at 14
    assert v(values, "handover_contact_km_median_days", P1, "all", "target_service", "auslaenderbehoerde")[0] == 14
    # wohnen: only H4, censored: the median is not reached, no value, base 1
    assert v(values, "handover_contact_km_median_days", P2, "all", "target_service", "wohnen") == (None, 0, 1)


def test_needs_unmet_share_and_count(jan, leap):
    values = jan
    # caritas P1: n1 and n5 unmet, n2 met -> 2 / 3
    assert values[("needs_unmet_share", "2026-01", "caritas", "all", "all")][:3] == (pytest.approx(2 / 3), 2, 3)
    # caritas P2: n3 met -> 0 / 1; n4 is open and not counted
    assert values[("needs_unmet_share", "2026-02", "caritas", "all", "all")][:3] == (0.0, 0, 1)
    # all P1: 2 unmet of 4 resolved (y1 met at diakonie)
    assert values[("needs_unmet_share", "2026-01", "all", "all", "all")][:3] == (0.5, 2, 4)
    assert value(values, "needs_unmet_share", "2026-01", "all", "category", "wohnen") == 1.0
    assert value(values, "needs_unmet_share", "2026-01", "all", "category", "sprache") == 0.0
    assert values[("needs_unmet_share", "2026-02", "diakonie", "all", "all")][:3] == (None, None, 0)
    values = leap
    # resolved in P1: N1 unmet (29 Feb), N4 unmet, NB1 unmet, NB2 met -> 3/4
    assert v(values, "needs_unmet_share", P1) == (0.75, 3, 4)
    assert v(values, "needs_unmet_share", P1, "caritas") == (1.0, 2, 2)
    assert v(values, "needs_unmet_share", P1, "all", "category", "wohnen") == (1.0, 3, 3)
    assert v(values, "needs_unmet_share", P1, "all", "category", "sprache") == (0.0, 0, 1)
    # P2: N2 met (resolved in a later month than identified), N5 unmet -> 1/2
    assert v(values, "needs_unmet_share", P2) == (0.5, 1, 2)
    assert v(values, "needs_unmet_count", P1)[0] == 3
    assert v(values, "needs_unmet_count", P1, "all", "category", "wohnen")[0] == 3
    assert v(values, "needs_unmet_count", P1, "all", "unmet_reason", "kein_angebot")[0] == 2  # N1, NB1
    assert v(values, "needs_unmet_count", P1, "all", "unmet_reason", "wartezeit")[0] == 1  # N4
    assert v(values, "needs_unmet_count", P1, "all", "category_reason", "wohnen|kein_angebot")[0] == 2
    assert v(values, "needs_unmet_count", P1, "all", "category_reason", "wohnen|wartezeit")[0] == 1
    assert v(values, "needs_unmet_count", P2, "all", "category_reason", "arbeit|kein_angebot")[0] == 1


def test_needs_open_over_90_days(leap):
    values = leap
    # end of P1 - 90 days = 1 Dec 2023: N2 (resolved only on 1 Mar), N6 (in progress), N7 (exactly 1 Dec);
    # N1 was resolved on 29 Feb
    assert v(values, "needs_open_over_90d", P1, "caritas")[0] == 3
    assert v(values, "needs_open_over_90d", P1, "all", "category", "aufenthalt")[0] == 1
    # end of P2 - 90 days = 1 Jan 2024: N6, N7 (N2 resolved on 1 Mar)
    assert v(values, "needs_open_over_90d", P2)[0] == 2
    assert v(values, "needs_open_over_90d", P1, "diakonie")[0] == 0  # NB2 identified 6 Jan


def test_time_to_first_need(leap):
    values = leap
    # opened in P1 with a need: A2 (29 Feb -> N3 2 Mar: 2 days), A3 (1 Feb -> 5 Feb: 4), B1 (10 -> 12 Feb: 2)
    assert v(values, "time_to_first_need_median_days", P1, "caritas") == (3.0, None, 2)
    assert v(values, "time_to_first_need_median_days", P1) == (2.0, None, 3)
    assert v(values, "time_to_first_need_median_days", P2) == (0.0, None, 1)  # A5: same day


def test_case_management_continuity(leap):
    values = leap
    # closed in P1: A3 (m1 only) yes, A6 (m1 then m2) no, B2 (m9) yes -> 2/3
    assert v(values, "cm_continuity_share", P1) == (pytest.approx(2 / 3), 2, 3)
    assert v(values, "cm_continuity_share", P1, "caritas") == (0.5, 1, 2)
    # closed in P2: A2 (m2, m1, m2 again: 2 distinct) no, A4 (m1 twice) yes, A7 (no assignment) no
    assert v(values, "cm_continuity_share", P2, "caritas") == (pytest.approx(1 / 3), 1, 3)


def test_status_change_retained_share(leap):
    values = leap
    # P1: q1 (A1 open) retained; q7 (A7 closed 31 Mar, after the end of P1: still open) retained
    assert v(values, "status_change_retained_share", P1, "caritas") == (1.0, 2, 2)
    # P2 caritas: q4 (A4 closed 1 Mar with abbruch) not retained; q2 (A2 closed weitervermittelt) retained;
    # q3 had no active case and is not counted
    assert v(values, "status_change_retained_share", P2, "caritas") == (0.5, 1, 2)
    # diakonie: q4's B1 is open -> 1/1; city-wide q4 counts once and is retained through B1 -> 2/2
    assert v(values, "status_change_retained_share", P2, "diakonie") == (1.0, 1, 1)
    assert v(values, "status_change_retained_share", P2) == (1.0, 2, 2)
    assert v(values, "status_change_retained_share", P2, "caritas", "status_to", "aufenthaltserlaubnis") == (0.0, 0, 1)
    assert v(values, "status_change_retained_share", P2, "all", "status_to", "duldung") == (1.0, 1, 1)


def test_delivery_on_time(jan):
    values = jan
    # caritas: January arrived 5 Feb (due 10 Feb) -> 1; February arrived 12 Mar (due 10 Mar) -> 0
    assert value(values, "delivery_on_time", "2026-01", "caritas") == 1
    assert value(values, "delivery_on_time", "2026-02", "caritas") == 0
    # diakonie: no January delivery -> 0; February arrived 5 Mar -> 1
    assert value(values, "delivery_on_time", "2026-01", "diakonie") == 0
    assert value(values, "delivery_on_time", "2026-02", "diakonie") == 1
    # a flag about providers, not people: never suppressed, and no city-wide row
    assert values[("delivery_on_time", "2026-01", "caritas", "all", "all")][3] is False
    assert ("delivery_on_time", "2026-01", "all", "all", "all") not in values


def test_budget_indicators(leap):
    values = leap
    granted, cost = 625_600, 781_000
    assert v(values, "budget_funding_granted", P1)[0] == granted
    assert v(values, "budget_actual_cost", P1)[0] == cost
    assert v(values, "budget_funding_coverage_share", P1)[0] == pytest.approx(granted / cost)
    # caritas holds 3.0 of 11.0 funded FTE in 2024
    assert v(values, "budget_actual_cost", P1, "caritas")[0] == pytest.approx(cost * 3 / 11)
    assert v(values, "budget_funding_granted", P1, "caritas")[0] == pytest.approx(granted * 3 / 11)
    # A month costs a twelfth of the year. P1: cases active 8 (cases_active), closed 3 (A3, A6, B2)
    assert v(values, "cost_per_active_case", P1) == (pytest.approx(cost / 12 / 8), None, 8)
    assert v(values, "cost_per_closed_case", P1) == (pytest.approx(cost / 12 / 3), None, 3)
    # P2: 6 active, 3 closed (A2, A4, A7)
    assert v(values, "cost_per_active_case", P2) == (pytest.approx(cost / 12 / 6), None, 6)
    assert v(values, "cost_per_closed_case", P2) == (pytest.approx(cost / 12 / 3), None, 3)
    # caritas P1: (cost * 3/11) / 12 over its 6 active and 2 closed cases
    assert v(values, "cost_per_active_case", P1, "caritas")[0] == pytest.approx(cost * 3 / 11 / 12 / 6)
    assert v(values, "cost_per_closed_case", P1, "caritas")[0] == pytest.approx(cost * 3 / 11 / 12 / 2)


def test_every_registered_indicator_has_rows(leap):
    values = leap
    from transforms.indicators import INDICATORS

    present = {key[0] for key in values}
    assert {indicator.id for indicator in INDICATORS} - {"delivery_on_time"} <= present


def test_caseload_bands_per_case_manager(tmp_path, config):
    """Five case managers at 'stadt' with 29, 30, 49, 50 and 70 cases open on 31 Mar 2024, plus a
    case whose assignment ended before the month's end (it counts for nobody)."""
    from warehouse.migrate import connect

    loads = {"s1": 29, "s2": 30, "s3": 49, "s4": 50, "s5": 70}
    cases, assignments = [], []
    for manager, count in loads.items():
        for i in range(count):
            case_id = f"{manager}c{i}"
            cases.append(case(case_id, f"p{case_id}", "2024-01-10"))
            assignments.append(dict(case_id=case_id, case_manager_id=manager, assigned_from=d("2024-01-10")))
    cases.append(case("gone", "pgone", "2024-01-10"))
    assignments.append(
        dict(case_id="gone", case_manager_id="s1", assigned_from=d("2024-01-10"), assigned_to=d("2024-03-30"))
    )
    con = connect(tmp_path / "warehouse.duckdb")
    load_hand_built_delivery(con, config, "stadt", P2, {"cases": cases, "assignments": assignments})
    build_warehouse_models(con, config)
    rows = dict(
        con.execute(
            "SELECT dimension_value, value FROM marts.indicator_values "
            "WHERE indicator_id = 'caseload_band_case_managers' AND provider_id = 'stadt' AND period = ?",
            [P2],
        ).fetchall()
    )
    con.close()
    # s1 29 -> unter_30; s2 30 and s3 49 -> 30_bis_49; s4 50 -> 50_bis_69; s5 70 -> ab_70
    assert rows == {"all": 5.0, "unter_30": 1.0, "30_bis_49": 2.0, "50_bis_69": 1.0, "ab_70": 1.0}


def test_a_cost_per_case_is_hidden_with_its_count():
    """cost / cost per case gives the count back (the budget is public): a cost per case is hidden
    wherever its count is — also when the count was hidden by secondary suppression (base >= k)."""
    import polars as pl

    from transforms.indicators import hide_linked_figures

    values = pl.DataFrame(
        [
            ("cases_closed", P1, "caritas", "all", "all", 7.0, 7, None, True),  # hidden to protect another cell
            ("cases_closed", P1, "diakonie", "all", "all", 9.0, 9, None, False),
            ("cost_per_closed_case", P1, "caritas", "all", "all", 5000.0, None, 7, False),
            ("cost_per_closed_case", P1, "diakonie", "all", "all", 4000.0, None, 9, False),
        ],
        schema=[
            "indicator_id",
            "period",
            "provider_id",
            "dimension",
            "dimension_value",
            "value",
            "numerator",
            "denominator",
            "suppressed",
        ],
        orient="row",
    )
    hidden = hide_linked_figures(values).filter(pl.col("suppressed")).select("indicator_id", "provider_id").rows()
    assert sorted(hidden) == [("cases_closed", "caritas"), ("cost_per_closed_case", "caritas")]


# ---------------------------------------------------------------------------------------------
# The relations of the specs (what the disclosure audit will use) hold on the data

COLUMN = {"value": 0, "numerator": 1, "denominator": 2}
COMPARE = {
    "equal": lambda left, right: left == pytest.approx(right),
    "at_most": lambda left, right: left <= right + 1e-9,
    "at_least": lambda left, right: left >= right - 1e-9,
}


def _shift(period: str, months: int) -> str:
    year, month = divmod(int(period[:4]) * 12 + int(period[5:]) - 1 + months, 12)
    return f"{year:04d}-{month + 1:02d}"


def _figure(values, units, term, period, provider, cell):
    """A term's figure in `cell` (a missing cell of a count column is 0); None if not defined."""
    if term.public:
        return None
    dimension, dimension_value = (term.dimension, term.dimension_value) if term.dimension else cell
    target = _shift(period, term.period_offset)
    providers = sorted(u for u in units if u != "all") if term.sum_over_providers else [provider]
    total = 0.0
    for unit in providers:
        row = values.get((term.indicator, target, unit, dimension, dimension_value))
        if row is None:
            if not any(key[1] == target and key[2] == unit for key in values):
                return None  # a month or unit outside the data
            row = (0.0, 0, 0)
        figure = row[COLUMN[term.column]]
        if figure is None and term.column == "value":
            return None
        total += term.coefficient * (figure or 0)
    return total


def _checked_cells(values, relation):
    units = {key[2] for key in values}
    for (indicator, period, provider, dimension, dimension_value), _ in values.items():
        if indicator != relation.left.indicator or (relation.cells == "total" and dimension != "all"):
            continue
        if (relation.providers == "each" and provider == "all") or (relation.providers == "all" and provider != "all"):
            continue
        yield units, period, provider, (dimension, dimension_value)


def _check(values, relation) -> int:
    checked = 0
    for units, period, provider, cell in _checked_cells(values, relation):
        left = _figure(values, units, relation.left, period, provider, cell)
        if relation.type == "quotient":
            numerator = _figure(values, units, relation.numerator, period, provider, cell)
            denominator = _figure(values, units, relation.denominator, period, provider, cell)
            if None in (left, numerator, denominator) or not denominator:
                continue
            assert left == pytest.approx(numerator / denominator), (relation.about, period, provider, cell)
        else:
            right = [_figure(values, units, term, period, provider, cell) for term in relation.right]
            if left is None or None in right:
                continue
            assert COMPARE[relation.type](left, sum(right)), (relation.about, period, provider, cell, left, right)
        checked += 1
    return checked


RELATIONS = [
    pytest.param(indicator, relation, id=f"{indicator.id}-{number}")
    for indicator in INDICATORS_BY_ID.values()
    for number, relation in enumerate(indicator.relations)
    if relation.periods != "years"
]


@pytest.mark.parametrize(("indicator", "relation"), RELATIONS)
def test_declared_relations_hold_on_the_hand_built_data(jan, leap, indicator, relation):
    checked = _check(jan, relation) + _check(leap, relation)
    public_only = relation.type == "quotient" and (relation.numerator.public or relation.denominator.public)
    assert checked or public_only, f"{indicator.id}: relation '{relation.about}' was never checked"
