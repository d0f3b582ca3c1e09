"""Geheimhaltungsprüfung: the newest run of the disclosure audit (design §6, "the audit's result is
kept for data stewards"; warehouse/disclosure_audit.py writes dq.disclosure_audits and
dq.disclosure_audit_cells). The section shows when it ran, k, the readers (the outside reader and
each provider with its own figures), how many hidden counts each reader can narrow below k, and
the narrowest intervals with the relations that bind them. The audit's rows carry no pseudonyms.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from reports import labels
from reports.kit import formatting as fmt
from reports.quality.model import (
    DISCLOSURE_BINDING_LIMIT,
    DISCLOSURE_ROW_LIMIT,
    RATING_BAD,
    RATING_OK,
    DisclosureAudit,
    DisclosureIndicator,
    DisclosureReader,
    DisclosureRow,
    InformationLoss,
    Status,
)
from reports.quality.reading import QUERIES, plural_text, valid_period
from transforms.indicators import KINDS

AUDIT_TABLES = ("dq.disclosure_audits", "dq.disclosure_audit_cells")
PUBLICATION_TABLE = "marts.indicator_publication"
SCOPE_TEXT = {"annual": "Jahresbericht", "monthly": "Monatsbericht", "provider": "Trägerberichte"}
NOT_RUN = "Noch keine Prüfung gelaufen."
PASSED = Status(RATING_OK.symbol, "bestanden", RATING_OK.tone)
FAILED = Status(RATING_BAD.symbol, "nicht bestanden", RATING_BAD.tone)
CITY_WIDE = "Stadt gesamt"
# The stored name of the outside reader (transforms.disclosure.OUTSIDE; not imported: that package
# loads the solvers, and the report only reads the stored result).
OUTSIDE = "outside"

# The suffix of a grouped breakdown (transforms.disclosure.grouping; not imported: solvers).
GROUPED_SUFFIX = "_grouped"
CROSSED_SIDES = {"category_reason": ("category", "unmet_reason")}  # the code lists of each side
# Breakdowns of the indicator specs as data stewards read them.
DIMENSION: dict[str, str] = {
    "category": "Bedarfskategorie",
    "unmet_reason": "Grund",
    "category_reason": "Bedarfskategorie und Grund",
    "closing_reason": "Abschlussgrund",
    "duration_band": "Falldauer",
    "residence_status": "Aufenthaltsstatus",
    "referral_source": "Zugangsweg",
    "district": "Stadtteil",
    "status_to": "Neuer Aufenthaltsstatus",
    "target_service": "Zielstelle",
    "caseload_band": "Fälle je Fachkraft",
}


def disclosure_audit(con: Any, inputs: Any, names: Mapping[str, str], loaded: list[Any]) -> DisclosureAudit:
    """The section's view model; `names` maps provider ids to their names, `loaded` holds when
    each delivery was loaded (local time; a later one makes the result old). Without a stored run
    (tables missing or empty) only the note "Noch keine Prüfung gelaufen"."""
    if not all(inputs.has(table) for table in AUDIT_TABLES):
        return DisclosureAudit(note=f"{NOT_RUN} Die Tabellen {' und '.join(AUDIT_TABLES)} liegen nicht vor.")
    runs = QUERIES.run(con, "dq_disclosure_run")
    if not runs:
        return DisclosureAudit(note=f"{NOT_RUN} Starten Sie sie mit „kim audit“.")
    run = runs[0]
    k = int(run["k"])
    rows = QUERIES.run(con, "dq_disclosure_narrowest", {"limit": DISCLOSURE_ROW_LIMIT})
    return DisclosureAudit(
        audited=_timestamp(run["audited_local"]),
        k=fmt.integer(k),
        result=PASSED if run["passed"] else FAILED,
        stale=_stale(run["audited_local"], loaded),
        facts=_facts(run, rows),
        readers=_readers(con, run, names),
        indicators=_indicators(con),
        rows=[_row(row, k, names) for row in rows],
        rows_caption=_rows_caption(rows, k),
        loss=information_loss(con) if inputs.has(PUBLICATION_TABLE) else [],
    )


def _stale(audited_local: Any, loaded: list[Any]) -> str:
    newer = [at for at in loaded if at is not None and audited_local is not None and at > audited_local]
    if not newer:
        return ""
    return (
        f"Seit der Prüfung wurden {plural_text(len(newer), 'Lieferung', 'Lieferungen')} geladen; das Ergebnis "
        "gilt für den Datenstand davor. Prüfung mit „kim audit“ wiederholen."
    )


def _timestamp(value: Any) -> str:
    return f"{fmt.date_short(value)}, {value:%H:%M} Uhr" if value is not None else "–"


def _facts(run: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(key, label, value) of the run's figures."""
    cells = int(rows[0]["cells"]) if rows else 0
    unprotected_cells = int(rows[0]["unprotected_cells"]) if rows else 0
    return [
        ("cells", "Zahlen der Veröffentlichung (Anzahlen, Zähler und Nenner)", fmt.integer(run["cells"])),
        ("hidden", "davon verdeckt (•)", fmt.integer(run["hidden"])),
        ("hidden_cells", "Geprüfte verdeckte Zahlen (Wert mindestens 1)", fmt.integer(cells)),
        ("unprotected_cells", "davon für mindestens einen Leser nicht geschützt", fmt.integer(unprotected_cells)),
        ("targets", "Prüfungen über alle Leser", fmt.integer(run["targets"])),
        ("unprotected", "davon nicht geschützt", fmt.integer(run["unprotected"])),
        ("constraints", "Beziehungen im Gleichungssystem des Lesers", fmt.integer(run["constraints"])),
        (
            "dropped",
            "Beziehungen, die auf den wahren Werten nicht gelten (nicht verwendet)",
            fmt.integer(run["dropped"]),
        ),
        ("seconds", "Rechenzeit", f"{fmt.decimal(float(run['seconds']), 1)} s"),
    ]


