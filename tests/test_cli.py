"""The `kim` command line's own surface (issue 18): the version, help texts that keep their
bracketed hints (plain text, not Rich markup)."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

from kim.cli import app

runner = CliRunner()


def test_version_is_printed():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"kim-monitor {version('kim-monitor')}"


def test_help_texts_keep_their_environment_variables_and_explanations():
    run_help = " ".join(runner.invoke(app, ["run", "--help"]).stdout.split())
    for hint in ("[env KIM_LANDING_DIR]", "[env KIM_WAREHOUSE]", "[env KIM_SUPPRESSION_K]", "--verbose"):
        assert hint in run_help
    report_help = " ".join(runner.invoke(app, ["report", "--help"]).stdout.split())
    assert "[every month; provider reports: the newest]" in report_help
