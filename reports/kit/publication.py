"""Which tables a report may print at its grain (design §6, issue 15).

A table is one indicator at one level (`city`: provider 'all'; `provider`) with one breakdown
(dimension, 'all' for the total). The publication planner publishes each table per month, per year
or not at all (marts.publication_plan); the reports read the figures from the views
marts.published_indicator_values(_yearly), which leave out every row the protection step marked
'unpublished'. `Publication` is the other half: the tables that are not published at the report's
grain, so that a section can say so in a note instead of printing a table of "k. A." — and so
that no absent row is ever taken for a known zero. Whether a table is published is decided over
all periods of the grain, never by one month's figures: the note tells a reader nothing about
the month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from reports.kit.sql import KIT

Grain = Literal["monthly", "yearly"]
TableKey = tuple[str, str, str]  # (indicator_id, level, dimension)
RowT = TypeVar("RowT", bound=Mapping[str, Any])


def level(provider_id: str) -> str:
    """The level of a row: 'city' for the city-wide rows (provider 'all'), else 'provider'."""
    return "city" if provider_id == "all" else "provider"


@dataclass(frozen=True)
class Publication:
    """The tables not published at one grain (empty: everything the views hold is printed)."""

    unpublished: frozenset[TableKey] = frozenset()

    @classmethod
    def load(cls, con: Any, grain: Grain, period: str | None = None) -> Publication:
        """`period`: the one period a report covers (a year of the annual report): a table the
        protection withdrew in another period is published in this one. None: every period of
        the grain (a monthly report's notes never depend on one month's figures)."""
        rows = KIT.run(con, "unpublished_tables", {"grain": grain, "period": period})
        return cls(frozenset((r["indicator_id"], r["level"], r["dimension"]) for r in rows))

    def published(self, indicator_id: str, dimension: str = "all", provider_id: str = "all") -> bool:
        """Whether the table of `indicator_id` by `dimension` at the level of `provider_id` is
        published at this grain."""
        return (indicator_id, level(provider_id), dimension) not in self.unpublished

    def rows(self, rows: Iterable[RowT]) -> list[RowT]:
        """`rows` without those of unpublished tables (a second guard behind the views)."""
        return [r for r in rows if self.published(r["indicator_id"], r.get("dimension", "all"), r["provider_id"])]


EVERYTHING = Publication()