def _reader_names(run: Mapping[str, Any]) -> list[str]:
    """The readers of the run from its details (an insider without targets included)."""
    try:
        readers = json.loads(run["details"] or "{}")["counts"]["readers"]
    except (ValueError, KeyError, TypeError):
        return []
    return sorted(readers, key=lambda reader: (reader != OUTSIDE, reader))


def _reader_label(reader: str, names: Mapping[str, str]) -> str:
    if reader == OUTSIDE:
        return "Leser von außen (alle veröffentlichten Zahlen)"
    return f"{names.get(reader, reader)} (mit den eigenen Zahlen)"


def _readers(con: Any, run: Mapping[str, Any], names: Mapping[str, str]) -> list[DisclosureReader]:
    counts = {row["reader"]: row for row in QUERIES.run(con, "dq_disclosure_readers")}
    order = _reader_names(run)
    order += [reader for reader in counts if reader not in order]
    readers = []
    for reader in order:
        row = counts.get(reader, {})
        unprotected = int(row.get("unprotected", 0))
        readers.append(
            DisclosureReader(
                reader=reader,
                name=_reader_label(reader, names),
                targets=fmt.integer(row.get("targets", 0)),
                unprotected=fmt.integer(unprotected),
                exact=fmt.integer(row.get("exact", 0)),
                narrowed=fmt.integer(row.get("narrowed", 0)),
                tone="bad" if unprotected else "ok",
            )
        )
    return readers


def _indicators(con: Any) -> list[DisclosureIndicator]:
    return [
        DisclosureIndicator(
            indicator_id=row["indicator_id"],
            label=labels.indicator_label(row["indicator_id"]),
            targets=fmt.integer(row["targets"]),
            unprotected=fmt.integer(row["unprotected"]),
            exact=fmt.integer(row["exact"]),
            tone="bad" if row["unprotected"] else "ok",
        )
        for row in QUERIES.run(con, "dq_disclosure_indicators")
    ]


def period_text(period: str) -> str:
    return fmt.month_year(period) if valid_period(period) else f"Jahr {period}"


def breakdown_text(dimension: str, value: str) -> str:
    if dimension == "all":
        return "Insgesamt"
    fine = dimension.removesuffix(GROUPED_SUFFIX)
    if fine != dimension and fine in DIMENSION:  # a grouped cell names its members
        code_lists = CROSSED_SIDES.get(fine, (fine,))
        members = " | ".join(
            ", ".join(labels.code_label(code_list, m) for m in side.split("+"))
            for code_list, side in zip(code_lists, value.split("|"), strict=False)
        )
        return f"{DIMENSION[fine]}, zusammengefasst: {members}"
    return f"{DIMENSION.get(dimension, dimension)}: {labels.code_label(dimension, value)}"


