"""Every entry of the broken-delivery corpus: `kim check` prints the exact error, and loading it
into a warehouse that already holds a good delivery changes no data, only the register."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kim.cli import app
from synthetic import generate
from tests.warehouse.bad_delivery_corpus import CORPUS, PERIOD, build_entry
from warehouse.load import ingest_landing
from warehouse.migrate import connect
from warehouse.models import build_staging

KEY = "corpus-key"


@pytest.fixture(scope="module")
def good_landing(tmp_path_factory, config) -> Path:
    landing = tmp_path_factory.mktemp("good")
    generate(config, landing, months=1, total_cases=120, seed=3, end_period=PERIOD)
    return landing


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory, good_landing, config) -> Path:
    path = tmp_path_factory.mktemp("warehouse") / "good.duckdb"
    con = connect(path)
    summary = ingest_landing(con, good_landing, config, KEY)
    assert summary.rejected == [] and summary.quarantined_rows == 0
    build_staging(con)
    con.close()
    return path


def data_checksums(con) -> dict[str, tuple]:
    """count and an order-independent hash of every table but the register."""
    tables = [
        f"{schema}.{name}"
        for schema, name in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'staging', 'quarantine', 'dq', 'marts') ORDER BY ALL"
        ).fetchall()
        if (schema, name) != ("raw", "deliveries")
    ]
    return {t: con.execute(f"SELECT count(*), coalesce(sum(hash(r)), 0) FROM {t} r").fetchall()[0] for t in tables}


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 30
    assert len({entry.name for entry in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("entry", CORPUS, ids=[entry.name for entry in CORPUS])
def test_broken_delivery(entry, good_landing, good_warehouse, config, tmp_path):
    folder = build_entry(entry, good_landing, tmp_path / "landing")

    # 1. the provider's self-check names file, line, rule and the problem (in English here: the
    # corpus states its messages in English, as the register keeps them)
    result = CliRunner().invoke(app, ["check", str(folder), "--lang", "en"])
    if entry.landing_only:
        assert result.exit_code == 0 and "OK:" in result.output, result.output
    else:
        check_output(entry, result)

    # 2. the pipeline rejects it and changes no data
    assert_rejected_without_change(entry, folder, good_warehouse, config, tmp_path)


def test_kim_check_takes_an_export_folder_named_as_the_provider_likes(good_landing, tmp_path):
    export = tmp_path / "Export vom 03.11.2026"
    shutil.copytree(good_landing / "awo" / PERIOD, export)
    result = CliRunner().invoke(app, ["check", str(export)])
    assert result.exit_code == 0, result.output
    assert "erfüllt alle Regeln" in result.output


def as_shown(fragment: str) -> str:
    """A corpus message as kim check shows it to the clerk: dates as DD.MM.YYYY, date formats as
    the pattern a person reads (the register keeps the format's own)."""
    return re.sub(r"(\d{4})-(\d{2})-(\d{2})", r"\3.\2.\1", fragment).replace("%d.%m.%Y", "DD.MM.YYYY")


def check_output(entry, result) -> None:
    assert result.exit_code == 1, result.output
    assert as_shown(entry.fragment) in result.output
    shown_rule = entry.row_rule or entry.rule
    assert f"[{shown_rule}]" in result.output
    if entry.file_name:
        assert f"/{entry.file_name}" in result.output
    if entry.line is not None:
        assert f"line {entry.line}" in result.output


def assert_rejected_without_change(entry, folder, good_warehouse, config, tmp_path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(good_warehouse, warehouse)
    con = connect(warehouse)
    try:
        before = data_checksums(con)
        current_before = con.execute(
            "SELECT delivery_id FROM raw.deliveries WHERE state = 'accepted' ORDER BY 1"
        ).fetchall()
        summary = ingest_landing(con, tmp_path / "landing", config, KEY)
        build_staging(con)
        assert summary.accepted == []
        (rejection,) = summary.rejected
        assert (rejection.rule, rejection.file_name) == (entry.rule, entry.file_name)
        if entry.line is not None:
            assert rejection.source_row == entry.line
        if entry.row_rule:
            # the register keeps no delivered value (kim check shows it to the provider)
            assert f"{entry.row_rule} " in rejection.message
        else:
            assert entry.fragment in rejection.message
        assert data_checksums(con) == before
        register = con.execute(
            "SELECT state, rejection_rule, rejection_file, rejection_line, rejection_message FROM raw.deliveries "
            "WHERE landing_path = ?",
            [str(folder)],
        ).fetchall()
        assert register == [("rejected", entry.rule, entry.file_name, rejection.source_row, rejection.message)]
        current_after = con.execute(
            "SELECT delivery_id FROM raw.deliveries WHERE state = 'accepted' ORDER BY 1"
        ).fetchall()
        assert current_after == current_before
        # seen again: not registered twice
        assert ingest_landing(con, tmp_path / "landing", config, KEY).rejected == []
    finally:
        con.close()


def test_the_register_keeps_no_delivered_value(good_landing, good_warehouse, config, tmp_path):
    """A value that breaks a rule could be a name typed into a code field: kim check shows it to the
    provider, but neither the register nor the quarantine keeps it."""
    entry = next(e for e in CORPUS if e.name == "unknown_code_value")
    folder = build_entry(entry, good_landing, tmp_path / "landing")
    assert "Duldung §60b" in CliRunner().invoke(app, ["check", str(folder)]).output
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(good_warehouse, warehouse)
    con = connect(warehouse)
    try:
        (rejection,) = ingest_landing(con, tmp_path / "landing", config, KEY).rejected
        stored = con.execute("SELECT rejection_message FROM raw.deliveries WHERE state = 'rejected'").fetchall()
    finally:
        con.close()
    assert "Duldung" not in rejection.message and "Duldung" not in stored[0][0]
    assert "unknown value '…'" in stored[0][0]


def test_kim_check_sums_up_follow_on_rows_under_their_cause_and_its_verdict_matches_the_exit_code(
    good_landing, tmp_path
):
    """Issue 18: one impossible date in a case used to print one line per dependent row (its needs,
    handovers, contacts) and end with "would be accepted" while exiting 1. Now the cause is listed
    once, the dependent rows are counted per file, and the verdict says the export is not clean."""
    export = tmp_path / "caritas" / PERIOD
    shutil.copytree(good_landing / "caritas" / PERIOD, export)
    cases = (export / "cases.csv").read_bytes().decode("utf-8-sig").split("\n")
    fields = cases[1].split(";")
    opened = next(i for i, value in enumerate(fields) if value.count(".") == 2 and len(value) == 10)
    fields[opened] = "31.02.2024"
    cases[1] = ";".join(fields)
    (export / "cases.csv").write_bytes("\n".join(cases).encode("utf-8-sig"))
    assert CliRunner().invoke(app, ["manifest", str(export)]).exit_code == 0
    result = CliRunner().invoke(app, ["check", str(export)])
    output = result.output
    assert result.exit_code == 1
    assert output.count("[date_format]") == 1 and "cases.csv, Zeile 2, Spalte 'opened_on'" in output
    lines = output.splitlines()
    follow_on = [i for i, line in enumerate(lines) if "[parent_quarantined]" in line]
    assert follow_on, output  # the case has dependent rows in this export
    assert all("Zeile" not in lines[i] and "zu oben abgewiesenen Datensätzen" in lines[i + 1] for i in follow_on)
    assert "würde angenommen" not in output or "NICHT FEHLERFREI" in output
    assert "ABGELEHNT" in output or "NICHT FEHLERFREI" in output
    assert "OK:" not in output


def _edit_awo_cases(export: Path, edits: dict[int, dict[str, str]]) -> None:
    """Set fields of awo's cases.csv (cp1252, comma, awo's own column names) by data row."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO((export / "cases.csv").read_bytes().decode("cp1252"), newline="")))
    for index, fields in edits.items():
        for column, value in fields.items():
            rows[index + 1][rows[0].index(column)] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n" if b"\r\n" in (export / "cases.csv").read_bytes() else "\n").writerows(rows)
    (export / "cases.csv").write_bytes(out.getvalue().encode("cp1252"))


def test_kim_check_speaks_the_providers_language_and_writes_a_printable_page(good_landing, tmp_path):
    """Issue 18: awo's clerk reads awo's own column names and code values, the date format as
    JJJJ-MM-TT, German first (--lang en for English), and gets the same result as an HTML page; a
    value from the export is shown as text there, never run."""
    from tests.html_helpers import chromium_page

    export = tmp_path / "awo" / PERIOD
    shutil.copytree(good_landing / "awo" / PERIOD, export)
    hostile = "<script>alert(1)</script>"
    _edit_awo_cases(export, {0: {"Fallbeginn": "2026-02-31"}, 1: {"Aufenthaltsstatus": hostile}})
    assert CliRunner().invoke(app, ["manifest", str(export)]).exit_code == 0
    page = tmp_path / "pruefung.html"
    result = CliRunner().invoke(app, ["check", str(export), "--html", str(page)])
    output = result.output
    assert result.exit_code == 1, output
    assert "awo/2026-10/cases.csv, Zeile 2, Spalte 'Fallbeginn' [date_format]" in output
    assert "'Fallbeginn': '2026-02-31' ist kein gültiges Datum im Format JJJJ-MM-TT" in output
    assert "cases.csv, Zeile 3, Spalte 'Aufenthaltsstatus' [code_list]" in output
    assert "erlaubt: Duldung, Aufenthaltsgestattung, Aufenthaltserlaubnis" in output
    assert "opened_on" not in output and "residence_status" not in output and "%Y" not in output
    assert "NICHT FEHLERFREI:" in output or "ABGELEHNT:" in output
    english = CliRunner().invoke(app, ["check", str(export), "--lang", "en"]).output
    assert "cases.csv, line 2, column 'Fallbeginn' [date_format]" in english
    assert "is not a valid date in the format YYYY-MM-DD" in english and "Zeile" not in english
    findings = [line for line in output.splitlines() if line.startswith("awo/2026-10/")]
    with chromium_page() as (browser_page, traffic):
        dialogs: list[str] = []
        browser_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        browser_page.goto(page.as_uri())
        browser_page.wait_for_load_state("load")
        assert browser_page.inner_text("h1") == "Prüfergebnis der Lieferung awo/2026-10"
        assert browser_page.locator("#findings tbody tr").count() == len(findings)
        assert hostile in browser_page.inner_text("#findings") and dialogs == []
        verdict = browser_page.locator("#verdict")
        assert verdict.get_attribute("class") in ("verdict not_clean", "verdict rejected")
        assert verdict.inner_text() == output.splitlines()[-2]  # the last line names the HTML file
        assert traffic.external == [] and traffic.console_errors == []


def test_kim_check_loads_neither_great_expectations_nor_dagster_nor_the_report_stack(good_landing):
    """Issue 18: the provider's check starts fast and needs only the small install. The contract's
    rules run as DuckDB SQL there (checks.contract_sql, equal to the GX suites rule by rule:
    tests/warehouse/test_validation.py)."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from kim.cli import app\n"
        f"result = CliRunner().invoke(app, ['check', {str(good_landing / 'awo' / PERIOD)!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = ('great_expectations', 'dagster', 'matplotlib', 'jinja2', 'pandas')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_a_pipeline_command_in_the_small_install_names_the_missing_extra(good_landing, tmp_path):
    """The small install (pyproject's core dependencies) has no Dagster, GX or LP solver: kim check
    works there, a pipeline command ends with one German line and exit code 2 instead of a
    traceback. Simulated by making those packages unimportable."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "for name in ('dagster', 'great_expectations', 'matplotlib', 'highspy', 'scipy', 'xlsxwriter', 'babel'):\n"
        "    sys.modules[name] = None  # importing it fails, as in the small install\n"
        "from kim.cli import main\n"
        "sys.argv = ['kim', *sys.argv[1:]]\n"
        "main()\n"
    )
    environment = {**__import__("os").environ, "KIM_DEMO_MODE": "1"}

    def kim(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=environment)

    checked = kim("check", str(good_landing / "awo" / PERIOD))
    assert checked.returncode == 0 and "erfüllt alle Regeln" in checked.stdout, checked.stdout + checked.stderr
    ran = kim("run", "--landing-dir", str(good_landing), "--warehouse", str(tmp_path / "w.duckdb"))
    assert ran.returncode == 2, ran.stdout + ran.stderr
    said = ran.stdout + ran.stderr  # set-up errors go to stderr
    assert said.strip().splitlines()[-1].startswith("Dieser Befehl braucht die vollständige Installation"), said
    assert "pip install 'kim-monitor[pipeline]'" in said and "Traceback" not in said


def test_kim_check_finds_every_problem_of_the_issues_example_in_one_pass(good_landing, tmp_path):
    """Issue 18's example: an awo export with an impossible date, an extra 'Vorname' column and a
    manifest row count off by one used to report only the row count. Now all three are listed (the
    column is left out so the rows can still be checked), and the verdict is a rejection."""
    import json

    export = tmp_path / "awo" / PERIOD
    shutil.copytree(good_landing / "awo" / PERIOD, export)
    _edit_awo_cases(export, {0: {"Fallbeginn": "2026-02-31"}})
    cases = (export / "cases.csv").read_bytes().decode("cp1252").splitlines()
    cases = [cases[0] + ",Vorname"] + [line + ",Anna" for line in cases[1:]]
    (export / "cases.csv").write_bytes(("\n".join(cases) + "\n").encode("cp1252"))
    assert CliRunner().invoke(app, ["manifest", str(export)]).exit_code == 0
    manifest = json.loads((export / "manifest.json").read_text())
    manifest["files"]["needs.csv"]["rows"] += 1
    (export / "manifest.json").write_text(json.dumps(manifest))

    result = CliRunner().invoke(app, ["check", str(export)])
    output = result.output
    assert result.exit_code == 1, output
    assert "awo/2026-10/needs.csv [row_count_mismatch]" in output
    assert "awo/2026-10/cases.csv, Zeile 1 [pii_column]" in output and "'Vorname'" in output
    assert "Was tun: Die Spalte aus dem Export nehmen" in output  # German, whatever the detail says
    assert "cases.csv, Zeile 2, Spalte 'Fallbeginn' [date_format]" in output
    assert output.splitlines()[-1].startswith("ABGELEHNT: Die Lieferung würde abgelehnt – 2 Problem(e)")


def test_kim_check_goes_on_past_an_unreadable_file(good_landing, tmp_path):
    """A file that cannot be read as CSV is listed, and the other files are still checked."""
    export = tmp_path / "caritas" / PERIOD
    shutil.copytree(good_landing / "caritas" / PERIOD, export)
    needs = (export / "needs.csv").read_bytes().decode("utf-8-sig").split("\n")
    header = needs[0].split(";")
    fields = needs[1].split(";")
    fields[header.index("category")] = "gibt_es_nicht"
    needs[1] = ";".join(fields)
    (export / "needs.csv").write_bytes("\n".join(needs).encode("utf-8-sig"))
    assert CliRunner().invoke(app, ["manifest", str(export)]).exit_code == 0
    (export / "contacts.csv").write_bytes((export / "contacts.csv").read_bytes() + b"\xff\xfe broken\n")
    output = CliRunner().invoke(app, ["check", str(export)]).output
    assert "caritas/2026-10/contacts.csv [checksum_mismatch]" in output
    assert "caritas/2026-10/contacts.csv, Zeile" in output and "[encoding]" in output
    assert "needs.csv, Zeile 2, Spalte 'category' [code_list]" in output
    assert "ABGELEHNT:" in output.splitlines()[-1]
