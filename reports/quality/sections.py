"""The data-quality report, section by section. Every function reads what all sections share
from a `Snapshot` of the warehouse (read once) and returns its section's view model."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from checks import rules as rule_texts
from kim.contract import TABLES, TABLES_BY_PROVIDER_KIND
from reports import labels
from reports.kit import charts
from reports.kit import formatting as fmt
from reports.kit.tables import ChartBlock
from reports.quality.model import (
    COMPLETENESS_THRESHOLD,
    CONDITIONAL_COLUMNS,
    MASK,
    PERSON_ATTRIBUTE_COLUMNS,
    QUARANTINE_ROW_LIMIT,
    RATING_BAD,
    RATING_OK,
    RATING_WARN,
    SAMPLE_KEY_LIMIT,
    SEVERITY,
    Card,
    CompletenessCell,
    CompletenessRow,
    CompletenessTable,
    DeliveryEntry,
    Failure,
    OverviewRow,
    Provider,
    ProviderChecks,
    ProviderDeliveries,
    QuarantineGroup,
    QuarantineRow,
    SeriesRow,
    Status,
    TimelinessRow,
)
from reports.quality.reading import (
    QUERIES,
    as_text,
    completeness_counts,
    count_text,
    floor_share,
    local_key,
    period_label,
    pick_delivery,
    plural_text,
    read_inputs,
    read_providers,
    reference_delivery,
    rejection_of,
    rule_text,
    rule_uses_value,
    series_cell,
    shorten,
    state_of,
    timeliness_status,
    valid_period,
    window_periods,
)


@dataclass(frozen=True)
class Snapshot:
    """What every section of one report needs: the twelve-month window up to `period`, the
    providers with their deliveries and reference deliveries, and the optional inputs."""

    con: Any
    period: Any
    month: Any
    periods: Any
    first: Any
    last: Any
    window_start: Any
    inputs: Any
    deliveries: Any
    providers: Any
    by_provider: Any
    references: Any
    reference_ids: Any
    has_checks: Any
    has_quarantine: Any
    has_timeliness: Any
    check_summary: Any
    failures: Any
    timeliness_rows: Any
    timeliness: Any


def snapshot(con: Any, period: str) -> Snapshot:
    """Read what the sections share, once."""
    fmt.parse_period(period)
    month = fmt.month_year(period)
    periods = window_periods(period)
    first, last = periods[0], periods[-1]
    window_start = fmt.parse_period(first)
    inputs = read_inputs(con)

    deliveries = QUERIES.run(con, "dq_deliveries")
    providers = read_providers(con, deliveries)
    by_provider: dict[str, list[dict[str, Any]]] = {p.provider_id: [] for p in providers}
    for d in deliveries:
        by_provider.setdefault(d["provider_id"], []).append(d)

    references = {p.provider_id: reference_delivery(by_provider[p.provider_id], period) for p in providers}
    reference_ids = [d["delivery_id"] for d in references.values() if d is not None]

    has_checks = inputs.has("dq.check_results")
    has_quarantine = inputs.has("quarantine.rejected_rows")
    has_timeliness = inputs.has("marts.delivery_timeliness")

    check_summary = {r["delivery_id"]: r for r in QUERIES.run(con, "dq_check_summary")} if has_checks else {}
    failures = (
        QUERIES.run(con, "dq_check_failures", {"delivery_ids": reference_ids}) if has_checks and reference_ids else []
    )
    timeliness_rows = QUERIES.run(con, "dq_timeliness", {"first": first, "last": last}) if has_timeliness else []
    timeliness = {(r["provider_id"], r["period"]): r for r in timeliness_rows}
    return Snapshot(
        con=con,
        period=period,
        month=month,
        periods=periods,
        first=first,
        last=last,
        window_start=window_start,
        inputs=inputs,
        deliveries=deliveries,
        providers=providers,
        by_provider=by_provider,
        references=references,
        reference_ids=reference_ids,
        has_checks=has_checks,
        has_quarantine=has_quarantine,
        has_timeliness=has_timeliness,
        check_summary=check_summary,
        failures=failures,
        timeliness_rows=timeliness_rows,
        timeliness=timeliness,
    )


def overview(s: Snapshot) -> list[OverviewRow]:
    """Überblick: one rating per provider with its reasons."""
    return [_overview_row(s, p) for p in s.providers]


def _overview_row(s: Snapshot, p: Provider) -> OverviewRow:
    period, by_provider, references, check_summary, timeliness, window_start, has_checks = (
        s.period,
        s.by_provider,
        s.references,
        s.check_summary,
        s.timeliness,
        s.window_start,
        s.has_checks,
    )
    ref = references[p.provider_id]
    summary = check_summary.get(ref["delivery_id"]) if ref else None
    errors = summary["failed_errors"] if summary else None
    warnings = summary["failed_warnings"] if summary else None
    quarantined = ref["quarantined_rows"] if ref else None
    seen = [
        d
        for d in by_provider[p.provider_id]
        if (valid_period(d["period"]) and d["period"] <= period)
        or (
            not valid_period(d["period"])
            and d["received_local"] is not None
            and d["received_local"].date() >= window_start
        )
    ]
    latest = max(seen, key=lambda d: (local_key(d["received_local"]), d["delivery_id"]), default=None)
    t_row = timeliness.get((p.provider_id, period))
    t_status = timeliness_status(t_row)
    stale = ref is not None and ref["period"] < period
    bad, warn = _reasons(s, p, ref, summary, latest, t_row, stale)
    rating = RATING_BAD if bad else RATING_WARN if warn else RATING_OK
    return OverviewRow(
        provider_id=p.provider_id,
        name=p.name,
        rating=rating,
        reasons=bad + warn or ["keine Auffälligkeiten"],
        reference_label=fmt.month_year(ref["period"]) if ref else "keine",
        reference_stale=stale,
        latest=state_of(latest) if latest else None,
        latest_label=(f"{period_label(latest['period'])}, eingegangen {fmt.date_short(latest['received_local'])}")
        if latest
        else "–",
        rows=count_text(ref["total_rows"]) if ref else "–",
        quarantined=count_text(quarantined) if ref else "–",
        errors=count_text(errors) if ref and has_checks else "–",
        warnings=count_text(warnings) if ref and has_checks else "–",
        timeliness=t_status,
    )


def _reasons(
    s: Snapshot,
    p: Provider,
    ref: Mapping[str, Any] | None,
    summary: Mapping[str, Any] | None,
    latest: Mapping[str, Any] | None,
    t_row: Mapping[str, Any] | None,
    stale: bool,
) -> tuple[list[str], list[str]]:
    """Why a provider needs action (bad) or watching (warn)."""
    month, has_checks = s.month, s.has_checks
    errors = summary["failed_errors"] if summary else None
    warnings = summary["failed_warnings"] if summary else None
    quarantined = ref["quarantined_rows"] if ref else None
    bad: list[str] = []
    warn: list[str] = []
    if not p.configured:
        bad.append("Träger ist nicht eingerichtet; Lieferungen werden abgelehnt")
    elif ref is None:
        bad.append("keine angenommene Lieferung")
    if errors:
        bad.append(plural_text(errors, "Fehler-Prüfung nicht bestanden", "Fehler-Prüfungen nicht bestanden"))
    if (
        p.configured
        and latest is not None
        and latest["state"] in ("rejected", "held")
        and (ref is None or local_key(latest["received_local"]) >= local_key(ref["received_local"]))
    ):
        rule = latest["rejection_rule"]
        title = rule_texts.delivery_rule_title(rule, "de") if rule else "ohne Grund"
        verb = "zurückgehalten" if latest["state"] == "held" else "abgelehnt"
        bad.append(f"letzte Lieferung {verb}: {title}")
    if t_row is not None and t_row["status"] == "fehlt":
        bad.append(f"Lieferung für {month} fehlt")
    if warnings:
        warn.append(plural_text(warnings, "Warnung", "Warnungen"))
    if quarantined:
        warn.append(plural_text(quarantined, "Zeile in Quarantäne", "Zeilen in Quarantäne"))
    if t_row is not None and t_row["status"] == "verspaetet":
        warn.append(f"Lieferung für {month} verspätet")
    if stale and (t_row is None or t_row["status"] not in ("offen", "fehlt")):
        warn.append(f"Datenstand älter als {month}")
    if ref is not None and summary is None and has_checks:
        warn.append("keine Prüfergebnisse")
    return bad, warn


def delivery_sections(s: Snapshot) -> tuple[list[ProviderDeliveries], int]:
    """Lieferungen: each provider's deliveries of the twelve months; and how many were rejected."""
    first, last, window_start, providers, by_provider = s.first, s.last, s.window_start, s.providers, s.by_provider
    delivery_sections: list[ProviderDeliveries] = []
    rejected_in_window = 0
    for p in providers:
        entries = []
        for d in by_provider[p.provider_id]:
            in_window = (
                (first <= d["period"] <= last)
                if valid_period(d["period"])
                else (d["received_local"] is not None and d["received_local"].date() >= window_start)
            )
            if not in_window:
                continue
            rejected_in_window += d["state"] == "rejected"
            entries.append(
                DeliveryEntry(
                    delivery_id=d["delivery_id"],
                    period_label=period_label(d["period"]),
                    received=fmt.date_short(d["received_local"]),
                    exported=fmt.date_short(d["exported_local"]),
                    state=state_of(d),
                    rows=count_text(d["total_rows"]),
                    quarantined=count_text(d["quarantined_rows"]),
                    rejection=rejection_of(d),
                )
            )
        if entries or p.configured:
            delivery_sections.append(ProviderDeliveries(p.provider_id, p.name, entries))

    return delivery_sections, rejected_in_window


