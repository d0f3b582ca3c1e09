"""`kim run`'s exit code (docs/operations.md, issue 16): a rejected delivery makes the run exit 1
after everything that can still be done (the other providers loaded, the reports written), so a
scheduled job notices. A real `kim run` in a subprocess."""

from __future__ import annotations

import subprocess

import pytest

from checks.rules import DELIVERY_RULE_ACTIONS, delivery_rule_title
from kim.settings import PROJECT_ROOT
from synthetic import generate
from tests.pipelines.test_concurrency import BIN, END, RUN_TIMEOUT, environment, flat

pytestmark = pytest.mark.e2e


def test_a_rejected_delivery_makes_kim_run_exit_1_after_building_the_rest(tmp_path, config):
    env = environment(tmp_path, config)
    generate(config, tmp_path / "landing", months=1, seed=3, total_cases=60, end_period=END)
    broken = next((tmp_path / "landing" / "caritas").glob("*/cases.csv"))
    broken.write_bytes(broken.read_bytes() + b"\n")  # no longer the file the manifest lists
    result = subprocess.run(
        [str(BIN / "kim"), "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    output = flat(result.stdout + result.stderr)
    assert result.returncode == 1, output
    assert "1 abgelehnt" in output and "abgelehnt:" in output
    # in the words `kim check` gives the provider: German rule, what to do, the English detail last
    rejected_line = output[output.index("abgelehnt:") :]
    assert f"caritas/{END}/cases.csv [checksum_mismatch]" in rejected_line
    assert delivery_rule_title("checksum_mismatch", "de") in rejected_line
    assert f"Was tun: {flat(DELIVERY_RULE_ACTIONS['checksum_mismatch'])}" in rejected_line
    assert "Einzelheiten (technische Meldung, englisch):" in rejected_line
    assert (tmp_path / "reports" / "index.html").exists()  # the others' reports are written
    assert "Traceback" not in output
    # a quiet run (issue 18): progress and the outcome, not Dagster's log, warnings or solver banners
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) < 30, lines
    for noise in ("DEBUG", "BetaWarning", "Running HiGHS", "__ephemeral_asset_job__"):
        assert noise not in output


def test_kim_run_without_a_key_says_what_to_do_in_one_line_and_exits_2(tmp_path, config):
    env = environment(tmp_path, config)
    del env["KIM_PSEUDONYM_KEY"]
    generate(config, tmp_path / "landing", months=1, seed=3, total_cases=60, end_period=END)
    result = subprocess.run(
        [str(BIN / "kim"), "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    output = flat(result.stdout + result.stderr)
    assert result.returncode == 2, output
    assert "KIM_PSEUDONYM_KEY ist nicht gesetzt" in output and "kim demo" in output
    assert "Traceback" not in output and "MissingPseudonymKey" not in output
    assert not (tmp_path / "reports" / "index.html").exists()


def _kim(env: dict, *args: str) -> tuple[int, str]:
    result = subprocess.run(
        [str(BIN / "kim"), *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    return result.returncode, flat(result.stdout + result.stderr)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("missing_config", "Die Konfiguration ist nicht verwendbar: configuration file"),
        ("broken_yaml", "is not valid YAML (line 3)"),  # the list opened on line 2 never closes
        ("missing_landing", "Der Landing-Ordner"),
    ],
)
def test_set_up_errors_are_one_german_line_with_exit_2_and_a_traceback_only_with_debug(
    tmp_path, config, setup, expected
):
    env = environment(tmp_path, config)
    (tmp_path / "landing").mkdir(exist_ok=True)
    if setup == "missing_config":
        env["KIM_CONFIG"] = str(tmp_path / "no-such-city.yaml")
    elif setup == "broken_yaml":
        (tmp_path / "city.yaml").write_text("city: Leverkusen\nproviders: [\n", encoding="utf-8")
        env["KIM_CONFIG"] = str(tmp_path / "city.yaml")
    else:
        env["KIM_LANDING_DIR"] = str(tmp_path / "no-such-landing")
    code, output = _kim(env, "run")
    assert code == 2, output
    assert expected in output and "nichts geladen" in output
    assert "Traceback" not in output and "Error:" not in output
    assert not (tmp_path / "reports" / "index.html").exists()
    if setup != "missing_landing":  # --debug shows where it came from
        code, output = _kim(env, "--debug", "run")
        assert code != 0 and "ConfigError" in output and "Traceback" in output


def test_a_held_delivery_is_contained_and_kim_run_exits_1_after_building_the_rest(tmp_path, config):
    import duckdb

    env = environment(tmp_path, config)
    generate(config, tmp_path / "landing", months=2, seed=3, total_cases=80, end_period=END)
    code, output = _kim(env, "run")
    assert code == 0, output
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    [(caritas,)] = con.execute(
        "SELECT delivery_id FROM raw.deliveries WHERE provider_id = 'caritas' AND state = 'accepted'"
    ).fetchall()
    con.execute("UPDATE raw.cases SET gender = 'unbekannt' WHERE delivery_id = ? AND source_row = 2", [caritas])
    con.close()
    for report in (tmp_path / "reports").glob("*.html"):
        report.unlink()

    code, output = _kim(env, "run")
    assert code == 1, output
    assert (
        f"zurückgehalten: {caritas}" in output and "die letzte bestandene Lieferung des Trägers gilt weiter" in output
    )
    assert "Traceback" not in output
    written = {path.name for path in (tmp_path / "reports").glob("*.html")}
    assert "index.html" in written and f"traegerbericht_awo_{END}.html" in written, written
    assert any(name.startswith("monatsbericht_") for name in written)
    # the data stewards see why: the held delivery and its failed check in the data-quality report
    internal = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "internal-reports").rglob("*.html"))
    assert "zurückgehalten" in internal and "Blockierende Prüfung nach dem Laden fehlgeschlagen" in internal
