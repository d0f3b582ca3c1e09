"""What a release changed against the newest approved one (issue 19): every figure shown
otherwise (changed, new, now hidden, no longer published) and the deliveries loaded in between
(corrections marked), for the release page and as a CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from reports.kit.index import DOWNLOADS_DIR
from reports.labels import code_label, indicator_label
from reports.release.open_data import CITY, KEY
from reports.spreadsheet import write_csv
from warehouse.releases import ReleaseRecord, deliveries_between, release_values

SHOWN_ON_PAGE = 200  # the page lists this many changes; the CSV has all
HEADER = ("indikator", "bezeichnung", "zeitraum", "einheit_der_auswertung", "auspraegung", "vorher", "jetzt")
ABSENT = "nicht veröffentlicht"


@dataclass(frozen=True)
class Change:
    label: str
    period: str
    unit: str
    breakdown: str
    before: str
    after: str


@dataclass(frozen=True)
class Changes:
    previous: ReleaseRecord | None
    figures: list[Change]
    total: int
    deliveries: list[dict]
    csv_name: str = ""

    @property
    def shown(self) -> list[Change]:
        return self.figures[:SHOWN_ON_PAGE]


def changed_figures(before: pl.DataFrame, after: pl.DataFrame) -> pl.DataFrame:
    """Key, earlier_shown, later_shown for every figure shown otherwise (null: not published)."""
    joined = before.select(*KEY, earlier_shown="shown").join(after.select(*KEY, later_shown="shown"), on=list(KEY), how="full", coalesce=True)  # fmt: skip
    return joined.filter(pl.col("earlier_shown").ne_missing(pl.col("later_shown"))).sort("period", "indicator_id", "provider_id", "dimension", "dimension_value")  # fmt: skip


def _change(row: dict) -> Change:
    breakdown = "" if row["dimension"] == "all" else code_label(row["dimension"], row["dimension_value"])
    return Change(
        label=indicator_label(row["indicator_id"]),
        period=row["period"],
        unit=CITY if row["provider_id"] == "all" else row["provider_id"],
        breakdown=breakdown,
        before=row["earlier_shown"] or ABSENT,
        after=row["later_shown"] or ABSENT,
    )


def release_changes(
    con: duckdb.DuckDBPyConnection, folder: Path, release_id: str, previous: ReleaseRecord | None, shown: pl.DataFrame, built_at: datetime
) -> Changes:  # fmt: skip
    """The changes against `previous` (None: the first release), written as a CSV into the
    release's downloads."""
    if previous is None:
        return Changes(None, [], 0, [])
    frame = changed_figures(release_values(con, previous.release_id), shown)
    changes = [_change(row) for row in frame.iter_rows(named=True)]
    name = f"aenderungen_{release_id}.csv"
    rows = [(r["indicator_id"], c.label, c.period, c.unit, c.breakdown, c.before, c.after) for r, c in zip(frame.iter_rows(named=True), changes)]  # fmt: skip
    write_csv(folder / DOWNLOADS_DIR / name, HEADER, rows)
    deliveries = deliveries_between(con, previous.built_at, built_at).to_dicts()
    return Changes(previous, changes, len(changes), deliveries, f"{DOWNLOADS_DIR}/{name}")
