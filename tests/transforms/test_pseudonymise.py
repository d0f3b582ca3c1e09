"""Pseudonyms: keyed, scoped, stable across deliveries, and the same with or without memory."""

from __future__ import annotations

import hashlib
import hmac

import polars as pl
import pytest

from tests.conftest import d, typed_table
from transforms.pseudonymise import Pseudonymiser

CASE = dict(
    case_id="C-1",
    person_id="P-1",
    case_manager_id="M-1",
    opened_on=d("2026-01-05"),
    birth_year=1990,
    gender="w",
    nationality="SYR",
    residence_status="duldung",
    referral_source="selbst",
)


def test_ids_are_hmac_sha256_of_scope_and_value_under_the_key():
    hashed = Pseudonymiser("secret").table(typed_table("cases", [CASE]), "cases", "caritas").row(0, named=True)
    expected_case = hmac.new(b"secret", b"caritas\x1fC-1", hashlib.sha256).hexdigest()[:32]
    expected_person = hmac.new(b"secret", b"person\x1fP-1", hashlib.sha256).hexdigest()[:32]
    assert (hashed["case_id"], hashed["person_id"]) == (expected_case, expected_person)


def test_scopes_keys_and_memory():
    frame = typed_table("cases", [CASE])
    remembering = Pseudonymiser("secret")
    first = remembering.table(frame, "cases", "caritas")
    again = remembering.table(frame, "cases", "caritas")  # from memory
    fresh = Pseudonymiser("secret").table(frame, "cases", "caritas")
    assert first.equals(again) and first.equals(fresh)
    other_provider = Pseudonymiser("secret").table(frame, "cases", "diakonie")
    # the same case number at another provider is another case; the same person is the same person
    assert other_provider["case_id"].item() != first["case_id"].item()
    assert other_provider["person_id"].item() == first["person_id"].item()
    assert Pseudonymiser("other").table(frame, "cases", "caritas")["person_id"].item() != first["person_id"].item()
    assert first.filter(pl.col("case_id") == "C-1").is_empty()


@pytest.mark.parametrize("key", ["k", "a" * 64, "ä" * 40, "x" * 200], ids=["short", "one block", "utf-8", "long"])
def test_the_pseudonymiser_makes_exactly_the_rfc_2104_hmac(key: str):
    """Pseudonymiser precomputes the key's HMAC pads; its pseudonyms must stay those of hmac.new,
    or a warehouse would give the same person a second pseudonym after an upgrade."""
    rows = [dict(CASE, person_id="P-1"), dict(CASE, case_id="C-2", person_id="Ü-2")]
    hashed = Pseudonymiser(key).table(typed_table("cases", rows), "cases", "caritas")
    expected = [
        hmac.new(key.encode(), f"person\x1f{value}".encode(), hashlib.sha256).hexdigest()[:32]
        for value in ["P-1", "Ü-2"]
    ]
    assert hashed["person_id"].to_list() == expected
