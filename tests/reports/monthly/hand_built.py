"""A hand-built marts schema for the monthly report: the tables the report reads, written
directly, with figures chosen so that every display case occurs (small, rich) or so that the
report looks like a real city's (realistic, 24 months)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb

from tests.reports.publication import add_publication
from warehouse.migrate import migration_sql

CITY = "Leverkusen"
K = 5

DDL = """
CREATE SCHEMA IF NOT EXISTS marts;
CREATE TABLE marts.indicator_values (
    indicator_id VARCHAR, period VARCHAR, provider_id VARCHAR, dimension VARCHAR,
    dimension_value VARCHAR, value DOUBLE, numerator BIGINT, denominator BIGINT,
    suppressed BOOLEAN);
CREATE TABLE marts.dim_providers (provider_id VARCHAR, provider_name VARCHAR,
    provider_kind VARCHAR);
CREATE TABLE marts.dim_periods (period VARCHAR, period_start DATE, period_end DATE);
CREATE TABLE marts.fct_deliveries (delivery_id VARCHAR, provider_id VARCHAR, period VARCHAR,
    exported_at TIMESTAMPTZ, loaded_at TIMESTAMPTZ, is_current BOOLEAN, state VARCHAR DEFAULT 'accepted');
"""

EVIL_NAME = "AWO <script>alert(1)</script>"

PROVIDERS = [
    ("caritas", "Caritasverband Leverkusen", "wohlfahrt"),
    ("diakonie", "Diakonisches Werk Leverkusen", "wohlfahrt"),
    ("awo", EVIL_NAME, "wohlfahrt"),
    ("drk", "Deutsches Rotes Kreuz Leverkusen", "wohlfahrt"),
    ("stadt", "Stadt Leverkusen, kommunales Case Management", "stadt"),
    ("abh", "Ausländerbehörde Leverkusen", "abh"),
]


def _month_bounds(period: str) -> tuple[dt.date, dt.date]:
    year, month = map(int, period.split("-"))
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def periods_between(first: str, last: str) -> list[str]:
    out, (y, m) = [], map(int, first.split("-"))
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def build_warehouse(
    path: Path, indicator_rows, *, providers=PROVIDERS, periods=None, deliveries=None
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute(DDL)
    add_publication(con)
    con.executemany("INSERT INTO marts.dim_providers VALUES (?, ?, ?)", providers)
    periods = periods or sorted({row[1] for row in indicator_rows})
    con.executemany("INSERT INTO marts.dim_periods VALUES (?, ?, ?)", [(p, *_month_bounds(p)) for p in periods])
    con.executemany("INSERT INTO marts.indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", indicator_rows)
    if deliveries is None:
        deliveries = []
        for pid, *_ in providers:
            # drk is stale (newest delivery one month behind); alone it has none at all
            last = periods[-1] if pid != "drk" else (periods[-2] if len(periods) > 1 else "")
            for p in periods:
                if p <= last:
                    _, end = _month_bounds(p)
                    exported = dt.datetime.combine(end + dt.timedelta(days=5), dt.time(9, 30), tzinfo=dt.UTC)
                    deliveries.append((f"{pid}-{p}", pid, p, exported, exported + dt.timedelta(hours=3), p == last))
    con.executemany(
        "INSERT INTO marts.fct_deliveries (delivery_id, provider_id, period, exported_at, loaded_at, is_current) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        deliveries,
    )
    return con


def small_rows() -> list[tuple]:
    """Hand-written figures for 2026-09 and 2026-10 with every display case in them."""
    P, PREV = "2026-10", "2026-09"

    def count(ind, prov, value, suppressed=False, dim="all", dv="all", period=P):
        return (ind, period, prov, dim, dv, float(value), int(value), None, suppressed)

    def share(ind, prov, num, den, suppressed=False, dim="all", dv="all", period=P):
        return (ind, period, prov, dim, dv, num / den if den else None, num, den, suppressed)

    def median(ind, prov, value, n, suppressed=False, dim="all", dv="all", period=P):
        return (ind, period, prov, dim, dv, value, None, n, suppressed)

    return [
        # cases_active: a large number, a primary-suppressed 3, a secondary-suppressed 7
        count("cases_active", "all", 1234),
        count("cases_active", "caritas", 500),
        count("cases_active", "diakonie", 400),
        count("cases_active", "awo", 324),
        count("cases_active", "drk", 3, suppressed=True),
        count("cases_active", "stadt", 7, suppressed=True),
        count("cases_active", "all", 1200, period=PREV),
        # cases_new: zero (shown as 0), drk has no row at all (k. A.)
        count("cases_new", "all", 48),
        count("cases_new", "caritas", 20),
        count("cases_new", "diakonie", 0),
        count("cases_new", "awo", 16),
        count("cases_new", "stadt", 12),
        count("cases_new", "all", 40, period=PREV),
        # cases_closed incl. closing reasons
        count("cases_closed", "all", 14),
        count("cases_closed", "caritas", 9),
        count("cases_closed", "diakonie", 5),
        count("cases_closed", "all", 14, dim="closing_reason", dv="ziele_erreicht"),
        count("cases_closed", "all", 11, dim="closing_reason", dv="ziele_erreicht"),
        count("cases_closed", "all", 3, True, dim="closing_reason", dv="umzug"),
        count("cases_closed", "all", 11, period=PREV),
        # handover delay medians: overall, by provider, by target service
        median("handover_delay_median_days", "all", 12.5, 40),
        median("handover_delay_median_days", "caritas", 11.0, 20),
        median("handover_delay_median_days", "drk", 9.0, 3, suppressed=True),
        median("handover_delay_median_days", "all", 30.5, 10, dim="target_service", dv="auslaenderbehoerde"),
        median("handover_delay_median_days", "all", 8.0, 12, dim="target_service", dv="jobcenter"),
        median("handover_delay_median_days", "all", 10.0, 16, dim="target_service", dv="mbe"),
        median("handover_delay_median_days", "all", 47.5, 2, suppressed=True, dim="target_service", dv="kita"),
        median("handover_delay_median_days", "all", 11.0, 35, period=PREV),
        # unmet needs share: overall 12,5 %, categories incl. a suppressed one
        share("needs_unmet_share", "all", 5, 40),
        share("needs_unmet_share", "caritas", 3, 20),
        share("needs_unmet_share", "all", 10, 20, dim="category", dv="wohnen"),
        share("needs_unmet_share", "all", 0, 10, dim="category", dv="sprache"),
        share("needs_unmet_share", "all", 1, 2, True, dim="category", dv="gesundheit"),
    ]


RICH_FIRST, P, PREV, LAST_YEAR = "2025-10", "2026-10", "2026-09", "2025-10"

REVISIONS_DDL = """
CREATE TABLE marts.indicator_revisions (
    indicator_id VARCHAR, period VARCHAR, provider_id VARCHAR, dimension VARCHAR,
    dimension_value VARCHAR, previous_value DOUBLE, current_value DOUBLE,
    previous_numerator BIGINT, current_numerator BIGINT, previous_denominator BIGINT,
    current_denominator BIGINT, previous_suppressed BOOLEAN, current_suppressed BOOLEAN,
    previous_vintage VARCHAR, current_vintage VARCHAR);