def column_text(indicator_id: str, column: str) -> str:
    """What the hidden number is: a count's value, or a share's / median's numerator or base."""
    if KINDS.get(indicator_id) in ("count", "ratio") and column == "numerator":
        return "Anzahl"
    return "Zähler" if column == "numerator" else "Nenner (Basis)"


def interval_text(lower: float, upper: float) -> str:
    if math.isinf(upper):
        return f"ab {fmt.integer(lower)}"
    if lower == upper:
        return f"genau {fmt.integer(lower)}"
    return f"{fmt.integer(lower)} bis {fmt.integer(upper)}"


def readers_text(readers: list[str], names: Mapping[str, str]) -> str:
    if OUTSIDE in readers:
        return "von außen (damit auch jeder Träger)"
    return ", ".join(names.get(reader, reader) for reader in readers)


def cell_key(row: Mapping[str, Any]) -> str:
    """The cell as transforms.disclosure.cell_name writes it in the binding relations:
    'cases_closed 2024-11 caritas closing_reason=umzug numerator'."""
    parts = [row["indicator_id"], row["period"], row["provider_id"]]
    if row["dimension"] != "all":
        parts.append(f"{row['dimension']}={row['dimension_value']}")
    return " ".join([*parts, row["count_column"]])


def _row(row: Mapping[str, Any], k: int, names: Mapping[str, str]) -> DisclosureRow:
    lower, upper, width = float(row["lower_bound"]), float(row["upper_bound"]), float(row["width"])
    unit = row["provider_id"]
    return DisclosureRow(
        key=cell_key(row),
        indicator=labels.indicator_label(row["indicator_id"]),
        indicator_id=row["indicator_id"],
        period=period_text(row["period"]),
        unit=CITY_WIDE if unit == "all" else names.get(unit, unit),
        breakdown=breakdown_text(row["dimension"], row["dimension_value"]),
        column=column_text(row["indicator_id"], row["count_column"]),
        true_value=fmt.integer(row["true_value"]),
        interval=interval_text(lower, upper),
        width="∞" if math.isinf(width) else fmt.integer(width),
        protected=width >= k,
        readers=readers_text(list(row["readers"] or []), names),
        binding=[str(label) for label in (row["binding"] or [])][:DISCLOSURE_BINDING_LIMIT],
    )


def information_loss_rows(con: Any) -> list[dict[str, Any]]:
    """Per report the count cells printed and hidden, the hidden count mass, the cells not
    published (reports/quality/sql/dq_information_loss.sql); also read by the benchmark."""
    counts = sorted(indicator for indicator, kind in KINDS.items() if kind == "count")
    return QUERIES.run(con, "dq_information_loss", {"counts": counts})


def information_loss(con: Any) -> list[InformationLoss]:
    def share(part: Any, whole: Any) -> str:
        return fmt.percent(float(part) / float(whole), 1) if whole else "–"

    return [
        InformationLoss(
            key=f"{row['scope']}:{row['period']}",
            report=f"{SCOPE_TEXT[row['scope']]} {fmt.month_year(row['period']) if valid_period(row['period']) else row['period']}",
            printed=fmt.integer(row["printed"]),
            hidden=fmt.integer(row["hidden"]),
            hidden_share=share(row["hidden"], row["printed"]),
            hidden_mass=fmt.integer(row["hidden_mass"]),
            hidden_mass_share=share(row["hidden_mass"], row["printed_mass"]),
            planned_out=fmt.integer(row["planned_out"]),
            withdrawn=fmt.integer(row["withdrawn"]),
        )
        for row in information_loss_rows(con)
    ]


def _rows_caption(rows: Sequence[Mapping[str, Any]], k: int) -> str:
    if not rows:
        return ""
    cells, unprotected = int(rows[0]["cells"]), int(rows[0]["unprotected_cells"])
    shown = f"die {fmt.integer(len(rows))} engsten" if len(rows) < cells else f"alle {fmt.integer(cells)}"
    return (
        f"Verdeckte Zahlen mit dem engsten Intervall, das ein Leser ableiten kann: {shown} von "
        f"{fmt.integer(cells)} geprüften; {fmt.integer(unprotected)} davon enger als k = {k}"
    )
