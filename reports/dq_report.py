"""Internal data-quality report for data stewards ("Datenqualitätsbericht", design §2, §6).

Public API:
    render_data_quality_report(con, reports_dir, *, city, period=None) -> Path
    build_data_quality_context(con, *, city, period) -> dict

Writes reports_dir/datenqualitaet_<YYYY-MM>.html and refreshes index.html. The report is for
internal use: it lists pseudonymised record keys of failing rows (design §6 allows this for data
stewards) and shows exact small counts — small-cell suppression does not apply. It never shows
person-level attributes: values of such columns (birth year, gender, nationality, residence
status, …) are masked wherever a quarantined value or an observed value would appear.

Warehouse inputs (queries in reports/sql/dq_*.sql, all parameterised; table and column names in
the completeness query come from kim.contract.TABLES only):
    marts.dim_providers(provider_id, provider_name, provider_kind)
    marts.fct_deliveries(delivery_id, provider_id, period, exported_at, received_at, loaded_at,
                         state, total_rows, quarantined_rows, rejection_rule, rejection_file,
                         rejection_line, rejection_message, is_current)
    marts.delivery_timeliness(provider_id, period, due_on, received_at, status)      [optional]
    dq.check_results(checked_at, data_version, delivery_id, provider_id, table_name,
                     suite_name, expectation, column_name, description, severity, success,
                     observed_value, unexpected_count, element_count, sample_keys)   [optional]
    quarantine.rejected_rows(delivery_id, provider_id, table_name, file_name, source_row,
                             column_name, rule, value, expected, record_key)         [optional]
    staging.<table>(delivery_id, provider_id, <exchange-format columns>)             [optional]
An optional input that does not exist yet leaves its section with a short note instead of
failing the report.

"Reference delivery" of a provider for report month P: its newest delivery that was not
rejected with a period up to P (the current one first, then the latest received). For the
default month that is the provider's current delivery. Checks, quarantine and completeness are
shown for it; the delivery list, timeliness and the chart cover the twelve months up to P.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from checks import rules as rule_texts
from kim.contract import TABLES, TABLES_BY_PROVIDER_KIND
from reports import charts, labels
from reports import formatting as fmt
from reports.render import ChartBlock, environment, newest_period, render_index, run_query, write_atomic

DQ_PREFIX = "datenqualitaet_"
TEMPLATE = "datenqualitaet.html.j2"
WINDOW_MONTHS = 12
COMPLETENESS_THRESHOLD = 0.95
QUARANTINE_ROW_LIMIT = 20
SAMPLE_KEY_LIMIT = 5
VALUE_MAX_CHARS = 40
MASK = "[ausgeblendet]"

# Columns that describe the person (not the case handling). Their values never appear in this
# report, not even when they are the invalid value of a quarantined row.
PERSON_ATTRIBUTE_COLUMNS = frozenset(
    {
        "birth_year",
        "gender",
        "nationality",
        "residence_status",
        "arrival_year",
        "district",
        "status_from",
        "status_to",
    }
)

# Columns whose emptiness means something (design §3): filled only under a condition, so low
# completeness is expected and not highlighted. (Optional columns where empty just means
# "unknown", such as arrival_year or district, are highlighted like required ones.)
CONDITIONAL_COLUMNS = frozenset(
    {
        ("cases", "closed_on"),
        ("cases", "closing_reason"),
        ("needs", "resolved_on"),
        ("needs", "unmet_reason"),
        ("handovers", "need_id"),
        ("handovers", "first_contact_on"),
        ("assignments", "assigned_to"),
    }
)

_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


# --------------------------------------------------------------------------------------------
# View model (display strings only)


@dataclass(frozen=True)
class Status:
    """A status word with a symbol, so nothing is told by colour alone. `tone` picks the CSS
    class: ok, warn, bad, open (not yet due) or none (no information / neutral)."""

    symbol: str
    word: str
    tone: str
    note: str = ""


RATING_OK = Status("✓", "In Ordnung", "ok")
RATING_WARN = Status("!", "Beobachten", "warn")
RATING_BAD = Status("✗", "Handlungsbedarf", "bad")

TIMELINESS: dict[str, Status] = {
    "fristgerecht": Status("✓", "fristgerecht", "ok"),
    "verspaetet": Status("!", "verspätet", "warn"),
    "fehlt": Status("✗", "fehlt", "bad"),
    "offen": Status("○", "offen", "open"),
}
TIMELINESS_NONE = Status("–", "keine Angabe", "none")

DELIVERY_STATE: dict[str, Status] = {
    "accepted": Status("✓", "angenommen", "ok"),
    "superseded": Status("↻", "ersetzt", "none"),
    "rejected": Status("✗", "abgelehnt", "bad"),
}

SEVERITY: dict[str, Status] = {
    "error": Status("✗", "Fehler", "bad"),
    "warning": Status("!", "Warnung", "warn"),
}


@dataclass(frozen=True)
class Provider:
    provider_id: str
    name: str
    kind: str | None  # None: not configured (only seen in the delivery register)

    @property
    def configured(self) -> bool:
        return self.kind is not None


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    note: str = ""
    tone: str = "none"


@dataclass(frozen=True)
class OverviewRow:
    provider_id: str
    name: str
    rating: Status
    reasons: list[str]
    reference_label: str
    reference_stale: bool
    latest: Status | None
    latest_label: str
    rows: str
    quarantined: str
    errors: str
    warnings: str
    timeliness: Status


@dataclass(frozen=True)
class Rejection:
    title: str
    message: str
    rule: str
    file: str
    line: str


@dataclass(frozen=True)
class DeliveryEntry:
    delivery_id: str
    period_label: str
    received: str
    exported: str
    state: Status
    rows: str
    quarantined: str
    rejection: Rejection | None


@dataclass(frozen=True)
class ProviderDeliveries:
    provider_id: str
    name: str
    entries: list[DeliveryEntry]


@dataclass(frozen=True)
class TimelinessRow:
    provider_id: str
    name: str
    cells: list[Status]
    summary: str


@dataclass(frozen=True)
class Failure:
    severity: Status
    table: str
    column: str
    description: str
    expectation: str
    affected: str
    observed: str
    sample_keys: list[str]


@dataclass(frozen=True)
class ProviderChecks:
    provider_id: str
    name: str
    delivery_label: str
    delivery_id: str | None
    summary: str
    failures: list[Failure]


@dataclass(frozen=True)
class QuarantineGroup:
    provider_id: str
    name: str
    table: str
    column: str
    rule: str
    text: str
    count: str


@dataclass(frozen=True)
class QuarantineRow:
    provider_id: str
    name: str
    table: str
    file: str
    line: str
    column: str
    rule: str
    text: str
    record_key: str


@dataclass(frozen=True)
class CompletenessCell:
    text: str
    low: bool = False
    note: str = ""


@dataclass(frozen=True)
class CompletenessRow:
    column: str
    conditional: bool
    optional: bool
    cells: list[CompletenessCell]


@dataclass(frozen=True)
class CompletenessTable:
    table: str
    label: str
    providers: list[Provider]
    row_counts: list[str]
    rows: list[CompletenessRow]
    note: str | None = None


@dataclass(frozen=True)
class SeriesRow:
    name: str
    measure: str
    cells: list[str]


@dataclass
class Inputs:
    """Which optional warehouse inputs exist (schema.table -> its columns)."""

    relations: dict[str, list[str]] = field(default_factory=dict)

    def has(self, relation: str) -> bool:
        return relation in self.relations

    def columns(self, relation: str) -> list[str]:
        return self.relations.get(relation, [])


# --------------------------------------------------------------------------------------------
# Small helpers


def _valid_period(period: Any) -> bool:
    return isinstance(period, str) and bool(_PERIOD_RE.match(period))


def window_periods(period: str, months: int = WINDOW_MONTHS) -> list[str]:
    """The `months` months up to and including `period`, oldest first."""
    out = [period]
    while len(out) < months:
        out.append(fmt.previous_period(out[-1]))
    return out[::-1]


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{fmt.integer(n)} {singular if n == 1 else plural}"


def _count(value: Any) -> str:
    return "–" if value is None else fmt.integer(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _short(value: Any, limit: int = VALUE_MAX_CHARS) -> str:
    text = " ".join(_text(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _floor_share(share: float) -> float:
    """Round a share down to 0.1 percentage points: 99.96 % shows as 99,9 %, never as 100 %."""
    return math.floor(share * 1000 + 1e-9) / 1000


def _local_key(value: dt.datetime | None) -> tuple[bool, dt.datetime]:
    return (value is not None, value or dt.datetime.min)


def _rule_text(rule: str | None, column: str | None, value: Any, expected: Any) -> str:
    """German text of a quarantine rule (checks.rules), person-level values masked."""
    if not rule:
        return "–"
    if column in PERSON_ATTRIBUTE_COLUMNS and value is not None:
        value = MASK
    else:
        value = None if value is None else _short(value)
    try:
        return rule_texts.render(rule, "de", column, value, _short(expected, 120) or None)
    except (KeyError, IndexError, ValueError):
        return rule_texts.delivery_rule_title(rule, "de")


def _rule_uses_value(rule: str) -> bool:
    text = rule_texts.RULES.get(rule)
    return text is not None and "{value}" in text.german


def _period_label(period: Any) -> str:
    if _valid_period(period):
        return fmt.month_year(period)
    return f"„{_short(period, 20)}“ (ungültig)"


# --------------------------------------------------------------------------------------------
# Reading the warehouse


def _inputs(con: Any) -> Inputs:
    inputs = Inputs()
    for row in run_query(con, "dq_relations"):
        key = f"{row['table_schema']}.{row['table_name']}"
        inputs.relations.setdefault(key, []).append(row["column_name"])
    return inputs


def latest_dq_period(con: Any) -> str:
    """Newest period in marts.fct_deliveries that is not rejected, else the newest of all."""
    return newest_period(con, "dq_period", "marts.fct_deliveries holds no delivery: there is no period to report on")


def _providers(con: Any, deliveries: Iterable[Mapping[str, Any]]) -> list[Provider]:
    providers = [
        Provider(r["provider_id"], r["provider_name"] or r["provider_id"], r["provider_kind"])
        for r in run_query(con, "providers")
    ]
    known = {p.provider_id for p in providers}
    unknown = sorted({d["provider_id"] for d in deliveries} - known)
    return providers + [Provider(pid, f"{pid} (nicht eingerichtet)", None) for pid in unknown]


def _pick(candidates: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The delivery that counts among several: newest period, the current one, latest received."""
    return max(
        candidates,
        key=lambda d: (d["period"], bool(d["is_current"]), _local_key(d["received_local"]), d["delivery_id"]),
        default=None,
    )


