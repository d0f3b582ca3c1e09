"""The publication planner (transforms.disclosure.plan, design §6 utility), on hand-built rows of
marts.indicator_values (monthly) and marts.indicator_values_yearly with k = 5: every hidden share
below is counted by hand (non-empty cells only; a count of 1..4 or a base below 5 is hidden)."""

from __future__ import annotations

import polars as pl
import pytest

from transforms.disclosure.plan import PLAN_SCHEMA, demoted, mostly_hidden, plan_publication, planned, primary_hidden

K = 5
ROW_SCHEMA = pl.Schema(
    {
        "indicator_id": pl.String,
        "period": pl.String,
        "provider_id": pl.String,
        "dimension": pl.String,
        "dimension_value": pl.String,
        "numerator": pl.Int64,
        "denominator": pl.Int64,
    }
)
ALL = "all"


def rows(*cells: tuple) -> pl.DataFrame:
    """(indicator, period, provider, dimension, value, numerator[, denominator])."""
    full = [cell if len(cell) == 7 else (*cell, None) for cell in cells]
    return pl.DataFrame(full, schema=ROW_SCHEMA, orient="row")


JAN, FEB, YEAR = "2025-01", "2025-02", "2025"


def city_by_status(period: str, **counts: int) -> list[tuple]:
    return [("cases_new", period, ALL, "residence_status", status, n) for status, n in counts.items()]


