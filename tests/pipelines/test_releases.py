"""Releases end to end (issue 19): generated deliveries through the real pipeline, `kim publish`
builds a release that is not published until `kim approve`; a corrected delivery gives a second
release that explains what changed while the first stays byte for byte as it was; the audit of the
second includes the first; a release changed after its build is refused."""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

import polars as pl
import pytest

from kim.settings import Settings
from pipelines.definitions import defs as load_definitions
from pipelines.releases import approve, list_releases, publish
from pipelines.runner import run_pipeline
from reports.release import ReleaseError
from synthetic import generate
from tests.conftest import STRONG_TEST_KEY
from tests.dagster_runs import in_memory_instance
from tests.html_helpers import chromium_page
from warehouse.migrate import connect

pytestmark = pytest.mark.e2e

END = "2026-02"
HEX_TOKEN = re.compile(r"[0-9a-fA-F]{16,}")


def run(settings: Settings) -> None:
    with in_memory_instance() as instance:
        assert run_pipeline(load_definitions(), settings, instance).result.success


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def correct_delivery(settings: Settings, config, root: Path) -> str:
    """caritas sends February again with other contents (generated with another seed)."""
    other = root / "other"
    generate(config, other, months=3, seed=23, total_cases=260, end_period=END)
    target = settings.landing_dir / "caritas" / END
    shutil.rmtree(target)
    shutil.copytree(other / "caritas" / END, target)
    return "caritas"


@pytest.fixture(scope="module")
def flow(tmp_path_factory, config):
    """The whole life of two releases, each step's outcome kept for the tests."""
    root = tmp_path_factory.mktemp("releases")
    generate(config, root / "landing", months=3, seed=7, total_cases=260, end_period=END)
    settings = Settings(
        landing_dir=root / "landing",
        warehouse=root / "warehouse.duckdb",
        reports_dir=root / "reports",
        config=config.path,
        pseudonym_key=STRONG_TEST_KEY,
        suppression_k=5,
        releases_dir=root / "releases",
        published_dir=root / "published",
    )
    run(settings)
    state: dict = {"settings": settings}
    with pytest.raises(ReleaseError) as older:
        publish(settings, "2026-01")
    state["older_month"] = str(older.value)
    first = state["first"] = publish(settings)
    state["published_before_approval"] = sorted(p.name for p in settings.published.glob("*")) if settings.published.exists() else []  # fmt: skip
    with pytest.raises(ReleaseError) as nobody:
        approve(settings, first.record.release_id, "  ")
    state["nobody"] = str(nobody.value)
    state["first_approved"] = approve(settings, first.record.release_id, "Erika Muster")
    with pytest.raises(ReleaseError) as again:
        approve(settings, first.record.release_id, "Max Muster")
    state["again"] = str(again.value)
    state["first_files"] = files_of(settings.published / first.record.release_id)

    state["corrected_provider"] = correct_delivery(settings, config, root)
    run(settings)
    second = publish(settings)
    tampered = second.folder / "monatsbericht_2026-02.html"
    tampered.write_text(tampered.read_text(encoding="utf-8").replace("Februar", "Fegruar"), encoding="utf-8")
    with pytest.raises(ReleaseError) as changed:
        approve(settings, second.record.release_id, "Erika Muster")
    state["tampered"] = str(changed.value)
    state["second"] = second = publish(settings)  # built again: the same id, replaced
    state["second_approved"] = approve(settings, second.record.release_id, "Erika Muster")
    state["releases"] = list_releases(settings)
    return state


def test_only_the_newest_month_can_be_released(flow):
    assert "neueste Monat im Warehouse (2026-02)" in flow["older_month"]


def test_a_built_release_is_complete_and_not_published_before_approval(flow):
    first = flow["first"]
    assert first.record.release_id == "2026-02.1" and first.previous is None
    assert flow["published_before_approval"] == []
    names = set(files_of(first.folder))
    assert {"release.html", "index.html", "manifest.json", "offenlegungspruefung.json", "monatsbericht_2026-02.html"} <= names  # fmt: skip
    assert "downloads/offene-daten_2026-02.1.csv" in names and "downloads/monatsbericht_2026-02.xlsx" in names
    manifest = json.loads((first.folder / "manifest.json").read_text(encoding="utf-8"))
    assert {entry["pfad"] for entry in manifest["dateien"]} == names - {"manifest.json"}
    audit = json.loads((first.folder / "offenlegungspruefung.json").read_text(encoding="utf-8"))
    assert audit == {"k": 5, "bestanden": True, "leser": audit["leser"], "fruehere_releases_einbezogen": []}
    assert "außen" in audit["leser"]  # nothing counted: target counts depend on true values


