"""Manifest strings are provider-controlled (issue 16): whatever a manifest field holds, nothing of
it reaches the terminal (`kim check`), the delivery register (which the internal data-quality report
shows) or the Dagster metadata raw — no control or invisible character, no Markdown metadata, no
quote longer than kim.text.QUOTE_CHARS — and an absurdly long field rejects the delivery."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kim.cli import app
from kim.text import QUOTE_CHARS, UNPRINTABLE
from pipelines.loading import register_metadata
from synthetic import generate
from tests.conftest import STRONG_TEST_KEY
from warehouse.load import delivery_register_entry, ingest_landing
from warehouse.migrate import connect

PERIOD = "2026-03"
FIELDS = ("provider_id", "period", "exported_at", "format_version")
PAYLOADS = [
    "\x1b[2J\x1b[1;1HOK: alles in Ordnung",  # clears the screen, prints a fake OK
    "caritas\u202egnp.exe",  # a bidi override
    "![x](http://beacon.example/p.png)",  # a Markdown image beacon
    "[hier klicken](http://evil.example)",
    '<img src=x onerror="alert(1)">',
    "[/yellow]",
    "a\x00b",
]
TEXT = st.text(
    alphabet=st.sampled_from(
        ["a", "[", "]", "(", ")", "!", "<", ">", "`", "*", "\x1b", "\x07", "\u202e", "\u200b", "\n", "\x00", "é"]
    ),
    min_size=1,
    max_size=60,
)


@pytest.fixture(scope="module")
def good(tmp_path_factory, config) -> Path:
    landing = tmp_path_factory.mktemp("good")
    generate(config, landing, months=1, total_cases=20, seed=4, end_period=PERIOD)
    return landing / "caritas" / PERIOD


def hostile_delivery(good: Path, root: Path, field: str, value: str) -> Path:
    folder = root / "landing" / "caritas" / PERIOD
    shutil.rmtree(root / "landing", ignore_errors=True)
    shutil.copytree(good, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8-sig"))
    manifest[field] = value
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def assert_inert(text: str, value: str) -> None:
    """No control or invisible character, and no long quote. Markdown and HTML in plain text are
    harmless: metadata is never Markdown (asserted below), reports autoescape."""
    assert not UNPRINTABLE.search(text), f"a control or invisible character got through: {text!r}"
    if len(value) > QUOTE_CHARS:
        assert value not in text


def check_everywhere(good: Path, root: Path, field: str, value: str, config) -> None:
    folder = hostile_delivery(good, root, field, value)
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert (result.exit_code == 1 and result.exception is None) or isinstance(result.exception, SystemExit)
    assert_inert(result.output, value)

    con = connect(root / "warehouse.duckdb")
    try:
        summary = ingest_landing(con, root / "landing", config, STRONG_TEST_KEY)
        entry = delivery_register_entry(con, folder)
    finally:
        con.close()
    assert summary.rejected and entry is not None and entry["state"] == "rejected"
    assert_inert(entry["rejection_message"] or "", value)
    for name, item in register_metadata(entry).items():
        assert not isinstance(item, dg.MarkdownMetadataValue), name
        shown = item.value if isinstance(item, dg.TextMetadataValue) else item
        if isinstance(shown, str):
            assert_inert(shown, value)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", PAYLOADS, ids=range(len(PAYLOADS)))
def test_hostile_manifest_strings_stay_inert(good, tmp_path, config, field, value):
    check_everywhere(good, tmp_path, field, value, config)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=TEXT)
def test_random_manifest_strings_stay_inert(good, tmp_path_factory, config, field, value):
    check_everywhere(good, tmp_path_factory.mktemp("fuzz"), field, value, config)


@pytest.mark.parametrize("field", FIELDS)
def test_an_absurdly_long_manifest_field_rejects_the_delivery(good, tmp_path, config, field):
    value = "x" * 500_000  # half a MiB: such strings were copied verbatim into the register
    folder = hostile_delivery(good, tmp_path, field, value)
    result = CliRunner().invoke(app, ["check", str(folder)])
    assert result.exit_code == 1 and "manifest_field_too_long" in result.output
    assert len(result.output) < 2_000
    con = connect(tmp_path / "warehouse.duckdb")
    try:
        ingest_landing(con, tmp_path / "landing", config, STRONG_TEST_KEY)
        entry = delivery_register_entry(con, folder)
    finally:
        con.close()
    assert entry["rejection_rule"] == "manifest_field_too_long" and len(entry["rejection_message"]) < 300