MONTHLY = rows(
    # A cases_new, city by residence status: 8 non-empty cells (the zeros of 'leer' do not count),
    # 3 and 4 hidden -> 2/8 = 0.25: monthly (at most a quarter)
    *city_by_status(JAN, duldung=3, gestattung=12, sonstige=9, unbekannt=6, leer=0),
    *city_by_status(FEB, duldung=7, gestattung=4, sonstige=15, unbekannt=8, leer=0),
    # B cases_new, providers by residence status: 6 non-empty (two zeros), 2 and 1 hidden -> 2/6
    # (counting the zeros it would be 2/8 = 0.25 and monthly)
    ("cases_new", JAN, "awo", "residence_status", "duldung", 2),
    ("cases_new", JAN, "awo", "residence_status", "gestattung", 10),
    ("cases_new", FEB, "awo", "residence_status", "duldung", 0),
    ("cases_new", FEB, "awo", "residence_status", "gestattung", 11),
    ("cases_new", JAN, "caritas", "residence_status", "duldung", 6),
    ("cases_new", JAN, "caritas", "residence_status", "gestattung", 1),
    ("cases_new", FEB, "caritas", "residence_status", "duldung", 0),
    ("cases_new", FEB, "caritas", "residence_status", "gestattung", 9),
    # C cases_closed, providers by closing reason: 1, 2, 3 hidden, one zero -> 3/3
    ("cases_closed", JAN, "awo", "closing_reason", "abbruch", 1),
    ("cases_closed", JAN, "awo", "closing_reason", "umzug", 2),
    ("cases_closed", JAN, "caritas", "closing_reason", "abbruch", 3),
    ("cases_closed", JAN, "caritas", "closing_reason", "umzug", 0),
    # C2 cases_closed, providers by duration band: 2, 4, 3, 1 -> 4/4
    ("cases_closed", JAN, "awo", "duration_band", "bis_3_monate", 2),
    ("cases_closed", JAN, "awo", "duration_band", "3_bis_6_monate", 4),
    ("cases_closed", JAN, "caritas", "duration_band", "bis_3_monate", 3),
    ("cases_closed", JAN, "caritas", "duration_band", "3_bis_6_monate", 1),
    # D cases_closed, city total: 4 and 3 -> 2/2 hidden, and still monthly (the city's totals)
    ("cases_closed", JAN, ALL, ALL, ALL, 4),
    ("cases_closed", FEB, ALL, ALL, ALL, 3),
    # D2 cases_closed, provider totals: 1, 2, 3, 1 -> 4/4 (no exception for a provider's total)
    ("cases_closed", JAN, "awo", ALL, ALL, 1),
    ("cases_closed", FEB, "awo", ALL, ALL, 2),
    ("cases_closed", JAN, "caritas", ALL, ALL, 3),
    ("cases_closed", FEB, "caritas", ALL, ALL, 1),
    # E cases_closed, city by closing reason: 4, 2, 1 hidden, one zero -> 3/3
    ("cases_closed", JAN, ALL, "closing_reason", "abbruch", 4),
    ("cases_closed", JAN, ALL, "closing_reason", "umzug", 2),
    ("cases_closed", FEB, ALL, "closing_reason", "abbruch", 0),
    ("cases_closed", FEB, ALL, "closing_reason", "umzug", 1),
    # F needs_unmet_share, providers by category: the base decides. 1/4 hidden (base 4); 0/0 is
    # empty; 0 of 12 is a shown 0 %; base 10 and base 5 (= k) shown -> 1/4 = 0.25
    ("needs_unmet_share", JAN, "awo", "category", "wohnen", 1, 4),
    ("needs_unmet_share", JAN, "awo", "category", "arbeit", 0, 0),
    ("needs_unmet_share", JAN, "awo", "category", "sprache", 0, 12),
    ("needs_unmet_share", JAN, "caritas", "category", "wohnen", 3, 10),
    ("needs_unmet_share", JAN, "caritas", "category", "arbeit", 2, 5),
    # G handover_delay_median_days, provider totals: observations 4 (hidden), 6, 5, 0 (empty) -> 1/3
    ("handover_delay_median_days", JAN, "awo", ALL, ALL, None, 4),
    ("handover_delay_median_days", FEB, "awo", ALL, ALL, None, 6),
    ("handover_delay_median_days", JAN, "caritas", ALL, ALL, None, 5),
    ("handover_delay_median_days", FEB, "caritas", ALL, ALL, None, 0),
    # H caseload_per_fte, provider totals: the cases (numerator) 3, 4 hidden, 40, 41 -> 2/4
    ("caseload_per_fte", JAN, "awo", ALL, ALL, 3),
    ("caseload_per_fte", FEB, "awo", ALL, ALL, 4),
    ("caseload_per_fte", JAN, "caritas", ALL, ALL, 40),
    ("caseload_per_fte", FEB, "caritas", ALL, ALL, 41),
    # I cost_per_closed_case, city total: bases 2 and 1 -> 2/2, monthly all the same (city total)
    ("cost_per_closed_case", JAN, ALL, ALL, ALL, None, 2),
    ("cost_per_closed_case", FEB, ALL, ALL, ALL, None, 1),
    # J needs_open_over_90d (a stock), providers by category: 6, 7, 8 shown, 2 hidden -> 1/4
    ("needs_open_over_90d", JAN, "awo", "category", "wohnen", 6),
    ("needs_open_over_90d", FEB, "awo", "category", "wohnen", 7),
    ("needs_open_over_90d", JAN, "caritas", "category", "arbeit", 8),
    ("needs_open_over_90d", FEB, "caritas", "category", "arbeit", 2),
    # K handovers_pending_over_30d, providers by target service: all zero -> 0 hidden (zeros are
    # printed: no wall of signs)
    ("handovers_pending_over_30d", JAN, "awo", "target_service", "jobcenter", 0),
    ("handovers_pending_over_30d", JAN, "caritas", "target_service", "jobcenter", 0),
    # flags and amounts: not under the primary rule, not in the plan, always published
    ("delivery_on_time", JAN, "awo", ALL, ALL, 1),
    ("delivery_on_time", JAN, "caritas", ALL, ALL, 0),
    ("budget_actual_cost", JAN, ALL, ALL, ALL, None),
)

