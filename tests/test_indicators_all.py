"""Every indicator of design §5 (and those beyond it) against a hand-built dataset around the leap
month February 2024. Expected values are worked out by hand; the arithmetic is in the comments.

P1 = 2024-02 (1-29 Feb, a leap month), P2 = 2024-03 (1-31 Mar).
- caritas delivers 2024-03 (current for both months).
- diakonie delivers only 2024-02: in P2 it is stale and its February snapshot still counts.
- abh delivers the residence-status changes (2024-03).
- Person q4 has cases at caritas (A4) and diakonie (B1).
Budget 2024 (config/leverkusen.yaml): funding 625,600 EUR, cost 781,000 EUR; funded FTE 2024:
caritas 3.0, diakonie 2.5, awo 2.0, drk 1.5, stadt 2.0 = 11.0.
"""

from __future__ import annotations

import pytest

from tests.conftest import build_warehouse_models, d, load_hand_built_delivery

P1, P2 = "2024-02", "2024-03"


def case(
    case_id,
    person_id,
    opened_on,
    closed_on=None,
    closing_reason=None,
    residence_status="duldung",
    referral_source="selbst",
    district=None,
):
    return dict(
        case_id=case_id,
        person_id=person_id,
        case_manager_id="m1",
        opened_on=d(opened_on),
        closed_on=d(closed_on) if closed_on else None,
        closing_reason=closing_reason,
        birth_year=1990,
        gender="w",
        nationality="SYR",
        residence_status=residence_status,
        referral_source=referral_source,
        district=district,
    )