def reference_delivery(deliveries: Iterable[Mapping[str, Any]], period: str) -> Mapping[str, Any] | None:
    """A provider's newest non-rejected delivery with a period up to `period`."""
    return _pick(
        d for d in deliveries if d["state"] != "rejected" and _valid_period(d["period"]) and d["period"] <= period
    )


def _completeness(con: Any, inputs: Inputs, table: str, delivery_ids: list[str]) -> dict[str, dict[str, int]] | None:
    """provider_id -> {"__rows": n, column: non-null count} over the given deliveries, or None
    when staging.<table> does not exist. Identifiers come from exchange_format.TABLES only."""
    relation = f"staging.{table}"
    if not inputs.has(relation) or table not in TABLES:
        return None
    present = set(inputs.columns(relation))
    if not {"delivery_id", "provider_id"} <= present:
        return None
    columns = [c.name for c in TABLES[table] if c.name in present]
    counts = "".join(f', count("{name}") AS "{name}"' for name in columns)
    sql = (
        f'SELECT provider_id, count(*) AS "__rows"{counts} '
        f'FROM staging."{table}" WHERE list_contains($ids, delivery_id) '
        f"GROUP BY provider_id"
    )
    cursor = con.execute(sql, {"ids": delivery_ids})
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return {row[0]: dict(zip(names[1:], row[1:])) for row in rows}