YEARLY = rows(
    # A: 10, 16, 24, 14 shown, 'leer' 0 -> 0/4
    *city_by_status(YEAR, duldung=10, gestattung=16, sonstige=24, unbekannt=14, leer=0),
    # B: 2 hidden, 21, 6, 10 shown -> 1/4
    ("cases_new", YEAR, "awo", "residence_status", "duldung", 2),
    ("cases_new", YEAR, "awo", "residence_status", "gestattung", 21),
    ("cases_new", YEAR, "caritas", "residence_status", "duldung", 6),
    ("cases_new", YEAR, "caritas", "residence_status", "gestattung", 10),
    # C: 1, 2, 3 hidden, 7 shown -> 3/4 = 0.75 > 0.5: not published at all
    ("cases_closed", YEAR, "awo", "closing_reason", "abbruch", 1),
    ("cases_closed", YEAR, "awo", "closing_reason", "umzug", 2),
    ("cases_closed", YEAR, "caritas", "closing_reason", "abbruch", 3),
    ("cases_closed", YEAR, "caritas", "closing_reason", "umzug", 7),
    # C2: 2 and 4 hidden, 8 and 6 shown -> 2/4 = 0.5: yearly (at most half)
    ("cases_closed", YEAR, "awo", "duration_band", "bis_3_monate", 2),
    ("cases_closed", YEAR, "awo", "duration_band", "3_bis_6_monate", 8),
    ("cases_closed", YEAR, "caritas", "duration_band", "bis_3_monate", 6),
    ("cases_closed", YEAR, "caritas", "duration_band", "3_bis_6_monate", 4),
    # D: 7 -> 0/1
    ("cases_closed", YEAR, ALL, ALL, ALL, 7),
    # D2: 3 and 4 -> 2/2
    ("cases_closed", YEAR, "awo", ALL, ALL, 3),
    ("cases_closed", YEAR, "caritas", ALL, ALL, 4),
    # E: 4 and 3 -> 2/2, and yearly all the same (the city's breakdowns)
    ("cases_closed", YEAR, ALL, "closing_reason", "abbruch", 4),
    ("cases_closed", YEAR, ALL, "closing_reason", "umzug", 3),
    # F: base 4 hidden; 12, 10, 5 shown -> 1/4
    ("needs_unmet_share", YEAR, "awo", "category", "wohnen", 1, 4),
    ("needs_unmet_share", YEAR, "awo", "category", "sprache", 0, 12),
    ("needs_unmet_share", YEAR, "caritas", "category", "wohnen", 3, 10),
    ("needs_unmet_share", YEAR, "caritas", "category", "arbeit", 2, 5),
    # G: 10 and 5 observations -> 0/2
    ("handover_delay_median_days", YEAR, "awo", ALL, ALL, None, 10),
    ("handover_delay_median_days", YEAR, "caritas", ALL, ALL, None, 5),
    # H: 4 hidden, 41 shown -> 1/2 = 0.5
    ("caseload_per_fte", YEAR, "awo", ALL, ALL, 4),
    ("caseload_per_fte", YEAR, "caritas", ALL, ALL, 41),
    # I: base 3 -> 1/1
    ("cost_per_closed_case", YEAR, ALL, ALL, ALL, None, 3),
    # J: the stock at the year's end, 3 and 2 -> 2/2; published per year because per month
    ("needs_open_over_90d", YEAR, "awo", "category", "wohnen", 3),
    ("needs_open_over_90d", YEAR, "caritas", "category", "arbeit", 2),
    # K: zeros -> 0
    ("handovers_pending_over_30d", YEAR, "awo", "target_service", "jobcenter", 0),
    ("handovers_pending_over_30d", YEAR, "caritas", "target_service", "jobcenter", 0),
    ("delivery_on_time", YEAR, "awo", ALL, ALL, 1),
)