CARITAS_CASES = [
    case("A1", "q1", "2023-11-15", district="opladen"),  # open throughout
    # opened on the leap day, closed in P2 (weitervermittelt): duration <= 3 months
    case("A2", "q2", "2024-02-29", "2024-03-15", "weitervermittelt", "gestattung", "jobcenter"),
    # opened 1 Feb, closed on the leap day: P1, <= 3 months
    case("A3", "q3", "2024-02-01", "2024-02-29", "ziele_erreicht", "aufenthaltserlaubnis", district="opladen"),
    # exactly 12 months (1 Mar 2023 + 12 months = 1 Mar 2024): band 6-12
    case("A4", "q4", "2023-03-01", "2024-03-01", "abbruch"),
    case("A5", "q5", "2024-03-10", district="wiesdorf"),  # opened in P2
    # 31 Aug 2023 + 6 months = 29 Feb 2024 (clamped to the leap day): band 3-6
    case("A6", "q6", "2023-08-31", "2024-02-29", "umzug"),
    # more than 12 months, closed on the last day of P2
    case("A7", "q7", "2022-12-01", "2024-03-31", "kontakt_verloren", "deutsch"),
]
CARITAS_ASSIGNMENTS = [
    dict(case_id="A1", case_manager_id="m1", assigned_from=d("2023-11-15")),
    # A2: m2, then m1, then m2 again (reopened assignment): 2 distinct case managers
    dict(case_id="A2", case_manager_id="m2", assigned_from=d("2024-02-29"), assigned_to=d("2024-03-02")),
    dict(case_id="A2", case_manager_id="m1", assigned_from=d("2024-03-03"), assigned_to=d("2024-03-09")),
    dict(case_id="A2", case_manager_id="m2", assigned_from=d("2024-03-10"), assigned_to=d("2024-03-15")),
    dict(case_id="A3", case_manager_id="m1", assigned_from=d("2024-02-01"), assigned_to=d("2024-02-29")),
    # A4: m1 twice (handed back to the same person): 1 distinct case manager, continuous
    dict(case_id="A4", case_manager_id="m1", assigned_from=d("2023-03-01"), assigned_to=d("2023-06-30")),
    dict(case_id="A4", case_manager_id="m1", assigned_from=d("2023-07-01"), assigned_to=d("2024-03-01")),
    dict(case_id="A5", case_manager_id="m2", assigned_from=d("2024-03-10")),
    dict(case_id="A6", case_manager_id="m1", assigned_from=d("2023-08-31"), assigned_to=d("2023-12-31")),
    dict(case_id="A6", case_manager_id="m2", assigned_from=d("2024-01-01"), assigned_to=d("2024-02-29")),
    # A7 has no assignment rows: 0 case managers, counts as not continuous
]
CARITAS_HANDOVERS = [
    dict(
        handover_id="H1",
        case_id="A1",
        target_service="auslaenderbehoerde",
        referred_on=d("2024-01-20"),
        first_contact_on=d("2024-02-03"),
        outcome="erfolgreich",
    ),  # 14 days, first contact in P1
    dict(
        handover_id="H2",
        case_id="A1",
        target_service="jobcenter",
        referred_on=d("2024-02-10"),
        first_contact_on=d("2024-02-25"),
        outcome="erfolgreich",
    ),  # 15 days, P1
    dict(
        handover_id="H3",
        case_id="A2",
        target_service="jobcenter",
        referred_on=d("2024-02-29"),
        first_contact_on=d("2024-03-01"),
        outcome="erfolgreich",
    ),  # 1 day, across the month boundary: P2
    dict(
        handover_id="H4", case_id="A4", target_service="wohnen", referred_on=d("2024-01-15"), outcome="offen"
    ),  # never a first contact
    dict(
        handover_id="H5", case_id="A4", target_service="wohnen", referred_on=d("2024-01-31"), outcome="abgelehnt"
    ),  # declined: never pending, leaves the Kaplan-Meier cohort
    dict(
        handover_id="H6",
        case_id="A1",
        target_service="integrationskurs",
        referred_on=d("2024-01-30"),
        first_contact_on=d("2024-03-05"),
        outcome="erfolgreich",
    ),  # 35 days, P2; pending at end of P1
    dict(
        handover_id="H7", case_id="A5", target_service="jobcenter", referred_on=d("2024-03-12"), outcome="offen"
    ),  # pending, but only 19 days at the end of P2
]
CARITAS_NEEDS = [
    dict(
        need_id="N1",
        case_id="A1",
        category="wohnen",
        identified_on=d("2023-11-20"),
        status="nicht_gedeckt",
        resolved_on=d("2024-02-29"),
        unmet_reason="kein_angebot",
    ),
    dict(
        need_id="N2",
        case_id="A1",
        category="sprache",
        identified_on=d("2023-11-20"),
        status="gedeckt",
        resolved_on=d("2024-03-01"),
    ),  # resolved in a later month: still open at the end of P1
    dict(need_id="N3", case_id="A2", category="arbeit", identified_on=d("2024-03-02"), status="offen"),
    dict(
        need_id="N4",
        case_id="A3",
        category="wohnen",
        identified_on=d("2024-02-05"),
        status="nicht_gedeckt",
        resolved_on=d("2024-02-28"),
        unmet_reason="wartezeit",
    ),
    dict(
        need_id="N5",
        case_id="A5",
        category="arbeit",
        identified_on=d("2024-03-10"),
        status="nicht_gedeckt",
        resolved_on=d("2024-03-20"),
        unmet_reason="kein_angebot",
    ),
    dict(need_id="N6", case_id="A7", category="gesundheit", identified_on=d("2023-09-01"), status="in_bearbeitung"),
    # identified exactly 90 days before the end of P1 (29 Feb - 90 days = 1 Dec 2023)
    dict(need_id="N7", case_id="A4", category="aufenthalt", identified_on=d("2023-12-01"), status="offen"),
]
DIAKONIE_CASES = [
    case(
        "B1", "q4", "2024-02-10", residence_status="duldung", referral_source="auslaenderbehoerde", district="opladen"
    ),  # the same person as caritas' A4
    case("B2", "q8", "2024-01-05", "2024-02-20", "ziele_erreicht", "gestattung"),
]
DIAKONIE_ASSIGNMENTS = [
    dict(case_id="B1", case_manager_id="m9", assigned_from=d("2024-02-10")),
    dict(case_id="B2", case_manager_id="m9", assigned_from=d("2024-01-05"), assigned_to=d("2024-02-20")),
]
DIAKONIE_HANDOVERS = [
    dict(
        handover_id="HB1",
        case_id="B2",
        target_service="psychosozial",
        referred_on=d("2024-02-01"),
        first_contact_on=d("2024-02-29"),
        outcome="erfolgreich",
    ),  # 28 days, P1
]
DIAKONIE_NEEDS = [
    dict(
        need_id="NB1",
        case_id="B1",
        category="wohnen",
        identified_on=d("2024-02-12"),
        status="nicht_gedeckt",
        resolved_on=d("2024-02-26"),
        unmet_reason="kein_angebot",
    ),
    dict(
        need_id="NB2",
        case_id="B2",
        category="sprache",
        identified_on=d("2024-01-06"),
        status="gedeckt",
        resolved_on=d("2024-02-10"),
    ),
]
STATUS_CHANGES = [
    dict(person_id="q1", changed_on=d("2024-02-15"), status_from="duldung", status_to="aufenthaltserlaubnis"),
    dict(person_id="q7", changed_on=d("2024-02-20"), status_from="duldung", status_to="niederlassungserlaubnis"),
    # q4: A4 (caritas, closed that day with abbruch) and B1 (diakonie, open) are both active
    dict(person_id="q4", changed_on=d("2024-03-01"), status_from="duldung", status_to="aufenthaltserlaubnis"),
    dict(
        person_id="q3",
        changed_on=d("2024-03-05"),
        status_from="aufenthaltserlaubnis",
        status_to="niederlassungserlaubnis",
    ),  # A3 closed on 29 Feb: no active case, not counted
    dict(person_id="q2", changed_on=d("2024-03-10"), status_from="gestattung", status_to="duldung"),
]


