"""Synthetic deliveries: determinism, exchange format v1, profiles, snapshot consistency."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from kim.config import Provider, load_config
from kim.contract import ID_PATTERN, TABLES, column_names, columns_of_type
from kim.errors import DeliveryRejected
from synthetic import generate, write_delivery
from synthetic.generator import month_periods
from transforms.delivery import read_delivery as decode_delivery_folder

MONTHS = 3
CASES = 300
END_PERIOD = "2026-10"
PERIODS = month_periods(END_PERIOD, MONTHS)


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.fixture(scope="module")
def landing(config, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    generate(config, root, months=MONTHS, total_cases=CASES, seed=7, end_period=END_PERIOD)
    return root


@pytest.fixture(scope="module")
def deliveries(config, landing) -> dict[tuple[str, str], dict[str, pl.DataFrame]]:
    """(provider id, period) -> canonical tables read back from the files."""
    return {
        (provider.id, period): read_delivery(provider, landing / provider.id / period)
        for provider in config.providers.values()
        for period in PERIODS
    }


# --- Reading a delivery back with the pipeline's own decoder (manifest verified too) ---------


def read_delivery(provider: Provider, folder: Path) -> dict[str, pl.DataFrame]:
    return decode_delivery_folder(folder, load_config()).tables


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _period_end(period: str) -> date:
    year, month = map(int, period.split("-"))
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


# --- Determinism ---------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_deliveries(config, landing, tmp_path):
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))

    paths = generate(
        config, tmp_path, months=MONTHS, total_cases=CASES, seed=7, end_period=END_PERIOD, progress=progress
    )
    assert _tree_digest(tmp_path) == _tree_digest(landing)
    total = MONTHS * len(config.providers)
    assert len(paths) == total
    assert calls == [(done, total) for done in range(1, total + 1)]


def test_other_seed_gives_other_deliveries(config, landing, tmp_path):
    generate(config, tmp_path, months=MONTHS, total_cases=CASES, seed=8, end_period=END_PERIOD)
    same, other = _tree_digest(landing), _tree_digest(tmp_path)
    assert same.keys() == other.keys()
    assert all(same[name] != other[name] for name in same if name.endswith((".csv", ".xlsx")))


def test_default_end_period_comes_from_config(config, tmp_path):
    paths = generate(config, tmp_path, months=1, total_cases=30)
    assert {path.name for path in paths} == {config.demo_end_period}


# --- Manifests and files -------------------------------------------------------------------


def test_every_delivery_has_a_matching_manifest(config, landing):
    for provider in config.providers.values():
        for period in PERIODS:
            folder = landing / provider.id / period
            manifest_text = (folder / "manifest.json").read_text(encoding="utf-8")
            manifest = json.loads(manifest_text)
            assert manifest_text.endswith("\n")
            assert manifest["provider_id"] == provider.id
            assert manifest["period"] == period
            assert manifest["format_version"] == "1"
            exported_at = datetime.fromisoformat(manifest["exported_at"])
            assert exported_at.tzinfo is not None
            days_after = (exported_at.date() - _period_end(period)).days
            assert 2 <= days_after <= 25
            files = {path.name for path in folder.iterdir()} - {"manifest.json"}
            assert files == set(manifest["files"])
            for name, entry in manifest["files"].items():
                content = (folder / name).read_bytes()
                assert entry["sha256"] == hashlib.sha256(content).hexdigest()
                assert entry["rows"] == _data_rows(provider, folder, name, entry)


def _data_rows(provider: Provider, folder: Path, name: str, entry: dict) -> int:
    if name == "export.xlsx":
        sheets = {t: read_delivery(provider, folder)[t].height for t in provider.tables}
        assert entry["sheets"] == sheets
        return sum(sheets.values())
    text = (folder / name).read_bytes().decode(provider.profile.encoding)
    return text.count("\n") - 1


def test_reference_profile_is_utf8_bom_semicolon_german_dates(landing):
    content = (landing / "caritas" / END_PERIOD / "cases.csv").read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    header, first = content.decode("utf-8-sig").split("\n")[:2]
    assert header.split(";") == column_names("cases")
    assert re.search(r";\d\d\.\d\d\.\d{4};", first)
    assert b"\r\n" not in content


def test_awo_delivers_cp1252_comma_iso_dates_and_own_names(config, landing):
    profile = config.providers["awo"].profile
    folder = landing / "awo" / END_PERIOD
    content = (folder / "contacts.csv").read_bytes()
    assert b"pers\xf6nlich" in content  # 'persönlich' in cp1252, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    cases = (folder / "cases.csv").read_bytes().decode("cp1252")
    header, first = cases.split("\n")[:2]
    assert header.split(",") == list(profile.provider_column_names("cases").values())
    assert header.startswith("Fallnummer,Personenkennung,")
    assert re.search(r",\d{4}-\d\d-\d\d,", first)
    assert "männlich" in cases and "weiblich" in cases


def test_drk_delivers_one_workbook_with_a_sheet_per_table(config, landing, deliveries):
    drk = config.providers["drk"]
    folder = landing / "drk" / END_PERIOD
    assert sorted(path.name for path in folder.iterdir()) == ["export.xlsx", "manifest.json"]
    sheets = pl.read_excel(folder / "export.xlsx", sheet_id=0, raise_if_empty=False)
    assert list(sheets) == list(drk.tables)
    assert sheets["cases"].schema["opened_on"] == pl.Date  # native Excel dates
    assert sheets["contacts"].schema["duration_minutes"] == pl.Int64
    assert deliveries[("drk", END_PERIOD)]["cases"].height > 0


def test_abh_delivers_only_status_changes_of_known_persons(landing, deliveries):
    folder = landing / "abh" / END_PERIOD
    assert sorted(path.name for path in folder.iterdir()) == ["manifest.json", "status_changes.csv"]
    changes = deliveries[("abh", END_PERIOD)]["status_changes"]
    assert changes.height > 0
    persons = pl.concat(
        [
            tables["cases"].select("person_id")
            for (provider_id, period), tables in deliveries.items()
            if period == END_PERIOD and "cases" in tables
        ]
    )
    assert changes["person_id"].is_in(persons["person_id"].implode()).all()
    assert set(changes["status_from"]) <= {"duldung", "gestattung"}


def test_tables_without_rows_are_written_with_header_only(config, tmp_path):
    for provider_id in ("awo", "drk"):
        provider = config.providers[provider_id]
        empty = {
            table: pl.DataFrame(schema=dict.fromkeys(column_names(table), pl.String))
            .cast(dict.fromkeys(columns_of_type(table, "date"), pl.Date))
            .cast(dict.fromkeys(columns_of_type(table, "int"), pl.Int64))
            for table in provider.tables
        }
        exported_at = datetime(2026, 11, 4, 9, 13, tzinfo=UTC)
        folder = write_delivery(provider, "2026-10", empty, tmp_path, exported_at)
        manifest = json.loads((folder / "manifest.json").read_text())
        assert all(entry["rows"] == 0 for entry in manifest["files"].values())
        assert manifest["exported_at"] == "2026-11-04T09:13:00+00:00"
        # The files are readable; the pipeline then refuses a snapshot without cases.
        with pytest.raises(DeliveryRejected) as refused:
            read_delivery(provider, folder)
        assert refused.value.rule == "cases_empty"


# --- Content -------------------------------------------------------------------------------


def test_codes_are_in_the_code_lists_and_ids_are_pseudonyms(deliveries):
    id_pattern = re.compile(ID_PATTERN)
    for (provider_id, _period), tables in deliveries.items():
        for table, frame in tables.items():
            for column in TABLES[table]:
                values = frame[column.name].drop_nulls()
                if column.required:
                    assert frame[column.name].null_count() == 0, (provider_id, table, column.name)
                if column.codes is not None:
                    unknown = set(values) - set(column.codes)
                    assert not unknown, (provider_id, table, column.name, unknown)
                if column.type == "id":
                    assert all(id_pattern.match(value) for value in values)


def test_facts_are_dated_no_later_than_the_period_end(deliveries):
    for (provider_id, period), tables in deliveries.items():
        end = _period_end(period)
        for table, frame in tables.items():
            for column in columns_of_type(table, "date"):
                latest = frame[column].max()
                assert latest is None or latest <= end, (provider_id, period, table, column)


def test_consecutive_snapshots_are_consistent(config, deliveries):
    for provider in config.providers.values():
        if "cases" not in provider.tables:
            continue
        for earlier, later in zip(PERIODS, PERIODS[1:]):
            before = deliveries[(provider.id, earlier)]["cases"]
            after = deliveries[(provider.id, later)]["cases"]
            joined = before.join(after, on="case_id", how="left", suffix="_later")
            assert joined["opened_on_later"].null_count() == 0  # no case disappears
            assert (joined["opened_on"] == joined["opened_on_later"]).all()
            assert (joined["person_id"] == joined["person_id_later"]).all()
            closed = joined.filter(pl.col("closed_on").is_not_null())
            assert (closed["closed_on"] == closed["closed_on_later"]).all()
            assert after.height >= before.height


def test_snapshot_rules_hold(deliveries):
    for (_provider_id, _period), tables in deliveries.items():
        if "cases" not in tables:
            continue
        cases, needs = tables["cases"], tables["needs"]
        handovers, assignments = tables["handovers"], tables["assignments"]
        assert (cases["closed_on"].is_null() == cases["closing_reason"].is_null()).all()
        resolved = needs["status"].is_in(["gedeckt", "nicht_gedeckt"])
        assert (resolved == needs["resolved_on"].is_not_null()).all()
        assert ((needs["status"] == "nicht_gedeckt") == needs["unmet_reason"].is_not_null()).all()
        with_case = needs.join(cases, on="case_id", how="left")
        assert (with_case["identified_on"] >= with_case["opened_on"]).all()
        closed = with_case.filter(pl.col("resolved_on").is_not_null() & pl.col("closed_on").is_not_null())
        assert (closed["resolved_on"] <= closed["closed_on"]).all()
        assert handovers.filter(pl.col("outcome") == "erfolgreich")["first_contact_on"].null_count() == 0
        assert (
            handovers["first_contact_on"].drop_nulls().len()
            == handovers.filter(pl.col("outcome") == "erfolgreich").height
        )
        # The case's case manager is the one of its latest assignment.
        latest = (
            assignments.sort("assigned_from").group_by("case_id").agg(pl.col("case_manager_id").last().alias("latest"))
        )
        managers = cases.join(latest, on="case_id", how="left")
        assert (managers["case_manager_id"] == managers["latest"]).all()
        open_assignments = assignments.filter(pl.col("assigned_to").is_null())
        assert open_assignments["case_id"].is_duplicated().sum() == 0


def test_generated_deliveries_pass_the_validation(config, landing):
    """The newest delivery of every provider passes every validation suite (the self-check path)."""
    from pipelines.self_check import self_check

    for provider in config.providers.values():
        report = self_check(landing / provider.id / END_PERIOD, config.path)
        assert report.delivery.violations.is_empty(), report.delivery.violations
        assert {o.table for o in report.check_outcomes} == set(provider.tables)
        assert [(o.table, o.expectation, o.column) for o in report.check_outcomes if not o.success] == []
        assert report.passed