# (indicator, level, dimension) -> monthly hidden share, yearly hidden share, monthly, yearly
EXPECTED = {
    ("caseload_per_fte", "provider", ALL): (2 / 4, 1 / 2, False, True),
    ("cases_closed", "city", ALL): (2 / 2, 0 / 1, True, True),
    ("cases_closed", "city", "closing_reason"): (3 / 3, 2 / 2, False, True),
    ("cases_closed", "provider", ALL): (4 / 4, 2 / 2, False, False),
    ("cases_closed", "provider", "closing_reason"): (3 / 3, 3 / 4, False, False),
    ("cases_closed", "provider", "duration_band"): (4 / 4, 2 / 4, False, True),
    ("cases_new", "city", "residence_status"): (2 / 8, 0 / 4, True, True),
    ("cases_new", "provider", "residence_status"): (2 / 6, 1 / 4, False, True),
    ("cost_per_closed_case", "city", ALL): (2 / 2, 1 / 1, True, True),
    ("handover_delay_median_days", "provider", ALL): (1 / 3, 0 / 2, False, True),
    ("handovers_pending_over_30d", "provider", "target_service"): (0.0, 0.0, True, True),
    ("needs_open_over_90d", "provider", "category"): (1 / 4, 2 / 2, True, True),
    ("needs_unmet_share", "provider", "category"): (1 / 4, 1 / 4, True, True),
}


@pytest.fixture(scope="module")
def plan() -> pl.DataFrame:
    return plan_publication(MONTHLY, YEARLY, K)


def test_the_plan_per_table_matches_the_hidden_shares_counted_by_hand(plan):
    assert plan.schema == PLAN_SCHEMA
    found = {(i, level, d): (m_share, y_share, m, y) for i, level, d, m_share, y_share, m, y in plan.rows()}
    assert found.keys() == EXPECTED.keys()  # flags and amounts are not in the plan
    for table, (monthly_share, yearly_share, monthly, yearly) in EXPECTED.items():
        got = found[table]
        assert got[0] == pytest.approx(monthly_share), table
        assert got[1] == pytest.approx(yearly_share), table
        assert got[2:] == (monthly, yearly), table
    assert plan.select("indicator_id", "level", "dimension").rows() == sorted(EXPECTED)


def test_city_totals_are_always_published_and_city_breakdowns_always_per_year(plan):
    city = plan.filter(pl.col("level") == "city")
    assert city["yearly"].all()
    assert city.filter(pl.col("dimension") == ALL)["monthly"].all()
    # ... although every one of their monthly cells falls under the primary rule
    assert city.filter(pl.col("dimension") == ALL)["monthly_hidden_share"].to_list() == [1.0, 1.0]
    # a city breakdown mostly hidden per month is not published per month
    assert not city.filter(pl.col("dimension") == "closing_reason")["monthly"].any()


def test_a_table_published_per_month_is_published_per_year():
    assert (plan_publication(MONTHLY, YEARLY, K).filter("monthly")["yearly"]).all()


def test_the_thresholds_at_their_boundaries():
    """Exactly a quarter per month and exactly half per year pass; one cell more fails."""

    def one_table(hidden_monthly: int, shown_monthly: int, hidden_yearly: int, shown_yearly: int) -> tuple:
        monthly = rows(
            *[("cases_new", JAN, "awo", "district", f"h{i}", 1) for i in range(hidden_monthly)],
            *[("cases_new", JAN, "awo", "district", f"s{i}", 5) for i in range(shown_monthly)],
        )
        yearly = rows(
            *[("cases_new", YEAR, "awo", "district", f"h{i}", 4) for i in range(hidden_yearly)],
            *[("cases_new", YEAR, "awo", "district", f"s{i}", 50) for i in range(shown_yearly)],
        )
        return plan_publication(monthly, yearly, K).select("monthly", "yearly").row(0)

    assert one_table(1, 3, 4, 0) == (True, True)  # 1/4 = 0.25
    assert one_table(2, 5, 1, 1) == (False, True)  # 2/7 > 0.25; 1/2 = 0.5
    assert one_table(2, 5, 2, 1) == (False, False)  # 2/3 > 0.5


