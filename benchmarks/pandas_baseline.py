"""Pandas baseline: three headline indicators the way an analyst would compute them without KIM Monitor.

Reads each provider's newest delivery straight from the landing folder with plain pandas (honouring
the provider's profile: encoding, delimiter, quote, date format, column names, code values) and
computes, for every month from the earliest to the latest delivered period (design §5):

* cases_active                per period x provider and 'all'
* handover_delay_median_days  per period x provider and 'all', overall and by target_service
* needs_unmet_share           per period x provider and 'all', overall and by category

The result has the long shape of marts.indicator_values (without `suppressed`), so the benchmark can
compare it row by row with the warehouse. Nothing here is checked or pseudonymised: the baseline
trusts the files, as a quick analysis script would (see benchmarks/README.md for what that means
for the comparison).

    frames = read_newest_deliveries(landing_dir, config)
    values = compute_indicators(frames, config)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from kim.config import ProgrammeConfig, Provider

HEADLINE_INDICATORS = ("cases_active", "handover_delay_median_days", "needs_unmet_share")
# The breakdowns the baseline computes, per indicator ('all' = no breakdown).
DIMENSIONS = {
    "cases_active": ("all",),
    "handover_delay_median_days": ("all", "target_service"),
    "needs_unmet_share": ("all", "category"),
}
# Only the columns these indicators need are read (exchange-format names).
COLUMNS = {
    "cases": ["opened_on", "closed_on"],
    "needs": ["category", "status", "resolved_on"],
    "handovers": ["target_service", "referred_on", "first_contact_on"],
}
DATE_COLUMNS = {
    "cases": ["opened_on", "closed_on"],
    "needs": ["resolved_on"],
    "handovers": ["referred_on", "first_contact_on"],
}
RESOLVED_STATUSES = ["gedeckt", "nicht_gedeckt"]
VALUE_COLUMNS = [
    "indicator_id",
    "period",
    "provider_id",
    "dimension",
    "dimension_value",
    "value",
    "numerator",
    "denominator",
]


@dataclass
class Deliveries:
    """The newest delivery's tables of every provider, concatenated, plus the reporting periods."""

    cases: pd.DataFrame
    needs: pd.DataFrame
    handovers: pd.DataFrame
    periods: pd.PeriodIndex  # every month from the earliest to the latest delivered period
    folders: dict[str, Path]  # provider id -> the delivery folder read


def newest_delivery_folders(landing_dir: Path) -> tuple[dict[str, Path], pd.PeriodIndex]:
    """Provider id -> folder of its newest delivery (latest period, then latest exported_at), and
    every month from the earliest to the latest period delivered by anyone."""
    manifests = []
    for path in Path(landing_dir).glob("*/*/manifest.json"):
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifests.append(
            (manifest["provider_id"], manifest["period"], datetime.fromisoformat(manifest["exported_at"]), path.parent)
        )
    if not manifests:
        raise ValueError(f"{landing_dir} holds no deliveries")
    newest = {}
    for provider_id, _, _, folder in sorted(manifests, key=lambda m: (m[1], m[2])):
        newest[provider_id] = folder  # later (period, exported_at) overwrite earlier ones
    delivered = [period for _, period, _, _ in manifests]
    return newest, pd.period_range(min(delivered), max(delivered), freq="M")


def read_table(folder: Path, provider: Provider, table: str, workbook=None) -> pd.DataFrame:
    """One table of a delivery in exchange-format names, codes and types (dates as datetime64)."""
    profile = provider.profile
    own_names = profile.provider_column_names(table)
    wanted = [own_names.get(column, column) for column in COLUMNS[table]]
    if profile.format == "csv":
        frame = pd.read_csv(
            folder / f"{table}.csv",
            sep=profile.delimiter,
            quotechar=profile.quote,
            encoding=profile.encoding,
            usecols=wanted,
            dtype=str,
        )
    else:
        # pandas.read_excel needs openpyxl or python-calamine, neither is installed; fastexcel
        # (the project's XLSX reader, calamine underneath) hands the sheet to pandas directly.
        frame = workbook.load_sheet(table, use_columns=wanted).to_pandas()
    frame = frame.rename(columns=profile.column_renames(table))
    for column, codes in profile.codes.items():
        if column in frame.columns:
            frame[column] = frame[column].replace(codes)
    for column in DATE_COLUMNS[table]:
        # CSV dates are text in the profile's format; XLSX date cells arrive as datetimes already.
        if not pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = pd.to_datetime(frame[column], format=profile.date_format)
    frame["provider_id"] = provider.id
    return frame


