"""A provider's self-check (`kim check`): the pipeline's own validation on an in-memory warehouse."""

from __future__ import annotations

import secrets
from pathlib import Path

import duckdb

from checks.gx_suites import SuiteOutcome, validate_staging_table
from kim.config import load_config
from transforms.delivery import read_delivery
from warehouse.load import load_delivery
from warehouse.migrate import migrate
from warehouse.models import build_staging


def self_check(delivery_dir: Path, config_path: Path) -> list[SuiteOutcome]:
    """Raises DeliveryRejected for format errors; returns the validation outcome of every table."""
    delivery = read_delivery(delivery_dir, load_config(config_path))
    con = duckdb.connect(":memory:")
    try:
        migrate(con)
        # A throwaway key: nothing is kept, but the data takes the same path as in production.
        load_delivery(con, delivery.pseudonymised(secrets.token_hex(16)))
        build_staging(con)
        return [validate_staging_table(con, table) for table in delivery.tables]
    finally:
        con.close()