def test_planned_per_row_follows_its_tables_plan_and_flags_and_amounts_always_are(plan):
    monthly_plan = {table: expected[2] for table, expected in EXPECTED.items()}
    yearly_plan = {table: expected[3] for table, expected in EXPECTED.items()}
    for frame, grain, by_table in ((MONTHLY, "monthly", monthly_plan), (YEARLY, "yearly", yearly_plan)):
        shuffled = frame.sample(fraction=1.0, shuffle=True, seed=7)  # the result keeps the rows' order
        expected = [
            by_table.get((indicator, "city" if provider == ALL else "provider", dimension), True)
            for indicator, provider, dimension in shuffled.select("indicator_id", "provider_id", "dimension").rows()
        ]
        result = planned(shuffled, plan, grain)
        assert result.name == "planned" and result.len() == shuffled.height
        assert result.to_list() == expected, grain
    flags = MONTHLY.filter(pl.col("indicator_id").is_in(["delivery_on_time", "budget_actual_cost"]))
    assert planned(flags, plan, "monthly").to_list() == [True, True, True]
    assert planned(flags, plan.clear(), "yearly").to_list() == [True, True, True]


def test_planned_distinguishes_city_and_provider_rows_of_one_indicator(plan):
    """cases_closed by closing reason: the city's table per year only, the providers' not at all."""
    mixed = rows(
        ("cases_closed", YEAR, ALL, "closing_reason", "umzug", 9),
        ("cases_closed", YEAR, "awo", "closing_reason", "umzug", 9),
        ("cases_closed", JAN, ALL, "closing_reason", "umzug", 9),
        ("cases_closed", JAN, ALL, ALL, ALL, 9),
        ("cases_closed", JAN, "awo", ALL, ALL, 9),
    )
    assert planned(mixed.head(2), plan, "yearly").to_list() == [True, False]
    assert planned(mixed.tail(3), plan, "monthly").to_list() == [False, True, False]


@pytest.mark.parametrize(
    ("k", "cell", "hidden"),
    [
        # counts: 1..k-1 hidden; 0 shown as 0; k and above shown; a missing count is no count
        (5, ("cases_new", 0, None), False),
        (5, ("cases_new", 1, None), True),
        (5, ("cases_new", 4, None), True),
        (5, ("cases_new", 5, None), False),
        (5, ("cases_new", None, None), False),
        (3, ("cases_new", 2, None), True),
        (3, ("cases_new", 3, None), False),
        (5, ("needs_open_over_90d", 137, None), False),
        # ratios: the count (numerator) decides, not the printed ratio
        (5, ("caseload_per_fte", 3, None), True),
        (5, ("caseload_per_fte", 0, None), False),
        (5, ("caseload_per_fte", 162, None), False),
        # shares: the base decides, whatever the numerator (0 % of 12 is printed; 0 % of 4 is not)
        (5, ("needs_unmet_share", 1, 4), True),
        (5, ("needs_unmet_share", 0, 4), True),
        (5, ("needs_unmet_share", 1, 5), False),
        (5, ("needs_unmet_share", 0, 12), False),
        (5, ("focus_group_share_new", 4, 30), False),
        (3, ("needs_unmet_share", 1, 3), False),
        # medians and costs per case: their base (observations, cases)
        (5, ("handover_delay_median_days", None, 4), True),
        (5, ("handover_delay_median_days", None, 5), False),
        (5, ("cost_per_closed_case", None, 2), True),
        (5, ("cost_per_closed_case", None, 30), False),
        # flags and amounts: never under the primary rule
        (5, ("delivery_on_time", 1, None), False),
        (5, ("budget_actual_cost", None, None), False),
        (5, ("budget_funding_coverage_share", 1, 2), False),
    ],
)
def test_primary_hidden(k, cell, hidden):
    indicator, numerator, denominator = cell
    frame = rows((indicator, JAN, ALL, ALL, ALL, numerator, denominator))
    assert frame.select(primary_hidden(k)).to_series().to_list() == [hidden]


def publication_rows(*rows_: tuple[str, str, str, str, str]) -> pl.DataFrame:
    """(indicator, period, provider, dimension, status) rows of marts.indicator_publication."""
    return pl.DataFrame(
        [(i, p, u, d, f"v{n}", s) for n, (i, p, u, d, s) in enumerate(rows_)],
        schema=["indicator_id", "period", "provider_id", "dimension", "dimension_value", "status"],
        orient="row",
    )


