"""Fuzzing the decoder and the provider's self-check (`kim check`) with mutated deliveries.

Starting from valid synthetic deliveries (the reference CSV dialect, awo's cp1252 dialect and drk's
XLSX workbook), hypothesis mutates them — bytes flipped, inserted or cut, the file truncated,
columns dropped or duplicated, delimiter or encoding swapped, dates garbled, huge or hostile
fields — and rewrites the manifest to match (or not). Whatever comes in, the outcome is either a
decoded delivery whose bad rows each name file, line, column and rule, or a DeliveryRejected
naming the rule and the file: never another exception.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.rules import DELIVERY_RULE_TITLES
from kim.errors import DeliveryRejected
from transforms.delivery import assess, read_verified_manifest
from warehouse.load import decode_for_load

PERIOD = "2026-03"
# The suite runs a fixed, fast sample; KIM_FUZZ_EXAMPLES=2000 hunts longer with fresh randomness.
DEEP = int(os.environ.get("KIM_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=DEEP or 30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=not DEEP)
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "-2+3",
    "../../etc/passwd",
    "\x1b[31mred\x1b[0m",
    "a\u202eb",
    "31.02.2026",
    "0000-00-00",
    "99.99.9999",
    "2026-13-45",
    "1.1.1",
    "-1",
    "1e400",
    "NaN",
    "",
    "x" * 20_000,
    "ä" * 5000,
]


@pytest.fixture(scope="module")
def originals(tmp_path_factory, config) -> dict[str, Path]:
    from synthetic import generate

    landing = tmp_path_factory.mktemp("fuzz") / "landing"
    generate(config, landing, months=1, seed=3, total_cases=40, end_period=PERIOD)
    return {provider: landing / provider / PERIOD for provider in ("caritas", "awo", "drk")}


def rewrite_manifest(folder: Path, rows: dict[str, int] | None = None) -> None:
    """Make manifest.json match the (mutated) files, so mutations reach the decoder."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for name, entry in manifest["files"].items():
        path = folder / name
        if path.exists():
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            if rows and name in rows:
                entry["rows"] = rows[name]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def check_outcome(folder: Path, config) -> None:
    """The contract under fuzzing: a decoded delivery with located violations, or a rejection."""
    try:  # the pipeline's own path: warehouse.load.ingest_delivery
        delivery = decode_for_load(read_verified_manifest(folder, config))
        assess(delivery)
    except DeliveryRejected as rejection:
        assert rejection.rule and rejection.message, rejection
        assert rejection.rule in DELIVERY_RULE_TITLES, f"rule {rejection.rule} has no title"
        if rejection.rule not in ("too_many_bad_rows",):
            assert rejection.file_name, f"[{rejection.rule}] names no file: {rejection.message}"
        str(rejection)  # printable
        return
    violations = delivery.violations
    assert violations.select(pl.col("file_name", "source_row", "rule").null_count()).row(0) == (0, 0, 0)
    assert (violations["source_row"] >= 2).all()


# ---------------------------------------------------------------------------------------------
# CSV


def _split(text: str, delimiter: str) -> list[list[str]]:
    return [line.split(delimiter) for line in text.split("\n")]


def _join(rows: list[list[str]], delimiter: str) -> str:
    return "\n".join(delimiter.join(row) for row in rows)


@st.composite
def csv_mutation(draw, content: bytes, encoding: str, delimiter: str) -> bytes:
    kind = draw(
        st.sampled_from(
            [
                "flip",
                "insert",
                "delete",
                "truncate",
                "drop_column",
                "duplicate_column",
                "delimiter",
                "encoding",
                "garbage_cell",
                "line_endings",
                "quote",
            ]
        )
    )
    if not content:  # an earlier mutation emptied the file
        return draw(st.binary(max_size=20))
    if kind in ("flip", "insert", "delete", "truncate"):
        data = bytearray(content)
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 50))]
        else:
            del data[at:]
        return bytes(data)
    text = content.decode(encoding, errors="replace")  # an earlier mutation may have broken it
    rows = _split(text.rstrip("\n"), delimiter)
    width = len(rows[0])
    column = draw(st.integers(0, width - 1))
    if kind == "drop_column":
        rows = [row[:column] + row[column + 1 :] if len(row) == width else row for row in rows]
    elif kind == "duplicate_column":
        rows = [row + [row[column]] if len(row) == width else row for row in rows]
    elif kind == "delimiter":
        return text.replace(delimiter, draw(st.sampled_from([",", ";", "\t", "|"]))).encode(encoding)
    elif kind == "encoding":
        return text.encode(
            draw(st.sampled_from(["utf-16", "latin-1", "cp1252", "utf-8-sig", "utf-8"])), errors="replace"
        )
    elif kind == "garbage_cell":
        line = draw(st.integers(0, len(rows) - 1))
        if len(rows[line]) > column:
            rows[line][column] = draw(st.sampled_from(HOSTILE) | st.text(max_size=30))
    elif kind == "line_endings":
        return text.replace("\n", draw(st.sampled_from(["\r\n", "\r"])), draw(st.integers(1, 3))).encode(encoding)
    else:
        line = draw(st.integers(0, len(rows) - 1))
        rows[line] = ['"' + cell for cell in rows[line]]
    return (_join(rows, delimiter) + "\n").encode(encoding, errors="replace")


