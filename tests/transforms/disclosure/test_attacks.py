"""The attacks of issue 15 as hand-built releases, each worked out by hand and each flagged by the
audit; and releases where protection holds. Every hidden cell is printed as one sign and is >= 1
(zeros are printed); the reader knows the specs' margins and relations."""

from __future__ import annotations

import math

import polars as pl
import pytest

from tests.transforms.disclosure.release import Release, intervals
from transforms.disclosure import audit_release, build_system
from transforms.disclosure.audit import audit

K = 5
OCT = "2026-10"


def only(result: pl.DataFrame, **where) -> dict:
    rows = result.filter(*(pl.col(name) == value for name, value in where.items())).to_dicts()
    assert len(rows) == 1, (where, rows)
    return rows[0]


def test_gap_matrix_row_and_column_totals_pin_every_hidden_cell():
    """October 2026 gap matrix (needs_unmet_count by category x unmet reason), city-wide.
    Row psychosozial: three hidden cells, row total 7 (each of them 1…5 from the row alone).
    Column totals: sonstiges 1 = psychosozial|sonstiges + wohnen|sonstiges (0) -> 1;
    wartezeit 25 = psychosozial|wartezeit + 20 -> 5; the row then gives kein_angebot 7 - 5 - 1 = 1;
    wohnen|kein_angebot: its row, 31 - 20 - 0 = 11 (or its column, 12 - 1)."""
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
    result = audit(r.frame(), k=K)
    found = {key[2]: bounds for key, bounds in intervals(result).items()}
    assert found == {
        "psychosozial|kein_angebot": (1, 1),
        "psychosozial|wartezeit": (5, 5),
        "psychosozial|sonstiges": (1, 1),
        "wohnen|kein_angebot": (11, 11),
    }
    assert not result["protected"].any()
    binding = only(result, dimension_value="wohnen|kein_angebot")["binding"]
    assert any("category_reason adds up to category=wohnen" in label for label in binding)


def test_total_minus_published_categories_leaves_two_cells_of_one():
    """December 2025, needs open over 90 days: total 137, published categories 135, ausbildung and
    schule hidden: together 2, each >= 1 -> each exactly 1 (found by the presolve: the margin ties
    schule = 2 - ausbildung, and both >= 1 pin ausbildung to 1; the margin is named)."""
    r = Release().cell("needs_open_over_90d", "2025-12", 137)
    for category, true in {"wohnen": 60, "arbeit": 40, "sprache": 35}.items():
        r.cell("needs_open_over_90d", "2025-12", true, dimension="category", value=category)
    for category in ("ausbildung", "schule"):
        r.hidden("needs_open_over_90d", "2025-12", 1, dimension="category", value=category)
    result = audit(r.frame(), k=K)
    assert result.select("dimension_value", "lower", "upper").sort("dimension_value").rows() == [
        ("ausbildung", 1.0, 1.0),
        ("schule", 1.0, 1.0),
    ]
    assert not result["protected"].any()
    assert result["method"].to_list() == ["presolve", "presolve"]
    assert all(any("adds up to the total" in label for label in binding) for binding in result["binding"])


def test_a_small_published_year_pins_its_hidden_months():
    """Unmet needs in gesundheit, 2024 = November + December (the year has only these two months):
    the year printed as 3, both months hidden -> each 1…2."""
    r = Release()
    for period, true, status in (("2024-11", 2, "hidden"), ("2024-12", 1, "hidden"), ("2024", 3, "published")):
        r.cell("needs_unmet_count", period, true, status, dimension="category", value="gesundheit")
    result = audit(r.frame(), k=K)
    assert {row["period"]: (row["lower"], row["upper"]) for row in result.to_dicts()} == {
        "2024-11": (1, 2),
        "2024-12": (1, 2),
    }
    assert not result["protected"].any()
    assert any("months 2024-11..2024-12 add up to the year" in label for label in result["binding"][0])


def test_a_published_share_gives_its_hidden_count_away():
    """December 2024: gesundheit 5,0 % of 20 resolved needs beside a hidden count -> 0.0495 * 20 =
    0.99 <= count <= 0.0505 * 20 = 1.01 -> 1 (the share's numerator is the count)."""
    r = Release()
    r.hidden("needs_unmet_count", "2024-12", 1, dimension="category", value="gesundheit")
    r.hidden("needs_unmet_share", "2024-12", 1, dimension="category", value="gesundheit", printed=0.05)
    r.cell("needs_unmet_share", "2024-12", 20, dimension="category", value="gesundheit", column="denominator", printed=0.05)  # fmt: skip
    result = audit(r.frame(), k=K)
    assert set(intervals(result).values()) == {(1, 1)}
    assert any("needs_unmet_share printed 0.05" in label for label in only(result, indicator_id="needs_unmet_count")["binding"])  # fmt: skip


