"""A delivery that only adds a month (benchmark, issue 17): a provider's snapshot of the month
before, plus the rows its real snapshot of the new month adds and that lie wholly in that month.

Nothing dated before the new month changes: cases closed, needs resolved or handovers decided in the
new month keep their state of the month before (that is what a back-dated correction changes, and
the benchmark times it separately by delivering the real snapshot afterwards). A new row of an
older case (a contact, a need, a handover, an assignment in the new month) is added, except an
older case's first need (it counts in the month the case opened).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from kim.config import ProgrammeConfig
from kim.contract import PRIMARY_KEYS, columns_of_type
from synthetic import write_delivery
from synthetic.generator import _first_day, _last_day, month_periods
from synthetic.newest_only import draw_history
from synthetic.snapshot import snapshot


def month_only_tables(
    before: dict[str, pl.DataFrame], after: dict[str, pl.DataFrame], first_day: date
) -> dict[str, pl.DataFrame]:
    """`before` plus the rows of `after` whose key `before` lacks and whose dates all lie on or
    after `first_day`."""
    tables = {}
    for table, frame in after.items():
        keys = list(PRIMARY_KEYS[table])
        added = frame.join(before[table].select(keys), on=keys, how="anti", nulls_equal=True)
        dates = [name for name in columns_of_type(table, "date") if name in frame.columns]
        in_month = [pl.col(name).is_null() | (pl.col(name) >= first_day) for name in dates]
        if in_month:
            added = added.filter(pl.all_horizontal(in_month))
        if table == "needs" and "cases" in before:
            added = added.filter(_not_a_first_need_of_an_older_case(before))
        tables[table] = pl.concat([before[table], added])
    return tables


def _not_a_first_need_of_an_older_case(before: dict[str, pl.DataFrame]) -> pl.Expr:
    """A case's first need counts in the month the case opened (time_to_first_need): for a case
    of an earlier month without a need so far, it would change that month."""
    older_cases = before["cases"]["case_id"]
    return pl.col("case_id").is_in(before["needs"]["case_id"].implode()) | ~pl.col("case_id").is_in(
        older_cases.implode()
    )


def write_month_only_delivery(
    config: ProgrammeConfig,
    landing_dir: Path,
    provider_id: str,
    months: int,
    seed: int,
    total_cases: int,
    exported_at: datetime,
    end_period: str | None = None,
) -> Path:
    """Write `landing_dir/<provider>/<end period>/` as a delivery that only adds that month (the
    history is the one synthetic.generate draws with the same arguments)."""
    periods = month_periods(end_period or config.demo_end_period, months)
    history = draw_history(config, periods, seed, total_cases)
    provider = config.providers[provider_id]
    own = history.for_provider(provider)
    new_month = periods[-1]
    first_day = _first_day(new_month)
    before = snapshot(own, first_day - timedelta(days=1))
    after = snapshot(own, _last_day(new_month))
    tables = month_only_tables(before, after, first_day)
    return write_delivery(provider, new_month, tables, landing_dir, exported_at)
