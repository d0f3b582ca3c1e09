"""Render the provider feedback reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from reports.kit import formatting as fmt
from reports.kit.downloads import write_report
from reports.kit.parallel import render_chunks
from reports.kit.sql import latest_period
from reports.kit.templating import environment
from reports.provider.cells import check_provider_id
from reports.provider.context import build_provider_context
from reports.provider.model import PREFIX, QUERIES, TEMPLATE, TEMPLATES


def report_path(reports_dir: Path, provider_id: str, period: str) -> Path:
    fmt.parse_period(period)
    check_provider_id(provider_id)
    return Path(reports_dir) / f"{PREFIX}{provider_id}_{period}.html"


def render_provider_reports(
    con: Any,
    reports_dir: Path,
    *,
    city: str,
    k: int,
    period: str | None = None,
    provider_ids: Iterable[str] | None = None,
) -> list[Path]:
    """Render reports_dir/traegerbericht_<provider_id>_<YYYY-MM>.html for each provider (default:
    every provider of kind 'wohlfahrt' or 'stadt' in marts.dim_providers) and `period` (default:
    the newest period in marts.indicator_values). Returns the paths written, in provider order."""
    if period is None:
        period = latest_period(con)
    fmt.parse_period(period)  # also keeps the file name safe
    if provider_ids is None:
        ids = [r["provider_id"] for r in QUERIES.run(con, "provider_ids")]
    else:
        ids = list(dict.fromkeys([provider_ids] if isinstance(provider_ids, str) else provider_ids))
    return render_chunks(con, render_provider_chunk, ids, reports_dir=Path(reports_dir), city=city, k=k, period=period)


def render_provider_chunk(
    con: Any, provider_ids: Sequence[str], *, reports_dir: Path, city: str, k: int, period: str
) -> list[Path]:
    """The reports of `provider_ids` for `period` (see render_provider_reports), in order."""
    template = environment(TEMPLATES).get_template(TEMPLATE)
    paths = []
    for provider_id in provider_ids:
        path = report_path(reports_dir, provider_id, period)
        context = build_provider_context(con, city=city, k=k, period=period, provider_id=provider_id)
        write_report(path, template.render(**context))
        paths.append(path)
    return paths
