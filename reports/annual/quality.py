"""The annual report's data-quality section: aggregate delivery figures per provider (about
providers' deliveries, not about people; no record key, pseudonym or rejection message)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reports.annual.spec import QUERIES
from reports.kit import formatting as fmt
from reports.kit.cells import plain
from reports.kit.tables import Column, Row, Table
from reports.suppression import Cell

_TIMELINESS = ("due", "on_time", "late", "missing")


def data_quality(con: Any, tables: set[str], providers: Sequence[Mapping[str, Any]], year: str) -> dict[str, Any]:
    """Aggregate delivery figures per provider (about providers, not people)."""
    has_deliveries = "marts.fct_deliveries" in tables
    has_timeliness = "marts.delivery_timeliness" in tables
    delivery_rows = QUERIES.run(con, "annual_deliveries", {"year": year}) if has_deliveries else []
    timeliness_rows = QUERIES.run(con, "annual_timeliness", {"year": year}) if has_timeliness else []
    deliveries = {r["provider_id"]: r for r in delivery_rows}
    timeliness = {r["provider_id"]: r for r in timeliness_rows}
    columns = []
    if has_timeliness:
        columns += [
            Column("due", "Fällige Monatslieferungen"),
            Column("on_time", "Fristgerecht"),
            Column("late", "Verspätet"),
            Column("missing", "Fehlend"),
        ]
    if has_deliveries:
        columns += [Column("rejected", "Abgelehnte Lieferungen"), Column("quarantine", "Anteil Zeilen in Quarantäne")]

    totals = {"due": 0, "on_time": 0, "late": 0, "missing": 0, "rejected": 0, "rows": 0, "quarantined": 0}
    rows = []
    for p in providers:
        pid = p["provider_id"]
        values = _values(timeliness.get(pid) or {}, deliveries.get(pid) or {})
        for key in totals:
            totals[key] += values[key]
        rows.append(Row(pid, p["provider_name"], _cells(values, has_timeliness, has_deliveries)))
    if rows and columns:
        rows.append(Row("all", "Alle Träger", _cells(totals, has_timeliness, has_deliveries), total=True))
    table = Table(columns, rows if columns else [])
    sentences = _sentences(totals, has_timeliness, has_deliveries)
    return {"table": table, "sentences": sentences, "delivery_rows": delivery_rows, "available": bool(columns)}


def _values(t: Mapping[str, Any], d: Mapping[str, Any]) -> dict[str, int]:
    return {
        "due": int(t.get("due") or 0),
        "on_time": int(t.get("on_time") or 0),
        "late": int(t.get("late") or 0),
        "missing": int(t.get("missing") or 0),
        "rejected": int(d.get("rejected") or 0),
        "rows": int(d.get("total_rows") or 0),
        "quarantined": int(d.get("quarantined_rows") or 0),
    }


def _quarantine_cell(rows: float, quarantined: float) -> Cell:
    if not rows:
        return Cell("k. A.", "missing", None, "Keine angenommene Lieferung.")
    share = quarantined / rows
    if quarantined and share < 0.001:
        return Cell("< 0,1 %", "value", share)
    return Cell(fmt.percent(share), "zero" if share == 0 else "value", share)


def _cells(values: Mapping[str, int], has_timeliness: bool, has_deliveries: bool) -> list[Cell]:
    cells = []
    if has_timeliness:
        cells += [plain(values[c], fmt.integer(values[c])) for c in _TIMELINESS]
    if has_deliveries:
        cells += [
            plain(values["rejected"], fmt.integer(values["rejected"])),
            _quarantine_cell(values["rows"], values["quarantined"]),
        ]
    return cells


def _sentences(totals: Mapping[str, int], has_timeliness: bool, has_deliveries: bool) -> list[str]:
    sentences = []
    if has_timeliness and totals["due"]:
        sentences.append(
            f"Von {fmt.integer(totals['due'])} fälligen Monatslieferungen kamen "
            f"{fmt.integer(totals['on_time'])} fristgerecht (bis zum 10. Tag nach Monatsende), "
            f"{fmt.integer(totals['late'])} verspätet; {fmt.integer(totals['missing'])} "
            f"{'fehlt' if totals['missing'] == 1 else 'fehlen'} bisher."
        )
    if has_deliveries:
        rejected = totals["rejected"]
        sentences.append(
            "Keine Lieferung wurde abgelehnt."
            if rejected == 0
            else f"{fmt.integer(rejected)} {'Lieferung wurde' if rejected == 1 else 'Lieferungen wurden'} "
            "wegen Formfehlern abgelehnt und durch eine korrigierte Lieferung ersetzt oder "
            "nachgefordert; bis dahin galt die vorherige Lieferung des Trägers."
        )
        if totals["rows"]:
            share = totals["quarantined"] / totals["rows"]
            sentences.append(
                "Keine gelieferte Zeile musste wegen fehlerhafter Angaben zurückgestellt werden."
                if totals["quarantined"] == 0
                else f"{'Weniger als 0,1 %' if share < 0.001 else fmt.percent(share)} der gelieferten "
                "Zeilen wurden wegen fehlerhafter Angaben zurückgestellt (Quarantäne) und zählen "
                "in keiner Kennzahl."
            )
    return sentences