"""


def _count(ind, prov, value, suppressed=False, dim="all", dv="all", period=P):
    return (ind, period, prov, dim, dv, float(value), int(value), None, suppressed)


def _share(ind, prov, num, den, suppressed=False, dim="all", dv="all", period=P):
    return (ind, period, prov, dim, dv, num / den if den else None, num, den, suppressed)


def _median(ind, prov, value, n, suppressed=False, dim="all", dv="all", period=P):
    return (ind, period, prov, dim, dv, value, None, n, suppressed)


def rich_rows() -> list[tuple]:
    """small_rows() plus the indicators of the newer sections, the same month last year, and
    planted suppressed values that must never appear (93,7 days; 43,2 %; 777)."""
    c, s, m = _count, _share, _median
    reasons = "category_reason"
    return small_rows() + [
        # comparisons: the same month last year, one hidden
        c("cases_active", "all", 1000, period=LAST_YEAR),
        c("cases_new", "all", 3, True, period=LAST_YEAR),
        m("handover_delay_median_days", "all", 12.5, 30, period=LAST_YEAR),
        s("needs_unmet_share", "all", 4, 40, period=PREV),
        # persons vs cases
        c("persons_active", "all", 1180),
        c("persons_active", "caritas", 480),
        c("persons_active", "diakonie", 400),
        c("persons_active", "awo", 300),
        c("persons_active", "stadt", 6, True),
        c("persons_active", "all", 1150, period=PREV),
        # focus group
        s("focus_group_share_new", "all", 20, 48),
        s("focus_group_share_new", "caritas", 8, 20),
        s("focus_group_share_new", "awo", 7, 16, True),
        (("focus_group_share_new", P, "stadt", "all", "all", 0.4321, 5, 12, True)),
        c("cases_new", "all", 12, dim="residence_status", dv="duldung"),
        c("cases_new", "all", 8, dim="residence_status", dv="gestattung"),
        c("cases_new", "all", 25, dim="residence_status", dv="aufenthaltserlaubnis"),
        c("cases_new", "all", 3, True, dim="residence_status", dv="unbekannt"),
        # handovers: p90, share within 14 days, pending over 30 days
        m("handover_delay_p90_days", "all", 30.0, 40),
        m("handover_delay_p90_days", "all", 21.0, 12, dim="target_service", dv="jobcenter"),
        s("handover_within_14d_share", "all", 20, 40),
        s("handover_within_14d_share", "all", 9, 12, dim="target_service", dv="jobcenter"),
        c("handovers_pending_over_30d", "all", 6),
        c("handovers_pending_over_30d", "all", 2, True, dim="target_service", dv="jobcenter"),
        c("handovers_pending_over_30d", "all", 4, True, dim="target_service", dv="auslaenderbehoerde"),
        # Kaplan-Meier median by target service (kita hidden: base 3)
        m("handover_contact_km_median_days", "all", 14.0, 200),
        m("handover_contact_km_median_days", "all", 9.5, 40, dim="target_service", dv="jobcenter"),
        m("handover_contact_km_median_days", "all", 35.0, 30, dim="target_service", dv="auslaenderbehoerde"),
        m("handover_contact_km_median_days", "all", 93.7, 3, True, dim="target_service", dv="kita"),
        # gap matrix: unmet needs by category x reason with both totals
        c("needs_unmet_count", "all", 18),
        c("needs_unmet_count", "all", 10, dim="category", dv="wohnen"),
        c("needs_unmet_count", "all", 7, True, dim="category", dv="arbeit"),
        c("needs_unmet_count", "all", 1, True, dim="category", dv="gesundheit"),
        c("needs_unmet_count", "all", 3, True, dim="unmet_reason", dv="kein_angebot"),
        c("needs_unmet_count", "all", 14, dim="unmet_reason", dv="wartezeit"),
        c("needs_unmet_count", "all", 1, True, dim="unmet_reason", dv="kosten"),
        c("needs_unmet_count", "all", 3, True, dim=reasons, dv="wohnen|kein_angebot"),
        c("needs_unmet_count", "all", 7, True, dim=reasons, dv="wohnen|wartezeit"),
        c("needs_unmet_count", "all", 7, True, dim=reasons, dv="arbeit|wartezeit"),
        c("needs_unmet_count", "all", 1, True, dim=reasons, dv="gesundheit|kosten"),
        # needs open over 90 days by category
        c("needs_open_over_90d", "all", 30),
        c("needs_open_over_90d", "all", 20, dim="category", dv="wohnen"),
        c("needs_open_over_90d", "all", 7, dim="category", dv="sprache"),
        c("needs_open_over_90d", "all", 3, True, dim="category", dv="familie"),
        # continuity; caseload bands city-wide and per provider (never shown per provider)
        s("cm_continuity_share", "all", 10, 14),
        s("cm_continuity_share", "caritas", 7, 9),
        s("cm_continuity_share", "diakonie", 3, 5),
        c("caseload_band_case_managers", "all", 15),
        c("caseload_band_case_managers", "all", 6, True, dim="caseload_band", dv="30_bis_49"),
        c("caseload_band_case_managers", "all", 7, dim="caseload_band", dv="50_bis_69"),
        c("caseload_band_case_managers", "all", 2, True, dim="caseload_band", dv="ab_70"),
        c("caseload_band_case_managers", "caritas", 9),
        c("caseload_band_case_managers", "caritas", 2, True, dim="caseload_band", dv="ab_70"),
        s("status_change_retained_share", "all", 9, 10),
        s("status_change_retained_share", "all", 6, 6, dim="status_to", dv="aufenthaltserlaubnis"),
        s("status_change_retained_share", "all", 3, 4, True, dim="status_to", dv="duldung"),
        # delivery_on_time: caritas' October delivery came late; drk has none (stale)
        ("delivery_on_time", P, "caritas", "all", "all", 0.0, None, None, False),
        ("delivery_on_time", P, "diakonie", "all", "all", 1.0, None, None, False),
        ("delivery_on_time", P, "awo", "all", "all", 1.0, None, None, False),
        ("delivery_on_time", P, "stadt", "all", "all", 1.0, None, None, False),
        ("delivery_on_time", PREV, "caritas", "all", "all", 1.0, None, None, False),
    ]


def _revision(ind, period, prov, dim, dv, before, now, prev_supp=False, cur_supp=False, den=None):
    return (
        ind,
        period,
        prov,
        dim,
        dv,
        before,
        now,
        None if den else int(before),
        None if den else int(now),
        den,
        den,
        prev_supp,
        cur_supp,
        PREV,
        P,
    )


REVISIONS = [
    _revision("cases_closed", PREV, "all", "all", "all", 9, 11),  # shown
    _revision("cases_active", PREV, "all", "all", "all", 1190, 1200),  # shown
    _revision("cases_new", PREV, "all", "all", "all", 3, 40, prev_supp=True),  # hidden before
    _revision("cases_new", PREV, "caritas", "all", "all", 15, 17),  # a provider
    _revision("cases_closed", PREV, "all", "closing_reason", "umzug", 5, 6),  # a breakdown
    _revision("handover_delay_median_days", PREV, "all", "all", "all", 11.04, 11.0, den=35),  # no visible change
    _revision("cases_active", "2026-08", "all", "all", "all", 777, 1190, prev_supp=True),
]


# What the approved release before this month printed for the revised city totals: corrections are
# shown only against figures a release printed.
RELEASED = {("cases_closed", PREV): "9", ("cases_active", PREV): "1.190", ("cases_new", PREV): "•"}


def add_release(
    con: duckdb.DuckDBPyConnection, shown: dict[tuple[str, str], str], release_id: str = "2026-09.1"
) -> None:
    """The release tables of migration 0010 with one approved release printing `shown` (city totals)."""
    con.execute(migration_sql("0010_releases.sql"))
    con.execute(
        "INSERT INTO publication.releases VALUES (?, ?, 1, now(), 'approved', true, [], 'x', 'f', 'test', now(), 'p')",
        [release_id, release_id[:7]],
    )
    con.executemany(
        "INSERT INTO publication.release_values VALUES (?, ?, ?, 'all', 'all', 'all', ?, ?)",
        [(release_id, indicator, period, text, text == "•") for (indicator, period), text in shown.items()],
    )


def realistic_rows(first="2024-11", last="2026-10", seed=7, k=K) -> list[tuple]:
    """Plausible figures for Leverkusen with suppression flags set like the pipeline does."""
    rng = random.Random(seed)
    periods = periods_between(first, last)
    case_providers = {"caritas": 170, "diakonie": 130, "awo": 95, "drk": 55, "stadt": 210}
    service_delay = {
        "auslaenderbehoerde": 38,
        "jobcenter": 12,
        "agentur_fuer_arbeit": 16,
        "integrationskurs": 42,
        "berufssprachkurs": 48,
        "mbe": 7,
        "jmd": 6,
        "anerkennungsberatung": 27,
        "gesundheit": 21,
        "psychosozial": 64,
        "wohnen": 55,
        "schule": 10,
        "kita": 75,
        "rechtsberatung": 14,
        "sonstige": 11,
    }
    service_volume = dict(zip(service_delay, (30, 26, 12, 22, 10, 14, 6, 5, 9, 4, 8, 5, 2, 3, 6)))
    unmet = {
        "sprache": 0.12,
        "arbeit": 0.28,
        "ausbildung": 0.22,
        "schule": 0.08,
        "wohnen": 0.58,
        "gesundheit": 0.18,
        "aufenthalt": 0.35,
        "leistungen": 0.1,
        "kinderbetreuung": 0.52,
        "familie": 0.15,
        "psychosozial": 0.47,
        "sonstiges": 0.2,
    }
    need_volume = {
        "sprache": 30,
        "arbeit": 22,
        "ausbildung": 9,
        "schule": 7,
        "wohnen": 18,
        "gesundheit": 12,
        "aufenthalt": 15,
        "leistungen": 14,
        "kinderbetreuung": 6,
        "familie": 4,
        "psychosozial": 5,
        "sonstiges": 3,
    }
    reasons = {
        "ziele_erreicht": 0.45,
        "weitervermittelt": 0.2,
        "umzug": 0.1,
        "abbruch": 0.07,
        "kontakt_verloren": 0.1,
        "ausreise": 0.03,
        "sonstiges": 0.05,
    }
    rows: list[tuple] = []

    def counts(indicator, period, by_provider: dict[str, int], dim="all", dv="all"):
        flags = {p: 1 <= v < k for p, v in by_provider.items()}
        if sum(flags.values()) == 1:  # secondary suppression: hide the next smallest cell
            candidates = sorted((v, p) for p, v in by_provider.items() if not flags[p] and v)
            if candidates:
                flags[candidates[0][1]] = True
        for p, v in by_provider.items():
            rows.append((indicator, period, p, dim, dv, float(v), v, None, flags[p]))
        total = sum(by_provider.values())
        rows.append((indicator, period, "all", dim, dv, float(total), total, None, 1 <= total < k))

    active = dict(case_providers)
    for i, period in enumerate(periods):
        new = {p: max(0, round(rng.gauss(base / 14 + i * 0.15, 2.5))) for p, base in case_providers.items()}
        closed = {p: max(0, round(rng.gauss(base / 16, 2.5))) for p, base in case_providers.items()}
        new["drk"] = rng.choice([1, 2, 3, 6, 7])
        for p in active:
            active[p] = active[p] + new[p] - closed[p] // 2
        counts("cases_active", period, dict(active))
        counts("cases_new", period, new)
        counts("cases_closed", period, closed)
        total_closed = sum(closed.values())
        split = {r: round(total_closed * s) for r, s in reasons.items()}
        for reason, value in split.items():
            rows.append(
                ("cases_closed", period, "all", "closing_reason", reason, float(value), value, None, 1 <= value < k)
            )
        if period != last:
            continue
        # current-month breakdowns
        all_obs = 0
        for service, delay in service_delay.items():
            n = max(1, round(rng.gauss(service_volume[service], 2)))
            all_obs += n
            value = max(1.0, round(rng.gauss(delay, delay * 0.12) * 2) / 2)
            rows.append(("handover_delay_median_days", period, "all", "target_service", service, value, None, n, n < k))
        rows.append(("handover_delay_median_days", period, "all", "all", "all", 18.5, None, all_obs, False))
        for p, delay in zip(case_providers, (16.0, 21.5, 14.0, 9.0, 24.5)):
            n = 3 if p == "drk" else rng.randint(18, 45)
            rows.append(("handover_delay_median_days", period, p, "all", "all", delay, None, n, n < k))
        den_all = num_all = 0
        for category, share in unmet.items():
            den = max(1, round(rng.gauss(need_volume[category], 2)))
            num = round(den * share)
            den_all, num_all = den_all + den, num_all + num
            rows.append(("needs_unmet_share", period, "all", "category", category, num / den, num, den, den < k))
        rows.append(("needs_unmet_share", period, "all", "all", "all", num_all / den_all, num_all, den_all, False))
        for p in case_providers:
            den = rng.randint(20, 60) if p != "drk" else 4
            num = round(den * rng.uniform(0.15, 0.35))
            rows.append(("needs_unmet_share", period, p, "all", "all", num / den, num, den, den < k))
    return rows


def realistic_new_sections(period="2026-10", k=K) -> list[tuple]:
    """The newer sections' figures for the report month, suppression flags set (primary, and
    secondary where a lone hidden cell would follow from its total)."""
    c, s, m = _count, _share, _median
    rows: list[tuple] = []
    gap = {  # category -> reason -> unmet needs
        "wohnen": {"kein_angebot": 11, "wartezeit": 6, "kosten": 2},
        "sprache": {"wartezeit": 9, "erreichbarkeit": 1},
        "arbeit": {"zugangsvoraussetzungen": 7, "sprachbarriere": 3},
        "psychosozial": {"kein_angebot": 5, "wartezeit": 5},
        "kinderbetreuung": {"wartezeit": 6},
    }
    hidden = {
        ("wohnen", "kosten"),
        ("wohnen", "wartezeit"),
        ("sprache", "erreichbarkeit"),
        ("sprache", "wartezeit"),
        ("arbeit", "sprachbarriere"),
        ("arbeit", "zugangsvoraussetzungen"),
    }
    by_reason: dict[str, int] = {}
    for category, reasons in gap.items():
        for reason, n in reasons.items():
            rows.append(
                c(
                    "needs_unmet_count",
                    "all",
                    n,
                    (category, reason) in hidden,
                    dim="category_reason",
                    dv=f"{category}|{reason}",
                    period=period,
                )
            )
            by_reason[reason] = by_reason.get(reason, 0) + n
        total = sum(reasons.values())
        rows.append(c("needs_unmet_count", "all", total, 1 <= total < k, dim="category", dv=category, period=period))
    for reason, n in by_reason.items():
        rows.append(
            c(
                "needs_unmet_count",
                "all",
                n,
                1 <= n < k or reason == "sprachbarriere",
                dim="unmet_reason",
                dv=reason,
                period=period,
            )
        )
    rows.append(c("needs_unmet_count", "all", sum(by_reason.values()), period=period))
    for category, n in {
        "sprache": 25,
        "wohnen": 25,
        "aufenthalt": 19,
        "arbeit": 15,
        "familie": 2,
        "sonstiges": 1,
    }.items():
        rows.append(c("needs_open_over_90d", "all", n, 1 <= n < k, dim="category", dv=category, period=period))
    rows.append(c("needs_open_over_90d", "all", 87, period=period))
    for status, n in {
        "duldung": 22,
        "gestattung": 22,
        "aufenthaltserlaubnis": 35,
        "deutsch": 2,
        "unbekannt": 5,
    }.items():
        rows.append(c("cases_new", "all", n, n < k, dim="residence_status", dv=status, period=period))
    for pid, persons, cont in (
        ("all", 1186, (81, 98)),
        ("caritas", 338, (26, 31)),
        ("diakonie", 247, (8, 12)),
        ("awo", 230, (16, 19)),
        ("drk", 189, (17, 19)),
        ("stadt", 206, (14, 17)),
    ):
        rows.append(c("persons_active", pid, persons, period=period))
        rows.append(s("cm_continuity_share", pid, *cont, period=period))
        rows.append(s("focus_group_share_new", pid, cont[1] // 2, cont[1], period=period))
    for service, (value, n) in {
        "jobcenter": (8.0, 120),
        "auslaenderbehoerde": (41.0, 90),
        "psychosozial": (52.0, 40),
        "kita": (30.0, 4),
    }.items():
        rows.append(
            m(
                "handover_contact_km_median_days",
                "all",
                value,
                n,
                n < k,
                dim="target_service",
                dv=service,
                period=period,
            )
        )
    rows.append(m("handover_contact_km_median_days", "all", 17.0, 1744, period=period))
    for band, n in {"30_bis_49": 4, "50_bis_69": 13, "ab_70": 2}.items():
        rows.append(c("caseload_band_case_managers", "all", n, n < k, dim="caseload_band", dv=band, period=period))
    rows.append(c("caseload_band_case_managers", "all", 19, period=period))
    rows.append(s("status_change_retained_share", "all", 50, 52, period=period))
    for pid, on_time in (("caritas", 0.0), ("diakonie", 1.0), ("awo", 1.0), ("stadt", 1.0), ("abh", 1.0)):
        rows.append(("delivery_on_time", period, pid, "all", "all", on_time, None, None, False))
    return rows


def build_realistic(path: Path) -> duckdb.DuckDBPyConnection:
    rows = realistic_rows() + realistic_new_sections()
    con = build_warehouse(path, rows, periods=periods_between("2024-11", "2026-10"))
    con.execute(REVISIONS_DDL)
    con.executemany(
        "INSERT INTO marts.indicator_revisions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", REVISIONS
    )
    add_release(con, RELEASED)
    return con
