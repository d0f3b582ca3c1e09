"""The pseudonym key never leaves the process (docs/security.md): the real pipeline runs end to end
(pipelines.runner.run_pipeline: load, every Dagster asset, reports) on small synthetic data with a
distinctive key, then every byte it wrote — reports, internal reports, the warehouse file, the
Dagster instance (event log and run storage SQLite), logs — and everything printed, logged or raised
is searched for the key, raw and in its hex and base64 forms. A failing run (a second key, a
missing key) is searched too: error messages must not quote the key either."""

from __future__ import annotations

import base64
import logging
import traceback
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from kim.settings import Settings
from synthetic import generate
from transforms.pseudonymise import fingerprint_matches
from warehouse.load import PseudonymKeyMismatch

pytestmark = pytest.mark.e2e

SECRET = "Geheim-KI-Schluessel-7f3a9c2e-Leverkusen-2026-b41d"
OTHER = "Zweiter-Schluessel-0b1d-5e6f7a8b9c0d1e2f3a4b"


def encodings(key: str) -> dict[str, bytes]:
    raw = key.encode("utf-8")
    return {
        "raw": raw,
        "hex": raw.hex().encode(),
        "HEX": raw.hex().upper().encode(),
        "base64": base64.b64encode(raw).rstrip(b"="),
        "base64url": base64.urlsafe_b64encode(raw).rstrip(b"="),
        "utf-16-le": key.encode("utf-16-le"),
        # a distinctive part, in case a message cuts the key off
        "prefix": raw[:16],
    }


def leaks(data: bytes, key: str) -> list[str]:
    return [name for name, form in encodings(key).items() if form in data]


def files_with_key(root: Path, key: str) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            hits = leaks(path.read_bytes(), key)
            if hits:
                found.append(f"{path.relative_to(root)} ({', '.join(hits)})")
    return found


@pytest.fixture(scope="module")
def definitions():
    from pipelines.definitions import defs

    return defs()


def run(definitions, root: Path, key: str | None):
    from pipelines.runner import run_pipeline

    settings = Settings(
        landing_dir=root / "landing",
        warehouse=root / "warehouse.duckdb",
        reports_dir=root / "reports",
        internal_reports_dir=root / "internal-reports",
        config=Path(__file__).resolve().parents[2] / "config" / "leverkusen.yaml",
        pseudonym_key=key,
        suppression_k=5,
    )
    (root / "dagster").mkdir(exist_ok=True)
    with dg.instance_for_test(temp_dir=str(root / "dagster")) as instance:
        return run_pipeline(definitions, settings, instance)


def test_the_key_appears_in_no_output_of_a_full_run(definitions, tmp_path, config, monkeypatch, capfd, caplog):
    root = tmp_path
    generate(config, root / "landing", months=1, seed=9, total_cases=40, end_period="2026-03")
    monkeypatch.setenv("KIM_PSEUDONYM_KEY", SECRET)  # the production way (docs/operations.md §3)
    caplog.set_level(logging.DEBUG)
    outcome = run(definitions, root, SECRET)
    assert outcome.result.success and outcome.ingest.accepted
    assert list((root / "reports").glob("monatsbericht_*.html"))
    # the pseudonyms were made with the secret itself, not with the variable's name
    con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
    try:
        [(stored,)] = con.execute("SELECT fingerprint FROM raw.pseudonym_key").fetchall()
        assert stored.startswith("scrypt$") and fingerprint_matches(SECRET, stored)
    finally:
        con.close()

    # a failing run: another key (here passed as a plain setting, the demo's way) is refused, and
    # its error quotes neither key
    monkeypatch.delenv("KIM_PSEUDONYM_KEY")
    with pytest.raises(PseudonymKeyMismatch) as refused:
        run(definitions, root, OTHER)
    failure = "".join(traceback.format_exception(refused.value)) + repr(refused.value)
    assert "KIM_PSEUDONYM_KEY" in failure
    assert not leaks(failure.encode(), OTHER) and not leaks(failure.encode(), SECRET)

    captured = capfd.readouterr()
    printed = (captured.out + captured.err + caplog.text).encode("utf-8")
    assert not leaks(printed, SECRET) and not leaks(printed, OTHER), "a key was printed or logged"
    assert files_with_key(root, SECRET) == [], "the key was written"
    assert files_with_key(root, OTHER) == []
    # the search does find the key where it is (it is no vacuous check)
    probe = root / "probe.txt"
    probe.write_text(f"x{base64.b64encode(SECRET.encode()).decode()}x")
    assert files_with_key(root, SECRET) == ["probe.txt (base64, base64url)"]


