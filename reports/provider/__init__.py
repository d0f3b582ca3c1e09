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
  Other providers' rows are only counted, inside SQL, to decide whether a city-wide figure may
  be shown.
- The city-wide figure minus the provider's own figure is the rest of the city. Where fewer than
  two OTHER providers contribute to a city-wide cell (a non-zero count or a non-empty base), or the
  rest of the city has a base from 1 to k−1, the city-wide comparison is hidden ("•", like every
  hidden figure, with no note of its own that would tell the reason): otherwise
  the provider could compute a single other provider's figure, or a count below k
  (`guard.CityGuard`).
- Every figure, own or city-wide, passes through `reports.suppression.display`; changes against
  the previous month are only computed from two publishable figures.
- Printed figures come from marts.published_indicator_values only (migration 0007): a row that
  is not published per month is absent, a breakdown that is not published is a note, never "0"
  or "•" (reports.kit.publication). The guard alone reads the stored own and city-wide rows of
  marts.indicator_values (the provider knows its own figures even where they are not published);
  the count of other contributors, too, but no other provider's figure.
- No pseudonym is read: only the indicator values above, marts.dim_providers and the delivery
  metadata of marts.fct_deliveries / marts.delivery_timeliness (periods and times).
"""

from reports.provider.context import build_provider_context
from reports.provider.model import PREFIX
from reports.provider.render import render_provider_reports, report_path

__all__ = ["PREFIX", "build_provider_context", "render_provider_reports", "report_path"]