def test_no_file_of_a_release_holds_a_pseudonym(flow):
    """Every long hex token of every file (checksums are such tokens) against every pseudonym in
    the warehouse."""
    con = connect(flow["settings"].warehouse)
    try:
        pseudonyms = {row[0] for row in con.execute("SELECT person_id FROM raw.cases UNION SELECT case_id FROM raw.cases").fetchall()}  # fmt: skip
    finally:
        con.close()
    assert len(pseudonyms) > 100
    for release in (flow["first"], flow["second"]):
        for name, content in files_of(release.folder).items():
            if name.endswith((".html", ".csv", ".json")):
                tokens = set(HEX_TOKEN.findall(content.decode("utf-8-sig")))
                assert not tokens & pseudonyms, name


def test_approval_needs_a_name_publishes_a_read_only_copy_once(flow):
    settings, record = flow["settings"], flow["first_approved"]
    assert "Wer gibt frei?" in flow["nobody"]
    assert record.approved and record.approved_by == "Erika Muster"
    published = settings.published / "2026-02.1"
    assert (published / "release.html").is_file()
    assert all(not (p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) for p in published.rglob("*") if p.is_file())  # fmt: skip
    assert "bereits freigegeben" in flow["again"] and "Erika Muster" in flow["again"]


def test_a_release_changed_after_its_build_is_refused_naming_the_file(flow):
    assert "monatsbericht_2026-02.html wurde nach dem Bau verändert" in flow["tampered"]


def test_a_correction_is_a_second_release_that_explains_the_change(flow):
    second = flow["second"]
    assert second.record.release_id == "2026-02.2"
    assert second.previous is not None and second.previous.release_id == "2026-02.1"
    assert second.changed_figures > 0
    assert second.record.audited_with == ("2026-02.1",)
    audit = json.loads((second.folder / "offenlegungspruefung.json").read_text(encoding="utf-8"))
    assert audit["fruehere_releases_einbezogen"] == ["2026-02.1"] and audit["bestanden"] is True
    page = (second.folder / "release.html").read_text(encoding="utf-8")
    assert "Release 2026-02.1" in page and "korrigierte Lieferung (ersetzt eine frühere)" in page
    assert f"{flow['corrected_provider']}, Februar 2026" in page
    changes = pl.read_csv(second.folder / "downloads" / "aenderungen_2026-02.2.csv", separator=";", infer_schema=False)
    assert changes.height == second.changed_figures
    assert set(changes.columns) >= {"bezeichnung", "vorher", "jetzt"}


def test_the_first_release_stays_exactly_as_it_was_and_the_index_lists_both(flow):
    settings = flow["settings"]
    assert files_of(settings.published / "2026-02.1") == flow["first_files"]
    index = (settings.published / "index.html").read_text(encoding="utf-8")
    assert index.index("2026-02.2") < index.index("2026-02.1")  # newest first
    assert index.count("durch eine Korrektur ersetzt") == 1
    assert [(r.release_id, r.status) for r in flow["releases"]] == [
        ("2026-02.1", "approved"),
        ("2026-02.2", "approved"),
    ]


def test_the_open_data_table_is_for_german_excel_and_shows_what_the_reports_show(flow):
    path = flow["second"].folder / "downloads" / "offene-daten_2026-02.2.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    table = pl.read_csv(path, separator=";", infer_schema=False, encoding="utf8-lossy")
    assert table.columns[0].lstrip("\ufeff") == "indikator"
    shown = set(table["anzeige"].to_list())
    assert "•" in shown
    shares = table.filter(pl.col("anzeige").str.ends_with("%"))
    assert shares.height and shares["wert"].str.contains(r"^-?\d+(,\d)?$").all()  # one decimal, as printed


