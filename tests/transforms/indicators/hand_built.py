"""Two hand-built datasets for the indicators; expected values are worked out by hand in the tests.

January dataset (JAN_*): caritas delivers 2026-01 (stale, must be ignored) and 2026-02 (current);
diakonie delivers 2026-02. Periods: 2026-01 and 2026-02.

Leap dataset (LEAP_*), around the leap month February 2024: P1 = 2024-02 (1-29 Feb), P2 = 2024-03.
- caritas delivers 2024-03 (current for both months).
- diakonie delivers only 2024-02: in P2 it is stale and its February snapshot still counts.
- abh delivers the residence-status changes (2024-03).
- Person q4 has cases at caritas (A4) and diakonie (B1).
Budget 2024 (config/leverkusen.yaml): funding 625,600 EUR, cost 781,000 EUR; funded FTE 2024:
caritas 3.0, diakonie 2.5, awo 2.0, drk 1.5, stadt 2.0 = 11.0.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import d, load_hand_built_delivery

# --------------------------------------------------------------------------------------------
# January dataset

JAN_CARITAS_CASES = [
    # open since December: active in P1 and P2
    dict(
        case_id="c1",
        person_id="p1",
        case_manager_id="m1",
        opened_on=d("2025-12-15"),
        birth_year=1990,
        gender="w",
        nationality="SYR",
        residence_status="duldung",
        referral_source="selbst",
    ),
    # opened and closed in the same month P1
    dict(
        case_id="c2",
        person_id="p2",
        case_manager_id="m1",
        opened_on=d("2026-01-10"),
        closed_on=d("2026-01-25"),
        closing_reason="ziele_erreicht",
        birth_year=1985,
        gender="m",
        nationality="AFG",
        residence_status="gestattung",
        referral_source="jobcenter",
    ),
    # month boundary: opened on the last day of P1, closed on the first day of P2
    dict(
        case_id="c3",
        person_id="p3",
        case_manager_id="m2",
        opened_on=d("2026-01-31"),
        closed_on=d("2026-02-01"),
        closing_reason="umzug",
        birth_year=2000,
        gender="d",
        nationality="IRQ",
        residence_status="duldung",
        referral_source="selbst",
    ),
    # opened on the first day of P2, still open
    dict(
        case_id="c4",
        person_id="p4",
        case_manager_id="m2",
        opened_on=d("2026-02-01"),
        birth_year=1970,
        gender="x",
        nationality="XXX",
        residence_status="unbekannt",
        referral_source="sonstige",
    ),
    # closed on the last day before P1: active in neither period
    dict(
        case_id="c5",
        person_id="p5",
        case_manager_id="m1",
        opened_on=d("2025-11-01"),
        closed_on=d("2025-12-31"),
        closing_reason="abbruch",
        birth_year=1995,
        gender="w",
        nationality="TUR",
        residence_status="duldung",
        referral_source="selbst",
    ),
]
JAN_CARITAS_HANDOVERS = [
    dict(
        handover_id="h1",
        case_id="c1",
        target_service="auslaenderbehoerde",
        referred_on=d("2025-12-20"),
        first_contact_on=d("2026-01-05"),
        outcome="erfolgreich",
    ),  # 16 days, P1
    dict(
        handover_id="h2",
        case_id="c1",
        target_service="jobcenter",
        referred_on=d("2026-01-10"),
        first_contact_on=d("2026-01-31"),
        outcome="erfolgreich",
    ),  # 21 days, P1
    dict(
        handover_id="h3",
        case_id="c3",
        target_service="jobcenter",
        referred_on=d("2026-01-31"),
        first_contact_on=d("2026-02-01"),
        outcome="erfolgreich",
    ),  # 1 day, P2
    dict(
        handover_id="h4", case_id="c4", target_service="wohnen", referred_on=d("2026-02-02"), outcome="offen"
    ),  # no first contact: no observation
    dict(
        handover_id="h5",
        case_id="c2",
        target_service="auslaenderbehoerde",
        referred_on=d("2026-01-12"),
        first_contact_on=d("2026-01-20"),
        outcome="erfolgreich",
    ),  # 8 days, P1
]
JAN_CARITAS_NEEDS = [
    dict(
        need_id="n1",
        case_id="c1",
        category="wohnen",
        identified_on=d("2025-12-16"),
        status="nicht_gedeckt",
        resolved_on=d("2026-01-20"),
        unmet_reason="kein_angebot",
    ),  # P1 unmet
    dict(
        need_id="n2",
        case_id="c2",
        category="sprache",
        identified_on=d("2026-01-11"),
        status="gedeckt",
        resolved_on=d("2026-01-25"),
    ),  # P1 met
    dict(
        need_id="n3",
        case_id="c3",
        category="wohnen",
        identified_on=d("2026-01-31"),
        status="gedeckt",
        resolved_on=d("2026-02-01"),
    ),  # P2 met
    dict(need_id="n4", case_id="c4", category="arbeit", identified_on=d("2026-02-02"), status="offen"),
    dict(
        need_id="n5",
        case_id="c1",
        category="wohnen",
        identified_on=d("2025-12-16"),
        status="nicht_gedeckt",
        resolved_on=d("2026-01-31"),
        unmet_reason="wartezeit",
    ),  # P1 unmet
]
JAN_DIAKONIE_CASES = [
    dict(
        case_id="d1",
        person_id="p6",
        case_manager_id="m9",
        opened_on=d("2026-02-28"),
        birth_year=1999,
        gender="w",
        nationality="ERI",
        residence_status="gestattung",
        referral_source="selbst",
    ),
    # closed on the first day of P1: active and closed in P1
    dict(
        case_id="d2",
        person_id="p7",
        case_manager_id="m9",
        opened_on=d("2025-06-01"),
        closed_on=d("2026-01-01"),
        closing_reason="abbruch",
        birth_year=1980,
        gender="m",
        nationality="NGA",
        residence_status="duldung",
        referral_source="selbst",
    ),
]
JAN_DIAKONIE_HANDOVERS = [
    dict(
        handover_id="x1",
        case_id="d2",
        target_service="psychosozial",
        referred_on=d("2025-12-01"),
        first_contact_on=d("2026-01-30"),
        outcome="erfolgreich",
    ),  # 60 days, P1
]
JAN_DIAKONIE_NEEDS = [
    dict(
        need_id="y1",
        case_id="d2",
        category="psychosozial",
        identified_on=d("2025-07-01"),
        status="gedeckt",
        resolved_on=d("2026-01-01"),
    ),  # P1 met
]
# The stale January delivery disagrees on purpose: if it were used, c1 would open in October.
JAN_STALE_CARITAS_CASES = [dict(JAN_CARITAS_CASES[0], opened_on=d("2025-10-01"))]


# --------------------------------------------------------------------------------------------
# Leap dataset

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


LEAP_CARITAS_CASES = [
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
LEAP_CARITAS_ASSIGNMENTS = [
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
LEAP_CARITAS_HANDOVERS = [
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
LEAP_CARITAS_NEEDS = [
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
LEAP_DIAKONIE_CASES = [
    case(
        "B1", "q4", "2024-02-10", residence_status="duldung", referral_source="auslaenderbehoerde", district="opladen"
    ),  # the same person as caritas' A4
    case("B2", "q8", "2024-01-05", "2024-02-20", "ziele_erreicht", "gestattung"),
]
LEAP_DIAKONIE_ASSIGNMENTS = [
    dict(case_id="B1", case_manager_id="m9", assigned_from=d("2024-02-10")),
    dict(case_id="B2", case_manager_id="m9", assigned_from=d("2024-01-05"), assigned_to=d("2024-02-20")),
]
LEAP_DIAKONIE_HANDOVERS = [
    dict(
        handover_id="HB1",
        case_id="B2",
        target_service="psychosozial",
        referred_on=d("2024-02-01"),
        first_contact_on=d("2024-02-29"),
        outcome="erfolgreich",
    ),  # 28 days, P1
]
LEAP_DIAKONIE_NEEDS = [
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
LEAP_STATUS_CHANGES = [
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


INDICATOR_COLUMNS = (
    "indicator_id, period, provider_id, dimension, dimension_value, value, numerator, denominator, suppressed"
)


def load_january(con, config) -> None:
    load_hand_built_delivery(con, config, "caritas", "2026-01", {"cases": JAN_STALE_CARITAS_CASES})
    load_hand_built_delivery(
        con,
        config,
        "caritas",
        "2026-02",
        {"cases": JAN_CARITAS_CASES, "handovers": JAN_CARITAS_HANDOVERS, "needs": JAN_CARITAS_NEEDS},
        exported_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC),  # arrives after the 10th: late
    )
    load_hand_built_delivery(
        con,
        config,
        "diakonie",
        "2026-02",
        {"cases": JAN_DIAKONIE_CASES, "handovers": JAN_DIAKONIE_HANDOVERS, "needs": JAN_DIAKONIE_NEEDS},
    )


def load_leap(con, config, status_changes: bool = True) -> None:
    load_hand_built_delivery(
        con,
        config,
        "caritas",
        P2,
        {
            "cases": LEAP_CARITAS_CASES,
            "assignments": LEAP_CARITAS_ASSIGNMENTS,
            "handovers": LEAP_CARITAS_HANDOVERS,
            "needs": LEAP_CARITAS_NEEDS,
        },
    )
    load_hand_built_delivery(
        con,
        config,
        "diakonie",
        P1,
        {
            "cases": LEAP_DIAKONIE_CASES,
            "assignments": LEAP_DIAKONIE_ASSIGNMENTS,
            "handovers": LEAP_DIAKONIE_HANDOVERS,
            "needs": LEAP_DIAKONIE_NEEDS,
        },
    )
    if status_changes:
        load_hand_built_delivery(con, config, "abh", P2, {"status_changes": LEAP_STATUS_CHANGES})


def indicator_rows(con) -> dict[tuple, tuple]:
    """marts.indicator_values by key: (value, numerator, denominator, suppressed)."""
    rows = con.execute(f"SELECT {INDICATOR_COLUMNS} FROM marts.indicator_values").fetchall()
    return {row[:5]: row[5:] for row in rows}
