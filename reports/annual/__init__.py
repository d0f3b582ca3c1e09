"""Annual evaluation report ("Jahresbericht", design §1, §2 `reports/`) — published.

Public API:
    render_annual_reports(con, reports_dir, *, city, k, years=None) -> list[Path]
    build_annual_context(con, *, city, k, year) -> dict

Writes reports_dir/jahresbericht_<YYYY>.html per year (default: every year in
marts.published_indicator_values_yearly). The index (reports.kit.index.render_index) lists these files under
"Jahresberichte und Evaluation" the next time it is rendered.

The story of one year for the council and the ministry, in plain German: summary, reach,
process quality, results, structural gaps, budget, data quality (aggregate, about providers
only), methodology.

Warehouse inputs (queries in reports/annual/sql/*.sql, all parameterised):
    marts.published_indicator_values_yearly  every published yearly figure (period 'YYYY'),
                                   hidden ones flagged (migration 0007; rows not published per
                                   year are absent)
    marts.published_indicator_values  city-wide monthly figures within the year (trend charts)
    marts.publication_plan, marts.indicator_publication  which tables are not published per
                                   year (reports.kit.publication: a note instead of the table)
    marts.dim_periods              the months of the year the warehouse covers
    marts.dim_providers, marts.dim_provider_years (funded FTE)
    marts.fct_deliveries           counts of accepted / rejected deliveries, row totals and
                                   quarantined rows per provider (no keys, no messages)
    marts.delivery_timeliness      on time / late / missing per provider and month [optional]

Privacy (design §6): every figure about people is a stored row passed through
`reports.suppression.display`; charts get only publishable values. The report computes no count
about people itself (no sums, no differences). Two rules of its own only ever show less or state
a known zero:
- a cost per case is hidden when the count of cases it divides by (cases_active, cases_closed of
  the same provider and year) is not published: cost ÷ cost per case would give that count away,
  since the budget amounts are public;
- a breakdown cell of a count that has no stored row while the indicator's total exists is shown
  as 0 (the indicator SQL stores breakdown rows only where something was observed, and the
  suppression treats such cells as known zeros).
Changes against the previous year are only computed from two published figures, and only when
both years cover the same months. Counts in the data-quality section are about providers'
deliveries, not about people; no record key, pseudonym or rejection message is read.

Charts: reports.kit.charts (trend_chart, horizontal_bar_chart, monthly_needs_chart).

Modules: `render` writes the files, `context` builds the template's context section by section
(`tables`, `charts`, `statements`, `quality`), `figures` holds the yearly figures with the
cost-per-case guard, `wording` the report's own German text, `spec` what it shows.
"""

from reports.annual.context import annual_years, build_annual_context, has_yearly_figures
from reports.annual.figures import change_text, is_complete_year, span_label
from reports.annual.render import render_annual_report, render_annual_reports
from reports.annual.spec import ANNUAL_PREFIX

__all__ = [
    "ANNUAL_PREFIX",
    "annual_years",
    "build_annual_context",
    "change_text",
    "has_yearly_figures",
    "is_complete_year",
    "render_annual_report",
    "render_annual_reports",
    "span_label",
]
