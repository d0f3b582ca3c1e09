"""A provider's self-check (`kim check`): the pipeline's own checks on an in-memory warehouse, and
its result for the provider's clerk: German (or English), in the provider's own file names, column
names and code values, as text or as a printable HTML page (pipelines.check_page)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from checks.manifest import content_key, folder_digest
from checks.provider_terms import ProviderTerms
from checks.rules import DELIVERY_RULE_ACTIONS, delivery_rule_title
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
    # problems of the whole delivery after which its rows could still be checked (each alone
    # rejects the delivery; kim.errors.noted)
    problems: list[DeliveryRejected] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.rejection is None
            and not self.problems
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
    problems: list[DeliveryRejected] = []
    try:
        delivery = read_delivery(delivery_dir, load_config(config_path), check_folder=False, problems=problems)
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
        # the contract's rules in DuckDB SQL: the GX suites' verdicts (tests/warehouse/test_validation.py)
        # without importing Great Expectations, which alone took 4 of the check's 7 seconds
        outcomes = [outcome for table in delivery.tables for outcome in validate_staging(con, table, engine="sql")]
    finally:
        con.close()
    return SelfCheckReport(delivery, rejection, outcomes, problems)


# Rows refused only because the row they belong to was refused: listed under their cause, counted.
FOLLOW_ON_RULE = "parent_quarantined"
WORDS = {
    "de": {
        "line": "Zeile",
        "column": "Spalte",
        "rejected": "ABGELEHNT",
        "detail": "Einzelheiten (technische Meldung, englisch)",
        "action": "Was tun",
        "follow_on_one": "1 Zeile gehört zu oben abgewiesenen Datensätzen",
        "follow_on": "{count} Zeilen gehören zu oben abgewiesenen Datensätzen",
        "follow_on_note": "Folgefehler: erledigt, sobald die Ursache oben behoben ist",
        "check_failed": "Prüfung nicht bestanden: {bad} von {total} Zeilen",
        "too_many": "ABGELEHNT: {bad} von {total} Zeilen sind fehlerhaft – mehr als zulässig. Bitte die Zeilen "
        "oben korrigieren und erneut exportieren.",
        "not_clean": "NICHT FEHLERFREI: Die Lieferung würde angenommen, aber {bad} von {total} Zeilen kämen in "
        "die Quarantäne und fehlten in den Zahlen (oder eine Prüfung oben schlug fehl). Bitte korrigieren und "
        "erneut exportieren.",
        "ok": "OK: {where} erfüllt alle Regeln ({total} Zeilen).",
        "problems": "ABGELEHNT: Die Lieferung würde abgelehnt – {count} Problem(e) der ganzen Lieferung (oben "
        "zuerst); dazu {bad} von {total} Zeilen fehlerhaft. Bitte alles Genannte beheben und erneut exportieren.",
    },
    "en": {
        "line": "line",
        "column": "column",
        "rejected": "REJECTED",
        "detail": "Details",
        "action": "What to do",
        "follow_on_one": "1 row belongs to records refused above",
        "follow_on": "{count} rows belong to records refused above",
        "follow_on_note": "follow-on: resolved once the cause above is fixed",
        "check_failed": "check failed: {bad} of {total} rows",
        "too_many": "REJECTED: {bad} of {total} rows are bad – more than allowed. Please correct the rows above "
        "and export again.",
        "not_clean": "NOT CLEAN: the delivery would be accepted, but {bad} of {total} rows would be quarantined and "
        "missing from the figures (or a check above failed). Please correct and export again.",
        "ok": "OK: {where} passes every rule ({total} rows).",
        "problems": "REJECTED: the delivery would be rejected – {count} problem(s) of the whole delivery (listed "
        "first); besides, {bad} of {total} rows are bad. Please fix everything listed and export again.",
    },
}


@dataclass(frozen=True)
class Finding:
    """One problem as the clerk reads it: where (file, line, the provider's column), the rule id
    (stable, to look up), its title and the message in the chosen language."""

    file_name: str | None
    line: int | None
    column: str | None
    rule: str
    message: str
    detail: str | None = None
    action: str | None = None  # what to do (German only: the English detail says it itself)


@dataclass(frozen=True)
class CheckResult:
    folder: str  # <parent>/<folder> of the export
    findings: list[Finding]
    verdict: str  # "ok" | "not_clean" | "rejected"
    summary: str
    language: str


def number(value: int, language: str) -> str:
    """8671 as '8.671' (German) or '8,671'."""
    return f"{value:,}".replace(",", ".") if language == "de" else f"{value:,}"


def _folder(delivery_dir: Path) -> str:
    return f"{delivery_dir.parent.name}/{delivery_dir.name}"


def where(finding: Finding, folder: str, language: str) -> str:
    words = WORDS[language]
    place = folder + (f"/{finding.file_name}" if finding.file_name else "")
    if finding.line is not None:
        place += f", {words['line']} {finding.line}"
    if finding.column:
        place += f", {words['column']} '{finding.column}'"
    return place


def _problem_finding(rejection: DeliveryRejected, language: str) -> Finding:
    """A problem of the whole delivery: where, the rule's title and its detail."""
    title = delivery_rule_title(rejection.rule, language)
    action = DELIVERY_RULE_ACTIONS.get(rejection.rule) if language == "de" else None
    return Finding(rejection.file_name, rejection.source_row, None, rejection.rule, title, rejection.message, action)


def rejection_result(rejection: DeliveryRejected, language: str = "de") -> CheckResult:
    """A delivery that could not be read further: its problem (nothing else could be checked)."""
    words = WORDS[language]
    summary = f"{words['rejected']}: {delivery_rule_title(rejection.rule, language)}"
    finding = _problem_finding(rejection, language)
    return CheckResult(_folder(rejection.delivery_dir), [finding], "rejected", summary, language)


def _violation_findings(report: SelfCheckReport, terms: ProviderTerms) -> list[Finding]:
    """Each root cause with its place and message; rows that only follow a refused parent row are
    summed up per file instead of listed one by one."""
    words = WORDS[terms.language]
    violations = report.delivery.violations
    findings = [
        Finding(
            v["file_name"],
            v["source_row"],
            terms.column(v["table_name"], v["column_name"]) if v["column_name"] else None,
            v["rule"],
            terms.message(v),
        )
        for v in violations.filter(pl.col("rule") != FOLLOW_ON_RULE).iter_rows(named=True)
    ]
    follow_on = violations.filter(pl.col("rule") == FOLLOW_ON_RULE).group_by("file_name").len().sort("file_name")
    for file_name, count in follow_on.iter_rows():
        rows = words["follow_on_one"] if count == 1 else words["follow_on"].format(count=number(count, terms.language))
        findings.append(Finding(file_name, None, None, FOLLOW_ON_RULE, f"{rows} ({words['follow_on_note']})"))
    return findings


def report_result(report: SelfCheckReport, language: str = "de") -> CheckResult:
    """Every problem of a readable delivery and a verdict that matches the exit code."""
    delivery = report.delivery
    terms = ProviderTerms(delivery.manifest.provider.profile, delivery.file_names, language)
    words = WORDS[language]
    findings = [_problem_finding(problem, language) for problem in report.problems]
    findings += _violation_findings(report, terms)
    for failure in (o for o in report.check_outcomes if not o.success):
        columns = ", ".join(terms.column(failure.table, c) for c in (failure.column or "").split(",") if c)
        counts = {"bad": number(failure.unexpected_count or 0, language), "total": number(failure.element_count or 0, language)}  # fmt: skip
        findings.append(
            Finding(
                delivery.file_names.get(failure.table),
                None,
                columns or None,
                failure.expectation,
                f"{failure.description}: {words['check_failed'].format(**counts)}",
            )
        )
    folder = _folder(delivery.manifest.delivery_dir)
    figures = {"bad": number(delivery.bad_rows.height, language), "total": number(delivery.total_rows, language)}
    if report.problems:
        count = len(report.problems)
        verdict, summary = "rejected", words["problems"].format(count=number(count, language), **figures)
    elif report.rejection is not None:
        verdict, summary = "rejected", words["too_many"].format(**figures)
    elif not report.passed:
        verdict, summary = "not_clean", words["not_clean"].format(**figures)
    else:
        verdict, summary = "ok", words["ok"].format(where=folder, **figures)
    return CheckResult(folder, findings, verdict, summary, language)


def finding_lines(result: CheckResult) -> list[str]:
    """One block per finding: its place and rule, then the message, what to do and the detail."""
    words = WORDS[result.language]
    lines = []
    for finding in result.findings:
        lines.append(f"{where(finding, result.folder, result.language)} [{finding.rule}]")
        lines.append(f"  {finding.message}")
        if finding.action:
            lines.append(f"  {words['action']}: {finding.action}")
        if finding.detail:
            lines.append(f"  {words['detail']}: {finding.detail}")
    return lines


def format_result(result: CheckResult) -> str:
    """The result as terminal text: one block per finding, the verdict last."""
    return printable("\n".join([*finding_lines(result), result.summary]))


def format_rejection(rejection: DeliveryRejected, language: str = "de") -> str:
    return format_result(rejection_result(rejection, language))


def format_rejection_finding(rejection: DeliveryRejected, language: str = "de") -> str:
    """The rejection's finding without the verdict line, for a caller that says "abgelehnt" itself."""
    return printable("\n".join(finding_lines(rejection_result(rejection, language))))


def format_report(report: SelfCheckReport, language: str = "de") -> str:
    return format_result(report_result(report, language))


def check_delivery(delivery_dir: Path, config_path: Path, language: str, html: Path | None) -> tuple[str, bool]:
    """`kim check`: the result as text (and, with `html`, as a page written there); whether the
    delivery is clean. Set-up errors (configuration) propagate."""
    try:
        result = report_result(self_check(delivery_dir, config_path), language)
    except DeliveryRejected as rejection:
        result = rejection_result(rejection, language)
    text = format_result(result)
    if html is not None:
        from pipelines.check_page import check_page

        html.write_text(check_page(result, datetime.now()), encoding="utf-8")
        text += "\n" + ("Ergebnis als HTML: " if language == "de" else "Result as HTML: ") + str(html)
    return text, result.verdict == "ok"
