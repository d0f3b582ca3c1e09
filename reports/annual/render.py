"""Render the annual reports."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reports.annual.context import annual_years, build_annual_context
from reports.annual.figures import check_year
from reports.annual.spec import ANNUAL_PREFIX, TEMPLATE, TEMPLATES
from reports.kit.downloads import write_report
from reports.kit.templating import environment


def render_annual_report(con: Any, reports_dir: Path, *, city: str, k: int, year: str | int) -> Path:
    """Render reports_dir/jahresbericht_<YYYY>.html and return its path."""
    year = check_year(year)  # also keeps the file name safe
    context = build_annual_context(con, city=city, k=k, year=year)
    page = environment(TEMPLATES).get_template(TEMPLATE).render(**context)
    path = Path(reports_dir) / f"{ANNUAL_PREFIX}{year}.html"
    write_report(path, page)
    return path


def render_annual_reports(
    con: Any, reports_dir: Path, *, city: str, k: int, years: Iterable[str | int] | None = None
) -> list[Path]:
    """Render one annual report per year (default: every year in
    marts.published_indicator_values_yearly) and return their paths, oldest year first."""
    chosen = annual_years(con) if years is None else [check_year(y) for y in years]
    return [render_annual_report(con, reports_dir, city=city, k=k, year=y) for y in sorted(set(chosen))]
