"""Charts (reports/kit/charts.py): inline SVG, deterministic and clean."""

from __future__ import annotations

from reports.kit import charts


def test_chart_svg_is_deterministic_and_clean():
    kwargs = dict(chart_id="c", title="Titel <1>", description="Beschreibung", axis_label="Tage", value_format=str)
    one = charts.horizontal_bar_chart([("Jobcenter", 8.0), ("Kita", 3.0)], **kwargs)
    two = charts.horizontal_bar_chart([("Jobcenter", 8.0), ("Kita", 3.0)], **kwargs)
    assert one == two
    assert one.startswith("<svg") and "<?xml" not in one
    assert '<title id="c-title">Titel &lt;1&gt;</title>' in one