# --------------------------------------------------------------------------------------------
# Sections


def _rejection(d: Mapping[str, Any]) -> Rejection | None:
    if d["state"] != "rejected":
        return None
    rule = d["rejection_rule"]
    return Rejection(
        title=rule_texts.delivery_rule_title(rule, "de") if rule else "Grund nicht erfasst",
        message=_text(d["rejection_message"]),
        rule=_text(rule),
        file=_text(d["rejection_file"]),
        line="" if d["rejection_line"] is None else fmt.integer(d["rejection_line"]),
    )


def _state(d: Mapping[str, Any]) -> Status:
    state = DELIVERY_STATE.get(d["state"], Status("?", _text(d["state"]), "none"))
    if d["state"] == "accepted" and d["is_current"]:
        return dataclasses.replace(state, word="angenommen, aktuell")
    return state


def _timeliness_status(row: Mapping[str, Any] | None) -> Status:
    if row is None:
        return TIMELINESS_NONE
    base = TIMELINESS.get(row["status"], Status("?", _text(row["status"]), "none"))
    due = row["due_on"]
    received = row["received_local"]
    note = f"Frist: {fmt.date_short(due)}" if due else ""
    if received is not None:
        note += f"; eingegangen: {fmt.date_short(received)}"
    elif row["status"] in ("fehlt", "offen"):
        note += "; noch nicht eingegangen"
    if row["status"] == "verspaetet" and due and received is not None:
        days = (received.date() - due).days
        if days > 0:
            return dataclasses.replace(
                base, word=f"verspätet (+{days} T.)", note=note + f"; {days} Tage nach der Frist"
            )
    return dataclasses.replace(base, note=note.lstrip("; "))