def _csv_case(provider: str, config):
    profile = config.providers[provider].profile
    return profile.encoding, profile.delimiter


@pytest.mark.parametrize("provider", ["caritas", "awo"])
def test_mutated_csv_deliveries_are_decoded_or_rejected_clearly(originals, config, tmp_path_factory, provider):
    encoding, delimiter = _csv_case(provider, config)
    source = originals[provider]
    tables = sorted(p.name for p in source.glob("*.csv"))

    @FUZZ
    @given(data=st.data())
    def run(data):
        folder = tmp_path_factory.mktemp("csv") / provider / PERIOD
        shutil.copytree(source, folder)
        for _ in range(data.draw(st.integers(1, 3))):
            name = data.draw(st.sampled_from(tables))
            path = folder / name
            path.write_bytes(data.draw(csv_mutation(path.read_bytes(), encoding, delimiter)))
        if data.draw(st.booleans()):  # mostly the manifest matches, so the decoder sees the damage
            counts = {p.name: max(p.read_bytes().count(b"\n") - 1, 0) for p in folder.glob("*.csv")}
            rewrite_manifest(folder, counts)
        else:
            rewrite_manifest(folder)
        check_outcome(folder, config)

    run()


# ---------------------------------------------------------------------------------------------
# XLSX


def _write_workbook(frames: dict[str, pl.DataFrame], formula: tuple[str, int, int] | None, cells: tuple = ()) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    # a fixed creation time: the same draws must give the same bytes (hypothesis replays them)
    workbook.set_properties({"created": datetime(2026, 4, 2, 9, 0)})
    for name, frame in frames.items():
        sheet = workbook.add_worksheet(name[:31])
        sheet.write_row(0, 0, frame.columns)
        for r, row in enumerate(frame.rows(), start=1):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        if formula and formula[0] == name:
            sheet.write_formula(formula[1], formula[2], "=1+1")
        for sheet_name, row, column, value in cells:  # typed cells: numbers, booleans, errors
            if sheet_name == name:
                sheet.write(row, column, value)
    workbook.close()
    return buffer.getvalue()


