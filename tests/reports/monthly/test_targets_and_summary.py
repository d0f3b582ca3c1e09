"""Issue 19's reading aids in the monthly report: targets as traffic lights with the rule written
out, „Das Wichtigste in Kürze“ written from the published figures, previous/next month and the
providers' feedback reports. Hand-built figures (tests/reports/monthly/hand_built.small_rows):
October 2026 against September."""

from __future__ import annotations

import pytest

from kim.config import ConfigError, load_config
from reports import render_reports
from reports.kit.targets import Target, rule_text, status_of
from reports.suppression import HIDDEN, MISSING, Cell
from tests.html_helpers import parse
from tests.reports.monthly.hand_built import CITY, K, build_warehouse, small_rows

TARGETS = [
    # 12,5 % unmet: 2,5 points above 10 %, within the tolerance of 5 points
    ("needs_unmet_share", "at_most", 0.10, 0.05),
    # median 12,5 days: reached
    ("handover_delay_median_days", "at_most", 14.0, 0.0),
    # no figure this month: no light
    ("handover_within_14d_share", "at_least", 0.80, 0.05),
    # 1.234 active cases against at least 2.000: missed
    ("cases_active", "at_least", 2000.0, 0.0),
]


@pytest.fixture(scope="module")
def october(tmp_path_factory):
    root = tmp_path_factory.mktemp("targets")
    con = build_warehouse(root / "w.duckdb", small_rows())
    con.execute("CREATE TABLE marts.dim_indicator_targets (indicator_id VARCHAR, bound VARCHAR, target DOUBLE, tolerance DOUBLE)")  # fmt: skip
    con.executemany("INSERT INTO marts.dim_indicator_targets VALUES (?, ?, ?, ?)", TARGETS)
    out = render_reports(con, root / "reports", city=CITY, k=K)
    con.close()
    return parse(out["monthly"].read_text(encoding="utf-8"))


def test_targets_show_a_light_a_word_and_the_rule(october):
    rows = october.row_texts("tabelle-ziele")
    assert rows == {
        "needs_unmet_share": ["12,5 %", "● knapp verfehlt", "höchstens 10 %; knapp verfehlt bis 5 %-Punkte darüber"],
        "handover_delay_median_days": ["12,5", "● erreicht", "höchstens 14 Tage"],
        "handover_within_14d_share": [
            "k. A.",
            "○ nicht ausgewiesen",
            "mindestens 80 %; knapp verfehlt bis 5 %-Punkte darunter",
        ],
        "cases_active": ["1.234", "● verfehlt", "mindestens 2.000"],
    }


def test_the_summary_is_written_from_the_figures(october):
    summary = [li.text for li in october.find_all("li") if li.ancestor("div") and "summary" in li.ancestor("div").classes]  # fmt: skip
    assert summary[:4] == [
        "Im Oktober 2026 wurden 1.234 Fälle begleitet, 48 davon kamen neu hinzu.",
        # the two largest changes: closed +27,3 %, new +20,0 % (active +2,8 % and the median's
        # +13,6 % are smaller)
        "Abgeschlossene Fälle: 14, 3 mehr (+27,3 %) als im September 2026 (11).",
        "Neue Fälle: 48, 8 mehr (+20,0 %) als im September 2026 (40).",
        "1 von 3 Zielen erreicht (1 weitere Kennzahl nicht ausgewiesen). Nicht erreicht: Anteil ungedeckter "
        "Bedarfe 12,5 % (knapp verfehlt; Ziel: höchstens 10 %); Aktive Fälle 1.234 (verfehlt; Ziel: mindestens 2.000).",
    ]
    assert summary[4].startswith("Zum Datenstand (siehe unten): Deutsches Rotes Kreuz Leverkusen: ")


def test_previous_month_and_the_providers_feedback_reports_are_linked(october):
    pager = {url for tag, attr, url in october.urls if url.endswith(".html")}
    assert "monatsbericht_2026-09.html" in pager and "monatsbericht_2026-11.html" not in pager
    assert {u for u in pager if u.startswith("traegerbericht_")} == {
        f"traegerbericht_{p}_2026-10.html" for p in ("caritas", "diakonie", "awo", "drk", "stadt")
    }  # not the Ausländerbehörde, which gets no feedback report


def test_a_hidden_figure_never_gets_a_light():
    """A colour would tell what "•" hides (below or above the target)."""
    target = Target("needs_unmet_share", "at_most", 0.10)
    assert status_of(target, HIDDEN) == "not_shown" and status_of(target, MISSING) == "not_shown"
    # judged on the figure as printed: 10,04 % prints as 10,0 % and reaches "at most 10 %"
    assert status_of(target, Cell("10,0 %", "value", 0.1004)) == "reached"
    # 79,95 % prints as 80,0 % and reaches "at least 80 %": the light never says more than the page
    assert (
        status_of(Target("handover_within_14d_share", "at_least", 0.80), Cell("80,0 %", "value", 0.7995)) == "reached"
    )
    assert status_of(Target("handover_delay_median_days", "at_most", 14), Cell("14,0", "value", 14.049)) == "reached"
    assert rule_text(Target("handover_delay_median_days", "at_least", 7, 1.5)) == "mindestens 7 Tage; knapp verfehlt bis 1,5 Tage darunter"  # fmt: skip


@pytest.mark.parametrize(
    "targets, message",
    [
        ("targets: [a, b]", "targets must map"),
        ("targets: {cases_active: {at_least: 1, at_most: 2}}", "exactly one of"),
        ("targets: {cases_active: {at_least: viel}}", "must be numbers"),
        ("targets: {cases_active: {at_least: 1, tolerance: -1}}", "must not be negative"),
        ("targets: {cases_active: {mindestens: 1}}", "exactly one of"),
    ],
)
def test_a_malformed_target_is_refused_naming_it(tmp_path, targets, message):
    base = load_config(None).path.read_text(encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(base.split("\ntargets:")[0] + "\n" + targets + "\n" + "budget:" + base.split("\nbudget:")[1], encoding="utf-8")  # fmt: skip
    with pytest.raises(ConfigError, match=message):
        load_config(path)
