"""Issue 15: the reports print only what the publication step publishes (migration 0007).

A real small DuckDB warehouse (the hand-built monthly marts of tests/reports/monthly/hand_built.py
with the publication tables and views of migration 0007): a row marked 'unpublished' in
marts.indicator_publication never reaches a report — neither its figure nor a "•" in its place —
and its section shows the German note instead; a row marked 'hidden' shows "•"; a table the
publication plan does not publish per month is withheld even where the view still holds its rows.
"""

from __future__ import annotations

import pytest

from reports import render_monthly
from reports.annual import has_yearly_figures
from reports.kit.figures import Figures
from reports.kit.publication import Publication
from reports.kit.text import (
    UNPUBLISHED,
    UNPUBLISHED_COLUMNS_MONTHLY,
    UNPUBLISHED_MONTHLY,
    UNPUBLISHED_OWN,
    UNPUBLISHED_SERIES,
)
from reports.provider import render_provider_reports
from reports.publish import render_published_reports
from tests.html_helpers import parse, words
from tests.reports.monthly.hand_built import CITY, RICH_FIRST, K, P, build_warehouse, periods_between, rich_rows
from tests.reports.publication import set_breakdown_status, set_status
from tests.reports.signs import HIDDEN

MISSING = "k. A."


@pytest.fixture
def con(tmp_path):
    con = build_warehouse(tmp_path / "warehouse.duckdb", rich_rows(), periods=periods_between(RICH_FIRST, P))
    yield con
    con.close()


def insert(con, *rows) -> None:
    con.executemany("INSERT INTO marts.indicator_values VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", list(rows))


def count(indicator, provider, value, dimension="all", dimension_value="all", period=P):
    return (indicator, period, provider, dimension, dimension_value, float(value), int(value), None, False)


def monthly(con, tmp_path) -> tuple[str, object]:
    path = render_monthly(con, tmp_path / "out", city=CITY, k=K, period=P)
    html = path.read_text(encoding="utf-8")
    return html, parse(html)


def section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    return html[start : html.index("</section>", start)]


def cells_of(page, indicator: str, dimension_values) -> dict:
    return {key: text for key, text in page.cells().items() if key[1] == indicator and key[2] in dimension_values}


# ---------------------------------------------------------------------------------------------
# Monthly report


def test_an_unpublished_gap_matrix_is_a_note_without_figures_or_signs(con, tmp_path):
    insert(con, count("needs_unmet_count", "all", 654, "category_reason", "familie|kosten"))
    set_breakdown_status(con, "unpublished", "needs_unmet_count", P, "category_reason")
    html, page = monthly(con, tmp_path)
    needs = words(section(html, "bedarfe"))
    assert UNPUBLISHED_MONTHLY in needs
    assert "tabelle-luecken" not in page.tables
    assert "654" not in html
    # no cell of the crossed breakdown at all: neither its figures nor a "•" in their place
    assert not [key for key in page.cells() if key[1] == "needs_unmet_count" and "|" in (key[2] or "")]
    # the totals by category stay published (their own table)
    assert page.cells()[("tabelle-bedarfe", "needs_unmet_count", "wohnen")] == "10"


def test_one_unpublished_row_withholds_its_whole_breakdown(con, tmp_path):
    insert(con, count("cases_closed", "all", 987, "closing_reason", "sonstiges"))
    set_status(con, "unpublished", "cases_closed", P, "all", "closing_reason", "sonstiges")
    html, page = monthly(con, tmp_path)
    assert "987" not in html
    assert "tabelle-abschlussgruende" not in page.tables
    assert not cells_of(page, "cases_closed", {"sonstiges", "umzug", "ziele_erreicht"})
    assert UNPUBLISHED_MONTHLY in words(section(html, "verlauf"))


def test_an_unpublished_bar_chart_breakdown_is_a_note_and_no_chart(con, tmp_path):
    for indicator in ("handover_delay_median_days", "handover_delay_p90_days", "handover_within_14d_share"):
        set_breakdown_status(con, "unpublished", indicator, P, "target_service")
    for indicator in ("handovers_pending_over_30d", "handover_contact_km_median_days"):
        set_breakdown_status(con, "unpublished", indicator, P, "target_service")
    html, page = monthly(con, tmp_path)
    handovers = section(html, "uebergaben")
    assert UNPUBLISHED_MONTHLY in words(handovers)
    assert "<svg" not in handovers and "tabelle-uebergaben" not in page.tables
    assert "30,5" not in html  # the Ausländerbehörde's median
    assert HIDDEN not in parse(handovers).plain