def read_newest_deliveries(landing_dir: Path, config: ProgrammeConfig) -> Deliveries:
    folders, periods = newest_delivery_folders(landing_dir)
    tables: dict[str, list[pd.DataFrame]] = {table: [] for table in COLUMNS}
    for provider_id, folder in sorted(folders.items()):
        provider = config.provider(provider_id)
        workbook = None
        if provider.profile.format == "xlsx":
            import fastexcel

            workbook = fastexcel.read_excel(str(folder / "export.xlsx"))
        for table in COLUMNS:
            if table in provider.tables:
                tables[table].append(read_table(folder, provider, table, workbook))
    return Deliveries(
        cases=pd.concat(tables["cases"], ignore_index=True),
        needs=pd.concat(tables["needs"], ignore_index=True),
        handovers=pd.concat(tables["handovers"], ignore_index=True),
        periods=periods,
        folders=folders,
    )


def cases_active(cases: pd.DataFrame, periods: pd.PeriodIndex, providers: list[str]) -> pd.DataFrame:
    rows = []
    for period in periods:
        start, end = period.start_time, period.end_time.normalize()
        active = cases[(cases["opened_on"] <= end) & (cases["closed_on"].isna() | (cases["closed_on"] >= start))]
        per_provider = active.groupby("provider_id").size().reindex(providers, fill_value=0)
        for provider_id, count in [*per_provider.items(), ("all", len(active))]:
            rows.append(
                {
                    "period": str(period),
                    "provider_id": provider_id,
                    "dimension": "all",
                    "dimension_value": "all",
                    "value": float(count),
                    "numerator": count,
                }
            )
    return pd.DataFrame(rows).assign(indicator_id="cases_active", denominator=pd.NA)


def _by_period(frame: pd.DataFrame, date_column: str, periods: pd.PeriodIndex) -> pd.DataFrame:
    """Rows whose date falls in one of the periods, with that period as a column."""
    frame = frame[frame[date_column].notna()].copy()
    frame["period"] = frame[date_column].dt.to_period("M")
    return frame[frame["period"].between(periods[0], periods[-1])]


def _grouped(frame: pd.DataFrame, column: str, breakdown: str | None, aggregations: dict) -> pd.DataFrame:
    """Aggregate per period x provider and per period ('all'), overall or by `breakdown`."""
    results = []
    for by_provider in (True, False):
        keys = ["period"] + (["provider_id"] if by_provider else []) + ([breakdown] if breakdown else [])
        result = frame.groupby(keys)[column].agg(**aggregations).reset_index()
        if not by_provider:
            result["provider_id"] = "all"
        result["dimension"] = breakdown or "all"
        result["dimension_value"] = result[breakdown] if breakdown else "all"
        results.append(result)
    return pd.concat(results, ignore_index=True)


def handover_delay_median_days(handovers: pd.DataFrame, periods: pd.PeriodIndex) -> pd.DataFrame:
    observed = _by_period(handovers, "first_contact_on", periods)
    observed["delay_days"] = (observed["first_contact_on"] - observed["referred_on"]).dt.days
    frames = [
        _grouped(observed, "delay_days", breakdown, {"value": "median", "denominator": "size"})
        for breakdown in (None, "target_service")
    ]
    return pd.concat(frames, ignore_index=True).assign(indicator_id="handover_delay_median_days", numerator=pd.NA)


def needs_unmet_share(needs: pd.DataFrame, periods: pd.PeriodIndex) -> pd.DataFrame:
    resolved = _by_period(needs[needs["status"].isin(RESOLVED_STATUSES)], "resolved_on", periods)
    resolved["unmet"] = resolved["status"] == "nicht_gedeckt"
    frames = [
        _grouped(resolved, "unmet", breakdown, {"value": "mean", "numerator": "sum", "denominator": "size"})
        for breakdown in (None, "category")
    ]
    return pd.concat(frames, ignore_index=True).assign(indicator_id="needs_unmet_share")


def compute_indicators(deliveries: Deliveries, config: ProgrammeConfig) -> pd.DataFrame:
    """The three indicators in the long shape of marts.indicator_values."""
    case_providers = sorted(p.id for p in config.providers.values() if "cases" in p.tables)
    frames = [
        cases_active(deliveries.cases, deliveries.periods, case_providers),
        handover_delay_median_days(deliveries.handovers, deliveries.periods),
        needs_unmet_share(deliveries.needs, deliveries.periods),
    ]
    values = pd.concat([frame[VALUE_COLUMNS] for frame in frames], ignore_index=True)
    values["period"] = values["period"].astype(str)
    values["value"] = values["value"].astype(float)
    values[["numerator", "denominator"]] = values[["numerator", "denominator"]].astype("Int64")
    return values


def main() -> None:
    """python -m benchmarks.pandas_baseline LANDING_DIR [CONFIG]: print the values."""
    import sys

    from kim.config import load_config

    landing, config = Path(sys.argv[1]), load_config(sys.argv[2] if len(sys.argv) > 2 else None)
    print(compute_indicators(read_newest_deliveries(landing, config), config).to_string())


if __name__ == "__main__":
    main()