@pytest.mark.browser
def test_every_download_of_a_published_report_is_linked_present_and_downloads(flow):
    folder = flow["settings"].published / "2026-02.2"
    with chromium_page() as (page, traffic):
        page.goto((folder / "release.html").as_uri())
        page.click("text=Alle Berichte dieses Releases")
        page.wait_for_load_state("load")
        assert page.url.endswith("/index.html")
        page.goto((folder / "monatsbericht_2026-02.html").as_uri())
        links = page.locator("a[download]")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        tables = page.locator("table").count()
        assert len([h for h in hrefs if h.endswith(".csv")]) >= 2 * tables  # one under each table, one in the list
        assert all((folder / h).is_file() for h in hrefs), [h for h in hrefs if not (folder / h).is_file()]
        with page.expect_download() as download:
            page.locator("p.download a").first.click()
        saved = Path(download.value.path())
        assert saved.read_bytes() == (folder / hrefs[0]).read_bytes()
        # a download ends its request as "aborted" for the page; nothing else may fail
        assert all(url.endswith(".csv") for url in traffic.failed), traffic.failed


def test_the_commands_say_in_german_what_happened_and_refuse_with_exit_code_1(flow, monkeypatch):
    from typer.testing import CliRunner

    from kim.cli import app

    settings = flow["settings"]
    for name, value in (("KIM_RELEASES_DIR", settings.releases), ("KIM_PUBLISHED_DIR", settings.published), ("KIM_CONFIG", settings.config)):  # fmt: skip
        monkeypatch.setenv(name, str(value))
    runner = CliRunner()
    warehouse = ["--warehouse", str(settings.warehouse)]
    listed = runner.invoke(app, ["releases", *warehouse])
    assert listed.exit_code == 0
    assert "2026-02.1" in listed.stdout and "freigegeben am" in listed.stdout and "Erika Muster" in listed.stdout
    again = runner.invoke(app, ["approve", "2026-02.1", "--by", "Max Muster", *warehouse])
    assert again.exit_code == 1 and "bereits freigegeben" in " ".join(again.output.split())
    unknown = runner.invoke(app, ["approve", "2026-13.1", "--by", "Max Muster", *warehouse])
    assert unknown.exit_code == 1 and "keine Release-Kennung" in " ".join(unknown.output.split())
    older = runner.invoke(app, ["publish", "--period", "2025-12", *warehouse])
    assert older.exit_code == 1 and "Kein Release gebaut" in older.output


def test_the_dagster_job_builds_a_release_for_approval(flow):
    """The job publish_release does what `kim publish` does, and publishes nothing."""
    from pipelines.defs.releases import publish_release_job
    from pipelines.defs.resources import build_resources

    settings = flow["settings"]
    result = publish_release_job.execute_in_process(
        resources=build_resources(settings), run_config={"ops": {"build_release": {"config": {"period": END}}}}
    )
    assert result.success
    built = {r.release_id: r for r in list_releases(settings)}["2026-02.3"]
    assert built.status == "built" and built.audited_with == ("2026-02.1", "2026-02.2")
    assert not (settings.published / "2026-02.3").exists()


def test_an_approval_interrupted_before_its_copy_arrived_is_finished_by_approving_again(flow):
    """The approval is recorded first (a published release without its record would be missing
    from every later audit); if the copy then fails, `kim approve` finishes it."""
    from warehouse.releases import record_approval

    settings = flow["settings"]
    built = publish(settings)
    con = connect(settings.warehouse)
    try:
        assert record_approval(con, built.record.release_id, "Erika Muster", built.record.built_at, "x")
    finally:
        con.close()
    assert not (settings.published / built.record.release_id).exists()
    finished = approve(settings, built.record.release_id, "Erika Muster")
    assert finished.approved and (settings.published / built.record.release_id / "release.html").is_file()
    assert built.record.release_id in (settings.published / "index.html").read_text(encoding="utf-8")
    assert not [p for p in settings.published.parent.iterdir() if p.name.endswith(".copying")]


def test_a_warehouse_that_does_not_know_a_published_release_builds_none(flow):
    """A rebuilt warehouse has no record of what was published: its audit would ignore it."""
    settings = flow["settings"]
    stranger = settings.published / "2025-01.1"
    stranger.mkdir()
    (stranger / "manifest.json").write_text("{}", encoding="utf-8")
    try:
        with pytest.raises(ReleaseError, match=r"2025-01\.1, das dieses Warehouse nicht kennt") as refused:
            publish(settings)
        assert "Schema publication" in str(refused.value)
    finally:
        shutil.rmtree(stranger)
