"""The fast CSV reader (transforms.decode._split_plain) must read every file exactly as the strict csv
module does, or leave it to it: same frame, or the same rejection with the same rule and line."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kim.config import Profile
from kim.errors import DeliveryRejected
from transforms import decode

PROFILES = [Profile("reference", "csv"), Profile("awo", "csv", encoding="cp1252", delimiter=",")]
# Field text drawn from the characters that matter to a CSV parser, besides ordinary ones.
FIELD = st.lists(st.sampled_from(list('ab1 ;,"\r\n-') + ["ü", "x" * 40]), max_size=6).map("".join)


def _outcome(path: Path, profile: Profile, fast: bool) -> pl.DataFrame | tuple[str, int | None]:
    patch = mock.patch.object(decode, "_split_plain", return_value=None) if not fast else mock.MagicMock()
    with patch:
        try:
            return decode.read_csv_table(path, profile)
        except DeliveryRejected as rejection:
            return rejection.rule, rejection.source_row


@st.composite
def csv_texts(draw) -> str:
    columns = draw(st.integers(1, 4))
    header = [f"col{i}" for i in range(columns)]
    if draw(st.booleans()):  # a broken header now and then: duplicates, empty names
        header = draw(st.lists(st.sampled_from(["col0", "col1", "", "x"]), min_size=1, max_size=4))
    rows = draw(st.lists(st.lists(FIELD, min_size=max(columns - 1, 0), max_size=columns + 1), max_size=6))
    delimiter = draw(st.sampled_from([";", ","]))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    return end.join(delimiter.join(row) for row in [header, *rows]) + end


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=csv_texts(), profile=st.sampled_from(PROFILES))
def test_fast_reader_agrees_with_the_csv_module(tmp_path: Path, text: str, profile: Profile):
    path = tmp_path / "contacts.csv"
    try:
        path.write_bytes(text.encode(profile.encoding))
    except UnicodeEncodeError:
        return
    fast, strict = _outcome(path, profile, fast=True), _outcome(path, profile, fast=False)
    if isinstance(strict, pl.DataFrame):
        assert isinstance(fast, pl.DataFrame) and fast.equals(strict)
    else:
        assert fast == strict


def test_the_fast_reader_takes_a_plain_export(tmp_path: Path):
    """The common case really goes the fast way (so the property above tests something)."""
    path = tmp_path / "contacts.csv"
    path.write_bytes("contact_id;case_id\r\nK1;C1\r\nK2;\r\n".encode("utf-8-sig"))
    assert decode._split_plain("contact_id;case_id\nK1;C1\nK2;\n", ";", '"', False) is not None
    frame = decode.read_csv_table(path, PROFILES[0])
    assert frame.to_dicts() == [{"contact_id": "K1", "case_id": "C1"}, {"contact_id": "K2", "case_id": None}]


def test_quotes_and_ragged_lines_go_to_the_csv_module():
    assert decode._split_plain('a;b\n"x";y\n', ";", '"', False) is None
    assert decode._split_plain("a;b\nx\n", ";", '"', False) is None
    assert decode._split_plain("a;b\n\nx;y\n", ";", '"', False) is None
    assert decode._split_plain("a\n\nx\n", ";", '"', False) is None  # one column: a blank line
    assert decode._split_plain("a;b\nx\ry;z\n", ";", '"', False) is None
    assert decode._split_plain("a;b\n" + "x" * (decode.MAX_FIELD_CHARS + 1) + ";y\n", ";", '"', False) is None