@pytest.fixture(scope="module")
def values(tmp_path_factory, config):
    from warehouse.migrate import connect

    con = connect(tmp_path_factory.mktemp("indicators") / "warehouse.duckdb")
    load_hand_built_delivery(
        con,
        config,
        "caritas",
        P2,
        {
            "cases": CARITAS_CASES,
            "assignments": CARITAS_ASSIGNMENTS,
            "handovers": CARITAS_HANDOVERS,
            "needs": CARITAS_NEEDS,
        },
    )
    load_hand_built_delivery(
        con,
        config,
        "diakonie",
        P1,
        {
            "cases": DIAKONIE_CASES,
            "assignments": DIAKONIE_ASSIGNMENTS,
            "handovers": DIAKONIE_HANDOVERS,
            "needs": DIAKONIE_NEEDS,
        },
    )
    load_hand_built_delivery(con, config, "abh", P2, {"status_changes": STATUS_CHANGES})
    build_warehouse_models(con, config, k=5)
    rows = con.execute(
        "SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator "
        "FROM marts.indicator_values"
    ).fetchall()
    con.close()
    return {row[:5]: row[5:] for row in rows}


def v(values, indicator, period, provider="all", dimension="all", dimension_value="all"):
    """(value, numerator, denominator) of one cell."""
    return values[(indicator, period, provider, dimension, dimension_value)]


def test_every_registered_indicator_has_rows(values):
    from transforms.indicators import INDICATORS

    present = {key[0] for key in values}
    assert {indicator.id for indicator in INDICATORS} - {"delivery_on_time"} <= present


def test_cases_active_with_a_stale_provider(values):
    # caritas P1: A1, A2 (opened 29 Feb), A3, A4, A6 (closed 29 Feb), A7 = 6; A5 opens in March
    assert v(values, "cases_active", P1, "caritas") == (6.0, 6, None)
    # caritas P2: A1, A2, A4 (closed 1 Mar), A5, A7 = 5; A3 and A6 closed on 29 Feb
    assert v(values, "cases_active", P2, "caritas") == (5.0, 5, None)
    # diakonie P1: B1, B2; P2 from the stale February snapshot: B1 only (B2 closed 20 Feb)
    assert v(values, "cases_active", P1, "diakonie")[0] == 2
    assert v(values, "cases_active", P2, "diakonie")[0] == 1
    assert v(values, "cases_active", P1)[0] == 6 + 2
    assert v(values, "cases_active", P2)[0] == 5 + 1


def test_persons_active_counts_a_person_at_two_providers_once(values):
    # P1: caritas q1 q2 q3 q4 q6 q7, diakonie q4 q8 -> 7 distinct (q4 at both)
    assert v(values, "persons_active", P1, "caritas")[0] == 6
    assert v(values, "persons_active", P1, "diakonie")[0] == 2
    assert v(values, "persons_active", P1)[0] == 7
    # P2: caritas q1 q2 q4 q5 q7, diakonie q4 -> 5 distinct
    assert v(values, "persons_active", P2)[0] == 5


