"""Report layer: self-contained German HTML reports from the warehouse marts (design §2, §6).

Public API: `render_reports`, `render_monthly`, `render_index` (see reports.render).
"""

from reports.render import render_index, render_monthly, render_reports

__all__ = ["render_index", "render_monthly", "render_reports"]
