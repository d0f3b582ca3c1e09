"""protect_release (design §6, issue 15): suppression chosen against the disclosure audit.

1. Every attack of test_attacks.py (old suppression the audit flags) is protected afterwards: the
   returned verdict and an independent exact audit pass, and the release only grew its hidden set
   (no hidden cell published again, no zero hidden, no unprinted cell touched, hidden rows print
   no figure; a cell leaves the release only with its whole breakdown for that period). The
   verdict (`passed`) is the exact audit's on the returned cells whenever protect_release stops.
2. Small random linked tables (providers + all, closing reasons + total, two months + their year)
   with a primary suppression of 1..4 cells: after protect_release every hidden count's integer
   interval, and every primary count's whether hidden or withdrawn, is at least k wide for the
   outside reader and for each insider, checked without the engine: the margins written from the
   table's shape, solved by exact elimination and enumerated where the enumeration is small, by an
   integer program over the same equations otherwise. Cases the property found are kept as tests.
3. Insiders: a release the outside reader cannot break but an insider can is protected for it.
"""

from __future__ import annotations

import itertools
import time
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from tests.transforms.disclosure.release import Release
from tests.transforms.disclosure.test_brute_force import cells_frame, eliminate, margins
from transforms.disclosure import audit_release
from transforms.disclosure.audit import audit
from transforms.disclosure.cells import CELL_KEY, ROW_KEY
from transforms.disclosure.protect import GROUP_KEY, HIDDEN_COLUMNS, hide_rows, protect_release
from transforms.indicators.registry import KINDS

K = 5
OCT = "2026-10"
ALL = "all"


# --- the attacks of test_attacks.py (same figures), each a (release, insiders) -----------------


def gap_matrix() -> tuple[Release, tuple[str, ...]]:
    """needs_unmet_count by category x unmet reason: the row and column totals pin every hidden cell."""
    r = Release()
    cell = {"psychosozial": {"kein_angebot": 1, "wartezeit": 5, "sonstiges": 1}, "wohnen": {"kein_angebot": 11, "wartezeit": 20, "sonstiges": 0}}  # fmt: skip
    hidden = {("psychosozial", "kein_angebot"), ("psychosozial", "wartezeit"), ("psychosozial", "sonstiges"), ("wohnen", "kein_angebot")}  # fmt: skip
    for category, by_reason in cell.items():
        for reason, true in by_reason.items():
            status = "hidden" if (category, reason) in hidden else "published"
            r.cell("needs_unmet_count", OCT, true, status, dimension="category_reason", value=f"{category}|{reason}")
        r.cell("needs_unmet_count", OCT, sum(by_reason.values()), dimension="category", value=category)
    for reason in ("kein_angebot", "wartezeit", "sonstiges"):
        r.cell("needs_unmet_count", OCT, sum(c[reason] for c in cell.values()), dimension="unmet_reason", value=reason)
    r.cell("needs_unmet_count", OCT, 38)
    return r, ()


def total_minus_categories() -> tuple[Release, tuple[str, ...]]:
    """Total 137, published categories 135: the two hidden categories are 1 each."""
    r = Release().cell("needs_open_over_90d", "2025-12", 137)
    for category, true in {"wohnen": 60, "arbeit": 40, "sprache": 35}.items():
        r.cell("needs_open_over_90d", "2025-12", true, dimension="category", value=category)
    for category in ("ausbildung", "schule"):
        r.hidden("needs_open_over_90d", "2025-12", 1, dimension="category", value=category)
    return r, ()


def year_minus_months() -> tuple[Release, tuple[str, ...]]:
    """The year printed as 3, both its months hidden: each 1..2."""
    r = Release()
    for period, true, status in (("2024-11", 2, "hidden"), ("2024-12", 1, "hidden"), ("2024", 3, "published")):
        r.cell("needs_unmet_count", period, true, status, dimension="category", value="gesundheit")
    return r, ()


def share_beside_its_count() -> tuple[Release, tuple[str, ...]]:
    """5,0 % of 20 printed beside the hidden count: the count is 1."""
    r = Release()
    r.hidden("needs_unmet_count", "2024-12", 1, dimension="category", value="gesundheit")
    r.hidden("needs_unmet_share", "2024-12", 1, dimension="category", value="gesundheit", printed=0.05)
    r.cell("needs_unmet_share", "2024-12", 20, dimension="category", value="gesundheit", column="denominator", printed=0.05)  # fmt: skip
    return r, ()


def share_with_hidden_count_and_base() -> tuple[Release, tuple[str, ...]]:
    """8,7 % with numerator and base hidden, the bases adding up to 40: only 2 / 23 fits."""
    r = Release()
    r.hidden("needs_unmet_share", "2024-12", 2, dimension="category", value="arbeit", printed=0.087)
    r.hidden("needs_unmet_share", "2024-12", 23, dimension="category", value="arbeit", column="denominator")
    r.cell("needs_unmet_share", "2024-12", 0, dimension="category", value="sprache", printed=0.0)
    r.hidden("needs_unmet_share", "2024-12", 17, dimension="category", value="sprache", column="denominator")
    r.hidden("needs_unmet_share", "2024-12", 2)
    r.cell("needs_unmet_share", "2024-12", 40, column="denominator")
    return r, ()


def stock_and_flow() -> tuple[Release, tuple[str, ...]]:
    """Active 170 -> 194 with 32 new: closed in November = 170 + 32 - 194 = 8."""
    r = Release()
    r.cell("cases_active", "2024-11", 170, provider="caritas").cell("cases_active", "2024-12", 194, provider="caritas")
    r.cell("cases_new", "2024-12", 32, provider="caritas")
    r.hidden("cases_closed", "2024-11", 8, provider="caritas")
    return r, ()


