"""A provider's self-check (`kim check`): the pipeline's own checks on an in-memory warehouse."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from checks.manifest import content_key, folder_digest
from checks.rules import delivery_rule_title, render
from kim.config import load_config
from kim.errors import DeliveryRejected, unreadable_workbook, workbook_library_errors
from kim.text import printable
from transforms.delivery import DEFAULT_MAX_BAD_ROW_SHARE, DecodedDelivery, assess, read_delivery
from warehouse.load import Arrival, load_delivery
from warehouse.migrate import migrate
from warehouse.models import build_staging
from warehouse.validation import CheckOutcome, validate_staging


@dataclass
class SelfCheckReport:
    delivery: DecodedDelivery
    rejection: DeliveryRejected | None  # set when too many rows break rules
    check_outcomes: list[CheckOutcome]

    @property
    def passed(self) -> bool:
        return (
            self.rejection is None
            and self.delivery.violations.is_empty()
            and all(outcome.success for outcome in self.check_outcomes)
        )


def self_check(
    delivery_dir: Path, config_path: Path, max_bad_row_share: float = DEFAULT_MAX_BAD_ROW_SHARE
) -> SelfCheckReport:
    """Raises DeliveryRejected for problems of the whole delivery; otherwise reports every bad row
    and the validation suites' outcome on the rows the pipeline would accept."""
    # A provider checks an export before putting it into landing/<provider>/<YYYY-MM>/, so the
    # folder may be named as they like; the manifest says whose delivery and which month it is.
    try:
        delivery = read_delivery(delivery_dir, load_config(config_path), check_folder=False)
    except workbook_library_errors() as error:  # found by tests/transforms/test_fuzz_decoder.py
        raise unreadable_workbook(delivery_dir, error) from None
    try:
        assess(delivery, max_bad_row_share)
        rejection = None
    except DeliveryRejected as too_many:
        rejection = too_many
    con = duckdb.connect(":memory:")
    try:
        migrate(con)
        # A throwaway key: nothing is kept, but the data takes the same path as in production.
        key = content_key(delivery_dir, folder_digest(delivery_dir))
        now = datetime.now(UTC)
        load_delivery(con, delivery.pseudonymised(secrets.token_hex(16)), key, Arrival(now, now))
        build_staging(con)
        outcomes = [outcome for table in delivery.tables for outcome in validate_staging(con, table)]
    finally:
        con.close()
    return SelfCheckReport(delivery, rejection, outcomes)


def _where(delivery_dir: Path, file_name: str | None, line: int | None, column: str | None = None) -> str:
    where = f"{delivery_dir.parent.name}/{delivery_dir.name}"
    if file_name:
        where += f"/{file_name}"
    if line is not None:
        where += f", Zeile/line {line}"
    if column:
        where += f", Spalte/column '{column}'"
    return where


def format_rejection(rejection: DeliveryRejected) -> str:
    """A rejected delivery, for people: where, the rule in German and English, the detail."""
    return printable(
        "\n".join(
            [
                "ABGELEHNT / REJECTED: " + _where(rejection.delivery_dir, rejection.file_name, rejection.source_row),
                f"  [{rejection.rule}] {delivery_rule_title(rejection.rule, 'de')} / {delivery_rule_title(rejection.rule, 'en')}",
                f"  {rejection.message}",
            ]
        )
    )


def format_report(report: SelfCheckReport) -> str:
    """Every problem of a readable delivery, with file, line, column and rule in German and English."""
    delivery = report.delivery
    folder = delivery.manifest.delivery_dir
    lines = []
    for v in delivery.violations.iter_rows(named=True):
        lines.append(f"{_where(folder, v['file_name'], v['source_row'], v['column_name'])} [{v['rule']}]")
        lines.append("  de: " + render(v["rule"], "de", v["column_name"], v["value"], v["expected"]))
        lines.append("  en: " + render(v["rule"], "en", v["column_name"], v["value"], v["expected"]))
    for failure in (o for o in report.check_outcomes if not o.success):
        lines.append(
            f"{_where(folder, delivery.file_names.get(failure.table), None, failure.column)} "
            f"[{failure.expectation}] {failure.description} / expectation failed: "
            f"{failure.unexpected_count} von/of {failure.element_count}"
        )
    bad, total = delivery.bad_rows.height, delivery.total_rows
    if report.rejection is not None:
        lines.append(
            f"ABGELEHNT / REJECTED: {bad} von {total} Zeilen fehlerhaft – mehr als zulässig; "
            f"{bad} of {total} rows are bad – more than allowed"
        )
    elif bad:
        lines.append(
            f"Die Lieferung würde angenommen, {bad} Zeilen kämen in die Quarantäne / "
            f"the delivery would be accepted with {bad} rows in quarantine"
        )
    if report.passed:
        lines.append(f"OK: {_where(folder, None, None)} erfüllt alle Regeln / passes every rule ({total} Zeilen/rows)")
    return printable("\n".join(lines))
