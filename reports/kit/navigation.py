"""Links between the reports of one folder (issue 19): the file names of each kind of report, the
previous and next monthly report, and the city's monthly report <-> the providers' feedback
reports of the same month. A link is only made to a report the same render writes."""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.kit import formatting as fmt

MONTHLY_PREFIX = "monatsbericht_"
PROVIDER_PREFIX = "traegerbericht_"
ANNUAL_PREFIX = "jahresbericht_"
# providers that get a feedback report (reports/provider/sql/provider_ids.sql)
FEEDBACK_KINDS = ("wohlfahrt", "stadt")


def monthly_file(period: str) -> str:
    return f"{MONTHLY_PREFIX}{period}.html"


def provider_file(provider_id: str, period: str) -> str:
    return f"{PROVIDER_PREFIX}{provider_id}_{period}.html"


@dataclass(frozen=True)
class Link:
    href: str
    label: str


@dataclass(frozen=True)
class Navigation:
    previous: Link | None = None
    next: Link | None = None
    providers: list[Link] = field(default_factory=list)  # the feedback reports of the month


def monthly_navigation(period: str, months: list[str], newest: str | None, providers: list[dict]) -> Navigation:
    """The previous and next month among `months` (the months with a report) and, in the newest
    month's report (the only month feedback reports are written for), the feedback reports."""
    before, after = fmt.shift_period(period, -1), fmt.shift_period(period, 1)
    feedback = []
    if period == newest:
        feedback = [
            Link(provider_file(p["provider_id"], period), p["provider_name"])
            for p in providers
            if p["provider_kind"] in FEEDBACK_KINDS
        ]
    return Navigation(
        previous=Link(monthly_file(before), fmt.month_year(before)) if before in months else None,
        next=Link(monthly_file(after), fmt.month_year(after)) if after in months else None,
        providers=feedback,
    )