def test_a_breakdown_with_some_columns_unpublished_keeps_the_others_with_a_footnote(con, tmp_path):
    set_breakdown_status(con, "unpublished", "handover_delay_median_days", P, "target_service")
    html, page = monthly(con, tmp_path)
    handovers = section(html, "uebergaben")
    assert UNPUBLISHED_COLUMNS_MONTHLY in words(handovers)
    assert "<svg" not in handovers  # the chart draws the medians, which are not published
    shown = {key[1] for key in page.cells() if key[0] == "tabelle-uebergaben"}
    assert "handover_delay_median_days" not in shown and "handover_contact_km_median_days" in shown
    assert "30,5" not in html
    assert page.cells()[("tabelle-uebergaben", "handover_contact_km_median_days", "jobcenter")] == "9,5"


def test_a_breakdown_the_plan_does_not_publish_is_withheld_even_while_the_view_has_its_rows(con, tmp_path):
    """Defence in depth: before the protection step has written its statuses, the view falls back
    to the rows' own flags; the plan alone still withholds the table. A breakdown the annual
    report does not show gets the note without the pointer to it."""
    con.execute(
        "INSERT INTO marts.publication_plan VALUES "
        "('status_change_retained_share', 'city', 'status_to', 0.5, 0.5, false, true), "
        "('caseload_band_case_managers', 'city', 'caseload_band', 0.5, 0.2, false, true)"
    )
    html, page = monthly(con, tmp_path)
    continuity = words(section(html, "kontinuitaet"))
    assert "tabelle-statuswechsel" not in page.tables and "tabelle-fallzahlbaender" not in page.tables
    assert UNPUBLISHED in continuity  # status changes: not in the annual report
    assert UNPUBLISHED_MONTHLY in continuity  # caseload bands: in the annual report
    assert not cells_of(page, "caseload_band_case_managers", {"30_bis_49", "50_bis_69", "ab_70", "bis_29"})


def test_a_hidden_row_shows_the_sign(con, tmp_path):
    set_status(con, "hidden", "cases_active", P)  # the city's 1.234 active cases
    set_status(con, "hidden", "cases_new", P, "all", "residence_status", "aufenthaltserlaubnis")  # 25
    set_status(con, "published", "cases_active", P, "caritas")
    html, page = monthly(con, tmp_path)
    assert page.cards()["cases_active"][1] == HIDDEN
    assert page.cells()[("tabelle-aufenthaltsstatus", "cases_new", "aufenthaltserlaubnis")] == HIDDEN
    assert page.cells()[("tabelle-traeger", "cases_active", "caritas")] == "500"
    assert "1.234" not in html


# ---------------------------------------------------------------------------------------------
# Provider feedback report


def provider(con, tmp_path, provider_id="caritas") -> tuple[str, object]:
    [path] = render_provider_reports(con, tmp_path / "out", city=CITY, k=K, period=P, provider_ids=[provider_id])
    html = path.read_text(encoding="utf-8")
    return html, parse(html)


def test_an_unpublished_own_breakdown_is_k_a_with_the_note_never_zero(con, tmp_path):
    insert(
        con,
        ("handover_delay_median_days", P, "caritas", "target_service", "jobcenter", 7.5, None, 8, False),
        count("handovers_pending_over_30d", "caritas", 6),
        count("handovers_pending_over_30d", "caritas", 6, "target_service", "jobcenter"),
        count("handovers_pending_over_30d", "all", 6),
    )
    for indicator in ("handover_delay_median_days", "handovers_pending_over_30d"):
        set_breakdown_status(con, "unpublished", indicator, P, "target_service", "caritas")
    # the third column has no caritas row this month: the plan withholds it
    con.execute(
        "INSERT INTO marts.publication_plan VALUES "
        "('handover_within_14d_share', 'provider', 'target_service', 0.6, 0.4, false, true)"
    )
    html, page = provider(con, tmp_path)
    handovers = section(html, "uebergaben")
    assert UNPUBLISHED_OWN in words(handovers)
    own = {
        key: text
        for key, text in page.cells("data-side").items()
        if key[0] == "tabelle-uebergaben" and key[3] == "own" and key[2] != "all"
    }
    assert own and set(own.values()) == {MISSING}  # never "0" for a breakdown that is not published
    assert "7,5" not in html


def test_a_provider_breakdown_unpublished_on_both_sides_is_only_the_note(con, tmp_path):
    for indicator in ("handover_delay_median_days", "handover_within_14d_share", "handovers_pending_over_30d"):
        set_breakdown_status(con, "unpublished", indicator, P, "target_service")
    html, page = provider(con, tmp_path)
    handovers = section(html, "uebergaben")
    assert UNPUBLISHED in words(handovers)
    assert "tabelle-uebergaben" not in page.tables and "<svg" not in handovers
    assert "30,5" not in html and HIDDEN not in parse(handovers).plain


