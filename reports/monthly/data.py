"""Data shared by the monthly reports of all months (read once per run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.kit import formatting as fmt
from reports.kit.publication import EVERYTHING, Publication
from reports.kit.sql import Queries
from reports.kit.targets import Target, load_targets
from reports.suppression import MISSING, Cell, display, indicator_kind

QUERIES = Queries(Path(__file__).resolve().parent / "sql")


@dataclass
class MonthlyData:
    """What every monthly report needs besides the month's own indicator rows."""

    k: int
    providers: list[dict[str, Any]]
    deliveries: dict[str, dict[str, Any]]
    periods: list[str]  # all months of marts.dim_periods
    series: dict[str, dict[str, Cell]]  # city-wide totals: indicator -> period -> Cell
    data_as_of: str | None
    revisions: list[dict[str, Any]] | None  # None: no marts.indicator_revisions
    # (indicator, period) -> the city total as the newest approved release printed it
    released: dict[tuple[str, str], str] = field(default_factory=dict)
    newest: str | None = None  # the newest month with indicator values
    publication: Publication = EVERYTHING  # the tables not published per month
    report_months: list[str] = field(default_factory=list)  # every month with a monthly report
    targets: list[Target] = field(default_factory=list)  # the programme's targets (config)

    @classmethod
    def load(cls, con: Any, *, k: int, up_to: str) -> MonthlyData:
        providers = QUERIES.run(con, "providers")
        deliveries = {row["provider_id"]: row for row in QUERIES.run(con, "newest_deliveries")}
        periods = [row["period"] for row in QUERIES.run(con, "periods", {"period": up_to})]
        publication = Publication.load(con, "monthly")
        series: dict[str, dict[str, Cell]] = {}
        for row in publication.rows(QUERIES.run(con, "city_series", {"period": up_to})):
            cell = display(row, indicator_kind(row["indicator_id"]), k)
            series.setdefault(row["indicator_id"], {})[row["period"]] = cell
        loaded = [d["loaded_local"] for d in deliveries.values() if d["loaded_local"]]
        relations = {row["relation"] for row in QUERIES.run(con, "optional_relations")}
        revisions, released = None, {}
        if "marts.indicator_revisions" in relations:
            revisions = QUERIES.run(con, "indicator_revisions_city")
            if {"publication.releases", "publication.release_values"} <= relations:
                released = {
                    (r["indicator_id"], r["period"]): r["shown"] for r in QUERIES.run(con, "released_city_figures")
                }
        return cls(
            k=k,
            providers=providers,
            deliveries=deliveries,
            periods=periods,
            series=series,
            data_as_of=fmt.date_long(max(loaded)) if loaded else None,
            revisions=revisions,
            released=released,
            newest=QUERIES.run(con, "latest_period")[0]["period"],
            publication=publication,
            report_months=[row["period"] for row in QUERIES.run(con, "report_periods")],
            targets=load_targets(con),
        )

    def series_cell(self, indicator_id: str, period: str) -> Cell | None:
        """The city-wide figure of `period`: None when the month is not covered at all,
        "k. A." when it is covered but has no figure."""
        cell = self.series.get(indicator_id, {}).get(period)
        if cell is not None:
            return cell
        covered = period in self.periods or any(period in s for s in self.series.values())
        return MISSING if covered else None
