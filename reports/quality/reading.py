"""Reading the warehouse for the data-quality report, and the small helpers of its text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from checks import rules as rule_texts
from checks.provider_terms import shown_date, shown_date_pattern
from kim.contract import TABLES
from reports.kit import formatting as fmt
from reports.kit.sql import Queries, newest_period
from reports.quality.model import (
    DELIVERY_STATE,
    MASK,
    PERSON_ATTRIBUTE_COLUMNS,
    QUERIES_DIR,
    TIMELINESS,
    TIMELINESS_NONE,
    VALUE_MAX_CHARS,
    WINDOW_MONTHS,
    Inputs,
    Provider,
    Rejection,
    Status,
)

QUERIES = Queries(QUERIES_DIR)

_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def valid_period(period: Any) -> bool:
    return isinstance(period, str) and bool(_PERIOD_RE.match(period))


def window_periods(period: str, months: int = WINDOW_MONTHS) -> list[str]:
    """The `months` months up to and including `period`, oldest first."""
    out = [period]
    while len(out) < months:
        out.append(fmt.previous_period(out[-1]))
    return out[::-1]


def plural_text(n: int, singular: str, plural: str) -> str:
    return f"{fmt.integer(n)} {singular if n == 1 else plural}"


def count_text(value: Any) -> str:
    return "–" if value is None else fmt.integer(value)


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def shorten(value: Any, limit: int = VALUE_MAX_CHARS) -> str:
    text = " ".join(as_text(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def floor_share(share: float) -> float:
    """Round a share down to 0.1 percentage points: 99.96 % shows as 99,9 %, never as 100 %."""
    return math.floor(share * 1000 + 1e-9) / 1000


def local_key(value: dt.datetime | None) -> tuple[bool, dt.datetime]:
    return (value is not None, value or dt.datetime.min)


def rule_text(rule: str | None, column: str | None, value: Any, expected: Any) -> str:
    """German text of a quarantine rule (checks.rules), person-level values masked."""
    if not rule:
        return "–"
    if column in PERSON_ATTRIBUTE_COLUMNS and value is not None:
        value = MASK
    else:
        # the pipeline keeps no delivered value (it could be a name): "…" stands for it
        value = "…" if value is None else shown_date(shorten(value))
    expected = shorten(expected, 120) or None
    if expected is not None:
        expected = shown_date_pattern(expected, "de") if rule == "date_format" else shown_date(expected)
    try:
        return rule_texts.render(rule, "de", column, value, expected)
    except (KeyError, IndexError, ValueError):
        return rule_texts.delivery_rule_title(rule, "de")


def rule_uses_value(rule: str) -> bool:
    text = rule_texts.RULES.get(rule)
    return text is not None and "{value}" in text.german


def period_label(period: Any) -> str:
    if valid_period(period):
        return fmt.month_year(period)
    return f"„{shorten(period, 20)}“ (ungültig)"


def read_inputs(con: Any) -> Inputs:
    inputs = Inputs()
    for row in QUERIES.run(con, "dq_relations"):
        key = f"{row['table_schema']}.{row['table_name']}"
        inputs.relations.setdefault(key, []).append(row["column_name"])
    return inputs


def latest_dq_period(con: Any) -> str:
    """Newest period in marts.fct_deliveries that is not rejected, else the newest of all."""
    return newest_period(
        con, QUERIES, "dq_period", "marts.fct_deliveries holds no delivery: there is no period to report on"
    )


def read_providers(con: Any, deliveries: Iterable[Mapping[str, Any]]) -> list[Provider]:
    providers = [
        Provider(r["provider_id"], r["provider_name"] or r["provider_id"], r["provider_kind"])
        for r in QUERIES.run(con, "providers")
    ]
    known = {p.provider_id for p in providers}
    unknown = sorted({d["provider_id"] for d in deliveries} - known)
    return providers + [Provider(pid, f"{pid} (nicht eingerichtet)", None) for pid in unknown]


def pick_delivery(candidates: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The delivery that counts among several: newest period, the current one, latest received."""
    return max(
        candidates,
        key=lambda d: (d["period"], bool(d["is_current"]), local_key(d["received_local"]), d["delivery_id"]),
        default=None,
    )


def reference_delivery(deliveries: Iterable[Mapping[str, Any]], period: str) -> Mapping[str, Any] | None:
    """A provider's newest usable (neither rejected nor held) delivery with a period up to `period`."""
    return pick_delivery(
        d
        for d in deliveries
        if d["state"] not in ("rejected", "held") and valid_period(d["period"]) and d["period"] <= period
    )


def completeness_counts(
    con: Any, inputs: Inputs, table: str, delivery_ids: list[str]
) -> dict[str, dict[str, int]] | None:
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


def rejection_of(d: Mapping[str, Any]) -> Rejection | None:
    if d["state"] not in ("rejected", "held"):  # held: loaded, then stopped by a blocking check
        return None
    rule = d["rejection_rule"]
    return Rejection(
        title=rule_texts.delivery_rule_title(rule, "de") if rule else "Grund nicht erfasst",
        message=as_text(d["rejection_message"]),
        rule=as_text(rule),
        file=as_text(d["rejection_file"]),
        line="" if d["rejection_line"] is None else fmt.integer(d["rejection_line"]),
        action=rule_texts.DELIVERY_RULE_ACTIONS.get(rule, "") if rule else "",
    )


def state_of(d: Mapping[str, Any]) -> Status:
    state = DELIVERY_STATE.get(d["state"], Status("?", as_text(d["state"]), "none"))
    if d["state"] == "accepted" and d["is_current"]:
        return dataclasses.replace(state, word="angenommen, aktuell")
    return state


def timeliness_status(row: Mapping[str, Any] | None) -> Status:
    if row is None:
        return TIMELINESS_NONE
    base = TIMELINESS.get(row["status"], Status("?", as_text(row["status"]), "none"))
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


def series_cell(value: float | None) -> str:
    return "×" if value is None else fmt.integer(value)
