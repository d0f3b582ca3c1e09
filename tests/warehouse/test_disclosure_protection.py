"""The protection step (warehouse.disclosure_protection): what it offers back after its rounds
(HEADLINE_ROWS: the city's monthly totals, the figures every report leads with), and that a run in
which nothing it depends on changed takes the stored protection (warehouse.protection_runs)."""

from __future__ import annotations

import polars as pl
import pytest

from tests.conftest import build_warehouse_models
from tests.transforms.indicators.hand_built import load_leap
from transforms.disclosure.history import History
from warehouse.disclosure_audit import run_disclosure_audit
from warehouse.disclosure_protection import GIVE_BACK_BATCHES, HEADLINE_ROWS, protect_warehouse
from warehouse.indicator_build import build_indicator_values, build_yearly_indicator_values
from warehouse.migrate import connect
from warehouse.protection_runs import protection_fingerprint


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


# --- a run in which nothing changed (warehouse.protection_runs) ------------------------------------

K = 5
STATE_QUERIES = (
    "SELECT * FROM marts.indicator_publication ORDER BY ALL",
    "SELECT * FROM marts.publication_plan ORDER BY ALL",
    "SELECT * FROM marts.indicator_values ORDER BY ALL",
    "SELECT * FROM marts.indicator_values_yearly ORDER BY ALL",
)


def _published_state(con) -> list[list[tuple]]:
    return [con.execute(query).fetchall() for query in STATE_QUERIES]


@pytest.fixture
def leap_warehouse(tmp_path, config):
    con = connect(tmp_path / "warehouse.duckdb")
    load_leap(con, config)
    build_warehouse_models(con, config, k=K)
    build_yearly_indicator_values(con, K)
    yield con
    con.close()


def test_a_protection_whose_inputs_did_not_change_is_taken_from_the_last_one(leap_warehouse):
    con = leap_warehouse
    first = protect_warehouse(con, K)
    assert first.passed and not first.reused and first.rounds
    assert first.blocks["blocks_from_earlier_steps"] == 0 and first.blocks["blocks_solved"] > 0  # nothing kept yet
    # the gate audit after it takes most of its blocks from the protection's last round
    gate = run_disclosure_audit(con, K).counts["blocks"]
    assert gate["blocks_from_earlier_steps"] > gate["blocks_solved"], gate
    protected = _published_state(con)
    # the indicator step rebuilds the value marts (flags and grouped rows gone); nothing changed
    build_indicator_values(con, K)
    build_yearly_indicator_values(con, K)
    assert _published_state(con) != protected
    again = protect_warehouse(con, K)
    assert again.reused and again.passed and again.rounds == []
    assert _published_state(con) == protected  # flags, plan, grouped rows: as the protection left them
    assert again.added.height == first.added.height
    # one figure changes: the protection runs again
    con.execute(
        "UPDATE marts.indicator_values SET value = value + 1, numerator = numerator + 1 "
        "WHERE indicator_id = 'cases_new' AND provider_id = 'all' AND dimension = 'all' "
        "AND period = (SELECT max(period) FROM marts.indicator_values)"
    )
    changed = protect_warehouse(con, K)
    assert not changed.reused and changed.rounds
    # the blocks that figure does not reach are taken from the first protection, the others solved
    assert changed.blocks["blocks_from_earlier_steps"] > 0 and changed.blocks["blocks_solved"] > 0, changed.blocks


def test_a_protection_cut_short_by_its_budget_is_never_taken_again(leap_warehouse):
    con = leap_warehouse
    cut = protect_warehouse(con, K, max_seconds=0.0)
    assert not cut.passed and cut.out_of_time
    complete = protect_warehouse(con, K)
    assert not complete.reused and complete.passed and complete.rounds


def test_the_fingerprint_follows_every_input(leap_warehouse):
    con = leap_warehouse
    frames = (pl.DataFrame({"value": [1, 2]}), pl.DataFrame({"value": [3]}))
    history = History(pl.DataFrame({"cell": ["a"]}), pl.DataFrame({"quantity": ["fte"]}))
    base = protection_fingerprint(con, frames, history, K, "s")
    assert protection_fingerprint(con, (frames[0].reverse(), frames[1]), history, K, "s") == base  # row order
    other_history = History(pl.DataFrame({"cell": ["a", "b"]}), history.public)
    for changed in (
        protection_fingerprint(con, (pl.DataFrame({"value": [1, 3]}), frames[1]), history, K, "s"),
        protection_fingerprint(con, frames, other_history, K, "s"),
        protection_fingerprint(con, frames, history, K + 1, "s"),
        protection_fingerprint(con, frames, history, K, "other settings"),
    ):
        assert changed != base