def caseload_times_fte() -> tuple[Release, tuple[str, ...]]:
    """54,0 cases per FTE printed, 3.0 FTE public: the hidden count is 162."""
    r = Release().quantity("funded_fte", "2024", "caritas", 3.0)
    r.hidden("caseload_per_fte", "2024-11", 162, provider="caritas", printed=54.0)
    return r, ()


def budget_over_cost_per_case() -> tuple[Release, tuple[str, ...]]:
    """The period's cost (public) over the printed cost per closed case: 1 case."""
    r = Release().quantity("period_cost", "2024-11", "diakonie", 14_791.666_666)
    r.hidden("cost_per_closed_case", "2024-11", 1, provider="diakonie", column="denominator", printed=14_791.666_666)
    r.hidden("cases_closed", "2024-11", 1, provider="diakonie")
    return r, ()


def insider_subtraction() -> tuple[Release, tuple[str, ...]]:
    """City 7 published, caritas 3 and diakonie 4 hidden: each insider subtracts its own figure."""
    r = Release()
    where = {"dimension": "target_service", "value": "integrationskurs"}
    r.cell("handovers_pending_over_30d", OCT, 7, **where)
    r.hidden("handovers_pending_over_30d", OCT, 3, provider="caritas", **where)
    r.hidden("handovers_pending_over_30d", OCT, 4, provider="diakonie", **where)
    return r, ("caritas", "diakonie")


ATTACKS = {
    "gap_matrix": gap_matrix,
    "total_minus_categories": total_minus_categories,
    "year_minus_months": year_minus_months,
    "share_beside_its_count": share_beside_its_count,
    "share_with_hidden_count_and_base": share_with_hidden_count_and_base,
    "stock_and_flow": stock_and_flow,
    "caseload_times_fte": caseload_times_fte,
    "budget_over_cost_per_case": budget_over_cost_per_case,
    "insider_subtraction": insider_subtraction,
}


def public_of(r: Release) -> pl.DataFrame | None:
    return r.public_frame() if r.public else None


def narrow(protection) -> list[tuple]:
    """The targets the last round left narrower than k (for a failure message), and the rounds."""
    frame = protection.audit.unprotected.select("reader", *ROW_KEY, "column", "lower", "upper")
    return [*frame.rows(), f"rounds: {len(protection.rounds)}, added: {protection.added.height}"]


def by_key(cells: pl.DataFrame) -> dict[tuple, dict]:
    return {tuple(row[name] for name in (*ROW_KEY, "column")): row for row in cells.iter_rows(named=True)}


def assert_only_grew(before: pl.DataFrame, protection) -> None:
    """The protected release is the same cells with more of them hidden or withdrawn: nothing
    hidden or unprinted is published again, no zero is hidden, an unprinted cell stays unprinted,
    a newly hidden cell belongs to a row of `added` (which had a published count or a printed
    figure before, and now has its count columns (HIDDEN_COLUMNS) hidden and no figure), and a
    cell leaves the release (unprinted) only with its whole breakdown for that period (`withdrawn`)."""
    old, new = by_key(before), by_key(protection.cells)
    assert old.keys() == new.keys()
    added_rows = set(protection.added.select(ROW_KEY).iter_rows())
    withdrawn = set(protection.withdrawn.select(GROUP_KEY).iter_rows())
    for key, cell in new.items():
        was, group = old[key], (key[0], key[1], key[3])
        assert cell["true_value"] == was["true_value"], key
        if group in withdrawn:
            assert key[3] != ALL, f"a total withdrawn: {key}"
            expected = "unprinted" if was["status"] == "unprinted" else "withdrawn"
            assert (cell["status"], cell["value"]) == (expected, None), key
            continue
        if was["status"] == "hidden":
            assert cell["status"] == "hidden", key
        if was["status"] == "unprinted":
            assert cell["status"] == "unprinted", key
        if cell["status"] != was["status"]:
            assert (was["status"], cell["status"]) == ("published", "hidden"), key
            assert was["true_value"] >= 1, f"a zero became hidden: {key}"
            assert key[:5] in added_rows, key
        if key[:5] in added_rows:
            assert cell["value"] is None, key
            if key[5] in HIDDEN_COLUMNS.get(KINDS[key[0]], ()) and was["status"] != "unprinted":
                assert cell["status"] == "hidden", key
        else:
            assert cell["value"] == was["value"], key
    for row in added_rows:  # hiding a row takes something away: a published count or a printed figure
        assert any(key[:5] == row and (old[key]["status"] == "published" or old[key]["value"] is not None) for key in old), row  # fmt: skip


@pytest.mark.parametrize("name", list(ATTACKS))
def test_every_attack_is_protected_after_protect_release(name):
    r, insiders = ATTACKS[name]()
    cells, public = r.frame(), public_of(r)
    assert not audit_release(cells, public, k=K, insiders=insiders).passed
    protection = protect_release(cells, public, k=K, insiders=insiders)
    assert protection.passed, narrow(protection)
    again = audit_release(protection.cells, public, k=K, insiders=insiders, exact=True)
    assert again.passed, again.unprotected.select("reader", *ROW_KEY, "column", "lower", "upper").rows()
    assert_only_grew(cells, protection)
    assert protection.added.height >= 1
    assert set(protection.added["round"].to_list()) <= set(range(1, len(protection.rounds) + 1))


def test_the_gap_matrix_keeps_its_zero_and_every_old_sign():
    """wohnen|sonstiges is 0: never a sign (printed, or gone with its breakdown); the four old
    signs stay signs or leave the release with their breakdown; the total 38 is never withdrawn."""
    r, _ = gap_matrix()
    protection = protect_release(r.frame(), k=K)
    status = {row["dimension_value"]: row["status"] for row in protection.cells.to_dicts()}
    assert status["wohnen|sonstiges"] in ("published", "withdrawn")
    for old in ("psychosozial|kein_angebot", "psychosozial|wartezeit", "psychosozial|sonstiges", "wohnen|kein_angebot"):
        assert status[old] in ("hidden", "withdrawn")
    assert status[ALL] != "withdrawn"
    assert sum(s != "published" for s in status.values()) > 4


