"""render_published_reports(since=…): after an incremental build only the reports that the changed
months can alter are written again (issue 8's incremental run); the rest stay byte for byte."""

from __future__ import annotations

import pytest

from reports.kit.chart_cache import chart_cache
from reports.publish import render_published_reports
from synthetic import generate
from tests.conftest import build_warehouse_models
from warehouse.indicator_build import build_yearly_indicator_values
from warehouse.load import ingest_landing
from warehouse.migrate import connect

END = "2026-02"


@pytest.fixture(scope="module")
def published(tmp_path_factory, config):
    root = tmp_path_factory.mktemp("since")
    generate(config, root / "landing", months=4, seed=5, total_cases=250, end_period=END)
    con = connect(root / "w.duckdb")
    ingest_landing(con, root / "landing", config, "k")
    build_warehouse_models(con, config)
    build_yearly_indicator_values(con, 5)
    reports = root / "reports"
    render_published_reports(con, reports, city=config.city, k=5)
    yield con, reports, config
    con.close()


def _stamps(folder):
    return {
        path.relative_to(folder).as_posix(): path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()
    }


def test_since_rewrites_that_month_and_later_ones_and_leaves_earlier_reports_alone(published):
    con, reports, config = published
    before = _stamps(reports)
    assert {
        "monatsbericht_2025-11.html",
        "monatsbericht_2026-02.html",
        "jahresbericht_2025.html",
        "jahresbericht_2026.html",
    } <= set(before)
    written = render_published_reports(con, reports, city=config.city, k=5, since="2026-01")
    after = _stamps(reports)
    changed = {name for name in before if after[name] != before[name]}
    assert {p.name for p in written["monthly"]["monthly_all"]} == {
        "monatsbericht_2026-01.html",
        "monatsbericht_2026-02.html",
    }
    assert {p.name for p in written["annual"]} == {"jahresbericht_2026.html"}
    assert "monatsbericht_2025-11.html" not in changed and "monatsbericht_2025-12.html" not in changed
    assert "jahresbericht_2025.html" not in changed
    # The figures did not change, so neither did the reports rendered again: an unchanged report
    # is not rewritten (reports.kit.files.write_atomic).
    assert changed == set()


def test_the_same_figures_again_draw_no_chart_and_rewrite_no_report(published, tmp_path):
    """Issue 17: a run in which nothing changed. With the chart cache the second render draws no
    chart; every report is byte for byte what a render without any cache gives, and no file is
    written again."""
    con, _reports, config = published
    plain = tmp_path / "plain"
    render_published_reports(con, plain, city=config.city, k=5)
    cached = tmp_path / "cached"
    with chart_cache(tmp_path / "charts") as first:
        render_published_reports(con, cached, city=config.city, k=5)
    assert first.drawn > 0
    before = _stamps(cached)
    with chart_cache(tmp_path / "charts") as second:
        render_published_reports(con, cached, city=config.city, k=5)
    assert second.drawn == 0 and second.reused == first.drawn + first.reused
    assert _stamps(cached) == before
    assert _files(cached) == _files(plain)


def _files(folder):
    """Every file below `folder` (the reports and their downloads) by relative path, as bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("since", ["2026-1", "../2026-01", "2026-13"])
def test_a_malformed_since_month_is_refused(published, since):
    con, reports, config = published
    with pytest.raises(ValueError):
        render_published_reports(con, reports, city=config.city, k=5, since=since)


def test_a_missing_earlier_report_is_rendered_again_even_before_since(published):
    con, reports, config = published
    (reports / "monatsbericht_2025-11.html").unlink()
    (reports / "jahresbericht_2025.html").unlink()
    before = _stamps(reports)
    written = render_published_reports(con, reports, city=config.city, k=5, since="2026-02")
    assert [p.name for p in written["monthly"]["monthly_all"]] == [
        "monatsbericht_2025-11.html",
        "monatsbericht_2026-02.html",
    ]
    assert [p.name for p in written["annual"]] == ["jahresbericht_2025.html", "jahresbericht_2026.html"]
    assert _stamps(reports)["monatsbericht_2025-12.html"] == before["monatsbericht_2025-12.html"]
