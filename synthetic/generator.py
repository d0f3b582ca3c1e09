"""Synthetic provider deliveries for a configured programme (`kim demo`, `kim generate`).

The whole city's history is drawn once (`synthetic.history`); each provider then delivers, for
every period, a full snapshot of its records as of the period's last day (design §2), written in
its own export profile (`synthetic.delivery_writer`). Same arguments, same bytes: all randomness
comes from one `numpy.random.default_rng(seed)`, drawn in a fixed order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from kim.config import ProgrammeConfig
from synthetic import parameters as P
from synthetic.delivery_writer import PERIOD_PATTERN, write_delivery
from synthetic.history import build_history
from synthetic.snapshot import snapshot


def generate(
    config: ProgrammeConfig,
    landing_dir: Path,
    months: int = 24,
    seed: int = 42,
    end_period: str | None = None,
    total_cases: int = 3000,
    progress: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write `months` monthly deliveries per configured provider into `landing_dir`.

    Periods are the `months` calendar months ending with `end_period` (default: the config's
    demo_end_period). Returns the delivery folders in the order written (period by period).
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    if total_cases < 1:
        raise ValueError("total_cases must be at least 1")
    end_period = end_period or config.demo_end_period
    if not PERIOD_PATTERN.match(end_period):
        raise ValueError(f"end_period must look like YYYY-MM, not '{end_period}'")
    providers = list(config.providers.values())
    case_providers = [p for p in providers if "cases" in p.tables]
    abh_providers = [p for p in providers if "status_changes" in p.tables]
    if not case_providers:
        raise ValueError(f"{config.path}: no configured provider delivers cases")

    periods = month_periods(end_period, months)
    period_ends = [_last_day(period) for period in periods]
    first_day = _first_day(_shift_months(periods[0], -P.LEAD_MONTHS))
    rng = np.random.default_rng(seed)
    history = build_history(
        case_providers,
        abh_providers,
        _day_number(first_day),
        _day_number(period_ends[-1]),
        total_cases,
        rng,
    )
    exported_at = _export_times(period_ends, len(providers), rng)

    by_provider = {provider.id: history.for_provider(provider) for provider in providers}
    written: list[Path] = []
    total = len(periods) * len(providers)
    for period_index, (period, period_end) in enumerate(zip(periods, period_ends)):
        for provider_index, provider in enumerate(providers):
            written.append(
                write_delivery(
                    provider,
                    period,
                    snapshot(by_provider[provider.id], period_end),
                    Path(landing_dir),
                    exported_at[provider_index][period_index],
                )
            )
            if progress is not None:
                progress(len(written), total)
    return written


def month_periods(end_period: str, months: int) -> list[str]:
    """The `months` periods 'YYYY-MM' ending with `end_period`, oldest first."""
    return [_shift_months(end_period, offset) for offset in range(1 - months, 1)]


def _export_times(period_ends: list[date], n_providers: int, rng: np.random.Generator) -> list[list[datetime]]:
    """Export time per provider and period: a few days after the period, a few late."""
    shape = (n_providers, len(period_ends))

    def inclusive(bounds: tuple[int, int]) -> np.ndarray:
        return rng.integers(bounds[0], bounds[1] + 1, shape)

    late = rng.random(shape) < P.LATE_EXPORT_SHARE
    usual_day = inclusive(P.EXPORT_DAYS_AFTER_PERIOD)
    late_day = inclusive(P.LATE_EXPORT_DAYS_AFTER_PERIOD)
    days_after = np.where(late, late_day, usual_day)
    minute = inclusive(P.EXPORT_MINUTE_OF_DAY)
    zone = ZoneInfo(P.EXPORT_TIMEZONE)
    return [
        [
            datetime.combine(
                period_end + timedelta(days=int(days_after[p, i])),
                time(int(minute[p, i]) // 60, int(minute[p, i]) % 60),
                tzinfo=zone,
            )
            for i, period_end in enumerate(period_ends)
        ]
        for p in range(n_providers)
    ]


def _shift_months(period: str, offset: int) -> str:
    year, month = map(int, period.split("-"))
    index = year * 12 + month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _first_day(period: str) -> date:
    year, month = map(int, period.split("-"))
    return date(year, month, 1)


def _last_day(period: str) -> date:
    return _first_day(_shift_months(period, 1)) - timedelta(days=1)


def _day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days