def test_a_release_that_already_passes_is_left_alone():
    """New cases by residence status: total 70, 30 and 40 hidden -> each 1..69: nothing to add."""
    r = Release().cell("cases_new", "2025-03", 70)
    r.hidden("cases_new", "2025-03", 30, dimension="residence_status", value="duldung")
    r.hidden("cases_new", "2025-03", 40, dimension="residence_status", value="gestattung")
    protection = protect_release(r.frame(), k=K)
    assert protection.passed
    assert protection.added.is_empty()
    assert protection.cells.sort(["dimension_value"]).equals(r.frame().sort(["dimension_value"]))


def test_hide_rows_hides_the_rows_counts_and_figures_and_nothing_else():
    """A count's row: its count (the numerator) hidden, its figure gone. A share's and a ratio's
    row: the figure gone, their count columns hidden as HIDDEN_COLUMNS says for their kind. Other
    rows untouched."""
    r = Release()
    r.cell("needs_unmet_count", "2024-12", 2, dimension="category", value="arbeit", printed=2.0)
    r.cell("needs_unmet_count", "2024-12", 3, dimension="category", value="wohnen", printed=3.0)
    r.cell("needs_unmet_share", "2024-12", 2, dimension="category", value="arbeit", printed=0.1)
    r.cell("needs_unmet_share", "2024-12", 20, dimension="category", value="arbeit", column="denominator", printed=0.1)  # fmt: skip
    r.cell("needs_unmet_share", "2024-12", 3, dimension="category", value="wohnen", printed=0.3)
    r.cell("needs_unmet_share", "2024-12", 10, dimension="category", value="wohnen", column="denominator", printed=0.3)  # fmt: skip
    r.cell("caseload_per_fte", "2024-12", 9, provider="caritas", printed=4.5)
    rows = pl.DataFrame(
        [
            ("needs_unmet_count", "2024-12", ALL, "category", "arbeit"),
            ("needs_unmet_share", "2024-12", ALL, "category", "arbeit"),
            ("caseload_per_fte", "2024-12", "caritas", ALL, ALL),
        ],
        schema=list(ROW_KEY),
        orient="row",
    )
    hidden = hide_rows(r.frame(), rows)
    found = {(row["indicator_id"], row["dimension_value"], row["column"]): (row["status"], row["value"]) for row in hidden.to_dicts()}  # fmt: skip

    def when_hidden(indicator: str, column: str) -> str:
        return "hidden" if column in HIDDEN_COLUMNS.get(KINDS[indicator], ()) else "published"

    assert found == {
        ("needs_unmet_count", "arbeit", "numerator"): ("hidden", None),
        ("needs_unmet_count", "wohnen", "numerator"): ("published", 3.0),
        ("needs_unmet_share", "arbeit", "numerator"): (when_hidden("needs_unmet_share", "numerator"), None),
        ("needs_unmet_share", "arbeit", "denominator"): (when_hidden("needs_unmet_share", "denominator"), None),
        ("needs_unmet_share", "wohnen", "numerator"): ("published", 0.3),
        ("needs_unmet_share", "wohnen", "denominator"): ("published", 0.3),
        ("caseload_per_fte", ALL, "numerator"): (when_hidden("caseload_per_fte", "numerator"), None),
    }
    assert HIDDEN_COLUMNS["count"] == ("numerator",)
    assert hide_rows(r.frame(), rows.clear()).equals(r.frame())


@pytest.mark.parametrize(("k", "max_rounds"), [(2, 1), (2, 2), (2, 3), (2, 40), (5, 2), (5, 40)])
def test_the_verdict_is_an_integer_verdict_whatever_the_last_round(k, max_rounds):
    """The share attack at k = 2: arbeit 8,7 % with numerator n and base d hidden, d <= 40 - 1.
    Over the reals n in [0.0865 d, 0.0875 d] <= 3.41 and n >= 1: the LP interval [1, 3] is 2 wide
    (enough for k = 2); over the integers only 2 / 23 fits, n = 2 (width 0). The LP rounds may say
    'passed', the verdict may not: whenever protect_release stops (max_rounds included), `passed`
    is the exact audit's verdict on the returned cells, and a passing audit holds no LP-only interval."""
    r, _ = share_with_hidden_count_and_base()
    protection = protect_release(r.frame(), k=k, max_rounds=max_rounds)
    exact = audit_release(protection.cells, k=k, exact=True)
    claimed, verdict = protection.passed, exact.passed
    assert claimed == verdict, (exact.unprotected.rows(), narrow(protection))
    if protection.passed:
        assert "lp_relaxed" not in protection.audit.cells["method"].to_list()
    assert_only_grew(r.frame(), protection)


def test_hide_rows_prints_no_sign_for_a_count_the_release_does_not_print():
    """A row asked to be hidden whose count is not in the release (unprinted: an unpublished
    table) stays unprinted: a sign would tell the reader there is such a count and that it is >= 1."""
    r = Release()
    r.cell("cases_new", "2025-03", 12, provider="awo", printed=12.0)
    r.cell("cases_new", "2025-03", 3, "unprinted", provider="caritas")
    rows = r.frame().select(ROW_KEY)
    found = {row["provider_id"]: (row["status"], row["value"]) for row in hide_rows(r.frame(), rows).to_dicts()}
    assert found == {"awo": ("hidden", None), "caritas": ("unprinted", None)}


