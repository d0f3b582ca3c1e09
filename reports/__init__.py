"""Report layer: self-contained German HTML reports from the warehouse marts (design §2, §6).

Public API: `render_reports`, `render_monthly`, `render_index` (see reports.render) and
`render_data_quality_report` (internal data-quality report, see reports.dq_report).
"""

from reports.dq_report import render_data_quality_report
from reports.render import render_index, render_monthly, render_reports

__all__ = ["render_data_quality_report", "render_index", "render_monthly", "render_reports"]
