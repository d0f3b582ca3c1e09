"""reports.kit.chart_cache: each chart drawn once per distinct input (issue 17)."""

from __future__ import annotations

from reports.kit import charts
from reports.kit import formatting as fmt
from reports.kit.chart_cache import chart_cache, chart_key

POINTS = [("Caritas", 0.82), ("Diakonie", 0.64), ("AWO", 0.71)]


def bars(points=POINTS, value_format=fmt.percent) -> str:
    return charts.horizontal_bar_chart(
        points, chart_id="c1", title="Übergaben", description="Anteil", axis_label="Anteil", value_format=value_format
    )


def test_outside_a_block_every_chart_is_drawn_and_inside_once_per_input():
    plain = bars()
    with chart_cache(None) as stats:
        assert bars() == plain
        assert bars() == plain
        changed = bars(points=[("Caritas", 0.83), *POINTS[1:]])
    assert changed != plain
    assert (stats.drawn, stats.reused) == (2, 1)


def test_the_folder_keeps_the_charts_for_the_next_run(tmp_path):
    with chart_cache(tmp_path) as first:
        svg = bars()
    with chart_cache(tmp_path) as second:
        assert bars() == svg
    assert (first.drawn, second.drawn, second.reused) == (1, 0, 1)
    assert len(list(tmp_path.rglob("*.svg"))) == 1


def test_formatters_are_keyed_by_their_code_not_their_identity():
    def key(value_format):
        return chart_key("horizontal_bar_chart", (POINTS,), {"value_format": value_format})

    one_digit = key(lambda v: fmt.decimal_fixed(v, 1))
    assert key(lambda v: fmt.decimal_fixed(v, 1)) == one_digit  # another lambda, the same code
    assert key(lambda v: fmt.decimal_fixed(v, 2)) != one_digit
    assert key(fmt.percent) != key(fmt.integer)


def test_a_damaged_cache_file_is_drawn_again(tmp_path):
    with chart_cache(tmp_path):
        svg = bars()
    (cached,) = tmp_path.rglob("*.svg")
    cached.write_bytes(b"\xff\xfe")
    with chart_cache(tmp_path) as stats:
        assert bars() == svg
    assert stats.drawn == 1
