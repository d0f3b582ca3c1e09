"""The open-data table of a release (issue 19): every figure the release publishes in long format,
one row per indicator, period, reporting unit and breakdown cell, with the value exactly as the
reports show it ("•" where hidden). Values are rounded as printed, never finer: the disclosure
audit assumes the printed rounding (transforms.disclosure.relations.HALF_STEP)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from reports.kit.downloads import GERMAN_NUMBER
from reports.kit.index import DOWNLOADS_DIR
from reports.kit.publication import Publication
from reports.labels import code_label, indicator_label
from reports.spreadsheet import write_csv
from reports.suppression import display, indicator_kind

HEADER = (
    "indikator",
    "bezeichnung",
    "zeitraum",
    "einheit_der_auswertung",
    "merkmal",
    "auspraegung",
    "auspraegung_text",
    "wert",
    "anzeige",
)
CITY = "Stadt gesamt"
KEY = ("indicator_id", "period", "provider_id", "dimension", "dimension_value")


def open_data_name(release_id: str) -> str:
    return f"offene-daten_{release_id}.csv"


def machine_value(text: str) -> str:
    """'1.234' -> '1234', '12,5 %' -> '12,5', '•' stays: German decimal comma, no unit."""
    match = GERMAN_NUMBER.match(text)
    if not match:
        return text
    sign = "-" if match.group("sign") in ("-", "−") else ""
    decimals = match.group("dec")
    return sign + match.group("int").replace(".", "") + ("," + decimals if decimals else "")


def as_the_reports_print(con: Any, values: pl.DataFrame) -> pl.DataFrame:
    """`values` without the tables the reports leave out at their grain (reports.kit.publication:
    a monthly table withdrawn in any month is printed in no month's report; a yearly one per
    year), so the open data never shows a table no report shows."""
    monthly = Publication.load(con, "monthly").unpublished
    dropped = [(*key, "monthly", "") for key in monthly]
    for year in sorted({p for p in values["period"].unique().to_list() if len(p) == 4}):
        dropped += [(*key, "yearly", year) for key in Publication.load(con, "yearly", year).unpublished]
    if not dropped:
        return values
    gone = pl.DataFrame(dropped, schema=["indicator_id", "level", "dimension", "grain", "year"], orient="row")
    keyed = values.with_columns(
        level=pl.when(pl.col("provider_id") == "all").then(pl.lit("city")).otherwise(pl.lit("provider")),
        grain=pl.when(pl.col("period").str.len_chars() == 7).then(pl.lit("monthly")).otherwise(pl.lit("yearly")),
        year=pl.when(pl.col("period").str.len_chars() == 4).then(pl.col("period")).otherwise(pl.lit("")),
    )
    return keyed.join(gone, on=["indicator_id", "level", "dimension", "grain", "year"], how="anti").select(
        values.columns
    )


def shown_values(values: pl.DataFrame, k: int) -> pl.DataFrame:
    """`values` (warehouse.releases.published_values) as readers see them: the key, `shown` (the
    report's text) and `hidden`, by the reports' own display rules (reports.suppression.display)."""
    shown, hidden = [], []
    for row in values.select("indicator_id", "value", "numerator", "denominator", "suppressed").iter_rows(named=True):
        cell = display(row, indicator_kind(row["indicator_id"]), k)
        shown.append(cell.text)
        hidden.append(cell.hidden)
    return values.select(KEY).with_columns(
        shown=pl.Series(shown, dtype=pl.String), hidden=pl.Series(hidden, dtype=pl.Boolean)
    )


def open_data_rows(shown: pl.DataFrame) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for row in shown.iter_rows(named=True):
        unit = CITY if row["provider_id"] == "all" else row["provider_id"]
        dimension, value = row["dimension"], row["dimension_value"]
        breakdown = dimension != "all"
        rows.append(
            (
                row["indicator_id"],
                indicator_label(row["indicator_id"]),
                row["period"],
                unit,
                dimension if breakdown else "",
                value if breakdown else "",
                code_label(dimension, value) if breakdown else "",
                machine_value(row["shown"]),
                row["shown"],
            )
        )
    return rows


def write_open_data(folder: Path, release_id: str, shown: pl.DataFrame) -> Path:
    return write_csv(folder / DOWNLOADS_DIR / open_data_name(release_id), HEADER, open_data_rows(shown))
