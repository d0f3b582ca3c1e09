"""`kim manifest` (issue 18): a provider writes its export's manifest.json with the tool instead of
by hand; the pipeline then accepts the export, CSV and XLSX alike."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from checks.manifest import expected_files
from kim.cli import app
from synthetic import generate
from transforms.delivery import read_delivery
from transforms.manifest_writer import ManifestProblem, build_manifest

END = "2026-03"


@pytest.fixture(scope="module")
def landing(tmp_path_factory, config):
    root = tmp_path_factory.mktemp("manifest") / "landing"
    generate(config, root, months=1, seed=4, total_cases=80, end_period=END)
    return root


def xlsx_provider(config) -> str:
    return next(p.id for p in config.providers.values() if p.profile.format == "xlsx")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_written_manifest_lists_what_the_generator_listed_and_the_delivery_passes(landing, config, kind):
    provider = "caritas" if kind == "csv" else xlsx_provider(config)
    folder = landing / provider / END
    original = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").unlink()
    result = CliRunner().invoke(app, ["manifest", str(folder)])
    assert result.exit_code == 0, result.output
    assert "manifest.json geschrieben" in result.stdout and "Berichtsmonat 2026-03" in result.stdout
    written = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert written["files"] == original["files"]  # rows, sheets and checksums as exported
    assert (written["provider_id"], written["period"], written["format_version"]) == (provider, END, "1")
    delivery = read_delivery(folder, config)  # checksums and row counts verified
    assert sum(frame.height for frame in delivery.tables.values()) > 0


def test_a_missing_file_is_named_in_german_and_nothing_is_written(tmp_path, landing, config):
    folder = tmp_path / "caritas" / END
    folder.mkdir(parents=True)
    (folder / "cases.csv").write_bytes((landing / "caritas" / END / "cases.csv").read_bytes())
    result = CliRunner().invoke(app, ["manifest", str(folder)])
    assert result.exit_code == 1
    first_missing = sorted(expected_files(config.providers["caritas"]) - {"cases.csv"})[0]
    assert f"Die Datei {first_missing} fehlt im Ordner" in " ".join(result.output.split())
    assert not (folder / "manifest.json").exists()


def test_provider_and_month_come_from_the_options_or_are_refused(tmp_path, config):
    with pytest.raises(ManifestProblem, match="nicht konfiguriert"):
        build_manifest(tmp_path / "export", config, provider_id="unbekannt", period=END)
    with pytest.raises(ManifestProblem, match="kein Berichtsmonat"):
        build_manifest(tmp_path / "export", config, provider_id="caritas")
