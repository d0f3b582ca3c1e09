"""Realistic-looking pseudonymous ids.

Providers number their cases in their own style ('CV-000123', 'AWO2025-0042'); needs, handovers
and contacts carry the case number plus a running suffix, as case-management software does.
Person ids are the cross-provider pseudonym: random base32, so nothing about them is sequential.
All ids match `kim.contract.ID_PATTERN`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import polars as pl

from synthetic.sampling import rank_within_groups

# Crockford base32: no I, L, O, U, so pseudonyms cannot be misread.
BASE32_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PERSON_ID_LENGTH = 12  # 60 bits
DIGIT_RUN = 8


@dataclass(frozen=True)
class IdStyle:
    """How a provider's software numbers cases and case managers."""

    case_prefix: str
    digits: int
    # Numbering restarts every year and the year is part of the id ('AWO2025-0042').
    per_year: bool
    manager_prefix: str


ID_STYLES = {
    "caritas": IdStyle("CV-", 6, per_year=False, manager_prefix="CV-CM"),
    "diakonie": IdStyle("DW-LEV-", 5, per_year=False, manager_prefix="DW-FK"),
    "awo": IdStyle("AWO", 4, per_year=True, manager_prefix="AWO-FV"),
    "drk": IdStyle("DRK-KIM-", 5, per_year=False, manager_prefix="DRK-MA"),
    "stadt": IdStyle("LEV-", 5, per_year=True, manager_prefix="LEV-KM"),
}

# Suffixes of the records that belong to a case, and their zero-padded widths.
NEED_SUFFIX = ("-B", 2)
HANDOVER_SUFFIX = ("-V", 2)
CONTACT_SUFFIX = ("-K", 3)


def id_style(provider_id: str) -> IdStyle:
    """The provider's style, or a neutral one derived from its id."""
    if provider_id in ID_STYLES:
        return ID_STYLES[provider_id]
    stem = re.sub(r"[^A-Za-z0-9]", "", provider_id).upper()[:8] or "P"
    return IdStyle(f"{stem}-", 6, per_year=False, manager_prefix=f"{stem}-CM")


def random_pseudonyms(rng: np.random.Generator, count: int) -> np.ndarray:
    """`count` distinct random base32 strings of PERSON_ID_LENGTH characters."""
    numbers = rng.integers(0, 2 ** (5 * PERSON_ID_LENGTH), count, dtype=np.int64)
    shifts = 5 * np.arange(PERSON_ID_LENGTH - 1, -1, -1)
    while True:  # redraw the (astronomically rare) collisions and date-like ids until none is left
        _, first = np.unique(numbers, return_index=True)
        redraw = np.ones(count, dtype=bool)
        redraw[first] = False
        redraw |= _readable(numbers, shifts)
        if not redraw.any():
            break
        numbers[redraw] = rng.integers(0, 2 ** (5 * PERSON_ID_LENGTH), redraw.sum())
    digits = (numbers[:, None] >> shifts[None, :]) & 31
    characters = np.array(list(BASE32_ALPHABET))[digits]
    return np.ascontiguousarray(characters).view(f"<U{PERSON_ID_LENGTH}").ravel()


# Eight digits that read as a date (DDMMYYYY or YYYYMMDD): the PII guard refuses such an id
# (checks.pii.ID_DATE; the generator may not import it).
DATE_DIGITS = re.compile(
    r"(?<![0-9])(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])(?:19|20)[0-9]{2}(?![0-9])"
    r"|(?<![0-9])(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?![0-9])"
)


def _readable(numbers: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Pseudonyms whose digits read as a date (a few in ten million; only those with DIGIT_RUN
    digits in a row, about 4 in 10,000, are looked at one by one)."""
    symbols = ((numbers[:, None] >> shifts[None, :]) & 31).astype(np.int8)
    windows = np.lib.stride_tricks.sliding_window_view((symbols < 10).astype(np.int8), DIGIT_RUN, axis=1)
    readable = np.zeros(len(numbers), dtype=bool)
    for row in np.flatnonzero((windows.sum(axis=2) == DIGIT_RUN).any(axis=1)).tolist():
        text = "".join(BASE32_ALPHABET[int(symbol)] for symbol in symbols[row])
        readable[row] = DATE_DIGITS.search(text) is not None
    return readable


def numbered(prefix: pl.Expr | str, number: pl.Expr, digits: pl.Expr | int) -> pl.Expr:
    """prefix + zero-padded number."""
    prefix_expr = pl.lit(prefix) if isinstance(prefix, str) else prefix
    return pl.concat_str([prefix_expr, number.cast(pl.String).str.zfill(digits)])


def child_id(case_id: pl.Expr, rank: pl.Expr, suffix: tuple[str, int]) -> pl.Expr:
    """Id of the rank-th (0-based) record of a kind within its case, e.g. 'CV-000123-B02'."""
    marker, digits = suffix
    return numbered(pl.concat_str([case_id, pl.lit(marker)]), rank + 1, digits)


def ids_by_rank(
    case_ids: pl.Series,
    case: np.ndarray,
    order_keys: tuple[np.ndarray, ...],
    suffix: tuple[str, int],
) -> pl.Series:
    """Ids of the records of each case, numbered in order of `order_keys` within the case."""
    order = np.lexsort(tuple(reversed(order_keys)) + (case,))
    rank = np.empty(len(case), dtype=np.int64)
    rank[order] = rank_within_groups(case[order])
    frame = pl.DataFrame({"case_id": case_ids.gather(case), "rank": rank})
    return frame.select(child_id(pl.col("case_id"), pl.col("rank"), suffix)).to_series()