def test_a_share_with_hidden_count_and_base_needs_the_integers():
    """Arbeit 8,7 % with numerator and base hidden; the bases of arbeit and sprache add up to 40
    (published total), the numerators to the hidden total. Over the reals the count could be 1
    (base 11.5); over the integers n / d in [0.0865, 0.0875] with d <= 39 only 2 / 23 -> both
    pinned, by the MILP (and the total's numerator with them)."""
    r = Release()
    r.hidden("needs_unmet_share", "2024-12", 2, dimension="category", value="arbeit", printed=0.087)
    r.hidden("needs_unmet_share", "2024-12", 23, dimension="category", value="arbeit", column="denominator")
    r.cell("needs_unmet_share", "2024-12", 0, dimension="category", value="sprache", printed=0.0)
    r.hidden("needs_unmet_share", "2024-12", 17, dimension="category", value="sprache", column="denominator")
    r.hidden("needs_unmet_share", "2024-12", 2)
    r.cell("needs_unmet_share", "2024-12", 40, column="denominator")
    result = audit(r.frame(), k=K)
    assert intervals(result) == {
        ("all", "all", "all", "2024-12", "numerator"): (2, 2),
        ("all", "category", "arbeit", "2024-12", "numerator"): (2, 2),
        ("all", "category", "arbeit", "2024-12", "denominator"): (23, 23),
        ("all", "category", "sprache", "2024-12", "denominator"): (17, 17),
    }
    assert only(result, dimension_value="arbeit", column="numerator")["method"] == "milp"


def test_stock_and_flow_give_the_closed_cases_away():
    """caritas: active November 170, December 194, new in December 32 -> closed in November =
    170 + 32 - 194 = 8 (active(P) = active(P-1) - closed(P-1) + new(P))."""
    r = Release()
    r.cell("cases_active", "2024-11", 170, provider="caritas").cell("cases_active", "2024-12", 194, provider="caritas")
    r.cell("cases_new", "2024-12", 32, provider="caritas")
    r.hidden("cases_closed", "2024-11", 8, provider="caritas")
    result = audit(r.frame(), k=K)
    row = only(result, indicator_id="cases_closed")
    assert (row["lower"], row["upper"], row["protected"]) == (8, 8, False)
    assert any("stock and flow" in label for label in row["binding"])


def test_caseload_per_fte_times_the_published_fte_gives_the_count():
    """caritas: 54,0 cases per FTE, 3.0 funded FTE (public): 161.85 <= count <= 162.15 -> 162."""
    r = Release().quantity("funded_fte", "2024", "caritas", 3.0)
    r.hidden("caseload_per_fte", "2024-11", 162, provider="caritas", printed=54.0)
    row = only(audit(r.frame(), r.public_frame(), k=K))
    assert (row["lower"], row["upper"]) == (162, 162)


def test_the_budget_over_a_cost_per_case_gives_the_count():
    """diakonie, November 2024: cost 14,791.67 (public) over 14.792 € per closed case -> 1 case."""
    r = Release().quantity("period_cost", "2024-11", "diakonie", 14_791.666_666)
    r.hidden("cost_per_closed_case", "2024-11", 1, provider="diakonie", column="denominator", printed=14_791.666_666)
    r.hidden("cases_closed", "2024-11", 1, provider="diakonie")
    result = audit(r.frame(), r.public_frame(), k=K)
    assert set(intervals(result).values()) == {(1, 1)}


def test_the_insider_subtracts_its_own_figure():
    """Handovers pending over 30 days to integrationskurs, October 2026: city 7 (published), caritas
    3 and diakonie 4 hidden. The outside reader: 7 = a + b -> each 1…6 (wide enough for k = 5).
    caritas knows its 3 -> diakonie = 4; diakonie knows its 4 -> caritas = 3."""
    r = Release()
    where = {"dimension": "target_service", "value": "integrationskurs"}
    r.cell("handovers_pending_over_30d", OCT, 7, **where)
    r.hidden("handovers_pending_over_30d", OCT, 3, provider="caritas", **where)
    r.hidden("handovers_pending_over_30d", OCT, 4, provider="diakonie", **where)
    outside = audit(r.frame(), k=K)
    assert set(intervals(outside).values()) == {(1, 6)} and outside["protected"].all()
    inside = audit(r.frame(), k=K, insider="caritas")
    assert intervals(inside) == {("diakonie", *where.values(), OCT, "numerator"): (4, 4)}
    result = audit_release(r.frame(), k=K, insiders=("caritas", "diakonie"))
    assert not result.passed
    assert result.counts["readers"]["outside"]["unprotected"] == 0
    assert result.unprotected.select("reader", "provider_id").sort("reader").rows() == [
        ("caritas", "diakonie"),
        ("diakonie", "caritas"),
    ]