def timeliness_table(s: Snapshot) -> list[TimelinessRow]:
    """Pünktlichkeit: on time, late or missing per provider and month."""
    periods, providers, timeliness_rows, timeliness = s.periods, s.providers, s.timeliness_rows, s.timeliness
    timeliness_table: list[TimelinessRow] = []
    providers_with_timeliness = {r["provider_id"] for r in timeliness_rows}
    for p in providers:
        if p.provider_id not in providers_with_timeliness:
            continue
        cells = [timeliness_status(timeliness.get((p.provider_id, m))) for m in periods]
        statuses = [timeliness[(p.provider_id, m)]["status"] for m in periods if (p.provider_id, m) in timeliness]
        due = [s for s in statuses if s != "offen"]
        on_time = sum(s == "fristgerecht" for s in due)
        summary = f"{fmt.integer(on_time)} von {fmt.integer(len(due))}" if due else "–"
        timeliness_table.append(TimelinessRow(p.provider_id, p.name, cells, summary))

    return timeliness_table


def check_sections(s: Snapshot) -> list[ProviderChecks]:
    """Prüfergebnisse: the failed checks of each provider's reference delivery."""
    providers, references, has_checks, check_summary, failures = (
        s.providers,
        s.references,
        s.has_checks,
        s.check_summary,
        s.failures,
    )
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
            observed = shorten(f["observed_value"], 80)
            if column in PERSON_ATTRIBUTE_COLUMNS and observed:
                observed = MASK
            affected = "–"
            if f["unexpected_count"] is not None:
                affected = fmt.integer(f["unexpected_count"])
                if f["element_count"]:
                    affected += f" von {fmt.integer(f['element_count'])}"
            items.append(
                Failure(
                    severity=SEVERITY.get(f["severity"], Status("!", as_text(f["severity"]), "warn")),
                    table=labels.table_label(f["table_name"]),
                    column=as_text(column) or "–",
                    description=as_text(f["description"]) or f["expectation"],
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
                parts.append(plural_text(summary["failed_errors"], "Fehler", "Fehler"))
            if summary["failed_warnings"]:
                parts.append(plural_text(summary["failed_warnings"], "Warnung", "Warnungen"))
            text = f"{plural_text(summary['checks'], 'Prüfung', 'Prüfungen')}, davon nicht bestanden: {' und '.join(parts)}."
        check_sections.append(
            ProviderChecks(
                p.provider_id, p.name, f"Lieferung {fmt.month_year(ref['period'])}", ref["delivery_id"], text, items
            )
        )
    return check_sections


def quarantine(s: Snapshot) -> tuple[list[QuarantineGroup], list[QuarantineRow], int, int]:
    """Quarantäne: rejected rows of the reference deliveries, by rule and the first rows; the
    number of entries (one per row and broken rule) and of distinct rows."""
    con, providers, reference_ids, has_quarantine = s.con, s.providers, s.reference_ids, s.has_quarantine
    names = {p.provider_id: p.name for p in providers}
    quarantine_groups: list[QuarantineGroup] = []
    quarantine_rows: list[QuarantineRow] = []
    quarantine_total = quarantine_row_total = 0
    if has_quarantine and reference_ids:
        (counted,) = QUERIES.run(con, "dq_quarantine_row_count", {"delivery_ids": reference_ids})
        quarantine_row_total = counted["row_count"]
        for g in QUERIES.run(con, "dq_quarantine_summary", {"delivery_ids": reference_ids}):
            quarantine_total += g["row_count"]
            text = rule_text(g["rule"], g["column_name"], g["example_value"], g["example_expected"])
            if g["row_count"] > 1 and rule_uses_value(g["rule"]):
                text = f"z. B. {text}"
            quarantine_groups.append(
                QuarantineGroup(
                    provider_id=g["provider_id"],
                    name=names.get(g["provider_id"], g["provider_id"]),
                    table=labels.table_label(g["table_name"]),
                    column=as_text(g["column_name"]) or "–",
                    rule=g["rule"],
                    text=text,
                    count=fmt.integer(g["row_count"]),
                )
            )
        order = {p.provider_id: i for i, p in enumerate(providers)}
        quarantine_groups.sort(key=lambda g: order.get(g.provider_id, len(order)))
        for r in QUERIES.run(con, "dq_quarantine_rows", {"delivery_ids": reference_ids, "limit": QUARANTINE_ROW_LIMIT}):
            quarantine_rows.append(
                QuarantineRow(
                    provider_id=r["provider_id"],
                    name=names.get(r["provider_id"], r["provider_id"]),
                    table=labels.table_label(r["table_name"]),
                    file=as_text(r["file_name"]),
                    line=count_text(r["source_row"]),
                    column=as_text(r["column_name"]) or "–",
                    rule=r["rule"],
                    text=rule_text(r["rule"], r["column_name"], r["value"], r["expected"]),
                    record_key=as_text(r["record_key"]) or "–",
                )
            )
    return quarantine_groups, quarantine_rows, quarantine_total, quarantine_row_total


def completeness(s: Snapshot) -> tuple[list[CompletenessTable], str | None]:
    """Vollständigkeit: the share of filled values per column and provider."""
    con, inputs, providers, references, reference_ids = s.con, s.inputs, s.providers, s.references, s.reference_ids
    completeness_tables: list[CompletenessTable] = []
    current_refs = [d["delivery_id"] for d in references.values() if d and d["is_current"]]
    for table, columns in TABLES.items():
        counts = completeness_counts(con, inputs, table, reference_ids)
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
                            fmt.percent(floor_share(share)),
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
    return completeness_tables, completeness_note


def error_trend(s: Snapshot) -> tuple[ChartBlock, list[SeriesRow]]:
    """Fehler im Zeitverlauf: quarantined rows and failed checks per provider and month."""
    period, month, periods, first, providers, by_provider, check_summary = (
        s.period,
        s.month,
        s.periods,
        s.first,
        s.providers,
        s.by_provider,
        s.check_summary,
    )
    chart_rows: list[tuple[str, list[dict[str, float]]]] = []
    series_rows: list[SeriesRow] = []
    peak: tuple[int, str, str] | None = None
    for p in providers:
        quarantine_series: dict[str, float] = {}
        check_series: dict[str, float] = {}
        any_delivery = False
        for m in periods:
            d = pick_delivery(x for x in by_provider[p.provider_id] if x["period"] == m and x["state"] != "rejected")
            if d is None:
                continue
            any_delivery = True
            if d["quarantined_rows"] is not None:
                quarantine_series[m] = float(d["quarantined_rows"])
                if peak is None or d["quarantined_rows"] > peak[0]:
                    peak = (int(d["quarantined_rows"]), p.name, m)
            summary = check_summary.get(d["delivery_id"])
            if summary is not None:
                check_series[m] = float(summary["failed_errors"] + summary["failed_warnings"])
        if not any_delivery:
            continue
        chart_rows.append((textwrap.fill(p.name, 22), [quarantine_series, check_series]))
        series_rows.append(
            SeriesRow(p.name, "Zeilen in Quarantäne", [series_cell(quarantine_series.get(m)) for m in periods])
        )
        series_rows.append(
            SeriesRow(p.name, "Nicht bestandene Prüfungen", [series_cell(check_series.get(m)) for m in periods])
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
    return trend, series_rows


def cards(s: Snapshot, overview: list[OverviewRow], rejected_in_window: int) -> list[Card]:
    """The key figures at the top."""
    period, month, references, reference_ids, has_checks, check_summary, timeliness_rows = (
        s.period,
        s.month,
        s.references,
        s.reference_ids,
        s.has_checks,
        s.check_summary,
        s.timeliness_rows,
    )
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
    return cards