def test_a_zero_in_the_stock_flow_identity_stays_printed():
    """diakonie, counts printed as the reports print them (the figure is the count): active
    November 50, December 52, closed in November 0, new in December 2 hidden (primary) ->
    new = 52 - 50 + 0 = 2. Hiding one of the active counts protects it (new >= 1, active December
    >= 51, both unbounded above); the 0 closed cases stay printed as 0 (design §6: zero is shown
    as 0, and the reader takes every sign for at least 1)."""
    r = Release()
    r.cell("cases_active", "2024-11", 50, provider="diakonie", printed=50.0)
    r.cell("cases_active", "2024-12", 52, provider="diakonie", printed=52.0)
    r.hidden("cases_new", "2024-12", 2, provider="diakonie")
    r.cell("cases_closed", "2024-11", 0, provider="diakonie", printed=0.0)
    assert not audit_release(r.frame(), k=K).passed
    protection = protect_release(r.frame(), k=K)
    assert protection.passed, narrow(protection)
    closed = protection.cells.filter(pl.col("indicator_id") == "cases_closed").row(0, named=True)
    assert (closed["status"], closed["value"]) == ("published", 0.0)
    assert_only_grew(r.frame(), protection)


# --- closing the pattern within a round --------------------------------------------------------

STATUSES = ("duldung", "gestattung", "aufenthaltserlaubnis")


def providers_by_status() -> Release:
    """New cases, October 2026, provider x residence status with every margin printed; awo|duldung
    = 2 is hidden (primary), everything else published."""
    values = {"awo": (2, 10, 12), "caritas": (8, 9, 15), "diakonie": (11, 7, 20)}
    r = Release()
    for provider, row in values.items():
        for status, true in zip(STATUSES, row, strict=True):
            r.cell("cases_new", OCT, true, "hidden" if true < K else "published", provider=provider, dimension="residence_status", value=status)  # fmt: skip
        r.cell("cases_new", OCT, sum(row), provider=provider)
    for position, status in enumerate(STATUSES):
        r.cell("cases_new", OCT, sum(row[position] for row in values.values()), dimension="residence_status", value=status)  # fmt: skip
    r.cell("cases_new", OCT, sum(sum(row) for row in values.values()))
    return r


def providers_by_status_hiding(hidden: set[str]) -> pl.DataFrame:
    """providers_by_status with exactly the cells "provider|status" in `hidden` hidden."""
    cells = providers_by_status().frame()
    unit = pl.col("provider_id") + "|" + pl.col("dimension_value")
    return cells.with_columns(status=pl.when(unit.is_in(list(hidden))).then(pl.lit("hidden")).otherwise(pl.lit("published")))  # fmt: skip


def test_a_count_the_chooser_hides_gets_its_partners_in_the_same_round():
    """awo|duldung (2) is pinned by its row and its column. The cheapest partners with room for
    k = 5: awo|gestattung (10, not aufenthaltserlaubnis 12) and caritas|duldung (8, not diakonie
    11). Each of them is then alone in its column or row; closing the pattern, caritas|gestattung
    (9) lies in both and costs half per row (4.5 < diakonie|gestattung 7). Without closing, the
    next round would find both partners pinned and hide two more (the old six-cell pattern)."""
    from transforms.disclosure.audit import build_system
    from transforms.disclosure.choose import Chooser
    from transforms.disclosure.protect import _narrow_targets

    cells = providers_by_status().frame()
    release = build_system(cells)
    narrow = _narrow_targets(audit_release(cells, k=K), release.table)
    assert [release.table.keys[target][2:5] for _, target, _ in narrow] == [("awo", "residence_status", "duldung")]
    chooser = Chooser(release, K)
    alone, _ = chooser.choose(narrow, {}, readers=())
    closed, _ = chooser.choose(narrow, {}, readers=(None,))
    assert {row[2] + "|" + row[4] for row in alone} == {"awo|gestattung", "caritas|duldung"}
    assert {row[2] + "|" + row[4] for row in closed} == {"awo|gestattung", "caritas|duldung", "caritas|gestattung"}
    hidden = hide_rows(cells, pl.DataFrame(sorted(closed), schema=list(ROW_KEY), orient="row"))
    assert audit_release(hidden, k=K, exact=True).passed  # the 2x2 cycle: awo|duldung 1..9


def test_a_chain_of_hidden_cells_that_does_not_close_is_pinned_cell_by_cell():
    """awo|duldung, awo|gestattung and caritas|gestattung hidden: the duldung column has one
    unknown (awo|duldung follows), then the awo row has one (awo|gestattung), then the gestattung
    column (caritas|gestattung). With caritas|duldung hidden too the chain closes into a cycle and
    no cell follows from one equation."""
    from transforms.disclosure.audit import build_system
    from transforms.disclosure.cells import PUBLISHED
    from transforms.disclosure.choose import Chooser

    def movable(hidden: set[str]) -> set[str]:
        release = build_system(providers_by_status_hiding(hidden))
        chooser = Chooser(release, K)
        free = chooser._movable(release.table.status != PUBLISHED)
        return {key[2] + "|" + key[4] for key, is_free in zip(release.table.keys, free, strict=True) if is_free}

    chain = {"awo|duldung", "awo|gestattung", "caritas|gestattung"}
    assert movable(chain) == set()
    assert movable(chain | {"caritas|duldung"}) == chain | {"caritas|duldung"}


# --- insiders ---------------------------------------------------------------------------------


def three_providers() -> Release:
    """Handovers pending over 30 days to integrationskurs, October 2026: city 17 = awo 10 (published)
    + caritas 3 + diakonie 4 (hidden). Outside: caritas + diakonie = 7 -> each 1..6 (width 5 = k).
    caritas knows its 3 -> diakonie = 17 - 10 - 3 = 4; diakonie knows its 4 -> caritas = 3;
    awo learns nothing new (its 10 was published): caritas + diakonie = 7 -> each 1..6."""
    r = Release()
    where = {"dimension": "target_service", "value": "integrationskurs"}
    r.cell("handovers_pending_over_30d", OCT, 17, **where)
    r.cell("handovers_pending_over_30d", OCT, 10, provider="awo", **where)
    r.hidden("handovers_pending_over_30d", OCT, 3, provider="caritas", **where)
    r.hidden("handovers_pending_over_30d", OCT, 4, provider="diakonie", **where)
    return r