def test_two_large_hidden_cells_beside_a_published_total_are_protected():
    """New cases by residence status: total 70, duldung 30 and gestattung 40 hidden -> each 1…69."""
    r = Release().cell("cases_new", "2025-03", 70)
    r.hidden("cases_new", "2025-03", 30, dimension="residence_status", value="duldung")
    r.hidden("cases_new", "2025-03", 40, dimension="residence_status", value="gestattung")
    result = audit_release(r.frame(), k=K)
    assert set(intervals(result.cells).values()) == {(1, 69)}
    assert result.passed and result.counts["unprotected"] == 0


def test_a_hidden_cell_in_no_relation_is_unbounded_without_solving():
    r = Release().hidden("handovers_pending_over_30d", OCT, 2, provider="caritas")
    row = only(audit(r.frame(), k=K))
    assert (row["lower"], row["upper"], row["method"], row["protected"]) == (1, math.inf, "trivial", True)


def test_a_margin_that_does_not_hold_is_not_the_readers():
    """A breakdown that drops NULLs: total 10, published 4, the hidden cell 3 (3 cases without a
    value). 10 = 4 + x would give x = 6, which is false: the margin is dropped and counted."""
    r = Release().cell("cases_new", "2025-03", 10)
    r.cell("cases_new", "2025-03", 4, dimension="district", value="opladen")
    r.hidden("cases_new", "2025-03", 3, dimension="district", value="wiesdorf")
    release = build_system(r.frame())
    assert release.system.dropped == {"breakdowns": 1}
    assert release.system.size == 0
    assert release.system.dropped_examples == [
        "breakdowns: district adds up to the total: cases_new 2025-03 all numerator"
    ]
    row = only(audit(r.frame(), k=K))
    assert (row["lower"], row["upper"]) == (1, math.inf)


def test_a_hidden_zero_is_no_target_and_gets_no_lower_bound_of_one():
    r = Release().cell("cases_new", "2025-03", 4)
    r.hidden("cases_new", "2025-03", 0, dimension="residence_status", value="duldung")
    r.hidden("cases_new", "2025-03", 4, dimension="residence_status", value="gestattung")
    result = audit_release(r.frame(), k=K)
    assert result.counts["hidden_zero"] == 1
    assert intervals(result.cells) == {("all", "residence_status", "gestattung", "2025-03", "numerator"): (1, 4)}


def test_bad_input_is_refused():
    r = Release().cell("cases_new", "2025-03", 4, status="secret")
    with pytest.raises(ValueError, match="unknown status"):
        audit(r.frame())
    r = Release().cell("cases_new", "2025-03", 4).cell("cases_new", "2025-03", 4)
    with pytest.raises(ValueError, match="appears twice"):
        audit(r.frame())


def test_an_interval_from_a_milp_stopped_by_its_time_limit_is_no_proof_of_protection():
    """At the time limit a MILP proves only an outer interval; the reader may narrow the cell
    further, so however wide it is, the target counts as unprotected (the release fails)."""
    from transforms.disclosure.audit import ReaderRun, result_frame
    from transforms.disclosure.solve import Bound

    r = Release().cell("cases_new", "2026-01", 70)
    r.hidden("cases_new", "2026-01", 30, dimension="referral_source", value="selbst")
    r.hidden("cases_new", "2026-01", 40, dimension="referral_source", value="jobcenter")
    release = build_system(r.frame())
    cells = [i for i in range(release.table.size) if release.table.status[i] == 1]
    wide = {cell: Bound(1.0, 69.0, "milp_limit", (), 0) for cell in cells}
    run = ReaderRun("outside", wide, None, 0, 0, 0, {}, None)  # type: ignore[arg-type]
    frame = result_frame(release.table, run, K)
    assert frame.height == 2 and not frame["protected"].any()
    run.bounds = {cell: Bound(1.0, 69.0, "milp", (), 0) for cell in cells}
    assert result_frame(release.table, run, K)["protected"].all()