def test_a_run_without_a_key_says_so_without_running(tmp_path, monkeypatch, definitions, config):
    from kim.settings import MissingPseudonymKey

    generate(config, tmp_path / "landing", months=1, seed=9, total_cases=20, end_period="2026-03")
    monkeypatch.delenv("KIM_PSEUDONYM_KEY", raising=False)
    with pytest.raises(MissingPseudonymKey, match="KIM_PSEUDONYM_KEY is not set"):
        run(definitions, tmp_path, None)
    assert not (tmp_path / "warehouse.duckdb").exists() or not list((tmp_path / "reports").glob("*.html"))


def test_a_key_setting_that_was_not_resolved_is_never_used_as_the_key(monkeypatch):
    """Dagster's EnvVar is a str holding the variable's *name*: loading resolves it, and refuses a
    key that is the variable's name (an unexpanded setting) instead of hashing with a public word."""
    from kim.settings import MissingPseudonymKey
    from warehouse.load import pseudonym_key_value

    monkeypatch.setenv("KIM_PSEUDONYM_KEY", SECRET)
    resolved = pseudonym_key_value(dg.EnvVar("KIM_PSEUDONYM_KEY"))
    assert resolved == SECRET and type(resolved) is str
    for unresolved in ("KIM_PSEUDONYM_KEY", "$KIM_PSEUDONYM_KEY", "${KIM_PSEUDONYM_KEY}", "", None):
        with pytest.raises(MissingPseudonymKey):
            pseudonym_key_value(unresolved)


def test_the_resource_resolves_a_key_from_the_environment_outside_a_run(monkeypatch, tmp_path):
    """build_resources passes the key as dg.EnvVar (the UI then shows only the name). kim run uses
    the resources outside a Dagster run, where the field is still the EnvVar: its text is the
    variable's name, and hashing with that would make every pseudonym public."""
    from kim.settings import Settings
    from pipelines.defs.resources import build_resources

    monkeypatch.setenv("KIM_PSEUDONYM_KEY", "a-real-secret-4f1c-7e8d9a0b1c2d3e4f5a6b7c8d")
    monkeypatch.setenv("KIM_WAREHOUSE", str(tmp_path / "w.duckdb"))
    kim = build_resources(Settings.from_env())["kim"]
    assert kim.require_pseudonym_key() == "a-real-secret-4f1c-7e8d9a0b1c2d3e4f5a6b7c8d"


def test_a_key_given_as_a_setting_reaches_no_snapshot(definitions, tmp_path, config, monkeypatch):
    """Not through the environment (embedding code, tests): the resource config, and with it
    Dagster's run and job snapshots, hold only a handle; the instance's storage never the key."""
    generate(config, tmp_path / "landing", months=1, seed=9, total_cases=30, end_period="2026-03")
    monkeypatch.delenv("KIM_PSEUDONYM_KEY", raising=False)
    outcome = run(definitions, tmp_path, OTHER)
    assert outcome.result.success and outcome.ingest.accepted
    assert list((tmp_path / "dagster").rglob("*")), "the instance wrote its storage"
    assert files_with_key(tmp_path, OTHER) == []
