"""German number and date formatting for reports (Babel, locale de_DE)."""

from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

LOCALE = "de_DE"

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(period: str) -> dt.date:
    """First day of a `YYYY-MM` period; ValueError for anything else."""
    match = _PERIOD_RE.match(period or "")
    if not match:
        raise ValueError(f"period must look like YYYY-MM, got {period!r}")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def previous_period(period: str) -> str:
    first = parse_period(period)
    prev = first - dt.timedelta(days=1)
    return f"{prev.year:04d}-{prev.month:02d}"


def month_year(period: str) -> str:
    """'2026-10' -> 'Oktober 2026'."""
    return format_date(parse_period(period), "MMMM yyyy", locale=LOCALE)


def month_short(period: str) -> str:
    """'2026-10' -> 'Okt. 26' (axis labels)."""
    return format_date(parse_period(period), "MMM yy", locale=LOCALE)


def integer(value: float | int) -> str:
    """1234 -> '1.234'."""
    return format_decimal(round(value), format="#,##0", locale=LOCALE)


def decimal(value: float, digits: int = 1) -> str:
    """12.5 -> '12,5', 12.0 -> '12' (at most `digits` decimals)."""
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def decimal_fixed(value: float, digits: int = 1) -> str:
    """12 -> '12,0'."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def euro(value: float) -> str:
    """1234567.8 -> '1.234.568 €' (whole euros)."""
    return format_decimal(round(value), format="#,##0", locale=LOCALE) + "\u00a0€"


def percent(share: float, digits: int = 1) -> str:
    """0.125 -> '12,5 %' (share in 0…1)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    return format_percent(share, format=pattern, locale=LOCALE)


def _date(value: dt.date | dt.datetime | None, pattern: str) -> str:
    """Format a date (or the date part of a datetime); '–' for None."""
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, pattern, locale=LOCALE)


def date_short(value: dt.date | dt.datetime | None) -> str:
    """-> '05.11.2026'."""
    return _date(value, "dd.MM.yyyy")


def date_long(value: dt.date | dt.datetime | None) -> str:
    """-> '5. November 2026'."""
    return _date(value, "d. MMMM yyyy")


def shift_period(period: str, months: int) -> str:
    """'2026-10' shifted by `months` months (negative: back), e.g. (−12) -> '2025-10'."""
    first = parse_period(period)
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