def test_protected_for_the_outside_reader_is_not_protected_for_an_insider():
    cells = three_providers().frame()
    outside = protect_release(cells, k=K)
    assert outside.passed and outside.added.is_empty() and outside.cells.equals(cells)
    assert audit_release(cells, k=K, insiders=("awo",)).passed
    result = audit_release(cells, k=K, insiders=("caritas",))
    assert not result.passed
    assert result.unprotected.select("reader", "provider_id", "lower", "upper").rows() == [("caritas", "diakonie", 4.0, 4.0)]  # fmt: skip


@pytest.mark.parametrize("insiders", [("caritas",), ("diakonie",), ("awo", "caritas", "diakonie")])
def test_protect_release_protects_against_the_insider(insiders):
    cells = three_providers().frame()
    protection = protect_release(cells, k=K, insiders=insiders)
    assert protection.passed
    assert not protection.added.is_empty()
    assert_only_grew(cells, protection)
    again = audit_release(protection.cells, k=K, insiders=insiders, exact=True)
    assert again.passed
    for insider in insiders:
        # the insider's own cells are known to it: every other provider's hidden count is >= k wide
        for row in audit(protection.cells, k=K, insider=insider, witnesses=False).to_dicts():
            assert row["provider_id"] not in (insider, ALL)
            assert row["upper"] - row["lower"] >= K, (insider, row)
        others = {"caritas", "diakonie"} - {insider}  # the small counts hidden at the start
        found = enumerate_one_margin(protection.cells, insider, others)
        assert others <= found.keys()
        for provider, (lower, upper) in found.items():
            assert upper - lower >= K, (insider, provider, lower, upper)


def enumerate_one_margin(
    cells: pl.DataFrame, insider: str, targets: set[str], cap: int = 30
) -> dict[str, tuple[int, int]]:
    """Without the engine: every assignment of 1..cap to the cells hidden from `insider` (its own
    known; 0..cap to unprinted ones) with all = awo + caritas + diakonie; per other provider's
    hidden cell and per cell of `targets` (hidden or withdrawn) its smallest and largest value
    (within the cap: a lower bound on the width when the city's figure is not printed)."""
    truth = {row["provider_id"]: row["true_value"] for row in cells.to_dicts()}
    status = {row["provider_id"]: row["status"] for row in cells.to_dicts()}
    unknown = [unit for unit in truth if status[unit] != "published" and unit != insider]
    solutions = []
    ranges = [range(1 if status[unit] == "hidden" else 0, cap + 1) for unit in unknown]
    for values in itertools.product(*ranges):
        v = truth | dict(zip(unknown, values, strict=True))
        if v[ALL] == v["awo"] + v["caritas"] + v["diakonie"]:
            solutions.append(v)
    assert truth in solutions
    return {
        unit: (min(s[unit] for s in solutions), max(s[unit] for s in solutions))
        for unit in unknown
        if unit != ALL and (status[unit] == "hidden" or unit in targets)
    }


# --- property: random linked tables, checked without the engine ---------------------------------

INDICATOR = "cases_closed"  # a flow: adds up over providers, closing reasons and months
MONTHS = ("2025-01", "2025-02")
YEAR = "2025"
PROVIDERS = ("awo", "caritas", "diakonie")
REASONS = ("abbruch", "umzug", "ziele_erreicht")
MAX_POINTS = 200_000  # the largest enumeration; beyond it an integer program over the same rows


def linked_truth(base: dict[tuple, int], providers: tuple[str, ...], reasons: tuple[str, ...]):
    """Every cell of the linked table (providers + all, reasons + all, months + year) from the
    provider x reason x month counts (missing ones 0)."""
    units, values, periods = (*providers, ALL), (*reasons, ALL), (*MONTHS, YEAR)
    truth = {
        (u, v, t): sum(n for (p, r, m), n in base.items() if u in (p, ALL) and v in (r, ALL) and t in (m, YEAR))
        for u in units
        for v in values
        for t in periods
    }
    return units, values, periods, truth


@st.composite
def linked_tables(draw):
    k = draw(st.sampled_from((3, 5)))
    providers = PROVIDERS[: draw(st.integers(2, 3))]
    reasons = REASONS[: draw(st.integers(2, 3))]
    base = {(p, r, m): draw(st.integers(0, 12)) for p in providers for r in reasons for m in MONTHS}
    units, values, periods, truth = linked_truth(base, providers, reasons)
    small = sorted(key for key, n in truth.items() if 1 <= n < k)  # the primary rule: a count of 1..k-1
    assume(small)
    primary = draw(st.lists(st.sampled_from(small), min_size=1, max_size=4, unique=True))
    insiders = tuple(draw(st.lists(st.sampled_from(providers), max_size=len(providers), unique=True)))
    return k, units, values, periods, truth, set(primary), insiders


def equations(units, values, periods, truth, unknowns: list[tuple]) -> list[list[Fraction]]:
    """The margins over the unknown cells as rows [a_1 .. a_n | b] (known cells moved to b)."""
    position = {cell: i for i, cell in enumerate(unknowns)}
    n = len(unknowns)
    rows = []
    for total, parts in margins(units, values, periods):
        row = [Fraction(0)] * (n + 1)
        for cell, sign in [(total, 1), *((part, -1) for part in parts)]:
            if cell in position:
                row[position[cell]] += sign
            else:
                row[n] -= sign * truth[cell]
        if any(row[:n]):
            rows.append(row)
    return rows


def cap(cell, truth, unknown: set) -> int:
    """The smallest known cell containing `cell` bounds it; with none, the grand total plus room
    (a bound on the enumeration only: what it finds within it is still a set of solutions)."""
    u, v, t = cell
    known = [truth[a] for a in itertools.product({u, ALL}, {v, ALL}, {t, YEAR}) if a not in unknown]
    return min(known) if known else truth[(ALL, ALL, YEAR)] + 20


