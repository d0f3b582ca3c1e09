"""The monthly monitoring report ("Monatsbericht"), one per month: `render.py` writes the files,
`context.py` builds the template's context section by section (`sections.py`), `spec.py` says
what the report shows, `sql/` holds its queries and `templates/` its template."""

from reports.monthly.context import build_monthly_context
from reports.monthly.render import (
    MONTHLY_PREFIX,
    render_all_monthly,
    render_monthly,
    render_reports,
    report_periods,
)

__all__ = [
    "MONTHLY_PREFIX",
    "build_monthly_context",
    "render_all_monthly",
    "render_monthly",
    "render_reports",
    "report_periods",
]
