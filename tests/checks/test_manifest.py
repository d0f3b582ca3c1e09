"""The manifest check on its own (checks.manifest): each way a manifest can be wrong is a rejection
naming manifest.json and the rule; a good one gives the provider, month, export time and files."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from checks.manifest import read_manifest, verify_files
from kim.errors import DeliveryRejected

GOOD = {
    "provider_id": "caritas",
    "period": "2026-01",
    "exported_at": "2026-02-03T10:00:00+01:00",
    "format_version": "1",
    "files": {"cases.csv": {"rows": 2, "sha256": "AB" * 32}},
}


def _folder(tmp_path, manifest, provider="caritas", period="2026-01"):
    folder = tmp_path / provider / period
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))
    return folder


def test_a_good_manifest_is_read(tmp_path, config):
    manifest = read_manifest(_folder(tmp_path, GOOD), config)
    assert (manifest.provider.id, manifest.period) == ("caritas", "2026-01")
    assert manifest.exported_at == datetime(2026, 2, 3, 9, 0, tzinfo=UTC)
    assert manifest.files["cases.csv"].rows == 2
    assert manifest.files["cases.csv"].sha256 == "ab" * 32  # checksums compare in lower case


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        (lambda m: "{not json", "manifest_unreadable"),
        (lambda m: "[1, 2]", "manifest_unreadable"),
        (lambda m: {k: v for k, v in m.items() if k != "period"}, "manifest_field_missing"),
        (lambda m: {**m, "provider_id": "unbekannt"}, "provider_unknown"),
        (lambda m: {**m, "provider_id": "diakonie"}, "provider_mismatch"),
        (lambda m: {**m, "period": "2026-13"}, "period_invalid"),
        (lambda m: {**m, "format_version": "2"}, "format_version"),
        (lambda m: {**m, "exported_at": "gestern"}, "exported_at_invalid"),
        (lambda m: {**m, "exported_at": "2026-02-03T10:00:00"}, "exported_at_invalid"),
        (lambda m: {**m, "files": {}}, "manifest_files"),
        (lambda m: {**m, "files": {"../cases.csv": {"rows": 1, "sha256": "00"}}}, "manifest_files"),
        (lambda m: {**m, "files": {"cases.csv": {"rows": "viele", "sha256": "00"}}}, "manifest_files"),
    ],
)
def test_each_broken_manifest_is_rejected_with_its_rule(tmp_path, config, change, rule):
    with pytest.raises(DeliveryRejected) as caught:
        read_manifest(_folder(tmp_path, change(dict(GOOD))), config)
    assert caught.value.rule == rule
    assert caught.value.file_name == "manifest.json"


def test_a_missing_manifest_and_a_folder_named_otherwise(tmp_path, config):
    folder = tmp_path / "caritas" / "2026-01"
    folder.mkdir(parents=True)
    with pytest.raises(DeliveryRejected, match=r"no manifest\.json") as caught:
        read_manifest(folder, config)
    assert caught.value.rule == "manifest_missing"
    elsewhere = _folder(tmp_path / "export", GOOD, provider="mein-export", period="januar")
    with pytest.raises(DeliveryRejected) as caught:
        read_manifest(elsewhere, config)
    assert caught.value.rule == "provider_mismatch"
    assert read_manifest(elsewhere, config, check_folder=False).period == "2026-01"  # a provider's self-check


def test_files_must_match_the_manifest(tmp_path, config):
    manifest = read_manifest(_folder(tmp_path, GOOD), config)
    with pytest.raises(DeliveryRejected) as caught:
        verify_files(manifest, {"manifest.json": "x", "cases.csv": "ab" * 32})
    assert caught.value.rule == "file_missing"  # caritas delivers every table, not only cases
    assert caught.value.file_name == "manifest.json"