def test_cases_new_with_breakdowns_and_unknown_district(values):
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


def test_cases_closed_by_reason_and_duration_band(values):
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


def test_focus_group_share_new(values):
    # caritas P1: A2 gestattung (yes), A3 aufenthaltserlaubnis (no) -> 1/2
    assert v(values, "focus_group_share_new", P1, "caritas") == (0.5, 1, 2)
    # all P1: A2, B1 (duldung) of A2, A3, B1 -> 2/3
    assert v(values, "focus_group_share_new", P1) == (pytest.approx(2 / 3), 2, 3)
    assert v(values, "focus_group_share_new", P2) == (1.0, 1, 1)  # A5 duldung
    # no new case: no share, base 0
    assert v(values, "focus_group_share_new", P2, "diakonie") == (None, None, 0)


def test_caseload_per_fte(values):
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


def test_handover_delay_median_p90_and_within_14_days(values):
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


def test_handovers_pending_over_30_days(values):
    # end of P1 - 30 days = 30 Jan: H4 (15 Jan, no contact) and H6 (30 Jan, contact only on 5 Mar);
    # H5 is declined; H2 had its contact
    assert v(values, "handovers_pending_over_30d", P1, "caritas")[0] == 2
    assert v(values, "handovers_pending_over_30d", P1, "all", "target_service", "wohnen")[0] == 1
    assert v(values, "handovers_pending_over_30d", P1, "all", "target_service", "integrationskurs")[0] == 1
    # end of P2 - 30 days = 1 Mar: H4 only (H6 had its contact, H7 was referred on 12 Mar)
    assert v(values, "handovers_pending_over_30d", P2)[0] == 1
    assert v(values, "handovers_pending_over_30d", P1, "diakonie")[0] == 0


def test_handover_contact_kaplan_meier_median(values):
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


def test_needs_unmet_share_and_count(values):
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


def test_needs_open_over_90_days(values):
    # end of P1 - 90 days = 1 Dec 2023: N2 (resolved only on 1 Mar), N6 (in progress), N7 (exactly 1 Dec);
    # N1 was resolved on 29 Feb
    assert v(values, "needs_open_over_90d", P1, "caritas")[0] == 3
    assert v(values, "needs_open_over_90d", P1, "all", "category", "aufenthalt")[0] == 1
    # end of P2 - 90 days = 1 Jan 2024: N6, N7 (N2 resolved on 1 Mar)
    assert v(values, "needs_open_over_90d", P2)[0] == 2
    assert v(values, "needs_open_over_90d", P1, "diakonie")[0] == 0  # NB2 identified 6 Jan


def test_time_to_first_need(values):
    # opened in P1 with a need: A2 (29 Feb -> N3 2 Mar: 2 days), A3 (1 Feb -> 5 Feb: 4), B1 (10 -> 12 Feb: 2)
    assert v(values, "time_to_first_need_median_days", P1, "caritas") == (3.0, None, 2)
    assert v(values, "time_to_first_need_median_days", P1) == (2.0, None, 3)
    assert v(values, "time_to_first_need_median_days", P2) == (0.0, None, 1)  # A5: same day


def test_case_management_continuity(values):
    # closed in P1: A3 (m1 only) yes, A6 (m1 then m2) no, B2 (m9) yes -> 2/3
    assert v(values, "cm_continuity_share", P1) == (pytest.approx(2 / 3), 2, 3)
    assert v(values, "cm_continuity_share", P1, "caritas") == (0.5, 1, 2)
    # closed in P2: A2 (m2, m1, m2 again: 2 distinct) no, A4 (m1 twice) yes, A7 (no assignment) no
    assert v(values, "cm_continuity_share", P2, "caritas") == (pytest.approx(1 / 3), 1, 3)


def test_status_change_retained_share(values):
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


def test_budget_indicators(values):
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


