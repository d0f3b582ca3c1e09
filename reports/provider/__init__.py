"""Provider feedback report ("Rückmeldung an den Träger"), one per provider and month.

Public API:
    render_provider_reports(con, reports_dir, *, city, k, period=None, provider_ids=None)
        -> list[Path]   (reports_dir/traegerbericht_<provider_id>_<YYYY-MM>.html)
    build_provider_context(con, *, city, k, period, provider_id) -> dict

For the management of one provider: its own figures of the month beside the city-wide figures
('all'), the change against the previous month, handover delays by target service, unmet needs by
category, its delivery status and a trend of its case numbers over the last twelve months.

Privacy (design §6), on top of the display rules of `reports.suppression`:
- Only the provider's own rows and the city-wide rows are read (reports/provider/sql/*.sql).
- The city-wide column prints each city figure as the release does (published or "•"), the same in
  every provider's report: nothing on the page depends on another provider's figures except
  through the published city figures. What the provider can work out from a city figure and its
  own (the city figure minus its own is the rest of the city) is checked by the disclosure audit's
  insider reader before the release is published (design §6, transforms.disclosure); a per-report
  guard that hid city figures by the provider's own values leaked through its pattern of "•"
  (reports.provider.cells).
- Every figure, own or city-wide, passes through `reports.suppression.display`; changes against
  the previous month are only computed from two publishable figures.
- Printed figures come from marts.published_indicator_values only (migration 0007): a row that
  is not published per month is absent, a breakdown that is not published is a note, never "0"
  or "•" (reports.kit.publication).
- No pseudonym is read: only the indicator values above, marts.dim_providers and the delivery
  metadata of marts.fct_deliveries / marts.delivery_timeliness (periods and times).
"""

from reports.provider.context import build_provider_context
from reports.provider.model import PREFIX
from reports.provider.render import render_provider_reports, report_path

__all__ = ["PREFIX", "build_provider_context", "render_provider_reports", "report_path"]