def enumerate_intervals(unknowns, rows, truth, lower) -> dict[tuple, tuple[float, float]] | None:
    """(min, max) of every unknown over the integer solutions with every free cell within its cap;
    None when that enumeration would be too large."""
    n = len(unknowns)
    echelon, pivots = eliminate(rows, n) if rows else ([], [])
    free = [i for i in range(n) if i not in pivots]
    unknown = set(unknowns)
    ranges = [np.arange(lower[i], cap(unknowns[i], truth, unknown) + 1) for i in free]
    if np.prod([len(r) for r in ranges], dtype=np.float64) > MAX_POINTS:
        return None
    grid = np.stack([g.ravel() for g in np.meshgrid(*ranges, indexing="ij")]) if free else np.zeros((0, 1))
    points = np.zeros((n, grid.shape[1]))
    for i, f in enumerate(free):
        points[f] = grid[i]
    for row, p in zip(echelon, pivots, strict=True):
        points[p] = float(row[n]) - sum(float(row[f]) * points[f] for f in free)
    feasible = np.all((np.abs(points - np.round(points)) < 1e-9) & (points >= np.array(lower)[:, None] - 1e-9), axis=0)
    assert feasible.any(), "the true values must be among the solutions"
    found = np.round(points[:, feasible])
    return {cell: (found[i].min(), found[i].max()) for i, cell in enumerate(unknowns)}


def integer_intervals(unknowns, rows, truth, lower, targets) -> dict[tuple, tuple[float, float]]:
    """(min, max) of each target over the integer solutions, by an integer program per bound (every
    cell at most ten times the grand total: far beyond any width that matters)."""
    n = len(unknowns)
    a = np.array([[float(x) for x in row[:n]] for row in rows]) if rows else np.zeros((0, n))
    b = np.array([float(row[n]) for row in rows])
    constraints = [LinearConstraint(a, b, b)] if rows else []
    bounds = Bounds(np.array(lower, dtype=float), np.full(n, 10.0 * truth[(ALL, ALL, YEAR)] + 100))
    found = {}
    for cell in targets:
        i = unknowns.index(cell)
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(n)
            c[i] = sign
            solved = milp(c, constraints=constraints, bounds=bounds, integrality=np.ones(n))
            assert solved.status == 0, solved.message
            ends.append(round(solved.x[i]))
        found[cell] = (ends[0], ends[1])
    return found


def reader_intervals(
    units, values, periods, truth, hidden, insider: str | None, unprinted=frozenset(), primary=frozenset()
):
    """Per target of the reader (hidden, >= 1; for an insider not its own nor 'all'): the integer
    interval it can deduce; and how it was found. Unprinted cells (a withdrawn breakdown) are
    unknown to the reader too, but only >= 0; a primary cell withdrawn stays a target (a count of
    1..k-1 the reader can work out is disclosed whether or not a sign stands for it)."""
    unknowns = sorted(cell for cell in hidden | set(unprinted) if cell[0] != insider)
    targets = [
        c
        for c in unknowns
        if (c in hidden or c in primary) and truth[c] >= 1 and (insider is None or c[0] not in (insider, ALL))
    ]
    if not targets:
        return {}, "none"
    lower = [1 if c in hidden and truth[c] >= 1 else 0 for c in unknowns]
    rows = equations(units, values, periods, truth, unknowns)
    enumerated = enumerate_intervals(unknowns, rows, truth, lower)
    if enumerated is not None:
        return {c: enumerated[c] for c in targets}, "enumerated"
    return integer_intervals(unknowns, rows, truth, lower, targets), "integer program"


def hidden_cells(cells: pl.DataFrame, status: str = "hidden") -> set[tuple]:
    frame = cells.filter(pl.col("status") == status).select("provider_id", "dimension_value", "period")
    return set(frame.iter_rows())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(linked_tables())
def test_after_protect_release_every_reader_gets_intervals_at_least_k_wide(table):
    k, units, values, periods, truth, primary, insiders = table
    cells = cells_frame(truth, primary)
    protection = protect_release(cells, k=k, insiders=insiders)
    assert protection.passed, [*narrow(protection), f"hiding every non-zero cell passes: {every_count_hidden_passes(truth, k, insiders)}"]  # fmt: skip
    assert_only_grew(cells, protection)
    hidden, unprinted = hidden_cells(protection.cells), hidden_cells(protection.cells, "withdrawn")
    assert primary <= hidden | unprinted
    assert all(truth[cell] >= 1 for cell in hidden), "a zero was hidden"
    for insider in (None, *insiders):
        found, how = reader_intervals(units, values, periods, truth, hidden, insider, unprinted, primary)
        for cell, (lower, upper) in found.items():
            assert lower <= truth[cell] <= upper, (insider, cell, how)
            assert upper - lower >= k, (insider or "outside", cell, (lower, upper), how, sorted(hidden))


def every_count_hidden_passes(truth: dict[tuple, int], k: int, insiders: tuple[str, ...]) -> bool:
    """Whether some protection exists: every non-zero cell hidden (zeros are always printed)."""
    return audit_release(cells_frame(truth, {c for c, n in truth.items() if n >= 1}), k=k, insiders=insiders).passed


