"""Synthetic person pseudonyms pass the PII guard's opacity rule (issue 16): a random base32 id
whose digits read as a date would be refused as one, so the generator redraws it."""

from __future__ import annotations

import numpy as np
import polars as pl

from checks.pii import ID_DATE
from synthetic.ids import BASE32_ALPHABET, PERSON_ID_LENGTH, _readable, random_pseudonyms


def number_of(pseudonym: str) -> int:
    value = 0
    for character in pseudonym:
        value = value * 32 + BASE32_ALPHABET.index(character)
    return value


def test_a_date_like_pseudonym_is_found():
    shifts = 5 * np.arange(PERSON_ID_LENGTH - 1, -1, -1)
    candidates = ["X12031985YZW", "7R19850312QT", "6KT4DG4VQRW3", "A99999999BCD", "123456789012"]
    found = _readable(np.array([number_of(c) for c in candidates], dtype=np.int64), shifts)
    assert found.tolist() == [True, True, False, False, False]


class ScriptedDraws:
    """Stands in for the random generator's `integers`: hands out fixed pseudonyms in order."""

    def __init__(self, *draws: list[str]):
        self.draws = [np.array([number_of(p) for p in draw], dtype=np.int64) for draw in draws]

    def integers(self, low, high, size, dtype=np.int64):
        draw = self.draws.pop(0)
        assert len(draw) == size
        return draw


def test_a_date_like_pseudonym_is_drawn_again():
    draws = ScriptedDraws(["6KT4DG4VQRW3", "X12031985YZW", "GBT31G09XYZT"], ["08WHD6V9YT2Y"])
    assert random_pseudonyms(draws, 3).tolist() == ["6KT4DG4VQRW3", "08WHD6V9YT2Y", "GBT31G09XYZT"]
    assert draws.draws == []


def test_no_generated_pseudonym_reads_as_a_date():
    pseudonyms = pl.Series(random_pseudonyms(np.random.default_rng(7), 300_000))
    assert pseudonyms.n_unique() == 300_000
    assert pseudonyms.str.contains(ID_DATE).sum() == 0
