"""Render the internal data-quality report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports.kit import formatting as fmt
from reports.kit.files import write_atomic
from reports.kit.index import render_index
from reports.kit.templating import environment
from reports.quality.context import build_data_quality_context
from reports.quality.model import DQ_PREFIX, TEMPLATE, TEMPLATES
from reports.quality.reading import latest_dq_period


def render_data_quality_report(con: Any, reports_dir: Path, *, city: str, period: str | None = None) -> Path:
    """Render reports_dir/datenqualitaet_<YYYY-MM>.html (default month: the newest period in
    marts.fct_deliveries that is not rejected, else the newest of all), refresh index.html and
    return the report's path."""
    if period is None:
        period = latest_dq_period(con)
    fmt.parse_period(period)  # also keeps the file name safe
    context = build_data_quality_context(con, city=city, period=period)
    page = environment(TEMPLATES).get_template(TEMPLATE).render(**context)
    path = Path(reports_dir) / f"{DQ_PREFIX}{period}.html"
    write_atomic(path, page)
    render_index(reports_dir, city=city)
    return path
