"""The `kim` command line's own surface (issue 18): the version, help texts that keep their
bracketed hints (plain text, not Rich markup)."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from typer.testing import CliRunner

from checks.rules import DELIVERY_RULE_ACTIONS, delivery_rule_title
from kim.cli import app
from kim.errors import DeliveryRejected
from kim.run_output import rejection_text
from pipelines.self_check import format_rejection
from synthetic import generate
from transforms.delivery import read_delivery

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


def test_kim_sql_answers_read_only_queries(tmp_path, monkeypatch):
    from warehouse.migrate import connect

    database = tmp_path / "w.duckdb"
    connect(database).close()  # a migrated, empty warehouse
    monkeypatch.setenv("KIM_WAREHOUSE", str(database))
    answer = runner.invoke(app, ["sql", "--csv", "SELECT 40 + 2 AS answer"])
    assert answer.exit_code == 0 and answer.stdout.splitlines() == ["answer", "42"]
    counted = runner.invoke(app, ["sql", "--csv", "SELECT count(*) AS n FROM raw.deliveries"])
    assert counted.stdout.splitlines() == ["n", "0"]
    refused = runner.invoke(app, ["sql", "CREATE TABLE main.scratch (x INTEGER)"])
    assert refused.exit_code == 1 and "Fehler" in refused.output and "read-only" in refused.output
    # the CSV is for a spreadsheet: a text cell that would run as a formula is made inert
    formula = runner.invoke(app, ["sql", "--csv", "SELECT '=HYPERLINK(1)' AS f, '-2+3' AS g, 'a=b' AS h, -2 AS n"])
    assert formula.stdout.splitlines()[1] == "'=HYPERLINK(1),'-2+3,a=b,-2"
    prompt = runner.invoke(app, ["sql", "--csv"], input="SELECT 1 AS one\n;\n.quit\n")
    assert prompt.exit_code == 0 and "one" in prompt.stdout


def test_a_setting_that_cannot_be_used_is_named_in_german_before_anything_is_loaded(tmp_path, monkeypatch):
    """A misspelt environment setting gives one German line naming the variable, the value and
    the rule, exit code 2, and no traceback; nothing is created."""
    monkeypatch.setenv("KIM_WAREHOUSE", str(tmp_path / "w.duckdb"))
    cases = {
        "KIM_LOCK_TIMEOUT": ("lange", "eine Zahl von Sekunden"),
        "KIM_PROTECTION_SECONDS": ("-5", "eine positive Zahl von Sekunden"),
        "KIM_SUPPRESSION_K": ("fünf", "eine ganze Zahl ab 2"),
    }
    for variable, (value, rule) in cases.items():
        with monkeypatch.context() as scoped:
            scoped.setenv(variable, value)
            result = runner.invoke(app, ["check", str(tmp_path)])
        said = " ".join(result.output.split())
        assert result.exit_code == 2, said
        assert f"Die Einstellung {variable} ist nicht verwendbar: „{value}“; erwartet wird {rule}." in said
        assert "Traceback" not in said and not isinstance(result.exception, ValueError)
    assert list(tmp_path.iterdir()) == []


def test_a_rejection_is_printed_in_the_words_of_kim_check_without_its_verdict_line(tmp_path, config):
    """`kim run` says "abgelehnt:" itself, then the block `kim check` shows the provider: the place
    and rule, the German message, what to do, the technical detail; not the check's verdict line."""
    generate(config, tmp_path, months=1, seed=3, total_cases=30, end_period="2026-10")
    broken = tmp_path / "caritas" / "2026-10" / "cases.csv"
    broken.write_bytes(broken.read_bytes() + b"\n")  # no longer the file the manifest lists
    with pytest.raises(DeliveryRejected) as caught:
        read_delivery(broken.parent, config)  # as `kim run` reads it
    lines = rejection_text(caught.value).splitlines()
    assert lines[0] == "caritas/2026-10/cases.csv [checksum_mismatch]"
    assert all(line.startswith("    ") for line in lines[1:]) and len(lines) >= 3
    said = " ".join(" ".join(lines).split())
    assert delivery_rule_title("checksum_mismatch", "de") in said
    assert f"Was tun: {' '.join(DELIVERY_RULE_ACTIONS['checksum_mismatch'].split())}" in said
    verdict = format_rejection(caught.value).splitlines()[-1]
    assert verdict.startswith("ABGELEHNT") and verdict not in lines
