"""German phrases shared by the reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reports import labels
from reports.suppression import SIGN_HIDDEN, Cell


def join_labels(items: Sequence[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b und c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


# A chart's description names the largest or the range of what it shows. Said of every month or
# category, it would bound the hidden ones (a peak of 1.216 in August: no hidden month above it),
# which the disclosure audit does not model; said of the shown values, it repeats printed figures.
HIGHEST_SHOWN = "Höchster ausgewiesener Anteil"
LONGEST_SHOWN = "Unter den ausgewiesenen Zielstellen am längsten"
MOST_SHOWN = "Unter den ausgewiesenen am häufigsten"


def among_shown(series: Mapping[str, Cell]) -> str:
    """The qualifier for a statement about the largest or the range of a series' values: "unter den
    ausgewiesenen Monaten " when a value of it is hidden, else nothing."""
    return "unter den ausgewiesenen Monaten " if any(cell.hidden for cell in series.values()) else ""


def omitted_note(omitted: list[str]) -> str | None:
    """The note under a chart naming the values left out for privacy (None: nothing left out).
    It names which bars or months are missing, never why or how small they are: every hidden
    figure looks the same (design §6)."""
    if not omitted:
        return None
    return (
        f"Aus Datenschutzgründen nicht dargestellt: {join_labels(omitted)}. "
        f"Die zugehörigen Werte sind auch in der Tabelle verdeckt ({SIGN_HIDDEN})."
    )


# The note in place of a table or breakdown that is not published for the report's period
# (reports.kit.publication): the publication plan publishes it only per year, or not at all. The
# note stands for the whole table, never for a cell, and is the same whatever the month's figures:
# it says nothing about them.
UNPUBLISHED_MONTHLY = (
    "Diese Aufschlüsselung wird wegen kleiner Fallzahlen nur jährlich veröffentlicht (siehe Jahresbericht)."
)
UNPUBLISHED = "Diese Aufschlüsselung wird wegen kleiner Fallzahlen für diesen Zeitraum nicht veröffentlicht."
# Under a breakdown table some of whose columns are not published for the period.
UNPUBLISHED_COLUMNS_MONTHLY = (
    "Weitere Kennzahlen dieser Aufschlüsselung werden wegen kleiner Fallzahlen nur jährlich veröffentlicht "
    "(siehe Jahresbericht)."
)
UNPUBLISHED_COLUMNS = (
    "Weitere Kennzahlen dieser Aufschlüsselung werden wegen kleiner Fallzahlen für diesen Zeitraum nicht "
    "veröffentlicht."
)
# The provider report: the provider's own figures of a breakdown are not published (the city's are).
UNPUBLISHED_OWN = (
    "Ihre eigenen Werte dieser Aufschlüsselung werden wegen kleiner Fallzahlen für diesen Zeitraum "
    "nicht veröffentlicht (in der Tabelle „k. A.“); gezeigt werden die Werte der ganzen Stadt."
)
# The provider report: the provider's monthly case numbers (its trend) are not published.
UNPUBLISHED_SERIES = (
    "Die Fallzahlen Ihres Trägers je Monat werden wegen kleiner Zahlen für diesen Zeitraum nicht veröffentlicht."
)


# The method note of every published report (monthly, annual, provider), next to its legend: how
# figures are protected, in words for council members and providers. It states the rules, never
# the reason or the size of one hidden figure.
METHOD_NOTE = (
    "Damit keine Rückschlüsse auf einzelne Personen möglich sind, werden Zahlen, die weniger als "
    "{k} Personen oder Fälle betreffen, nicht veröffentlicht. Das gilt auch für Anteile, Mediane "
    "und Quoten, denen weniger als {k} Fälle zugrunde liegen. Null wird als 0 angezeigt.",
    "Außerdem werden weitere Zahlen verdeckt, damit sich kein verdeckter Wert aus Summen, anderen "
    "Tabellen, anderen Monaten, Anteilen oder anderen Berichten zurückrechnen lässt.",
    "Jeder verdeckte Wert trägt dasselbe Zeichen „{sign}“, gleich aus welchem Grund er verdeckt "
    "ist. Das Zeichen verrät also nichts über die Größe des Werts. Verdeckte Werte erscheinen "
    "auch in keiner Grafik.",
    "Vor jeder Veröffentlichung wird geprüft, dass sich jeder verdeckte Wert mit den veröffentlichten "
    "Zahlen nur ungenau eingrenzen lässt: Zwischen dem kleinsten und dem größten möglichen Wert "
    "müssen mindestens {k} liegen. Geprüft wird das auch aus der Sicht eines Trägers, der seine "
    "eigenen genauen Zahlen kennt. Besteht die Prüfung nicht, werden die Berichte nicht "
    "veröffentlicht.",
)


def method_note(k: int) -> list[str]:
    """The paragraphs of the method note for threshold `k`."""
    return [paragraph.format(k=k, sign=SIGN_HIDDEN) for paragraph in METHOD_NOTE]


def short_label(indicator_id: str) -> str:
    """The indicator's German name without the unit suffix " (Tage)"."""
    return labels.indicator_label(indicator_id).replace(" (Tage)", "")
