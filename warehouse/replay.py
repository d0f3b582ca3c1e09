"""Deliveries loaded month by month, as a warehouse fed every month receives them (`kim demo`).

Each month's deliveries are loaded, staging is built from the deliveries current then, and the
contract's checks of those deliveries are recorded (`validate_and_record`, what the staging asset
checks do). Loading everything at once checks only the newest delivery of each provider, so the
data-quality report's history ("Fehler im Zeitverlauf") would have no check results for earlier
months. The checks run as SQL batches (equal to the GX suites, tests/warehouse/test_validation.py):
a GX suite per delivery and month would add minutes to the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from kim.config import ProgrammeConfig
from kim.contract import TABLES
from transforms.delivery import find_delivery_dirs
from transforms.pseudonymise import Pseudonymiser
from warehouse.load import IngestSummary, ensure_pseudonym_key, ingest_delivery, pseudonym_key_value
from warehouse.models import build_staging
from warehouse.validation import validate_and_record


def replay_by_month(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    config: ProgrammeConfig,
    pseudonym_key: str,
    on_month: Callable[[str, int, int], None] | None = None,
) -> IngestSummary:
    """Load the landing folder's deliveries month by month (each month's in provider order), with
    staging and the recorded checks after each month. Deliveries loaded before are skipped, as
    in every load."""
    key = pseudonym_key_value(pseudonym_key)
    ensure_pseudonym_key(con, key)
    pseudonymiser = Pseudonymiser(key)
    folders = find_delivery_dirs(landing_dir)
    periods = sorted({folder.name for folder in folders})
    summary = IngestSummary()
    for done, period in enumerate(periods, start=1):
        for folder in (folder for folder in folders if folder.name == period):
            ingest_delivery(con, folder, config, pseudonymiser, summary)
        build_staging(con)
        for table in TABLES:
            validate_and_record(con, table, engine="batch")
        if on_month is not None:
            on_month(period, done, len(periods))
    return summary
