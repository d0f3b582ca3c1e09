"""Internal data-quality report for data stewards ("Datenqualitätsbericht", design §2, §6).

Modules: `render` writes the file, `context` assembles the sections of `sections.py`, which
read a `Snapshot` of the warehouse (`reading.py`); `model` is the view model.

Public API:
    render_data_quality_report(con, reports_dir, *, city, period=None) -> Path
    build_data_quality_context(con, *, city, period) -> dict

Writes reports_dir/datenqualitaet_<YYYY-MM>.html and refreshes index.html. The report is for
internal use: it lists pseudonymised record keys of failing rows (design §6 allows this for data
stewards) and shows exact small counts — small-cell suppression does not apply. It never shows
person-level attributes: values of such columns (birth year, gender, nationality, residence
status, …) are masked wherever a quarantined value or an observed value would appear.

Warehouse inputs (queries in reports/quality/sql/*.sql, all parameterised; table and column names in
the completeness query come from kim.contract.TABLES only):
    marts.dim_providers(provider_id, provider_name, provider_kind)
    marts.fct_deliveries(delivery_id, provider_id, period, exported_at, received_at, loaded_at,
                         state, total_rows, quarantined_rows, rejection_rule, rejection_file,
                         rejection_line, rejection_message, is_current)
    marts.delivery_timeliness(provider_id, period, due_on, received_at, status)      [optional]
    dq.check_results(checked_at, data_version, delivery_id, provider_id, table_name,
                     suite_name, expectation, column_name, description, severity, success,
                     observed_value, unexpected_count, element_count, sample_keys)   [optional]
    quarantine.rejected_rows(delivery_id, provider_id, table_name, file_name, source_row,
                             column_name, rule, value, expected, record_key)         [optional]
    staging.<table>(delivery_id, provider_id, <exchange-format columns>)             [optional]
An optional input that does not exist yet leaves its section with a short note instead of
failing the report.

"Reference delivery" of a provider for report month P: its newest delivery that was not
rejected with a period up to P (the current one first, then the latest received). For the
default month that is the provider's current delivery. Checks, quarantine and completeness are
shown for it; the delivery list, timeliness and the chart cover the twelve months up to P.
"""

from reports.quality.context import build_data_quality_context
from reports.quality.reading import latest_dq_period, reference_delivery, window_periods
from reports.quality.render import render_data_quality_report

__all__ = [
    "build_data_quality_context",
    "latest_dq_period",
    "reference_delivery",
    "render_data_quality_report",
    "window_periods",
]