def _series_cell(value: float | None) -> str:
    return "×" if value is None else fmt.integer(value)


def build_data_quality_context(con: Any, *, city: str, period: str) -> dict[str, Any]:
    """Everything the data-quality template needs, already formatted."""
    fmt.parse_period(period)
    month = fmt.month_year(period)
    periods = window_periods(period)
    first, last = periods[0], periods[-1]
    window_start = fmt.parse_period(first)
    inputs = _inputs(con)

    deliveries = run_query(con, "dq_deliveries")
    providers = _providers(con, deliveries)
    by_provider: dict[str, list[dict[str, Any]]] = {p.provider_id: [] for p in providers}
    for d in deliveries:
        by_provider.setdefault(d["provider_id"], []).append(d)

    references = {p.provider_id: reference_delivery(by_provider[p.provider_id], period) for p in providers}
    reference_ids = [d["delivery_id"] for d in references.values() if d is not None]

    has_checks = inputs.has("dq.check_results")
    has_quarantine = inputs.has("quarantine.rejected_rows")
    has_timeliness = inputs.has("marts.delivery_timeliness")

    check_summary = {r["delivery_id"]: r for r in run_query(con, "dq_check_summary")} if has_checks else {}
    failures = (
        run_query(con, "dq_check_failures", {"delivery_ids": reference_ids}) if has_checks and reference_ids else []
    )
    timeliness_rows = run_query(con, "dq_timeliness", {"first": first, "last": last}) if has_timeliness else []
    timeliness = {(r["provider_id"], r["period"]): r for r in timeliness_rows}

    # ---- Überblick
    overview: list[OverviewRow] = []
    for p in providers:
        ref = references[p.provider_id]
        summary = check_summary.get(ref["delivery_id"]) if ref else None
        errors = summary["failed_errors"] if summary else None
        warnings = summary["failed_warnings"] if summary else None
        quarantined = ref["quarantined_rows"] if ref else None
        seen = [
            d
            for d in by_provider[p.provider_id]
            if (_valid_period(d["period"]) and d["period"] <= period)
            or (
                not _valid_period(d["period"])
                and d["received_local"] is not None
                and d["received_local"].date() >= window_start
            )
        ]
        latest = max(seen, key=lambda d: (_local_key(d["received_local"]), d["delivery_id"]), default=None)
        t_row = timeliness.get((p.provider_id, period))
        t_status = _timeliness_status(t_row)
        stale = ref is not None and ref["period"] < period

        bad: list[str] = []
        warn: list[str] = []
        if not p.configured:
            bad.append("Träger ist nicht eingerichtet; Lieferungen werden abgelehnt")
        elif ref is None:
            bad.append("keine angenommene Lieferung")
        if errors:
            bad.append(_plural(errors, "Fehler-Prüfung nicht bestanden", "Fehler-Prüfungen nicht bestanden"))
        if (
            p.configured
            and latest is not None
            and latest["state"] == "rejected"
            and (ref is None or _local_key(latest["received_local"]) >= _local_key(ref["received_local"]))
        ):
            rule = latest["rejection_rule"]
            title = rule_texts.delivery_rule_title(rule, "de") if rule else "ohne Grund"
            bad.append(f"letzte Lieferung abgelehnt: {title}")
        if t_row is not None and t_row["status"] == "fehlt":
            bad.append(f"Lieferung für {month} fehlt")
        if warnings:
            warn.append(_plural(warnings, "Warnung", "Warnungen"))
        if quarantined:
            warn.append(_plural(quarantined, "Zeile in Quarantäne", "Zeilen in Quarantäne"))
        if t_row is not None and t_row["status"] == "verspaetet":
            warn.append(f"Lieferung für {month} verspätet")
        if stale and (t_row is None or t_row["status"] not in ("offen", "fehlt")):
            warn.append(f"Datenstand älter als {month}")
        if ref is not None and summary is None and has_checks:
            warn.append("keine Prüfergebnisse")
        rating = RATING_BAD if bad else RATING_WARN if warn else RATING_OK
        overview.append(
            OverviewRow(
                provider_id=p.provider_id,
                name=p.name,
                rating=rating,
                reasons=bad + warn or ["keine Auffälligkeiten"],
                reference_label=fmt.month_year(ref["period"]) if ref else "keine",
                reference_stale=stale,
                latest=_state(latest) if latest else None,
                latest_label=(
                    f"{_period_label(latest['period'])}, eingegangen {fmt.date_short(latest['received_local'])}"
                )
                if latest
                else "–",
                rows=_count(ref["total_rows"]) if ref else "–",
                quarantined=_count(quarantined) if ref else "–",
                errors=_count(errors) if ref and has_checks else "–",
                warnings=_count(warnings) if ref and has_checks else "–",
                timeliness=t_status,
            )
        )

    # ---- Lieferungen (twelve months up to the report month)
    delivery_sections: list[ProviderDeliveries] = []
    rejected_in_window = 0
    for p in providers:
        entries = []
        for d in by_provider[p.provider_id]:
            in_window = (
                (first <= d["period"] <= last)
                if _valid_period(d["period"])
                else (d["received_local"] is not None and d["received_local"].date() >= window_start)
            )
            if not in_window:
                continue
            rejected_in_window += d["state"] == "rejected"
            entries.append(
                DeliveryEntry(
                    delivery_id=d["delivery_id"],
                    period_label=_period_label(d["period"]),
                    received=fmt.date_short(d["received_local"]),
                    exported=fmt.date_short(d["exported_local"]),
                    state=_state(d),
                    rows=_count(d["total_rows"]),
                    quarantined=_count(d["quarantined_rows"]),
                    rejection=_rejection(d),
                )
            )
        if entries or p.configured:
            delivery_sections.append(ProviderDeliveries(p.provider_id, p.name, entries))

    # ---- Pünktlichkeit
    timeliness_table: list[TimelinessRow] = []
    providers_with_timeliness = {r["provider_id"] for r in timeliness_rows}
    for p in providers:
        if p.provider_id not in providers_with_timeliness:
            continue
        cells = [_timeliness_status(timeliness.get((p.provider_id, m))) for m in periods]
        statuses = [timeliness[(p.provider_id, m)]["status"] for m in periods if (p.provider_id, m) in timeliness]
        due = [s for s in statuses if s != "offen"]
        on_time = sum(s == "fristgerecht" for s in due)
        summary = f"{fmt.integer(on_time)} von {fmt.integer(len(due))}" if due else "–"
        timeliness_table.append(TimelinessRow(p.provider_id, p.name, cells, summary))

    # ---- Prüfergebnisse
    failures_by_delivery: dict[str, list[dict[str, Any]]] = {}
    for f in failures:
        failures_by_delivery.setdefault(f["delivery_id"], []).append(f)
    check_sections: list[ProviderChecks] = []
    for p in providers:
        ref = references[p.provider_id]
        if ref is None:
            if p.configured:
                check_sections.append(
                    ProviderChecks(
                        p.provider_id,
                        p.name,
                        "keine angenommene Lieferung",
                        None,
                        "Es liegt keine angenommene Lieferung vor, die geprüft werden konnte.",
                        [],
                    )
                )
            continue
        summary = check_summary.get(ref["delivery_id"])
        items = []
        for f in failures_by_delivery.get(ref["delivery_id"], []):
            column = f["column_name"]
            keys = [str(k) for k in (f["sample_keys"] or [])][:SAMPLE_KEY_LIMIT]
            observed = _short(f["observed_value"], 80)
            if column in PERSON_ATTRIBUTE_COLUMNS and observed:
                observed = MASK
            affected = "–"
            if f["unexpected_count"] is not None:
                affected = fmt.integer(f["unexpected_count"])
                if f["element_count"]:
                    affected += f" von {fmt.integer(f['element_count'])}"
            items.append(
                Failure(
                    severity=SEVERITY.get(f["severity"], Status("!", _text(f["severity"]), "warn")),
                    table=labels.table_label(f["table_name"]),
                    column=_text(column) or "–",
                    description=_text(f["description"]) or f["expectation"],
                    expectation=f["expectation"],
                    affected=affected,
                    observed=observed,
                    sample_keys=keys,
                )
            )
        if not has_checks:
            text = "Prüfergebnisse liegen nicht vor (Tabelle dq.check_results fehlt)."
        elif summary is None:
            text = "Für diese Lieferung liegen keine Prüfergebnisse vor."
        elif not items:
            text = (
                "Die einzige Prüfung wurde bestanden."
                if summary["checks"] == 1
                else f"Alle {fmt.integer(summary['checks'])} Prüfungen bestanden."
            )
        else:
            parts = []
            if summary["failed_errors"]:
                parts.append(_plural(summary["failed_errors"], "Fehler", "Fehler"))
            if summary["failed_warnings"]:
                parts.append(_plural(summary["failed_warnings"], "Warnung", "Warnungen"))
            text = (
                f"{_plural(summary['checks'], 'Prüfung', 'Prüfungen')}, davon nicht bestanden: {' und '.join(parts)}."
            )
        check_sections.append(
            ProviderChecks(
                p.provider_id, p.name, f"Lieferung {fmt.month_year(ref['period'])}", ref["delivery_id"], text, items
            )
        )

    # ---- Quarantäne
    names = {p.provider_id: p.name for p in providers}
    quarantine_groups: list[QuarantineGroup] = []
    quarantine_rows: list[QuarantineRow] = []
    quarantine_total = 0
    if has_quarantine and reference_ids:
        for g in run_query(con, "dq_quarantine_summary", {"delivery_ids": reference_ids}):
            quarantine_total += g["row_count"]
            text = _rule_text(g["rule"], g["column_name"], g["example_value"], g["example_expected"])
            if g["row_count"] > 1 and _rule_uses_value(g["rule"]):
                text = f"z. B. {text}"
            quarantine_groups.append(
                QuarantineGroup(
                    provider_id=g["provider_id"],
                    name=names.get(g["provider_id"], g["provider_id"]),
                    table=labels.table_label(g["table_name"]),
                    column=_text(g["column_name"]) or "–",
                    rule=g["rule"],
                    text=text,
                    count=fmt.integer(g["row_count"]),
                )
            )
        order = {p.provider_id: i for i, p in enumerate(providers)}
        quarantine_groups.sort(key=lambda g: order.get(g.provider_id, len(order)))
        for r in run_query(con, "dq_quarantine_rows", {"delivery_ids": reference_ids, "limit": QUARANTINE_ROW_LIMIT}):
            quarantine_rows.append(
                QuarantineRow(
                    provider_id=r["provider_id"],
                    name=names.get(r["provider_id"], r["provider_id"]),
                    table=labels.table_label(r["table_name"]),
                    file=_text(r["file_name"]),
                    line=_count(r["source_row"]),
                    column=_text(r["column_name"]) or "–",
                    rule=r["rule"],
                    text=_rule_text(r["rule"], r["column_name"], r["value"], r["expected"]),
                    record_key=_text(r["record_key"]) or "–",
                )
            )

    # ---- Vollständigkeit
    completeness_tables: list[CompletenessTable] = []
    current_refs = [d["delivery_id"] for d in references.values() if d and d["is_current"]]
    for table, columns in TABLES.items():
        counts = _completeness(con, inputs, table, reference_ids)
        if counts is None:
            completeness_tables.append(
                CompletenessTable(
                    table,
                    labels.table_label(table),
                    [],
                    [],
                    [],
                    note=f"Keine Angaben: Tabelle staging.{table} liegt nicht vor.",
                )
            )
            continue
        shown = [
            p
            for p in providers
            if references[p.provider_id] is not None
            and (table in TABLES_BY_PROVIDER_KIND.get(p.kind or "", ()) or p.provider_id in counts)
        ]
        if not shown:
            continue
        present = set(inputs.columns(f"staging.{table}"))
        row_counts = []
        for p in shown:
            n = counts.get(p.provider_id, {}).get("__rows", 0)
            ref = references[p.provider_id]
            row_counts.append(fmt.integer(n) if n or ref["delivery_id"] in current_refs else "nicht in staging")
        rows = []
        for column in columns:
            cells = []
            conditional = (table, column.name) in CONDITIONAL_COLUMNS
            for p in shown:
                data = counts.get(p.provider_id)
                ref = references[p.provider_id]
                if column.name not in present:
                    cells.append(CompletenessCell("k. A.", note="Spalte fehlt in staging"))
                elif not data or not data.get("__rows"):
                    note = (
                        "keine Zeilen in staging"
                        if ref["delivery_id"] in current_refs
                        else "Lieferung ist nicht mehr in staging (nur die aktuelle Lieferung wird vorgehalten)"
                    )
                    cells.append(CompletenessCell("–", note=note))
                else:
                    share = data[column.name] / data["__rows"]
                    low = share < COMPLETENESS_THRESHOLD and not conditional
                    cells.append(
                        CompletenessCell(
                            fmt.percent(_floor_share(share)),
                            low=low,
                            note=(f"{fmt.integer(data[column.name])} von {fmt.integer(data['__rows'])} Zeilen gefüllt"),
                        )
                    )
            rows.append(CompletenessRow(column.name, conditional, not column.required, cells))
        completeness_tables.append(CompletenessTable(table, labels.table_label(table), shown, row_counts, rows))

    completeness_note = None
    if all(t.note for t in completeness_tables):
        completeness_tables = []
        completeness_note = "Keine Angaben: Die Tabellen staging.* liegen nicht vor."

    # ---- Fehler im Zeitverlauf
    chart_rows: list[tuple[str, list[dict[str, float]]]] = []
    series_rows: list[SeriesRow] = []
    peak: tuple[int, str, str] | None = None
    for p in providers:
        quarantine_series: dict[str, float] = {}
        check_series: dict[str, float] = {}
        any_delivery = False
        for m in periods:
            d = _pick(x for x in by_provider[p.provider_id] if x["period"] == m and x["state"] != "rejected")
            if d is None:
                continue
            any_delivery = True
            if d["quarantined_rows"] is not None:
                quarantine_series[m] = float(d["quarantined_rows"])
                if peak is None or d["quarantined_rows"] > peak[0]:
                    peak = (int(d["quarantined_rows"]), p.name, m)
            s = check_summary.get(d["delivery_id"])
            if s is not None:
                check_series[m] = float(s["failed_errors"] + s["failed_warnings"])
        if not any_delivery:
            continue
        chart_rows.append((textwrap.fill(p.name, 22), [quarantine_series, check_series]))
        series_rows.append(
            SeriesRow(p.name, "Zeilen in Quarantäne", [_series_cell(quarantine_series.get(m)) for m in periods])
        )
        series_rows.append(
            SeriesRow(p.name, "Nicht bestandene Prüfungen", [_series_cell(check_series.get(m)) for m in periods])
        )
    trend = ChartBlock(None)
    if chart_rows:
        description = (
            f"Kleine Balkendiagramme je Träger für {fmt.month_year(first)} bis {month}: links "
            "die Zeilen in Quarantäne, rechts die nicht bestandenen Prüfungen (Fehler und "
            "Warnungen) der Lieferung jedes Monats. Ein × markiert Monate ohne angenommene "
            "Lieferung oder ohne Prüfergebnis."
            + (
                f" Die meisten Zeilen in Quarantäne: {peak[1]} im {fmt.month_year(peak[2])} ({fmt.integer(peak[0])})."
                if peak and peak[0] > 0
                else ""
            )
        )
        svg = charts.small_multiples_bar_chart(
            periods,
            chart_rows,
            panel_titles=("Zeilen in Quarantäne", "Nicht bestandene Prüfungen"),
            report_period=period,
            chart_id="grafik-fehlerverlauf",
            width_in=12.0,
            title=f"Fehler im Zeitverlauf je Träger, {fmt.month_year(first)} bis {month}",
            description=description,
        )
        trend = ChartBlock(Markup(svg))

    # ---- Key figures
    due_now = [r for r in timeliness_rows if r["period"] == period and r["status"] != "offen"]
    on_time_now = sum(r["status"] == "fristgerecht" for r in due_now)
    cards = [
        Card(
            "Träger mit Handlungsbedarf",
            f"{fmt.integer(sum(o.rating is RATING_BAD for o in overview))} von {fmt.integer(len(overview))}",
            tone="bad" if any(o.rating is RATING_BAD for o in overview) else "ok",
        ),
        Card(
            f"Fristgerechte Lieferungen für {month}",
            f"{fmt.integer(on_time_now)} von {fmt.integer(len(due_now))}" if due_now else "–",
            note="" if due_now else "noch keine Lieferung fällig oder keine Angaben",
        ),
        Card("Abgelehnte Lieferungen in 12 Monaten", fmt.integer(rejected_in_window)),
        Card(
            "Zeilen in Quarantäne (Stand)",
            fmt.integer(sum(r["quarantined_rows"] or 0 for r in references.values() if r is not None)),
        ),
        Card(
            "Nicht bestandene Fehler-Prüfungen (Stand)",
            fmt.integer(sum(check_summary[i]["failed_errors"] for i in reference_ids if i in check_summary))
            if has_checks
            else "–",
        ),
    ]

    loaded = [d["loaded_local"] for d in deliveries if d["loaded_local"] is not None]
    checked = [s["checked_local"] for s in check_summary.values() if s["checked_local"]]
    return {
        "city": city,
        "period": period,
        "month": month,
        "first_month": fmt.month_year(first),
        "title": f"Datenqualitätsbericht Kommunales Integrationsmanagement {city} – {month}",
        "data_as_of": fmt.date_long(max(loaded)) if loaded else None,
        "checked_as_of": fmt.date_long(max(checked)) if checked else None,
        "cards": cards,
        "overview": overview,
        "deliveries": delivery_sections,
        "timeliness_available": has_timeliness,
        "timeliness_periods": [(m, fmt.month_short(m), fmt.month_year(m)) for m in periods],
        "timeliness": timeliness_table,
        "checks_available": has_checks,
        "checks": check_sections,
        "quarantine_available": has_quarantine,
        "quarantine_groups": quarantine_groups,
        "quarantine_rows": quarantine_rows,
        "quarantine_total": quarantine_total,
        "quarantine_limit": QUARANTINE_ROW_LIMIT,
        "completeness": completeness_tables,
        "completeness_note": completeness_note,
        "threshold": fmt.percent(COMPLETENESS_THRESHOLD, 0),
        "trend": trend,
        "series_periods": [fmt.month_short(m) for m in periods],
        "series_rows": series_rows,
        "sample_key_limit": SAMPLE_KEY_LIMIT,
        "mask": MASK,
        "timeliness_legend": [TIMELINESS[k] for k in ("fristgerecht", "verspaetet", "fehlt", "offen")]
        + [TIMELINESS_NONE],
        "ratings": [RATING_OK, RATING_WARN, RATING_BAD],
    }


def render_data_quality_report(con: Any, reports_dir: Path, *, city: str, period: str | None = None) -> Path:
    """Render reports_dir/datenqualitaet_<YYYY-MM>.html (default month: the newest period in
    marts.fct_deliveries that is not rejected, else the newest of all), refresh index.html and
    return the report's path."""
    if period is None:
        period = latest_dq_period(con)
    fmt.parse_period(period)  # also keeps the file name safe
    context = build_data_quality_context(con, city=city, period=period)
    page = environment().get_template(TEMPLATE).render(**context)
    path = Path(reports_dir) / f"{DQ_PREFIX}{period}.html"
    write_atomic(path, page)
    render_index(reports_dir, city=city)
    return path


__all__ = [
    "build_data_quality_context",
    "latest_dq_period",
    "reference_delivery",
    "render_data_quality_report",
    "window_periods",
]
