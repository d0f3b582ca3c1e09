"""The pseudonymisation key (design §6, issue 16): at least 256 bits outside demo mode, `kim key new`
prints one, and the warehouse keeps only a salted scrypt fingerprint (an old fast fingerprint is
replaced once the right key is presented)."""

from __future__ import annotations

import secrets

import duckdb
import pytest
from typer.testing import CliRunner

from kim.cli import app
from kim.settings import MissingPseudonymKey, WeakPseudonymKey, key_bits, key_is_strong, require_pseudonym_key
from transforms.pseudonymise import (
    LEGACY_LABEL,
    fingerprint_matches,
    is_legacy_fingerprint,
    key_fingerprint,
    keyed_hash,
)
from warehouse.load import PseudonymKeyMismatch, ensure_pseudonym_key
from warehouse.migrate import migrate

STRONG = "Vq3xT8mZ-k2Lr7Yp_4sNw9Bd6Hc1Jf5Ga0Ue3Xi8Ko2"


@pytest.mark.parametrize(
    ("key", "strong"),
    [
        ("k", False),
        ("test-key", False),
        ("kim-demo-key-not-for-production", False),
        ("Geheim-KI-Schluessel-7f3a9c2e-Leverkusen", False),  # 40 base64 characters: 240 bits
        ("a" * 80, False),  # long, but one character
        ("ab" * 40, False),
        ("0123456789abcdef" * 3 + "0123456789abcde", False),  # 63 hex digits: 252 bits
        ("0123456789abcdef" * 4, True),  # 64 hex digits: 256 bits
        (STRONG, True),
    ],
)
def test_key_strength(key, strong):
    assert key_is_strong(key) is strong


def test_kim_key_new_prints_a_fresh_strong_key():
    first, second = (CliRunner().invoke(app, ["key", "new"]) for _ in range(2))
    assert first.exit_code == 0 and second.exit_code == 0
    key = first.output.strip()
    assert key_is_strong(key) and key_bits(key) >= 256 and key != second.output.strip()


def test_a_weak_key_is_refused_outside_demo_mode_without_quoting_it(monkeypatch):
    monkeypatch.delenv("KIM_DEMO_MODE", raising=False)
    with pytest.raises(WeakPseudonymKey, match="kim key new") as refused:
        require_pseudonym_key("k3y-of-the-city")
    assert "k3y-of-the-city" not in str(refused.value)
    assert require_pseudonym_key(STRONG) == STRONG
    with pytest.raises(MissingPseudonymKey, match="not set"):
        require_pseudonym_key("")
    monkeypatch.setenv("KIM_DEMO_MODE", "1")  # the public demo key, for synthetic data only
    assert require_pseudonym_key("kim-demo-key-not-for-production") == "kim-demo-key-not-for-production"


def test_kim_run_with_a_weak_key_says_what_to_do_in_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv("KIM_DEMO_MODE", raising=False)
    monkeypatch.setenv("KIM_PSEUDONYM_KEY", "geheim")
    monkeypatch.setenv("KIM_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("KIM_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("KIM_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("KIM_DAGSTER_DIR", str(tmp_path / "dagster"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    (tmp_path / "landing").mkdir()
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2, result.output
    assert "zu schwach" in result.output and "kim key new" in result.output
    assert "Traceback" not in result.output and "geheim\n" not in result.output


def test_the_fingerprint_is_salted_scrypt_and_recognises_only_its_key():
    first, second = key_fingerprint(STRONG), key_fingerprint(STRONG)
    assert first.startswith("scrypt$32768$8$1$") and first != second  # a fresh salt each time
    assert fingerprint_matches(STRONG, first) and fingerprint_matches(STRONG, second)
    assert not fingerprint_matches(STRONG + "x", first)
    assert not fingerprint_matches(STRONG, "scrypt$damaged")
    assert STRONG not in first and STRONG.encode().hex() not in first


def test_a_legacy_fingerprint_is_replaced_when_the_right_key_loads(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    migrate(con)
    legacy = keyed_hash(STRONG.encode(), LEGACY_LABEL)  # what the first warehouses stored
    con.execute("INSERT INTO raw.pseudonym_key VALUES (?, now())", [legacy])
    with pytest.raises(PseudonymKeyMismatch):
        ensure_pseudonym_key(con, "another-" + secrets.token_urlsafe(32))
    assert con.execute("SELECT fingerprint FROM raw.pseudonym_key").fetchall() == [(legacy,)]
    ensure_pseudonym_key(con, STRONG)
    [(stored,)] = con.execute("SELECT fingerprint FROM raw.pseudonym_key").fetchall()
    assert not is_legacy_fingerprint(stored) and fingerprint_matches(STRONG, stored)
    ensure_pseudonym_key(con, STRONG)  # and the upgraded one is accepted again
    con.close()
