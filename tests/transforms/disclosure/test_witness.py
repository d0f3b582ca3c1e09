"""The protection LP (transforms.disclosure.witness): for a target several equations narrow together,
the published cells to hide so that the target can move by k, found in one solve. Hand-computed."""

from __future__ import annotations

import numpy as np
import polars as pl
import scipy.sparse as sp

from tests.transforms.disclosure.test_protect import K, providers_by_status_hiding
from transforms.disclosure import audit_release
from transforms.disclosure.cells import ROW_KEY
from transforms.disclosure.protect import hide_rows
from transforms.disclosure.witness import protection_lp

# A 2 x 2 table without its margins as cells: x11 + x12 = 23, x21 + x22 = 50, x11 + x21 = 23,
# x12 + x22 = 50. x11 = 3 is the target; x12 = 20 and x21 = 20 are hidden, x22 = 30 is printed.
# Each equation has a second unknown, yet x22 pins x12 and x21 and so x11.
ROWS = sp.csr_matrix(np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 1, 0], [0, 1, 0, 1]], dtype=float))
TOTALS = np.array([23.0, 50.0, 23.0, 50.0])
TRUE = np.array([3.0, 20.0, 20.0, 30.0])
UNKNOWN = np.array([True, True, True, False])
FLOOR = np.array([1.0, 1.0, 1.0, 0.0])


def lp(true=TRUE, eligible=(False, False, False, True), cost=(1.0, 1.0, 1.0, 30.0)):
    return protection_lp(
        ROWS, ROWS.tocsc(), (TOTALS, TOTALS), np.asarray(true, dtype=float), UNKNOWN,
        np.array(eligible), FLOOR, np.array(cost), 0, K,
    )  # fmt: skip


def test_the_cell_that_closes_the_cycle_is_hidden():
    # x11 + 5 = 8 needs x12 = 15, x21 = 15 and x22 = 35: only x22 is printed
    assert lp() == [3]


def test_no_witness_when_the_cell_may_not_be_hidden_or_the_bounds_leave_no_room():
    assert lp(eligible=(False, False, False, False)) is None  # e.g. an insider's own figure
    # x12 = 3: up, x12 would fall below 1; down, x11 = 3 - 5 would
    tight = [3.0, 3.0, 20.0, 47.0]
    assert protection_lp(ROWS, ROWS.tocsc(), (np.array([6.0, 67.0, 23.0, 50.0]),) * 2, np.array(tight), UNKNOWN, np.array([False, False, False, True]), FLOOR, np.ones(4), 0, K) is None  # fmt: skip


def test_a_stubborn_target_gets_the_cell_the_lp_finds_and_is_then_protected():
    """providers_by_status with awo|duldung (2), awo|gestattung (10) and caritas|duldung (8)
    hidden: a chain that does not close. Every equation of awo|duldung has a second unknown, so no
    equation alone narrows it; together they pin it. Narrow three rounds in a row, it gets the
    protection LP: moving it up by 5 takes 5 from awo|gestattung and caritas|duldung and gives 5 to
    caritas|gestattung (9, cost 9 per unit) — cheaper than through diakonie (7 and 11)."""
    from transforms.disclosure.audit import build_system
    from transforms.disclosure.choose import Chooser
    from transforms.disclosure.protect import _narrow_targets

    chain = {"awo|duldung", "awo|gestattung", "caritas|duldung"}
    cells = providers_by_status_hiding(chain)
    release = build_system(cells)
    narrow = _narrow_targets(audit_release(cells, k=K), release.table)
    assert {release.table.keys[target][2] + "|" + release.table.keys[target][4] for _, target, _ in narrow} == chain
    target = next(n for n in narrow if release.table.keys[n[1]][2:5] == ("awo", "residence_status", "duldung"))
    before, _ = Chooser(release, K).choose([target], {}, readers=())
    assert len(before) == 2  # the first time: the cheapest cells of the rows that bind
    stubborn = {(target[0], target[1])}
    rows, _ = Chooser(release, K).choose([target], {}, readers=(), stubborn=stubborn)
    assert {row[2] + "|" + row[4] for row in rows} == {"caritas|gestattung"}
    hidden = hide_rows(cells, pl.DataFrame(sorted(rows), schema=list(ROW_KEY), orient="row"))
    assert audit_release(hidden, k=K, exact=True).passed  # the 2 x 2 cycle: every cell moves by 5


def test_a_target_is_stubborn_from_its_third_round_in_a_row_for_the_same_reader():
    from transforms.disclosure.protect import STUBBORN_ROUNDS, _stubborn

    assert STUBBORN_ROUNDS == 3
    keys = [("a",), ("b",), ("c",)]
    before: dict = {}
    found = []
    # a is narrow every round; b in rounds 1, 2 and 4; c for the insider only from round 2
    for narrow in (
        [("outside", 0, ()), ("outside", 1, ())],
        [("outside", 0, ()), ("outside", 1, ()), ("awo", 2, ())],
        [("outside", 0, ()), ("awo", 2, ())],
        [("outside", 0, ()), ("outside", 1, ()), ("awo", 2, ())],
    ):
        stubborn, before = _stubborn(narrow, keys, before)
        found.append(stubborn)
    assert found == [set(), set(), {("outside", 0)}, {("outside", 0), ("awo", 2)}]