def test_protect_release_widens_a_chain_two_equations_away_from_the_target():
    """Found by the property test (k = 3, insider caritas). Cases closed, by reason, January and
    February 2025: awo umzug Feb 1, caritas umzug Jan 4, diakonie abbruch Feb 4 and umzug Feb 4,
    every other count 0 (printed). Primary: awo umzug Feb and awo's year (1 each).
    Hiding every non-zero cell protects every count for both readers (checked here), so protection
    exists. Any protection must cut this chain of caritas's: city umzug 2025 (9) - city umzug Jan
    (= caritas's own 4, awo's and diakonie's January umzug being printed zeros) = city umzug Feb 5;
    city total Feb (9) - 5 = city abbruch Feb = 4 = diakonie abbruch Feb (awo's and caritas's
    abbruch are printed zeros) = diakonie abbruch 2025. The target's own equations hold nothing
    left to hide once their other cells are hidden or zero: the cell to hide is further away."""
    base = {
        ("awo", "umzug", "2025-02"): 1,
        ("caritas", "umzug", "2025-01"): 4,
        ("diakonie", "abbruch", "2025-02"): 4,
        ("diakonie", "umzug", "2025-02"): 4,
    }
    units, values, periods, truth = linked_truth(base, PROVIDERS, REASONS[:2])
    k, insiders = 3, ("caritas",)
    assert every_count_hidden_passes(truth, k, insiders)
    primary = {("awo", "umzug", "2025-02"), ("awo", ALL, YEAR)}
    cells = cells_frame(truth, primary)
    protection = protect_release(cells, k=k, insiders=insiders)
    assert protection.passed, narrow(protection)
    assert audit_release(protection.cells, k=k, insiders=insiders, exact=True).passed
    hidden, unprinted = hidden_cells(protection.cells), hidden_cells(protection.cells, "withdrawn")
    for insider in (None, *insiders):
        found, _ = reader_intervals(units, values, periods, truth, hidden, insider, unprinted, primary)
        assert all(upper - lower >= k for lower, upper in found.values()), (insider, found)


def test_a_withdrawn_breakdown_does_not_give_its_small_count_away():
    """Found by the property test (k = 5). Cases closed by reason: caritas umzug January 3 (and
    so the city's umzug January 3: awo's is a printed 0) fall under the primary rule.
        awo      abbruch Jan 7  Feb 0   umzug Jan 0  Feb 6
        caritas  abbruch Jan 9  Feb 7   umzug Jan 3  Feb 10
    Withdrawing January's breakdown (the table not printed for that month) removes the two signs,
    but while the year's and February's breakdowns stay printed the reader still subtracts:
    caritas umzug January = 2025 (13) - February (10) = 3, the year-minus-months attack. Whatever
    protect_release hides or withdraws, neither small count may be worked out to within k."""
    base = {
        ("awo", "abbruch", "2025-01"): 7,
        ("awo", "umzug", "2025-02"): 6,
        ("caritas", "abbruch", "2025-01"): 9,
        ("caritas", "abbruch", "2025-02"): 7,
        ("caritas", "umzug", "2025-01"): 3,
        ("caritas", "umzug", "2025-02"): 10,
    }
    units, values, periods, truth = linked_truth(base, PROVIDERS[:2], REASONS[:2])
    primary = {("caritas", "umzug", "2025-01"), (ALL, "umzug", "2025-01")}
    protection = protect_release(cells_frame(truth, primary), k=K)
    assert protection.passed, narrow(protection)
    assert_only_grew(cells_frame(truth, primary), protection)
    hidden, unprinted = hidden_cells(protection.cells), hidden_cells(protection.cells, "withdrawn")
    assert primary <= hidden | unprinted
    found, _ = reader_intervals(units, values, periods, truth, hidden, None, unprinted, primary)
    assert primary <= found.keys()
    for cell, (lower, upper) in found.items():
        assert upper - lower >= K, (cell, (lower, upper), "withdrawn" if cell in unprinted else "hidden")


def _reasons(hidden: set[str]) -> Release:
    """Closing reasons of one month under a published total: a = 3 (small), b = 10, c = 20, d = 25."""
    r = Release().cell("cases_closed", "2025-03", 58)
    for reason, true in (("a", 3), ("b", 10), ("c", 20), ("d", 25)):
        status = "hidden" if reason in hidden else "published"
        r.cell("cases_closed", "2025-03", true, status, dimension="closing_reason", value=reason)
    return r


def test_give_back_publishes_a_cell_hidden_without_need_and_keeps_the_needed_one():
    """a is small; b and c were hidden beside it. With b alone a keeps [1, 12], so c (the most
    informative, tried first) is published again; b is needed (without it a is exactly 3) and
    stays hidden. What is returned passes an audit of its own; give_back runs none for it (its
    last batch was not kept whole: the kept row's block passed in that batch's trial)."""
    from transforms.disclosure.choose import hiding_cost
    from transforms.disclosure.unhide import give_back

    start = _reasons({"a"}).frame()
    protected = _reasons({"a", "b", "c"}).frame()
    row = ("cases_closed", "2025-03", "all", "closing_reason")
    candidates = {(*row, "b"), (*row, "c")}
    cells, given, result, batches = give_back(start, protected, candidates, None, 5, (), batches=10, seconds=600.0, cache={}, cost=hiding_cost)  # fmt: skip
    assert given == {(*row, "c")}
    assert batches == 2 and result is None
    assert audit_release(cells, None, 5, (), exact=False, lp_only=True).passed
    status = dict(cells.filter(pl.col("dimension") == "closing_reason").select("dimension_value", "status").iter_rows())
    assert status == {"a": "hidden", "b": "hidden", "c": "published", "d": "published"}
    assert cells.filter(pl.col("dimension_value") == "c")["value"].to_list() == start.filter(pl.col("dimension_value") == "c")["value"].to_list()  # fmt: skip


def test_a_give_back_trial_cut_off_by_the_budget_gives_nothing_back(monkeypatch):
    """A trial audit past its deadline reads no reader, so nothing points at a candidate's block:
    it must keep nothing (as if every candidate narrowed a target), never everything."""
    from transforms.disclosure import unhide
    from transforms.disclosure.choose import hiding_cost

    real = time.time
    first = iter([0.0])  # the budget is computed from 0.0, every later reading is far past it
    monkeypatch.setattr(unhide.time, "time", lambda: next(first, real() + 1e6))
    start, protected = _reasons({"a"}).frame(), _reasons({"a", "b", "c"}).frame()
    row = ("cases_closed", "2025-03", "all", "closing_reason")
    cells, given, _, batches = unhide.give_back(start, protected, {(*row, "b"), (*row, "c")}, None, 5, (), batches=10, seconds=600.0, cache={}, cost=hiding_cost)  # fmt: skip
    assert batches == 2 and given == set()  # both were tried, one batch each (one block)
    assert cells.select("status").equals(protected.select("status"))


