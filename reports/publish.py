"""Every published report in one call (`kim report`): the monthly reports, the provider feedback
reports of the month, the annual reports and the index. The internal data-quality report goes
to its own folder (reports.quality) and is never published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports.annual import ANNUAL_PREFIX, annual_years, has_yearly_figures, render_annual_reports
from reports.kit import formatting as fmt
from reports.kit.index import render_index
from reports.monthly import MONTHLY_PREFIX, render_all_monthly, render_reports, report_periods
from reports.provider import render_provider_reports


def render_published_reports(
    con: Any, reports_dir: Path, *, city: str, k: int, period: str | None = None, since: str | None = None
) -> dict[str, Any]:
    """Render every published report; returns their paths by type (and the index).

    `since` (YYYY-MM): only the reports that figures changed from that month on can alter, after an
    incremental build (warehouse.incremental): the monthly reports of that month and every later
    one (a report shows earlier months in its trends and comparisons, never later ones), the
    provider reports of the newest month, and the annual reports from that month's year on."""
    if since is not None:
        monthly = {"monthly_all": render_monthly_since(con, reports_dir, city=city, k=k, since=since)}
    else:
        monthly = render_reports(con, reports_dir, city=city, k=k, period=period)
    providers = render_provider_reports(con, reports_dir, city=city, k=k, period=period)
    annual = []
    if has_yearly_figures(con):  # the table exists (empty) before the yearly build
        annual = render_annual_since(con, reports_dir, city=city, k=k, since=since)
    index = render_index(reports_dir, city=city)
    return {"monthly": monthly, "provider_feedback": providers, "annual": annual, "index": index}


def render_monthly_since(con: Any, reports_dir: Path, *, city: str, k: int, since: str | None) -> list[Path]:
    """The monthly reports of `since` and every later month, and of any earlier month whose file
    is missing (a new or emptied reports folder); all of them for since=None. Oldest first."""
    periods = report_periods(con)
    if since is not None:
        fmt.parse_period(since)
        periods = [p for p in periods if p >= since or not (reports_dir / f"{MONTHLY_PREFIX}{p}.html").is_file()]
    return render_all_monthly(con, reports_dir, city=city, k=k, periods=periods) if periods else []


def render_annual_since(con: Any, reports_dir: Path, *, city: str, k: int, since: str | None) -> list[Path]:
    """The annual reports from the year of `since` on, and any earlier one whose file is missing."""
    years = annual_years(con)
    if since is not None:
        fmt.parse_period(since)
        years = [y for y in years if str(y) >= since[:4] or not (reports_dir / f"{ANNUAL_PREFIX}{y}.html").is_file()]
    return render_annual_reports(con, reports_dir, city=city, k=k, years=years) if years else []
