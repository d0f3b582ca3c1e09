"""A chart description's "most" or "between" is said of the values it shows (issue 15, a review of
the published demo): "am meisten im August 2026 mit 1.216" over a year with a hidden month told the
reader that the hidden month had at most 1.216 active cases, a bound the disclosure audit does not
model; the annual report 2026 also said the unmet share lay between 12,0 % and 16,7 % while the
hidden October was 20,6 %."""

from __future__ import annotations

from reports.annual.charts import needs_trend, trend_chart
from reports.kit.cells import hidden_cell
from reports.suppression import Kind, display

K = 5
MONTHS = ["2026-07", "2026-08", "2026-09"]


def count(value: int):
    return display({"value": float(value), "numerator": value, "suppressed": False}, Kind.COUNT, K)


def share(value: float):
    return display({"value": value, "numerator": 10, "denominator": 50, "suppressed": False}, Kind.SHARE, K)


def description(block) -> str:
    return str(block.svg).split("<desc", 1)[1].split(">", 1)[1].split("</desc>", 1)[0]


def test_the_peak_of_a_series_with_a_hidden_month_is_the_peak_of_the_shown_months():
    series = {"cases_active": {"2026-07": count(1_200), "2026-08": count(1_216), "2026-09": hidden_cell()}}
    text = description(trend_chart(MONTHS, series, city="Leverkusen", span="2026"))
    assert "unter den ausgewiesenen Monaten am meisten im August 2026 mit 1.216" in text
    complete = {"cases_active": {"2026-07": count(1_200), "2026-08": count(1_216), "2026-09": count(1_100)}}
    assert "; am meisten im August 2026 mit 1.216" in description(trend_chart(MONTHS, complete, city="Leverkusen", span="2026"))  # fmt: skip


def test_the_range_of_a_share_with_a_hidden_month_is_the_range_of_the_shown_months():
    series = {
        "needs_unmet_count": {"2026-07": count(20), "2026-08": count(25), "2026-09": count(22)},
        "needs_unmet_share": {"2026-07": share(0.12), "2026-08": share(0.167), "2026-09": hidden_cell()},
    }
    text = description(needs_trend(MONTHS, series, span="2026"))
    assert "; am meisten im August 2026 mit 25" in text  # every count is shown
    assert "unter den ausgewiesenen Monaten zwischen 12,0 %" in text


def test_the_longest_wait_is_the_longest_of_the_shown_services():
    """The October 2026 demo said "Am längsten: … 37,0 Tage" while the hidden psychosocial median
    was 48,5: said of the shown services only, it is true and repeats printed figures."""
    from reports.monthly.spec import _describe_handovers
    from reports.provider.sections import describe_handovers

    points = [("Jugendmigrationsdienst", 37.0), ("Agentur für Arbeit", 24.0)]
    for text in (_describe_handovers(points, "Oktober 2026"), describe_handovers(points, None, name="AWO", month="Oktober 2026")):  # fmt: skip
        assert "Unter den ausgewiesenen Zielstellen am längsten: Jugendmigrationsdienst mit 37,0 Tagen" in text
        assert "Am längsten" not in text
