"""Indicators of design §5 against a small hand-built dataset; expected values worked out by hand.

Providers: caritas delivers 2026-01 (stale, must be ignored) and 2026-02 (current); diakonie
delivers 2026-02. Periods: 2026-01 and 2026-02 (P1 = January, P2 = February).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import build_warehouse_models, d, load_hand_built_delivery

CARITAS_CASES = [
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
CARITAS_HANDOVERS = [
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
CARITAS_NEEDS = [
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
DIAKONIE_CASES = [
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
DIAKONIE_HANDOVERS = [
    dict(
        handover_id="x1",
        case_id="d2",
        target_service="psychosozial",
        referred_on=d("2025-12-01"),
        first_contact_on=d("2026-01-30"),
        outcome="erfolgreich",
    ),  # 60 days, P1
]
DIAKONIE_NEEDS = [
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
STALE_CARITAS_CASES = [dict(CARITAS_CASES[0], opened_on=d("2025-10-01"))]


@pytest.fixture
def values(warehouse, config):
    load_hand_built_delivery(warehouse, config, "caritas", "2026-01", {"cases": STALE_CARITAS_CASES})
    load_hand_built_delivery(
        warehouse,
        config,
        "caritas",
        "2026-02",
        {"cases": CARITAS_CASES, "handovers": CARITAS_HANDOVERS, "needs": CARITAS_NEEDS},
        exported_at=datetime(2026, 3, 12, 9, 0, tzinfo=UTC),  # arrives after the 10th: late
    )
    load_hand_built_delivery(
        warehouse,
        config,
        "diakonie",
        "2026-02",
        {"cases": DIAKONIE_CASES, "handovers": DIAKONIE_HANDOVERS, "needs": DIAKONIE_NEEDS},
    )
    build_warehouse_models(warehouse, config, k=5)
    rows = warehouse.execute(
        "SELECT indicator_id, period, provider_id, dimension, dimension_value, value, numerator, "
        "denominator, suppressed FROM marts.indicator_values"
    ).fetchall()
    return {row[:5]: row[5:] for row in rows}


def value(values, indicator, period, provider="all", dimension="all", dimension_value="all"):
    return values[(indicator, period, provider, dimension, dimension_value)][0]


def test_periods_span_the_delivered_months(warehouse, values):
    periods = warehouse.execute("SELECT period FROM marts.dim_periods ORDER BY 1").fetchall()
    assert periods == [("2026-01",), ("2026-02",)]


def test_cases_active(values):
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


def test_cases_new(values):
    assert value(values, "cases_new", "2026-01", "caritas") == 2  # c2, c3
    assert value(values, "cases_new", "2026-02", "caritas") == 1  # c4
    assert value(values, "cases_new", "2026-01", "diakonie") == 0
    assert value(values, "cases_new", "2026-02", "diakonie") == 1  # d1
    assert value(values, "cases_new", "2026-01") == 2
    assert value(values, "cases_new", "2026-02") == 2


def test_cases_closed_with_reasons(values):
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


def test_handover_delay_median(values):
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


def test_needs_unmet_share(values):
    # caritas P1: n1 and n5 unmet, n2 met -> 2 / 3
    assert values[("needs_unmet_share", "2026-01", "caritas", "all", "all")][:3] == (pytest.approx(2 / 3), 2, 3)
    # caritas P2: n3 met -> 0 / 1; n4 is open and not counted
    assert values[("needs_unmet_share", "2026-02", "caritas", "all", "all")][:3] == (0.0, 0, 1)
    # all P1: 2 unmet of 4 resolved (y1 met at diakonie)
    assert values[("needs_unmet_share", "2026-01", "all", "all", "all")][:3] == (0.5, 2, 4)
    assert value(values, "needs_unmet_share", "2026-01", "all", "category", "wohnen") == 1.0
    assert value(values, "needs_unmet_share", "2026-01", "all", "category", "sprache") == 0.0
    assert values[("needs_unmet_share", "2026-02", "diakonie", "all", "all")][:3] == (None, None, 0)


def test_small_cells_are_flagged_for_suppression(values):
    # k = 5: count 4 is small, count 0 is shown, a median over 4 observations is hidden
    assert values[("cases_active", "2026-01", "all", "all", "all")][3] is True
    assert values[("cases_new", "2026-01", "diakonie", "all", "all")][3] is False
    assert values[("handover_delay_median_days", "2026-01", "all", "all", "all")][3] is True


def test_raw_never_holds_provider_ids(warehouse, values):
    ids = {row[0] for row in warehouse.execute("SELECT case_id FROM raw.cases").fetchall()}
    assert ids.isdisjoint({"c1", "c2", "c3", "c4", "c5", "d1", "d2"})
    assert all(len(i) == 32 for i in ids)


def test_delivery_on_time(values):
    # caritas: January arrived 5 Feb (due 10 Feb) -> 1; February arrived 12 Mar (due 10 Mar) -> 0
    assert value(values, "delivery_on_time", "2026-01", "caritas") == 1
    assert value(values, "delivery_on_time", "2026-02", "caritas") == 0
    # diakonie: no January delivery -> 0; February arrived 5 Mar -> 1
    assert value(values, "delivery_on_time", "2026-01", "diakonie") == 0
    assert value(values, "delivery_on_time", "2026-02", "diakonie") == 1
    # a flag about providers, not people: never suppressed, and no city-wide row
    assert values[("delivery_on_time", "2026-01", "caritas", "all", "all")][3] is False
    assert ("delivery_on_time", "2026-01", "all", "all", "all") not in values


def test_delivery_timeliness_statuses(warehouse, values):
    rows = warehouse.execute(
        "SELECT provider_id, period, due_on, status FROM marts.delivery_timeliness "
        "WHERE period IN ('2026-01', '2026-02') AND provider_id IN ('caritas', 'diakonie') ORDER BY ALL"
    ).fetchall()
    assert rows == [
        ("caritas", "2026-01", d("2026-02-10"), "fristgerecht"),
        ("caritas", "2026-02", d("2026-03-10"), "verspaetet"),
        ("diakonie", "2026-01", d("2026-02-10"), "fehlt"),
        ("diakonie", "2026-02", d("2026-03-10"), "fristgerecht"),
    ]
