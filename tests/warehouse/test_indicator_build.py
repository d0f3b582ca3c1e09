"""The indicator build (warehouse/indicator_build.py): what it stores in marts.indicator_values and
marts.indicator_values_yearly (suppression flags, yearly figures, the hidden year of a flow), on the
hand-built datasets of tests/transforms/indicators/hand_built.py."""

from __future__ import annotations

import pytest

from tests.conftest import build_warehouse_models, d, load_hand_built_delivery
from tests.transforms.indicators.hand_built import case, indicator_rows, load_january, load_leap
from warehouse.indicator_build import build_yearly_indicator_values
from warehouse.migrate import connect


@pytest.fixture(scope="module")
def january(tmp_path_factory, config):
    """The January dataset, k = 5: the open warehouse and (value, numerator, denominator, suppressed) by key."""
    con = connect(tmp_path_factory.mktemp("january") / "warehouse.duckdb")
    load_january(con, config)
    build_warehouse_models(con, config, k=5)
    yield con, indicator_rows(con)
    con.close()


@pytest.fixture
def warehouse(january):
    return january[0]


@pytest.fixture
def values(january):
    return january[1]


def test_periods_span_the_delivered_months(warehouse, values):
    periods = warehouse.execute("SELECT period FROM marts.dim_periods ORDER BY 1").fetchall()
    assert periods == [("2026-01",), ("2026-02",)]


def test_small_cells_are_flagged_for_suppression(values):
    # k = 5: count 4 is small, count 0 is shown, a median over 4 observations is hidden
    assert values[("cases_active", "2026-01", "all", "all", "all")][3] is True
    assert values[("cases_new", "2026-01", "diakonie", "all", "all")][3] is False
    assert values[("handover_delay_median_days", "2026-01", "all", "all", "all")][3] is True


def test_raw_never_holds_provider_ids(warehouse, values):
    ids = {row[0] for row in warehouse.execute("SELECT case_id FROM raw.cases").fetchall()}
    assert ids.isdisjoint({"c1", "c2", "c3", "c4", "c5", "d1", "d2"})
    assert all(len(i) == 32 for i in ids)


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


def test_yearly_figures_of_the_leap_month_dataset(tmp_path_factory, config):
    """The same dataset per year: 2024 reaches from February (first delivered month) to March."""
    con = connect(tmp_path_factory.mktemp("yearly") / "warehouse.duckdb")
    load_leap(con, config, status_changes=False)  # caritas and diakonie only
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
