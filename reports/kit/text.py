"""German phrases shared by the reports."""

from __future__ import annotations

from collections.abc import Sequence

from reports import labels


def join_labels(items: Sequence[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b und c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


def omitted_note(omitted: list[str], what: str) -> str | None:
    """The note under a chart naming the values left out for privacy (None: nothing left out)."""
    if not omitted:
        return None
    return (
        f"Aus Datenschutzgründen nicht dargestellt ({what}): {join_labels(omitted)}. "
        "Die zugehörigen Werte sind auch in der Tabelle verdeckt."
    )


def short_label(indicator_id: str) -> str:
    """The indicator's German name without the unit suffix " (Tage)"."""
    return labels.indicator_label(indicator_id).replace(" (Tage)", "")