def test_unpublished_own_case_numbers_leave_the_trend_as_a_note(con, tmp_path):
    for indicator in ("cases_active", "cases_new", "cases_closed"):
        set_status(con, "unpublished", indicator, P, "caritas")
    html, page = provider(con, tmp_path)
    trend = section(html, "verlauf")
    assert UNPUBLISHED_SERIES in words(trend)
    assert "tabelle-verlauf" not in page.tables and "<svg" not in trend
    comparison = page.cells("data-side")
    assert comparison[("tabelle-kennzahlen", "cases_active", "month", "own")] == MISSING
    assert comparison[("tabelle-kennzahlen", "cases_active", "month", "city")] == "1.234"


@pytest.mark.parametrize("series", ["cases_active", "cases_closed"])
def test_a_trend_with_one_unpublished_series_still_draws_the_others(con, tmp_path, series):
    set_status(con, "unpublished", series, P, "caritas")
    html, page = provider(con, tmp_path)
    trend = section(html, "verlauf")
    assert "<svg" in trend and UNPUBLISHED_SERIES not in words(trend)
    shown = {"cases_active", "cases_new", "cases_closed"} - {series}
    assert {key[1] for key in page.cells() if key[0] == "tabelle-verlauf"} == shown


def test_every_report_renders_when_a_city_total_is_unpublished(con, tmp_path):
    """The city's totals are always published per month by the plan; should one be absent all
    the same, the charts drawn from it must not fail and it is printed nowhere."""
    set_status(con, "unpublished", "cases_active", P)
    out = render_published_reports(con, tmp_path / "all", city=CITY, k=K)
    assert out["annual"] == []  # the yearly table exists (migration 0007) but is empty
    html = out["monthly"]["monthly"].read_text(encoding="utf-8")
    assert "1.234" not in html
    assert parse(html).cards()["cases_active"][1] == MISSING


# ---------------------------------------------------------------------------------------------
# The pieces


def test_an_unpublished_breakdown_has_no_known_zeros():
    rows = [
        {"indicator_id": "cases_closed", "provider_id": "all", "dimension": "all", "dimension_value": "all",
         "value": 0.0, "numerator": 0, "denominator": None, "suppressed": False},
        {"indicator_id": "cases_closed", "provider_id": "all", "dimension": "closing_reason",
         "dimension_value": "umzug", "value": 7.0, "numerator": 7, "denominator": None, "suppressed": False},
    ]  # fmt: skip
    published = Figures(rows, K)
    assert published.breakdown_cell("cases_closed", "closing_reason", "abbruch").text == "0"
    withheld = Figures(rows, K, Publication(frozenset({("cases_closed", "city", "closing_reason")})))
    assert withheld.breakdown_cell("cases_closed", "closing_reason", "abbruch").text == MISSING
    assert withheld.breakdown_cell("cases_closed", "closing_reason", "umzug").text == MISSING
    assert withheld.dimension_values(["cases_closed"], "closing_reason") == set()
    assert withheld.cell("cases_closed").text == "0"  # the total is its own table


def test_the_unpublished_tables_come_from_the_plan_and_the_statuses_of_their_grain(con):
    con.execute("INSERT INTO marts.publication_plan VALUES ('cases_new', 'provider', 'all', 0.4, 0.1, false, true)")
    set_status(con, "unpublished", "needs_unmet_count", P, "all", "category_reason", "wohnen|wartezeit")
    set_status(con, "hidden", "cases_active", P, "caritas")
    assert Publication.load(con, "monthly").unpublished == {
        ("cases_new", "provider", "all"),
        ("needs_unmet_count", "city", "category_reason"),
    }
    assert Publication.load(con, "yearly").unpublished == frozenset()


def test_a_table_withdrawn_in_one_year_is_published_in_the_other_years_annual_report(con):
    """The annual report covers one year: a breakdown the protection withdrew for 2024 is not
    published in 2024's report, and is in 2025's; a monthly report's notes stay over every month."""
    set_status(con, "unpublished", "cases_closed", "2024", "all", "closing_reason", "umzug")
    withdrawn = ("cases_closed", "city", "closing_reason")
    assert withdrawn in Publication.load(con, "yearly", "2024").unpublished
    assert withdrawn not in Publication.load(con, "yearly", "2025").unpublished
    assert withdrawn in Publication.load(con, "yearly").unpublished
    set_status(con, "unpublished", "cases_closed", P, "all", "closing_reason", "umzug")
    assert withdrawn in Publication.load(con, "monthly").unpublished


def test_annual_reports_need_yearly_rows_not_only_the_table(con):
    # migration 0007 creates marts.indicator_values_yearly empty
    assert con.execute("SELECT count(*) FROM marts.indicator_values_yearly").fetchone() == (0,)
    assert not has_yearly_figures(con)
    con.execute(
        "INSERT INTO marts.indicator_values_yearly VALUES ('cases_active', '2026', 'all', 'all', 'all', 900, 900, NULL, false)"
    )
    assert has_yearly_figures(con)