def test_yearly_figures_of_the_leap_month_dataset(tmp_path_factory, config):
    """The same dataset per year: 2024 reaches from February (first delivered month) to March."""
    from transforms.indicators import build_yearly_indicator_values
    from warehouse.migrate import connect

    con = connect(tmp_path_factory.mktemp("yearly") / "warehouse.duckdb")
    load_hand_built_delivery(
        con,
        config,
        "caritas",
        P2,
        {
            "cases": CARITAS_CASES,
            "assignments": CARITAS_ASSIGNMENTS,
            "handovers": CARITAS_HANDOVERS,
            "needs": CARITAS_NEEDS,
        },
    )
    load_hand_built_delivery(
        con,
        config,
        "diakonie",
        P1,
        {
            "cases": DIAKONIE_CASES,
            "assignments": DIAKONIE_ASSIGNMENTS,
            "handovers": DIAKONIE_HANDOVERS,
            "needs": DIAKONIE_NEEDS,
        },
    )
    build_warehouse_models(con, config, k=5)
    build_yearly_indicator_values(con, 5)
    rows = con.execute(
        "SELECT indicator_id, provider_id, dimension, dimension_value, value, numerator, denominator, suppressed "
        "FROM marts.indicator_values_yearly WHERE period = '2024'"
    ).fetchall()
    con.close()
    yearly = {row[:4]: row[4:] for row in rows}
    # open on some day of 1 Feb - 31 Mar: caritas A1-A7, diakonie B1, B2
    assert yearly[("cases_active", "all", "all", "all")][:2] == (9.0, 9)
    # opened: A2, A3 (Feb), A5 (Mar), B1 (Feb)
    assert yearly[("cases_new", "all", "all", "all")][:2] == (4.0, 4)
    # resolved Feb-Mar: N1, N4, NB1 unmet, NB2, N2 met, N5 unmet -> 4 / 6
    assert yearly[("needs_unmet_share", "all", "all", "all")][:3] == (pytest.approx(4 / 6), 4, 6)
    # first contacts Feb-Mar: 14, 15, 28, 1, 35 -> median 15
    assert yearly[("handover_delay_median_days", "all", "all", "all")][:3] == (15.0, None, 5)
    # the year so far is February and March: cost 781,000 * 2/12 over the 9 cases active in it
    assert yearly[("cost_per_active_case", "all", "all", "all")][0] == pytest.approx(781_000 * 2 / 12 / 9)
    # caseload at the year's last day (31 March): (3 + 1) / 11.0 FTE
    assert yearly[("caseload_per_fte", "all", "all", "all")][:2] == (pytest.approx(4 / 11), 4)
    assert ("delivery_on_time", "caritas", "all", "all") not in yearly
    assert yearly[("cases_new", "all", "all", "all")][3] is True  # 4 < 5


def test_a_year_total_of_a_flow_is_hidden_when_a_month_is(tmp_path, config):
    """stadt opens 2 cases in January (hidden), 6 in February and 7 in March: 15 in the year is not
    small, but 15 - 6 - 7 gives January's 2 away, so the year's figure is hidden."""
    from transforms.indicators import build_yearly_indicator_values
    from warehouse.migrate import connect

    cases = [
        case(f"s{m}-{i}", f"ps{m}-{i}", f"2024-0{m}-1{i % 9}") for m, n in ((1, 2), (2, 6), (3, 7)) for i in range(n)
    ]
    con = connect(tmp_path / "warehouse.duckdb")
    load_hand_built_delivery(con, config, "stadt", "2024-03", {"cases": cases})
    load_hand_built_delivery(con, config, "caritas", "2024-01", {"cases": []})
    build_warehouse_models(con, config, k=5)
    build_yearly_indicator_values(con, 5)
    monthly = dict(
        con.execute(
            "SELECT period, suppressed FROM marts.indicator_values WHERE indicator_id = 'cases_new' "
            "AND provider_id = 'stadt' AND dimension = 'all'"
        ).fetchall()
    )
    year = con.execute(
        "SELECT value, suppressed FROM marts.indicator_values_yearly WHERE indicator_id = 'cases_new' "
        "AND provider_id = 'stadt' AND dimension = 'all'"
    ).fetchall()
    active = con.execute(
        "SELECT value, suppressed FROM marts.indicator_values_yearly WHERE indicator_id = 'cases_active' "
        "AND provider_id = 'stadt' AND dimension = 'all'"
    ).fetchall()
    con.close()
    assert monthly == {"2024-01": True, "2024-02": False, "2024-03": False}
    assert year == [(15.0, True)]
    # a stock is not a sum of months: cases active in the year stay published
    assert active == [(15.0, False)]
