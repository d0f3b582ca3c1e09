"""A provider's self-check (`kim check`): the pipeline's own checks on an in-memory warehouse."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

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


# Rows refused only because the row they belong to was refused: listed under their cause, counted.
FOLLOW_ON_RULE = "parent_quarantined"


def _german(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _violation_lines(report: SelfCheckReport) -> list[str]:
    """Each violation with its place and rule in German and English; rows that only follow a
    refused parent row are summed up per file instead of listed one by one."""
    delivery = report.delivery
    folder = delivery.manifest.delivery_dir
    violations = delivery.violations
    causes = violations.filter(pl.col("rule") != FOLLOW_ON_RULE)
    lines = []
    for v in causes.iter_rows(named=True):
        lines.append(f"{_where(folder, v['file_name'], v['source_row'], v['column_name'])} [{v['rule']}]")
        lines.append("  de: " + render(v["rule"], "de", v["column_name"], v["value"], v["expected"]))
        lines.append("  en: " + render(v["rule"], "en", v["column_name"], v["value"], v["expected"]))
    follow_on = violations.filter(pl.col("rule") == FOLLOW_ON_RULE).group_by("file_name").len().sort("file_name")
    for file_name, count in follow_on.iter_rows():
        rows = "1 Zeile gehört" if count == 1 else f"{_german(count)} Zeilen gehören"
        lines.append(
            f"{_where(folder, file_name, None)} [{FOLLOW_ON_RULE}] {rows} zu oben abgewiesenen Datensätzen "
            f"(Folgefehler: erledigt, sobald die Ursache behoben ist) / {count} row(s) belong to records refused above"
        )
    return lines


def format_report(report: SelfCheckReport) -> str:
    """Every problem of a readable delivery (file, line, column and rule in German and English;
    follow-on rows summed up under their cause) and a verdict that matches the exit code."""
    delivery = report.delivery
    folder = delivery.manifest.delivery_dir
    lines = _violation_lines(report)
    for failure in (o for o in report.check_outcomes if not o.success):
        lines.append(
            f"{_where(folder, delivery.file_names.get(failure.table), None, failure.column)} "
            f"[{failure.expectation}] {failure.description} / expectation failed: "
            f"{failure.unexpected_count} von/of {failure.element_count}"
        )
    bad, total = delivery.bad_rows.height, delivery.total_rows
    if report.rejection is not None:
        lines.append(
            f"ABGELEHNT / REJECTED: {_german(bad)} von {_german(total)} Zeilen fehlerhaft – mehr als zulässig; "
            f"{bad} of {total} rows are bad – more than allowed"
        )
    elif not report.passed:
        lines.append(
            f"NICHT FEHLERFREI / NOT CLEAN: Die Lieferung würde zwar angenommen, aber {_german(bad)} von "
            f"{_german(total)} Zeilen kämen in die Quarantäne und fehlten in den Zahlen (oder eine Prüfung oben "
            "schlug fehl). Bitte korrigieren und erneut exportieren. / The delivery would be accepted, but "
            f"{bad} rows would be quarantined or a check above failed: please correct and export again."
        )
    if report.passed:
        lines.append(
            f"OK: {_where(folder, None, None)} erfüllt alle Regeln / passes every rule ({_german(total)} Zeilen/rows)"
        )
    return printable("\n".join(lines))
