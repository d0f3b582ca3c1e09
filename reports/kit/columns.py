"""The indicator columns of every report table, derived from the indicator specs.

Each spec says where the reports show its indicator (`shown_in` in
transforms/indicators/specs/<id>.yaml: table, position, header, always). A table here is the
specs' placements for it in position order; a new indicator appears in a table by naming the
table in its spec, nothing else. The tables a report has are listed below (an unknown table in a
spec, or a table without columns, fails at import).
"""

from __future__ import annotations

from dataclasses import dataclass

from transforms.indicators import INDICATORS


@dataclass(frozen=True)
class ColumnSpec:
    indicator_id: str
    header: str
    always: bool = False  # shown even when the indicator is missing this month


# Every table that shows indicator columns: `<report>.<table>`.
TABLES = (
    "monthly.key_figures", "monthly.providers", "monthly.handovers", "monthly.needs", "monthly.open_needs",
    "monthly.persons", "monthly.continuity", "monthly.closing", "monthly.residence", "monthly.caseload",
    "monthly.status_change",
    "annual.summary", "annual.reach", "annual.handovers", "annual.process", "annual.needs", "annual.budget",
    "annual.trend", "annual.residence", "annual.caseload", "annual.closing", "annual.duration",
    "annual.needs_trend",
    "provider.handovers", "provider.needs", "provider.cards", "provider.comparison_cases",
    "provider.comparison_handovers", "provider.comparison_needs", "provider.comparison_continuity",
)  # fmt: skip


def _placed() -> dict[str, tuple[ColumnSpec, ...]]:
    found: dict[str, list[tuple[int, ColumnSpec]]] = {table: [] for table in TABLES}
    for indicator in INDICATORS:
        for place in indicator.shown_in:
            if place.table not in found:
                raise ValueError(f"{indicator.id}.yaml: shown_in names table {place.table!r}, not one of {TABLES}")
            column = ColumnSpec(indicator.id, indicator.label, place.always)
            found[place.table].append((place.position, column))
    if empty := [table for table, columns in found.items() if not columns]:
        raise ValueError(f"report tables without any indicator column in the specs: {empty}")
    return {table: tuple(column for _, column in sorted(columns)) for table, columns in found.items()}


_TABLES = _placed()


def columns(table: str) -> tuple[ColumnSpec, ...]:
    """The indicator columns of `table` in order."""
    return _TABLES[table]


def indicator_ids(table: str) -> tuple[str, ...]:
    return tuple(column.indicator_id for column in _TABLES[table])


# --------------------------------------------------------------------------------------------
# Monthly report (reports.monthly)

MONTHLY_KEY_FIGURES = indicator_ids("monthly.key_figures")  # the city's key figures (cards)
MONTHLY_PROVIDERS = columns("monthly.providers")
MONTHLY_HANDOVERS = columns("monthly.handovers")
MONTHLY_NEEDS = columns("monthly.needs")
MONTHLY_OPEN_NEEDS = columns("monthly.open_needs")
MONTHLY_PERSONS = columns("monthly.persons")
MONTHLY_CONTINUITY = columns("monthly.continuity")
MONTHLY_CLOSING = columns("monthly.closing")
MONTHLY_RESIDENCE = columns("monthly.residence")
MONTHLY_CASELOAD = columns("monthly.caseload")
MONTHLY_STATUS_CHANGE = columns("monthly.status_change")

# --------------------------------------------------------------------------------------------
# Annual report (reports.annual)

ANNUAL_SUMMARY = columns("annual.summary")
ANNUAL_REACH = columns("annual.reach")
ANNUAL_HANDOVERS = columns("annual.handovers")
ANNUAL_PROCESS = columns("annual.process")
ANNUAL_NEEDS = columns("annual.needs")
ANNUAL_BUDGET = columns("annual.budget")
ANNUAL_TREND = columns("annual.trend")
ANNUAL_RESIDENCE = columns("annual.residence")
ANNUAL_CASELOAD = columns("annual.caseload")
ANNUAL_CLOSING = columns("annual.closing")
ANNUAL_DURATION = columns("annual.duration")
ANNUAL_NEEDS_TREND = columns("annual.needs_trend")

# --------------------------------------------------------------------------------------------
# Provider feedback report (reports.provider)

PROVIDER_HANDOVERS = columns("provider.handovers")
PROVIDER_NEEDS = columns("provider.needs")
# The comparison table: groups of indicators (headers from reports.labels), in this order.
# Missing indicators are skipped.
PROVIDER_COMPARISON_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Fälle und Personen", indicator_ids("provider.comparison_cases")),
    ("Übergaben an andere Stellen", indicator_ids("provider.comparison_handovers")),
    ("Bedarfe", indicator_ids("provider.comparison_needs")),
    ("Kontinuität der Begleitung", indicator_ids("provider.comparison_continuity")),
)
# Cards at the top of the report.
PROVIDER_CARDS = indicator_ids("provider.cards")
