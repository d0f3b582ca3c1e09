"""Report layer: self-contained German HTML reports from the warehouse marts (design §2, §6).

`kit/` is the shared report kit; each report is a package of its own: `monthly/`, `annual/`,
`provider/` (feedback to the providers) and `quality/` (internal data-quality report).
`publish.py` renders every published report.

Public API: `render_reports`, `render_monthly` (reports.monthly), `render_index`
(reports.kit.index) and `render_data_quality_report` (reports.quality).
"""

from reports.kit.index import render_index
from reports.monthly import render_monthly, render_reports
from reports.quality import render_data_quality_report

__all__ = ["render_data_quality_report", "render_index", "render_monthly", "render_reports"]
