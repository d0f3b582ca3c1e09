"""Hand-written delivery folders for tests: the reference dialect's cases file plus empty tables,
with a manifest whose rows and checksums match (or are overridden to break it)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

CASES_HEADER = (
    "case_id;person_id;case_manager_id;opened_on;closed_on;closing_reason;birth_year;gender;"
    "nationality;residence_status;arrival_year;district;referral_source"
)
CASE_ROWS = [
    "C-1;P-aa;M-1;15.01.2026;;;1990;w;SYR;duldung;2015;wiesdorf;selbst",
    "C-2;P-bb;M-1;20.01.2026;28.02.2026;umzug;1988;m;AFG;gestattung;;;jobcenter",
]
EMPTY_TABLES = {
    "needs": "need_id;case_id;category;identified_on;status;resolved_on;unmet_reason",
    "handovers": "handover_id;case_id;need_id;target_service;referred_on;first_contact_on;outcome",
    "contacts": "contact_id;case_id;contact_on;channel;duration_minutes",
    "assignments": "case_id;case_manager_id;assigned_from;assigned_to",
}


def write_delivery_files(
    landing: Path, provider: str, period: str, files: dict[str, bytes], manifest_overrides: dict | None = None
) -> Path:
    folder = landing / provider / period
    folder.mkdir(parents=True, exist_ok=True)
    entries = {}
    for name, content in files.items():
        (folder / name).write_bytes(content)
        entries[name] = {
            "rows": max(content.count(b"\n") - 1, 0) if content.endswith(b"\n") else content.count(b"\n"),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
    manifest = {
        "provider_id": provider,
        "period": period,
        "exported_at": "2026-03-04T10:00:00+01:00",
        "format_version": "1",
        "files": entries,
        **(manifest_overrides or {}),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def reference_files(case_rows: list[str] = CASE_ROWS, header: str = CASES_HEADER) -> dict[str, bytes]:
    files = {"cases.csv": ("\ufeff" + "\n".join([header, *case_rows]) + "\n").encode("utf-8")}
    files.update({f"{t}.csv": (h + "\n").encode("utf-8") for t, h in EMPTY_TABLES.items()})
    return files


DATA_TABLES = ["raw.delivery_files", "raw.cases", "raw.needs", "quarantine.rejected_rows"]


def table_counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in DATA_TABLES}
