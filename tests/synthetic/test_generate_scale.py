"""`kim generate --scale S|M|L` (issue 8): the tiers of design §8 from one command."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from kim.cli import app
from kim.config import load_config
from synthetic.scales import SCALES


@pytest.fixture(autouse=True)
def restored_environment():
    """The CLI exports its options (KIM_CONFIG, KIM_LANDING_DIR …) to the environment for the
    Dagster resources; give later tests in this process their own environment back."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_scale_l_writes_the_newest_delivery_of_every_nrw_provider(tmp_path):
    """Small case count, so the test is quick; the providers and the shape are tier L's."""
    out = tmp_path / "landing"
    result = CliRunner().invoke(
        app, ["generate", "--scale", "L", "--cases", "3000", "--months", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    config = load_config(SCALES["L"].config)
    manifests = sorted(out.glob("*/*/manifest.json"))
    providers = {path.parent.parent.name for path in manifests}
    assert providers == set(config.providers) and len(providers) == 265
    newest = max(path.parent.name for path in manifests)
    case_providers = [p for p, provider in config.providers.items() if provider.kind != "abh"]
    assert all((out / p / newest / "manifest.json").is_file() for p in case_providers)
    # only the newest delivery per case-delivering provider: the history is not written
    assert all(len(list((out / p).iterdir())) == 1 for p in case_providers)
    assert json.loads((out / case_providers[0] / newest / "manifest.json").read_text())["period"] == newest


def test_an_unknown_scale_or_a_scale_with_a_config_is_refused(tmp_path):
    unknown = CliRunner().invoke(app, ["generate", "--scale", "XL", "--out", str(tmp_path / "a")])
    assert unknown.exit_code == 2 and "S, M, L" in unknown.output
    both = CliRunner().invoke(
        app, ["generate", "--scale", "M", "--config", str(SCALES["S"].config), "--out", str(tmp_path / "b")]
    )
    assert both.exit_code == 2 and "--config" in both.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