def test_protect_release_gives_back_only_what_the_audit_allows():
    """With a budget for giving back, the protected release hides a subset of what it hides
    without, and still passes for every reader."""
    r = Release()
    for month, values in (("2025-01", (2, 9, 14, 30)), ("2025-02", (1, 12, 25, 8))):
        for provider, scale in (("caritas", 1), ("diakonie", 2)):
            for reason, true in zip("abcd", values, strict=True):
                r.cell("cases_closed", month, true * scale, provider=provider, dimension="closing_reason", value=reason)
            r.cell("cases_closed", month, sum(values) * scale, provider=provider)
        for reason, true in zip("abcd", values, strict=True):
            r.cell("cases_closed", month, 3 * true, dimension="closing_reason", value=reason)
        r.cell("cases_closed", month, 3 * sum(values))
    cells = r.frame().with_columns(
        status=pl.when((pl.col("true_value") < 5) & (pl.col("true_value") > 0))
        .then(pl.lit("hidden"))
        .otherwise(pl.col("status"))
    )
    plain = protect_release(cells, k=5, insiders=("caritas", "diakonie"), exact_stage=False)
    back = protect_release(cells, k=5, insiders=("caritas", "diakonie"), exact_stage=False, give_back_batches=5)
    assert plain.passed and back.passed
    hidden = lambda p: set(p.cells.filter(pl.col("status") == "hidden").select(CELL_KEY).iter_rows())  # noqa: E731
    assert hidden(back) <= hidden(plain)
    assert back.added.height <= plain.added.height
    # the trials re-solved only the candidates' blocks: what is returned passes a whole audit
    assert audit_release(back.cells, k=5, insiders=("caritas", "diakonie"), exact=False, lp_only=True).passed
    # only the rows `give_back_rows` selects are offered: here the city's, which are all needed,
    # so diakonie's reason c, which the unrestricted give-back publishes again, stays hidden
    rows = lambda p: set(p.added.select(ROW_KEY).iter_rows())  # noqa: E731
    diakonie_c = ("cases_closed", "2025-01", "diakonie", "closing_reason", "c")
    assert rows(plain) - rows(back) == {diakonie_c}
    city = protect_release(cells, k=5, insiders=("caritas", "diakonie"), exact_stage=False, give_back_batches=5, give_back_rows=pl.col("provider_id") == "all")  # fmt: skip
    assert city.passed and rows(city) == rows(plain)


def test_an_audit_out_of_time_reads_no_reader_and_fails():
    """Past its deadline the audit builds no reader's view: every target is counted as not
    protected (none listed), so a release it could not finish is never passed."""
    r, insiders = ATTACKS["insider_subtraction"]()
    protected = protect_release(r.frame(), k=K, insiders=insiders).cells
    in_time = audit_release(protected, k=K, insiders=insiders, lp_only=True)
    assert in_time.passed and in_time.counts["unread"] == 0
    late = audit_release(protected, k=K, insiders=insiders, lp_only=True, deadline=time.time() - 1)
    assert not late.passed and late.cells.is_empty()
    assert late.counts["unread"] == late.counts["unprotected"] == in_time.counts["targets"] > 0


def test_a_block_out_of_time_proves_nothing_and_is_not_cached():
    """A block whose solve starts past the deadline settles no target by LP (method 'budget', not
    protected), and is never kept in the cache as if solved."""
    from tests.transforms.disclosure.test_shortcuts import system_of
    from transforms.disclosure.block import SolveOptions, SolveStats
    from transforms.disclosure.cells import HIDDEN, CellTable
    from transforms.disclosure.solve import finish_targets, reader_view, start_targets

    truth = np.array([3.0, 4.0, 5.0, 2.0])  # rows of three cells: the presolve leaves them to the LP
    system = system_of([({0: 1.0, 1: 1.0, 2: 1.0}, 12.0, 12.0), ({0: 1.0, 2: 1.0, 3: 1.0}, 10.0, 10.0)], 4)
    keys = [("cases_new", "2025-01", "all", "d", f"v{i}", "numerator") for i in range(4)]
    table = CellTable(keys=keys, true=truth, status=np.full(4, HIDDEN, dtype=np.int8))
    view = reader_view(table, system, np.zeros(4, dtype=bool))
    cache: dict = {}
    options = SolveOptions(1, exact=False, deadline=time.time() - 1)
    pending = start_targets(table, view, np.arange(4), SolveStats(), options, cache=cache)
    found = finish_targets(pending, SolveStats())
    assert {bound.method for bound in found.values()} == {"budget"} and not cache
    assert all(bound.lower == bound.upper == truth[cell] for cell, bound in found.items())
    in_time = finish_targets(start_targets(table, view, np.arange(4), SolveStats(), SolveOptions(1, exact=False), cache=cache), SolveStats())  # fmt: skip
    assert "budget" not in {bound.method for bound in in_time.values()} and cache


def test_the_protection_stops_at_its_budget_with_a_failed_verdict():
    """A budget spent at once: no reader's view is even built, the first round proves nothing, and
    the rounds end there, not passed, nothing hidden at random (the same release protects fine
    with time: test_every_attack_is_protected_after_protect_release)."""
    r, insiders = ATTACKS["insider_subtraction"]()
    protection = protect_release(r.frame(), k=K, insiders=insiders, max_seconds=1e-6, exact_stage=False)
    assert [(row["stage"], row["unprotected"] > 0) for row in protection.rounds] == [(0, True)]
    assert not protection.passed and protection.added.is_empty()
    # no reader read: its targets are counted, not listed
    assert protection.audit.cells.is_empty() and protection.audit.counts["unread"] > 0
