"""Every published report in one call (`kim report`): the monthly reports, the provider feedback
reports of the month, the annual reports and the index. The internal data-quality report goes
to its own folder (reports.dq_report) and is never published."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reports.annual import render_annual_reports
from reports.provider_feedback import render_provider_reports
from reports.render import render_index, render_reports

YEARLY_TABLE_EXISTS = """
SELECT count(*) FROM information_schema.tables
WHERE table_schema = 'marts' AND table_name = 'indicator_values_yearly'
"""


def render_published_reports(con: Any, reports_dir: Path, *, city: str, k: int,
                             period: str | None = None) -> dict[str, Any]:
    """Render every published report; returns their paths by type (and the index)."""
    monthly = render_reports(con, reports_dir, city=city, k=k, period=period)
    providers = render_provider_reports(con, reports_dir, city=city, k=k, period=period)
    annual = []
    if con.execute(YEARLY_TABLE_EXISTS).fetchall()[0][0]:
        annual = render_annual_reports(con, reports_dir, city=city, k=k)
    index = render_index(reports_dir, city=city)
    return {"monthly": monthly, "provider_feedback": providers, "annual": annual, "index": index}