def test_mostly_hidden_counts_printed_monthly_rows_per_table():
    publication = publication_rows(
        # provider totals of cases_new: 3 of 5 printed monthly rows hidden (the unpublished row is
        # not printed and does not count; the yearly rows do not count) -> a wall
        ("cases_new", JAN, "awo", ALL, "hidden"),
        ("cases_new", JAN, "caritas", ALL, "hidden"),
        ("cases_new", FEB, "awo", ALL, "hidden"),
        ("cases_new", FEB, "caritas", ALL, "published"),
        ("cases_new", FEB, "diakonie", ALL, "published"),
        ("cases_new", FEB, "vesta", ALL, "unpublished"),
        ("cases_new", YEAR, "awo", ALL, "published"),
        ("cases_new", YEAR, "caritas", ALL, "published"),
        # provider totals of cases_closed: exactly half hidden -> not a wall (more than half)
        ("cases_closed", JAN, "awo", ALL, "hidden"),
        ("cases_closed", JAN, "caritas", ALL, "published"),
        # the city's totals stay monthly however many are hidden
        ("cases_new", JAN, ALL, ALL, "hidden"),
        ("cases_new", FEB, ALL, ALL, "hidden"),
        # a city breakdown: 2 of 3 hidden -> a wall
        ("cases_new", JAN, ALL, "referral_source", "hidden"),
        ("cases_new", JAN, ALL, "referral_source", "hidden"),
        ("cases_new", FEB, ALL, "referral_source", "published"),
        # a yearly table all hidden: not a monthly table
        ("cases_new", YEAR, ALL, "district", "hidden"),
    )
    assert mostly_hidden(publication) == {("cases_new", "provider", ALL), ("cases_new", "city", "referral_source")}


def test_demoted_publishes_per_year_only():
    plan = plan_publication(MONTHLY, YEARLY, K)
    before = {tuple(r[:3]): (r[5], r[6]) for r in plan.iter_rows()}
    after = demoted(plan, {("cases_new", "provider", "residence_status"), ("cases_closed", "city", ALL)})
    changed = {tuple(r[:3]): (r[5], r[6]) for r in after.iter_rows()}
    assert after.schema == PLAN_SCHEMA
    assert changed[("cases_new", "provider", "residence_status")] == (False, True)
    assert changed[("cases_closed", "city", ALL)] == (False, True)
    unchanged = set(before) - {("cases_new", "provider", "residence_status"), ("cases_closed", "city", ALL)}
    assert {key: changed[key] for key in unchanged} == {key: before[key] for key in unchanged}
    assert demoted(plan, set()).equals(plan)


def test_a_crossed_breakdown_is_never_published_per_month():
    # a large city: every monthly cell of the gap table 5 or more, so the share alone would allow it
    monthly = rows(
        *[
            ("needs_unmet_count", month, ALL, "category_reason", cell, 12)
            for month in (JAN, FEB)
            for cell in ("wohnen|kosten", "arbeit|wartezeit")
        ],
        *[
            ("needs_unmet_count", month, ALL, "category", cell, 12)
            for month in (JAN, FEB)
            for cell in ("wohnen", "arbeit")
        ],
    )
    yearly = rows(
        *[
            ("needs_unmet_count", YEAR, ALL, "category_reason", cell, 24)
            for cell in ("wohnen|kosten", "arbeit|wartezeit")
        ],
        *[("needs_unmet_count", YEAR, ALL, "category", cell, 24) for cell in ("wohnen", "arbeit")],
    )
    plan = {r[:3]: (r[5], r[6]) for r in plan_publication(monthly, yearly, K).iter_rows()}
    assert plan[("needs_unmet_count", "city", "category_reason")] == (False, True)
    assert plan[("needs_unmet_count", "city", "category")] == (True, True)  # monthly only by category
