"""Reading, verifying and loading deliveries: hand-written files in each dialect, and every way a
delivery can be refused with the file, line and rule named."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from kim.contract import TABLES
from kim.errors import DeliveryRejected
from tests.delivery_files import CASE_ROWS, CASES_HEADER, reference_files, table_counts, write_delivery_files
from transforms.delivery import read_delivery
from warehouse.load import ingest_landing
from warehouse.migrate import connect


def rejection(landing: Path, provider: str, period: str, config) -> DeliveryRejected:
    with pytest.raises(DeliveryRejected) as caught:
        read_delivery(landing / provider / period, config)
    return caught.value


def test_reference_dialect_is_decoded_and_typed(tmp_path, config):
    folder = write_delivery_files(tmp_path, "caritas", "2026-02", reference_files())
    delivery = read_delivery(folder, config)
    cases = delivery.tables["cases"]
    assert cases["case_id"].to_list() == ["C-1", "C-2"]
    assert cases["opened_on"].to_list() == [date(2026, 1, 15), date(2026, 1, 20)]
    assert cases["closed_on"].to_list() == [None, date(2026, 2, 28)]
    assert cases["arrival_year"].to_list() == [2015, None]
    assert delivery.tables["needs"].height == 0


def test_provider_profile_maps_encoding_delimiter_dates_columns_and_codes(tmp_path, config):
    header = (
        "Fallnummer,Personenkennung,Fallverantwortung,Fallbeginn,Fallende,Abschlussgrund,Geburtsjahr,"
        "Geschlecht,Staatsangehoerigkeit,Aufenthaltsstatus,Einreisejahr,Stadtteil,Zugangsweg"
    )
    rows = ["AWO-7,P-cc,M-3,2026-01-15,,,1979,männlich,SYR,Aufenthaltsgestattung,2016,opladen,selbst"]
    awo_headers = {
        "needs": "Bedarfsnummer,Fallnummer,Bedarfsart,Festgestellt_am,Bedarfsstatus,Erledigt_am,Grund_nicht_gedeckt",
        "handovers": "Vermittlungsnummer,Fallnummer,Bedarfsnummer,Zielstelle,Vermittelt_am,Erstkontakt_am,Ergebnis",
        "contacts": "Kontaktnummer,Fallnummer,Kontakt_am,Kontaktart,Dauer_Minuten",
        "assignments": "Fallnummer,Fallverantwortung,Zustaendig_ab,Zustaendig_bis",
    }
    files = {"cases.csv": ("\n".join([header, *rows]) + "\n").encode("cp1252")}
    files.update({f"{t}.csv": (h + "\n").encode("cp1252") for t, h in awo_headers.items()})
    folder = write_delivery_files(tmp_path, "awo", "2026-02", files)
    cases = read_delivery(folder, config).tables["cases"].drop("source_row")
    assert cases.row(0, named=True) == {
        "case_id": "AWO-7",
        "person_id": "P-cc",
        "case_manager_id": "M-3",
        "opened_on": date(2026, 1, 15),
        "closed_on": None,
        "closing_reason": None,
        "birth_year": 1979,
        "gender": "m",
        "nationality": "SYR",
        "residence_status": "gestattung",
        "arrival_year": 2016,
        "district": "opladen",
        "referral_source": "selbst",
    }


@pytest.mark.parametrize(
    ("case_rows", "rule", "line", "column"),
    [
        (["C-1;P-aa;M-1;2026-01-15;;;1990;w;SYR;duldung;;;selbst"], "date_format", 2, "opened_on"),
        ([CASE_ROWS[0], "C-2;P-bb;M-1;20.01.2026;;;neunzehn;m;AFG;duldung;;;selbst"], "integer", 3, "birth_year"),
        ([CASE_ROWS[0], ";P-bb;M-1;20.01.2026;;;1988;m;AFG;duldung;;;selbst"], "required", 3, "case_id"),
        (["C#1;P-aa;M-1;15.01.2026;;;1990;w;SYR;duldung;;;selbst"], "id_format", 2, "case_id"),
    ],
)
def test_bad_values_are_row_violations_with_line_column_and_rule(tmp_path, config, case_rows, rule, line, column):
    folder = write_delivery_files(tmp_path, "caritas", "2026-02", reference_files(case_rows))
    violations = read_delivery(folder, config).violations
    first = violations.row(0, named=True)
    assert (first["rule"], first["file_name"], first["source_row"], first["column_name"]) == (
        rule,
        "cases.csv",
        line,
        column,
    )


def test_whole_numbers_with_zero_decimals_are_read(tmp_path, config):
    rows = ["C-1;P-aa;M-1;15.01.2026;;;1990,00;w;SYR;duldung;2015,0;;selbst"]
    delivery = read_delivery(write_delivery_files(tmp_path, "caritas", "2026-02", reference_files(rows)), config)
    assert delivery.violations.is_empty()
    assert delivery.tables["cases"].select("birth_year", "arrival_year").row(0) == (1990, 2015)


def test_unknown_column_is_refused_as_possible_identifier(tmp_path, config):
    header = CASES_HEADER + ";Lieblingsfarbe"
    rows = [row + ";blau" for row in CASE_ROWS]
    write_delivery_files(tmp_path, "caritas", "2026-02", reference_files(rows, header))
    error = rejection(tmp_path, "caritas", "2026-02", config)
    assert error.rule == "column_unknown" and "'Lieblingsfarbe'" in error.message


def test_checksum_row_count_provider_and_encoding_are_verified(tmp_path, config):
    folder = write_delivery_files(tmp_path, "caritas", "2026-02", reference_files())
    (folder / "cases.csv").write_bytes(
        (folder / "cases.csv").read_bytes() + b"C-3;P-cc;M-1;01.02.2026;;;1990;w;SYR;duldung;;;selbst\n"
    )
    assert rejection(tmp_path, "caritas", "2026-02", config).rule == "checksum_mismatch"

    write_delivery_files(tmp_path, "diakonie", "2026-02", reference_files(), {"files": {}})
    assert rejection(tmp_path, "diakonie", "2026-02", config).rule == "manifest_files"

    files = reference_files()
    manifest_rows = {name: {"rows": 1, "sha256": hashlib.sha256(c).hexdigest()} for name, c in files.items()}
    write_delivery_files(tmp_path, "stadt", "2026-02", files, {"files": manifest_rows})
    error = rejection(tmp_path, "stadt", "2026-02", config)
    assert (error.rule, error.file_name) == ("row_count_mismatch", "cases.csv")  # 2 rows, not 1

    write_delivery_files(tmp_path, "unbekannt", "2026-02", reference_files())
    assert rejection(tmp_path, "unbekannt", "2026-02", config).rule == "provider_unknown"

    latin1 = reference_files(["C-1;P-aa;M-1;15.01.2026;;;1990;w;SYR;duldung;;Bürgerbusch;selbst"])
    latin1["cases.csv"] = latin1["cases.csv"].decode("utf-8-sig").encode("cp1252")
    write_delivery_files(tmp_path, "drk", "2026-02", latin1)
    # drk is configured for XLSX: CSV files from it are the wrong files, named as such
    assert rejection(tmp_path, "drk", "2026-02", config).rule == "file_missing"
    write_delivery_files(tmp_path / "x", "caritas", "2026-02", latin1)
    error = rejection(tmp_path / "x", "caritas", "2026-02", config)
    assert (error.rule, error.file_name, error.source_row) == ("encoding", "cases.csv", 2)


def register(con) -> list[tuple]:
    return con.execute("SELECT period, state, rejection_rule FROM raw.deliveries ORDER BY period, state").fetchall()


def test_loading_is_idempotent_and_a_rejected_delivery_changes_nothing(tmp_path, config, warehouse):
    landing = tmp_path / "landing"
    write_delivery_files(landing, "caritas", "2026-01", reference_files(CASE_ROWS[:1]))
    first = ingest_landing(warehouse, landing, config, "k")
    assert len(first.accepted) == 1
    before = table_counts(warehouse)
    assert ingest_landing(warehouse, landing, config, "k").duplicates == first.accepted
    assert table_counts(warehouse) == before

    # A broken February delivery (1 of 1 case bad): nothing of it is loaded, January stays current,
    # and the register says why.
    write_delivery_files(
        landing, "caritas", "2026-02", reference_files(["C-1;P-aa;M-1;31.02.2026;;;1990;w;SYR;duldung;;;selbst"])
    )
    summary = ingest_landing(warehouse, landing, config, "k")
    assert [r.rule for r in summary.rejected] == ["too_many_bad_rows"]
    assert table_counts(warehouse) == before
    assert register(warehouse) == [("2026-01", "accepted", None), ("2026-02", "rejected", "too_many_bad_rows")]
    # Re-running does not register the same rejection twice.
    ingest_landing(warehouse, landing, config, "k")
    assert len(register(warehouse)) == 2

    # A corrected February delivery supersedes January.
    write_delivery_files(landing, "caritas", "2026-02", reference_files(CASE_ROWS))
    assert len(ingest_landing(warehouse, landing, config, "k").accepted) == 1
    assert register(warehouse) == [
        ("2026-01", "superseded", None),
        ("2026-02", "accepted", None),
        ("2026-02", "rejected", "too_many_bad_rows"),
    ]


def test_bad_rows_under_the_threshold_go_to_quarantine(tmp_path, config, warehouse):
    # 120 cases, one with an unknown code: 1 of 120 rows is bad (0.8 %) -> accepted, row quarantined
    rows = [f"C-{i};P-{i};M-1;15.01.2026;;;1990;w;SYR;duldung;;;selbst" for i in range(120)]
    rows[5] = rows[5].replace(";w;", ";weiblich;")
    landing = tmp_path / "landing"
    write_delivery_files(landing, "caritas", "2026-02", reference_files(rows))
    summary = ingest_landing(warehouse, landing, config, "k")
    assert len(summary.accepted) == 1 and summary.quarantined_rows == 1
    assert warehouse.execute("SELECT count(*) FROM raw.cases").fetchall() == [(119,)]
    quarantined = warehouse.execute(
        "SELECT table_name, file_name, source_row, column_name, rule, value, length(record_key) "
        "FROM quarantine.rejected_rows"
    ).fetchall()
    # the delivered value is not kept (it could be a name where a code belongs)
    assert quarantined == [("cases", "cases.csv", 7, "gender", "code_list", None, 32)]
    assert warehouse.execute("SELECT total_rows, quarantined_rows FROM raw.deliveries").fetchall() == [(120, 1)]


def test_a_different_pseudonym_key_is_refused(tmp_path, config, warehouse):
    from warehouse.load import PseudonymKeyMismatch

    landing = tmp_path / "landing"
    write_delivery_files(landing, "caritas", "2026-01", reference_files())
    ingest_landing(warehouse, landing, config, "the-ki-secret")
    write_delivery_files(landing, "diakonie", "2026-01", reference_files())
    before = table_counts(warehouse)
    with pytest.raises(PseudonymKeyMismatch, match="KIM_PSEUDONYM_KEY"):
        ingest_landing(warehouse, landing, config, "another-key")
    assert table_counts(warehouse) == before
    assert "the-ki-secret" not in str(warehouse.execute("SELECT * FROM raw.pseudonym_key").fetchall())


def test_every_run_without_a_key_is_refused_outside_demo_mode(monkeypatch):
    from kim.settings import DEMO_PSEUDONYM_KEY, MissingPseudonymKey, Settings, require_pseudonym_key

    monkeypatch.delenv("KIM_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("KIM_DEMO_MODE", raising=False)
    with pytest.raises(MissingPseudonymKey, match="KIM_PSEUDONYM_KEY is not set"):
        require_pseudonym_key(Settings.from_env().pseudonym_key)
    monkeypatch.setenv("KIM_DEMO_MODE", "1")
    assert Settings.from_env().pseudonym_key == DEMO_PSEUDONYM_KEY


def _warehouse_content(con) -> dict[str, list[tuple]]:
    """Every loaded row and register entry, without load times."""
    queries = {
        "register": "SELECT delivery_id, provider_id, period, state, total_rows, quarantined_rows, rejection_rule, "
        "rejection_file, rejection_line FROM raw.deliveries ORDER BY delivery_id",
        "quarantine": "SELECT * FROM quarantine.rejected_rows ORDER BY ALL",
        **{table: f"SELECT * FROM raw.{table} ORDER BY ALL" for table in TABLES},
    }
    return {name: con.execute(sql).fetchall() for name, sql in queries.items()}


def test_decoding_in_worker_processes_loads_exactly_what_a_serial_load_loads(tmp_path, config):
    """Deliveries decoded in worker processes are written in folder order by this process:
    same rows, pseudonyms, quarantine and register (a rejected delivery included) as one by one."""
    landing = tmp_path / "landing"
    rows = [f"C-{i};P-{i};M-1;15.01.2026;;;1990;w;SYR;duldung;;;selbst" for i in range(120)]
    quarantined = [*rows[:5], rows[5].replace(";w;", ";weiblich;"), *rows[6:]]
    for number, provider in enumerate(["caritas", "diakonie"]):
        write_delivery_files(landing, provider, "2026-01", reference_files(CASE_ROWS[: number + 1]))
        write_delivery_files(landing, provider, "2026-02", reference_files(quarantined if number else rows))
    write_delivery_files(  # every row bad: rejected, January stays current
        landing, "caritas", "2026-03", reference_files(["C-1;P-aa;M-1;31.02.2026;;;1990;w;SYR;duldung;;;selbst"])
    )
    contents, summaries = [], []
    for workers in (0, 2):
        con = connect(tmp_path / f"warehouse-{workers}.duckdb")
        summaries.append(ingest_landing(con, landing, config, "k", workers=workers))
        contents.append(_warehouse_content(con))
        con.close()
    serial, parallel = summaries
    assert (len(serial.accepted), len(serial.rejected), serial.quarantined_rows) == (4, 1, 1)
    assert (parallel.accepted, parallel.quarantined_rows) == (serial.accepted, serial.quarantined_rows)
    assert [str(r) for r in parallel.rejected] == [str(r) for r in serial.rejected]
    assert contents[0] == contents[1] and contents[0]["cases"]