@st.composite
def workbook_mutation(draw, frames: dict[str, pl.DataFrame]) -> bytes:
    frames = dict(frames)
    kind = draw(
        st.sampled_from(
            [
                "drop_column",
                "duplicate_column",
                "garbage_cell",
                "numbers",
                "drop_sheet",
                "rename_sheet",
                "formula",
                "zip_bytes",
                "truncate",
                "mixed_types",
                "sheet_xml",
            ]
        )
    )
    name = draw(st.sampled_from(sorted(frames)))
    frame = frames[name]
    column = draw(st.sampled_from(frame.columns))
    formula = None
    typed_cells = ()
    if kind == "mixed_types":  # a number, a boolean or a date in a column of text, or the reverse
        typed_cells = (
            (
                name,
                draw(st.integers(1, max(frame.height, 1))),
                draw(st.integers(0, len(frame.columns) - 1)),
                draw(st.sampled_from([3.5, -1, True, 1e308, "text", "#N/A"])),
            ),
        )
    if kind == "drop_column":
        frames[name] = frame.drop(column)
    elif kind == "duplicate_column":
        frames[name] = frame.with_columns(pl.col(column).alias(column + " "))
    elif kind in ("garbage_cell", "numbers") and frame.height:
        row = draw(st.integers(0, frame.height - 1))
        value = (
            draw(st.sampled_from(HOSTILE))
            if kind == "garbage_cell"
            else draw(st.sampled_from([-1.5, 1e300, 0.5, 45.0, -0.0, 2**53]))
        )
        cells = frame[column].cast(pl.String).to_list()
        cells[row] = str(value)
        frames[name] = frame.with_columns(pl.Series(column, cells, dtype=pl.String))
    elif kind == "drop_sheet":
        frames.pop(name)
        if not frames:
            frames["leer"] = pl.DataFrame({"x": ["1"]})
    elif kind == "rename_sheet":
        frames[name.upper()] = frames.pop(name)
    elif kind == "formula":
        formula = (name, draw(st.integers(1, 5)), draw(st.integers(0, 3)))
    content = _write_workbook(frames, formula, typed_cells)
    if kind == "sheet_xml":  # a damaged sheet inside an intact archive
        source, target = io.BytesIO(content), io.BytesIO()
        with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for member in archive.namelist():
                data = archive.read(member)
                if member.startswith("xl/worksheets/") or member == "xl/sharedStrings.xml":
                    data = data[: draw(st.integers(0, len(data)))] + draw(st.binary(max_size=20))
                out.writestr(member, data)
        content = target.getvalue()
    if kind == "zip_bytes":
        data = bytearray(content)
        for _ in range(draw(st.integers(1, 5))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        content = bytes(data)
    elif kind == "truncate":
        content = content[: draw(st.integers(0, len(content) - 1))]
    return content


def test_mutated_workbooks_are_decoded_or_rejected_clearly(originals, config, tmp_path_factory):
    from transforms.decode import read_xlsx_tables

    source = originals["drk"]
    frames = {
        name: frame.with_columns(pl.all().cast(pl.String))
        for name, frame in read_xlsx_tables(source / "export.xlsx").items()
    }

    @settings(FUZZ, max_examples=DEEP or 25)
    @given(data=st.data())
    def run(data):
        folder = tmp_path_factory.mktemp("xlsx") / "drk" / PERIOD
        shutil.copytree(source, folder)
        (folder / "export.xlsx").write_bytes(data.draw(workbook_mutation(frames)))
        rewrite_manifest(folder)
        check_outcome(folder, config)

    run()


# ---------------------------------------------------------------------------------------------
# kim check


@pytest.mark.parametrize("provider", ["caritas", "drk"])
def test_kim_check_reports_every_mutation_with_file_line_and_rule(originals, config, tmp_path_factory, provider):
    """The self-check end to end (decoder, quarantine rules, validation suites, the printed report)
    on fewer examples: it runs the Great Expectations suites each time."""
    from pipelines.self_check import format_rejection, format_report, self_check

    source = originals[provider]
    encoding, delimiter = _csv_case(provider, config)

    @settings(FUZZ, max_examples=DEEP // 10 or 6)
    @given(data=st.data())
    def run(data):
        folder = tmp_path_factory.mktemp("check") / "export"
        shutil.copytree(source, folder)
        if provider == "drk":
            frames = {
                n: f.with_columns(pl.all().cast(pl.String))
                for n, f in __import__("transforms.decode", fromlist=["x"])
                .read_xlsx_tables(source / "export.xlsx")
                .items()
            }
            (folder / "export.xlsx").write_bytes(data.draw(workbook_mutation(frames)))
        else:
            path = folder / "cases.csv"
            path.write_bytes(data.draw(csv_mutation(path.read_bytes(), encoding, delimiter)))
        rewrite_manifest(folder)
        try:
            report = self_check(folder, config.path)
        except DeliveryRejected as rejection:
            text = format_rejection(rejection)
            assert text.splitlines()[-1].startswith("ABGELEHNT: ") and f"[{rejection.rule}]" in text
            return
        text = format_report(report)
        for v in report.delivery.violations.iter_rows(named=True):
            if v["rule"] == "parent_quarantined":  # follow-on rows: counted per file under their cause
                assert f"{v['file_name']} [parent_quarantined]" in text
            else:
                assert f"{v['file_name']}, Zeile {v['source_row']}" in text and f"[{v['rule']}]" in text
        assert "\x1b" not in text, "a terminal escape sequence from the file reaches the terminal"

    run()


def test_a_sheet_missing_from_the_archive_is_a_rejection_not_a_crash(originals, config, tmp_path):
    """Found by the fuzzer (a flipped byte in a member name of the zip directory): the workbook
    lists a sheet the archive does not hold; fastexcel raised CalamineError out of the run."""
    source = originals["drk"]
    folder = tmp_path / "drk" / PERIOD
    shutil.copytree(source, folder)
    damaged = io.BytesIO()
    with zipfile.ZipFile(source / "export.xlsx") as archive, zipfile.ZipFile(damaged, "w") as out:
        for member in archive.namelist():
            name = "xl/worksheets/sheet2Wxml" if member == "xl/worksheets/sheet2.xml" else member
            out.writestr(name, archive.read(member))
    (folder / "export.xlsx").write_bytes(damaged.getvalue())
    rewrite_manifest(folder)
    with pytest.raises(DeliveryRejected) as caught:
        decode_for_load(read_verified_manifest(folder, config))
    assert (caught.value.rule, caught.value.file_name) == ("xlsx_unreadable", "export.xlsx")
    assert "cannot be read" in caught.value.message


def test_a_workbook_column_without_values_is_read_without_an_english_warning(tmp_path):
    """A sheet column left empty by the export is text, as in a CSV; fastexcel's warning about it
    ("Could not determine dtype…") reached the terminal of `kim run` and `kim check`."""
    import subprocess
    import sys

    path = tmp_path / "export.xlsx"
    pl.DataFrame({"case_id": ["K1", "K2"], "closed_on": [None, None]}).write_excel(path, worksheet="cases")
    script = (
        "import sys; from pathlib import Path; from transforms.decode import read_xlsx_tables;"
        "frame = read_xlsx_tables(Path(sys.argv[1]))['cases'];"
        "print(frame.schema['closed_on'], frame['closed_on'].null_count())"
    )
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["String", "2"]
    assert result.stderr == ""
