"""The data-quality report's context: the sections of `sections.py` over one `Snapshot`."""

from __future__ import annotations

from typing import Any

from reports.kit import formatting as fmt
from reports.quality import sections
from reports.quality.disclosure import disclosure_audit
from reports.quality.model import (
    COMPLETENESS_THRESHOLD,
    MASK,
    QUARANTINE_ROW_LIMIT,
    RATING_BAD,
    RATING_OK,
    RATING_WARN,
    SAMPLE_KEY_LIMIT,
    TIMELINESS,
    TIMELINESS_NONE,
)


def build_data_quality_context(con: Any, *, city: str, period: str) -> dict[str, Any]:
    """Everything the data-quality template needs, already formatted."""
    fmt.parse_period(period)
    s = sections.snapshot(con, period)
    month, first, periods = s.month, s.first, s.periods
    has_timeliness, has_checks, has_quarantine = s.has_timeliness, s.has_checks, s.has_quarantine
    overview = sections.overview(s)
    delivery_sections, rejected_in_window = sections.delivery_sections(s)
    timeliness_table = sections.timeliness_table(s)
    check_sections = sections.check_sections(s)
    quarantine_groups, quarantine_rows, quarantine_total, quarantine_row_total = sections.quarantine(s)
    completeness_tables, completeness_note = sections.completeness(s)
    trend, series_rows = sections.error_trend(s)
    cards = sections.cards(s, overview, rejected_in_window)
    loaded = [d["loaded_local"] for d in s.deliveries if d["loaded_local"] is not None]
    names = {p.provider_id: p.name for p in s.providers}
    audit = disclosure_audit(s.con, s.inputs, names, loaded)
    checked = [c["checked_local"] for c in s.check_summary.values() if c["checked_local"]]
    return {
        "city": city,
        "period": period,
        "month": month,
        "first_month": fmt.month_year(first),
        "title": f"Datenqualitätsbericht Kommunales Integrationsmanagement {city} – {month}",
        "short_title": f"Datenqualitätsbericht {month}",
        "data_as_of": fmt.date_long(max(loaded)) if loaded else None,
        "checked_as_of": fmt.date_long(max(checked)) if checked else None,
        "cards": cards,
        "overview": overview,
        "deliveries": delivery_sections,
        "timeliness_available": has_timeliness,
        "timeliness_periods": [(m, fmt.month_short(m), fmt.month_year(m)) for m in periods],
        "timeliness": timeliness_table,
        "checks_available": has_checks,
        "checks": check_sections,
        "quarantine_available": has_quarantine,
        "quarantine_groups": quarantine_groups,
        "quarantine_rows": quarantine_rows,
        "quarantine_total": quarantine_total,
        "quarantine_row_total": quarantine_row_total,
        "quarantine_limit": QUARANTINE_ROW_LIMIT,
        "completeness": completeness_tables,
        "completeness_note": completeness_note,
        "threshold": fmt.percent(COMPLETENESS_THRESHOLD, 0),
        "trend": trend,
        "series_periods": [fmt.month_short(m) for m in periods],
        "series_rows": series_rows,
        "sample_key_limit": SAMPLE_KEY_LIMIT,
        "mask": MASK,
        "audit": audit,
        "timeliness_legend": [TIMELINESS[k] for k in ("fristgerecht", "verspaetet", "fehlt", "offen")]
        + [TIMELINESS_NONE],
        "ratings": [RATING_OK, RATING_WARN, RATING_BAD],
    }
