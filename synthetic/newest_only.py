"""Synthetic deliveries for tier L: only what the indicators read, not the whole delivery history.

`synthetic.generate` writes every month's full snapshot of every provider. At tier L (265 providers,
36 months, ~500,000 cases) that is ~9,500 deliveries and, by extrapolation from tier M (1.3 GB for
468 deliveries of 40,000 cases), ~16 GB of CSV; loading them with the current loader (~37,000 raw
rows a second at tier M) would take hours. Indicators only ever read each provider's newest
delivery (staging), plus the range of delivered periods (marts.dim_periods). So this writes:

* every provider's newest delivery (period `end_period`): the full snapshot, byte-identical CSV to
  what `synthetic.generate(config, ..., months, seed, end_period, total_cases)` writes for that
  period, because the history is drawn with the same arguments from the same seed;
* every abh provider's delivery for the first period: small (status changes only), so the warehouse
  and the pandas baseline both report on all `months` periods, as after a real `months`-month run.

Only exported_at differs from `synthetic.generate`: a fixed time (09:00 Europe/Berlin, three days
after the period) instead of the generator's random draw. It affects delivery_on_time only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from kim.config import ProgrammeConfig
from synthetic import parameters as P
from synthetic import write_delivery
from synthetic.generator import _day_number, _first_day, _last_day, month_periods
from synthetic.history import CityHistory, build_history
from synthetic.snapshot import snapshot

EXPORT_DAYS_AFTER_PERIOD = 3
EXPORT_TIME = time(9, 0)


def generate_newest_only(
    config: ProgrammeConfig,
    landing_dir: Path,
    months: int,
    seed: int,
    total_cases: int,
    end_period: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write each provider's newest delivery and each abh provider's first-period delivery."""
    periods = month_periods(end_period or config.demo_end_period, months)
    providers = list(config.providers.values())
    abh_providers = [p for p in providers if "status_changes" in p.tables]
    history = draw_history(config, periods, seed, total_cases)
    planned = [(provider, periods[-1]) for provider in providers]
    if months > 1:
        planned += [(provider, periods[0]) for provider in abh_providers]
    zone = ZoneInfo(P.EXPORT_TIMEZONE)
    written = []
    for provider, period in planned:
        period_end = _last_day(period)
        exported_at = datetime.combine(period_end + timedelta(days=EXPORT_DAYS_AFTER_PERIOD), EXPORT_TIME, tzinfo=zone)
        written.append(
            write_delivery(
                provider,
                period,
                snapshot(history.for_provider(provider), period_end),
                Path(landing_dir),
                exported_at,
            )
        )
        if progress is not None:
            progress(len(written), len(planned))
    return written


def draw_history(config: ProgrammeConfig, periods: list[str], seed: int, total_cases: int) -> CityHistory:
    """The history synthetic.generate draws for `periods`: same providers, days, case count, seed."""
    providers = list(config.providers.values())
    first_day = _first_day(month_periods(periods[0], P.LEAD_MONTHS + 1)[0])
    return build_history(
        [p for p in providers if "cases" in p.tables],
        [p for p in providers if "status_changes" in p.tables],
        _day_number(first_day),
        _day_number(_last_day(periods[-1])),
        total_cases,
        np.random.default_rng(seed),
    )


def planned_deliveries(config: ProgrammeConfig, months: int) -> int:
    abh = sum(1 for p in config.providers.values() if "status_changes" in p.tables)
    return len(config.providers) + (abh if months > 1 else 0)
