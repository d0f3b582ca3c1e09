"""Render the monthly reports (design §2 `reports/`, §4 `marts.*`).

Public API:
    render_reports(con, reports_dir, *, city, k, period=None)
        -> {"monthly": Path, "index": Path, "monthly_all": list[Path]}
        (period None: a monthly report for every month of marts.dim_periods; "monthly" is the
        newest one. With a period: that month only.)
    render_monthly(con, reports_dir, *, city, k, period=None) -> Path
    render_all_monthly(con, reports_dir, *, city, k, periods=None) -> list[Path]

Only these warehouse columns are read (queries in reports/monthly/sql/*.sql and the shared
reports/kit/sql/*.sql, all parameterised):
    marts.published_indicator_values(indicator_id, period, provider_id, dimension,
                           dimension_value, value, numerator, denominator, suppressed)
                           -- the published rows (migration 0007); marts.indicator_values only
                           for the months that get a report
    marts.publication_plan, marts.indicator_publication   -- which tables are not published
                           per month (reports.kit.publication: a note instead of the table)
    marts.indicator_revisions(indicator_id, period, provider_id, dimension, dimension_value,
                              previous_/current_ value, numerator, denominator, suppressed,
                              previous_vintage, current_vintage)   -- optional
    marts.dim_providers(provider_id, provider_name, provider_kind)
    marts.dim_periods(period)
    marts.fct_deliveries(provider_id, period, exported_at, loaded_at, is_current, state)

Every figure passes through `reports.suppression.display` before it reaches a template or a
chart, so no suppressed value is ever rendered: tables, chart points, chart descriptions and
changes against earlier months are all made from published `Cell`s only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from reports.kit import formatting as fmt
from reports.kit.downloads import write_report
from reports.kit.index import render_index
from reports.kit.navigation import MONTHLY_PREFIX
from reports.kit.parallel import render_chunks
from reports.kit.sql import latest_period
from reports.kit.templating import environment
from reports.monthly.context import build_monthly_context
from reports.monthly.data import QUERIES, MonthlyData

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _render_monthly(con: Any, reports_dir: Path, *, city: str, k: int, period: str, data: MonthlyData | None) -> Path:
    fmt.parse_period(period)  # also keeps the file name safe
    context = build_monthly_context(con, city=city, k=k, period=period, data=data)
    page = environment(TEMPLATES).get_template("monatsbericht.html.j2").render(**context)
    path = Path(reports_dir) / f"{MONTHLY_PREFIX}{period}.html"
    write_report(path, page)
    return path


def render_monthly(con: Any, reports_dir: Path, *, city: str, k: int, period: str | None = None) -> Path:
    """Render reports_dir/monatsbericht_<YYYY-MM>.html and return its path."""
    if period is None:
        period = latest_period(con)
    fmt.parse_period(period)
    return _render_monthly(con, reports_dir, city=city, k=k, period=period, data=None)


def report_periods(con: Any) -> list[str]:
    """Every month that gets a monthly report (oldest first): the months of
    marts.dim_periods up to the newest month with indicator values."""
    periods = []
    for row in QUERIES.run(con, "report_periods"):
        try:
            fmt.parse_period(row["period"])
        except (TypeError, ValueError):
            log.warning("skipping malformed period %r", row["period"])
            continue
        periods.append(row["period"])
    return periods


def render_all_monthly(
    con: Any, reports_dir: Path, *, city: str, k: int, periods: Iterable[str] | None = None
) -> list[Path]:
    """Render the monthly report of every month (default: `report_periods`), reading what
    the months share once. Returns the paths, oldest month first."""
    periods = sorted(report_periods(con) if periods is None else periods)
    if not periods:
        raise ValueError("marts.indicator_values is empty: there is no period to report on")
    for period in periods:
        fmt.parse_period(period)
    return render_chunks(con, render_monthly_chunk, periods, reports_dir=Path(reports_dir), city=city, k=k)


def render_monthly_chunk(con: Any, periods: Sequence[str], *, reports_dir: Path, city: str, k: int) -> list[Path]:
    """The monthly reports of `periods` (sorted), reading what the months share once."""
    data = MonthlyData.load(con, k=k, up_to=periods[-1])
    paths = []
    for period in periods:
        started = time.perf_counter()
        paths.append(_render_monthly(con, reports_dir, city=city, k=k, period=period, data=data))
        log.debug("monthly report %s rendered in %.2f s", period, time.perf_counter() - started)
    return paths


def render_reports(con: Any, reports_dir: Path, *, city: str, k: int, period: str | None = None) -> dict[str, Any]:
    """Render the monthly reports and the index of all reports in `reports_dir`.

    period None: a report for every month of marts.dim_periods (up to the newest month with
    indicator values); "monthly" is the newest. With a period: that month only.
    Returns {"monthly": Path, "index": Path, "monthly_all": [Path, …] (oldest first)}."""
    if period is None:
        monthly_all = render_all_monthly(con, reports_dir, city=city, k=k)
    else:
        fmt.parse_period(period)
        monthly_all = render_all_monthly(con, reports_dir, city=city, k=k, periods=[period])
    index = render_index(reports_dir, city=city)
    return {"monthly": monthly_all[-1], "index": index, "monthly_all": monthly_all}
