"""The landing folder as an attack surface (docs/security.md): whoever can write it must not make
the pipeline read files outside it (paths in manifest.json, symbolic links to files or folders)
or exhaust its memory (a file far larger than any export, a workbook that unpacks to gigabytes).
Each is a clear rejection in the register, nothing of the delivery is read or loaded, and the
provider's previous delivery stays current."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from checks.manifest import MAX_FILE_BYTES_ENV
from tests.delivery_files import CASE_ROWS, reference_files, table_counts, write_delivery_files
from warehouse.landing import scan_landing
from warehouse.load import ingest_landing

KEY = "landing-security-key"


def register(con) -> list[tuple]:
    return con.execute(
        "SELECT provider_id, period, state, rejection_rule, rejection_file FROM raw.deliveries "
        "ORDER BY provider_id, period, state"
    ).fetchall()


def outside_delivery(tmp_path, provider="caritas", period="2026-06"):
    """A complete, valid delivery lying outside the landing folder."""
    return write_delivery_files(tmp_path / "elsewhere", provider, period, reference_files())


@pytest.mark.parametrize(
    "name",
    [
        "../cases.csv",
        "../../etc/passwd",
        "/etc/passwd",
        "..",
        ".",
        "sub/cases.csv",
        "..\\cases.csv",
        "C:cases.csv",
        "cases.csv\x00.txt",
    ],
)
def test_a_manifest_cannot_name_a_file_outside_the_delivery_folder(tmp_path, config, warehouse, name):
    landing = tmp_path / "landing"
    folder = write_delivery_files(landing, "caritas", "2026-06", reference_files())
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name] = manifest["files"].pop("cases.csv")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    summary = ingest_landing(warehouse, landing, config, KEY)
    assert [(r.rule, r.file_name) for r in summary.rejected] == [("manifest_files", "manifest.json")]
    assert "plain name" in summary.rejected[0].message
    assert table_counts(warehouse)["raw.cases"] == 0


def test_a_file_that_is_a_symbolic_link_is_refused_unread(tmp_path, config, warehouse):
    landing = tmp_path / "landing"
    folder = write_delivery_files(landing, "caritas", "2026-06", reference_files())
    # the link points to a file with exactly the listed content: only the link rule can stop it
    target = outside_delivery(tmp_path) / "cases.csv"
    (folder / "cases.csv").unlink()
    (folder / "cases.csv").symlink_to(target)
    summary = ingest_landing(warehouse, landing, config, KEY)
    assert [(r.rule, r.file_name) for r in summary.rejected] == [("file_symlink", "cases.csv")]
    assert table_counts(warehouse)["raw.cases"] == 0
    # registered once; a re-run does not register it again
    ingest_landing(warehouse, landing, config, KEY)
    assert register(warehouse) == [("caritas", "2026-06", "rejected", "file_symlink", "cases.csv")]


def test_an_unlisted_or_dangling_link_is_refused_too(tmp_path, config, warehouse):
    landing = tmp_path / "landing"
    folder = write_delivery_files(landing, "caritas", "2026-06", reference_files())
    (folder / "notes.txt").symlink_to("/nonexistent/target")
    summary = ingest_landing(warehouse, landing, config, KEY)
    assert [(r.rule, r.file_name) for r in summary.rejected] == [("file_symlink", "notes.txt")]
    ready, _ = scan_landing(landing, {}, now=4e9, quiet_seconds=0)  # the sensor does not trip over it
    assert [d.content_key for d in ready] and ready[0].path == folder


def test_a_manifest_that_is_a_symbolic_link_is_refused(tmp_path, config, warehouse):
    landing = tmp_path / "landing"
    folder = write_delivery_files(landing, "caritas", "2026-06", reference_files())
    (folder / "manifest.json").unlink()
    (folder / "manifest.json").symlink_to(outside_delivery(tmp_path) / "manifest.json")
    summary = ingest_landing(warehouse, landing, config, KEY)
    assert [(r.rule, r.file_name) for r in summary.rejected] == [("file_symlink", "manifest.json")]


@pytest.mark.parametrize("level", ["delivery folder", "provider folder"])
def test_a_linked_delivery_or_provider_folder_is_refused_unread(tmp_path, config, warehouse, monkeypatch, level):
    landing = tmp_path / "landing"
    write_delivery_files(landing, "caritas", "2026-05", reference_files(CASE_ROWS[:1]))
    ingest_landing(warehouse, landing, config, KEY)
    before = table_counts(warehouse)
    outside = outside_delivery(tmp_path)
    if level == "delivery folder":
        (landing / "caritas" / "2026-06").symlink_to(outside, target_is_directory=True)
    else:
        outside_delivery(tmp_path, "diakonie")
        (landing / "diakonie").symlink_to(outside.parent.parent / "diakonie", target_is_directory=True)
    # nothing behind the link is opened, not even to hash it
    import checks.manifest

    real_sha256 = checks.manifest.sha256_of_file

    def no_reading_behind_links(path):
        assert path.parent.name != "2026-06", f"{path} behind a link was read"
        return real_sha256(path)

    monkeypatch.setattr(checks.manifest, "sha256_of_file", no_reading_behind_links)
    summary = ingest_landing(warehouse, landing, config, KEY)
    assert [r.rule for r in summary.rejected] == ["path_outside_landing"]
    assert "symbolic link" in summary.rejected[0].message
    assert table_counts(warehouse) == before
    provider = "caritas" if level == "delivery folder" else "diakonie"
    assert ("caritas", "2026-05", "accepted", None, None) in register(warehouse)
    assert (provider, "2026-06", "rejected", "path_outside_landing", None) in register(warehouse)
    # the sensor hands it on (so the rejection is registered) without looking into it
    ready, _ = scan_landing(landing, {}, now=4e9, quiet_seconds=0)
    assert f"{provider}/2026-06" in {f"{d.provider_id}/{d.period}" for d in ready}
    assert len(ingest_landing(warehouse, landing, config, KEY).rejected) == 0  # registered once


def test_the_landing_folder_itself_may_be_a_link(tmp_path, config, warehouse):
    real = tmp_path / "mounted"
    write_delivery_files(real, "caritas", "2026-06", reference_files())
    (tmp_path / "landing").symlink_to(real, target_is_directory=True)
    assert len(ingest_landing(warehouse, tmp_path / "landing", config, KEY).accepted) == 1


# ---------------------------------------------------------------------------------------------
# Resource limits


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, config, warehouse, monkeypatch):
    landing = tmp_path / "landing"
    write_delivery_files(landing, "caritas", "2026-05", reference_files())
    ingest_landing(warehouse, landing, config, KEY)
    before = table_counts(warehouse)
    # 50x the rows of the usual delivery (here: 100 cases -> 5,000), over a limit set low for the test
    rows = [f"C-{i};P-{i};M-1;15.01.2026;;;1990;w;SYR;duldung;;;selbst" for i in range(5000)]
    write_delivery_files(landing, "caritas", "2026-06", reference_files(rows))
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, "100000")
    import transforms.delivery

    def no_decoding(*args, **kwargs):
        raise AssertionError("the oversized file was read")

    monkeypatch.setattr(transforms.delivery, "read_csv_table", no_decoding)
    summary = ingest_landing(warehouse, landing, config, KEY)
    (rejection,) = summary.rejected
    assert (rejection.rule, rejection.file_name) == ("file_too_large", "cases.csv")
    assert "100000 bytes" in rejection.message and MAX_FILE_BYTES_ENV in rejection.message
    assert table_counts(warehouse) == before
    assert warehouse.execute("SELECT period FROM raw.deliveries WHERE state = 'accepted'").fetchall() == [("2026-05",)]


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(tmp_path, config, warehouse, monkeypatch):
    # 20 MB of zeros pack into ~20 kB: small on disk, huge once unpacked (a "zip bomb")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 20_000_000)
    content = buffer.getvalue()
    assert len(content) < 100_000
    landing = tmp_path / "landing"
    write_delivery_files(landing, "drk", "2026-06", {"export.xlsx": content})
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, "1000000")
    summary = ingest_landing(warehouse, landing, config, KEY)
    assert [(r.rule, r.file_name) for r in summary.rejected] == [("file_too_large", "export.xlsx")]
    assert "unpacks to 20000" in summary.rejected[0].message


def test_an_oversized_manifest_is_not_parsed(tmp_path, config, warehouse):
    landing = tmp_path / "landing"
    folder = write_delivery_files(landing, "caritas", "2026-06", reference_files())
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["padding"] = "x" * (2 << 20)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    summary = ingest_landing(warehouse, landing, config, KEY)
    assert [(r.rule, r.file_name) for r in summary.rejected] == [("file_too_large", "manifest.json")]


def test_the_size_limit_is_validated(monkeypatch):
    from checks.manifest import DEFAULT_MAX_FILE_BYTES, max_file_bytes

    monkeypatch.delenv(MAX_FILE_BYTES_ENV, raising=False)
    assert max_file_bytes() == DEFAULT_MAX_FILE_BYTES == 1 << 30
    monkeypatch.setenv(MAX_FILE_BYTES_ENV, "lots")
    with pytest.raises(ValueError, match=MAX_FILE_BYTES_ENV):
        max_file_bytes()


def test_a_fifo_in_place_of_a_file_does_not_block_the_load(tmp_path, config, warehouse):
    import os

    landing = tmp_path / "landing"
    folder = write_delivery_files(landing, "caritas", "2026-06", reference_files())
    (folder / "needs.csv").unlink()
    os.mkfifo(folder / "needs.csv")  # reading it would wait forever
    summary = ingest_landing(warehouse, landing, config, KEY)
    assert [(r.rule, r.file_name) for r in summary.rejected] == [("file_missing", "needs.csv")]
