"""docs/de/austauschformat.md, the exchange format for providers in German, written from the
contract (kim.contract), the rule texts (checks.rules) and the reference profile, so it cannot
drift from what the pipeline checks (issue 18).

    python -m checks.format_doc > docs/de/austauschformat.md
    python -m checks.format_doc --check docs/de/austauschformat.md   # exit 1 when stale
"""

from __future__ import annotations

import sys

from checks.provider_terms import shown_date_pattern
from checks.row_rules import DATE_ORDER, REFERENCES, ROW_CONDITIONS
from checks.rules import DELIVERY_RULE_ACTIONS, DELIVERY_RULE_TITLES, RULES
from checks.rules import render as rule_text
from kim.config import Profile
from kim.contract import (
    DELIVERY_DUE_DAYS,
    EARLIEST_PLAUSIBLE_DATE,
    FORMAT_VERSION,
    MANIFEST_NAME,
    PRIMARY_KEYS,
    TABLES,
    TABLES_BY_PROVIDER_KIND,
    TERMINAL_NEED_STATUS,
    Column,
    int_range,
)
from kim.generated_docs import generated_doc_main

TABLE_TEXT = {
    "cases": "Fälle: ein Datensatz je Fall (Stand zum Exportzeitpunkt, auch abgeschlossene Fälle)",
    "needs": "Bedarfe: festgestellte Bedarfe eines Falls",
    "handovers": "Vermittlungen: Übergaben an andere Stellen",
    "contacts": "Kontakte: Beratungskontakte eines Falls",
    "assignments": "Zuständigkeiten: welche Fallverantwortliche wann zuständig war",
    "status_changes": "Statuswechsel: Änderungen des Aufenthaltsstatus (nur Ausländerbehörde)",
}
COLUMN_TEXT = {
    ("cases", "case_id"): "Fallkennung, innerhalb des Trägers eindeutig",
    ("cases", "person_id"): "Personenkennung, über alle Träger dieselbe Person",
    ("cases", "case_manager_id"): "aktuelle Fallverantwortliche (Kennung)",
    ("cases", "opened_on"): "Fallbeginn",
    ("cases", "closed_on"): "Fallende; leer, solange der Fall offen ist",
    ("cases", "closing_reason"): "Abschlussgrund",
    ("cases", "birth_year"): "Geburtsjahr (nie das volle Geburtsdatum)",
    ("cases", "gender"): "Geschlecht: w, m, d, x (keine Angabe)",
    ("cases", "nationality"): "Staatsangehörigkeit als ISO-3166-Alpha-3-Code (XXA staatenlos, XXX unbekannt)",
    ("cases", "residence_status"): "Aufenthaltsstatus bei Aufnahme",
    ("cases", "arrival_year"): "Einreisejahr",
    ("cases", "district"): "Stadtteil als Code der Stadt (nie eine Adresse)",
    ("cases", "referral_source"): "Zugangsweg",
    ("needs", "need_id"): "Bedarfskennung, innerhalb des Trägers eindeutig",
    ("needs", "case_id"): "Fall, zu dem der Bedarf gehört",
    ("needs", "category"): "Bedarfsart",
    ("needs", "identified_on"): "festgestellt am (nicht vor dem Fallbeginn)",
    ("needs", "status"): "Bedarfsstatus",
    ("needs", "resolved_on"): "erledigt am",
    ("needs", "unmet_reason"): "Grund, warum der Bedarf nicht gedeckt wurde",
    ("handovers", "handover_id"): "Vermittlungskennung, innerhalb des Trägers eindeutig",
    ("handovers", "case_id"): "Fall",
    ("handovers", "need_id"): "Bedarf, für den vermittelt wurde (falls bekannt)",
    ("handovers", "target_service"): "Zielstelle",
    ("handovers", "referred_on"): "vermittelt am",
    ("handovers", "first_contact_on"): "erster Termin bei der Zielstelle",
    ("handovers", "outcome"): "Ergebnis der Vermittlung",
    ("contacts", "contact_id"): "Kontaktkennung, innerhalb des Trägers eindeutig",
    ("contacts", "case_id"): "Fall",
    ("contacts", "contact_on"): "Kontakt am",
    ("contacts", "channel"): "Kontaktart",
    ("contacts", "duration_minutes"): "Dauer in Minuten",
    ("assignments", "case_id"): "Fall",
    ("assignments", "case_manager_id"): "Fallverantwortliche (Kennung)",
    ("assignments", "assigned_from"): "zuständig ab",
    ("assignments", "assigned_to"): "zuständig bis; leer, solange zuständig",
    ("status_changes", "person_id"): "Personenkennung",
    ("status_changes", "changed_on"): "Statuswechsel am",
    ("status_changes", "status_from"): "bisheriger Aufenthaltsstatus",
    ("status_changes", "status_to"): "neuer Aufenthaltsstatus",
}
TYPE_TEXT = {
    "id": "Kennung (Pseudonym)",
    "date": "Datum",
    "int": "ganze Zahl",
    "code": "Code",
    "text": "Text",
}
KIND_TEXT = {"wohlfahrt": "Wohlfahrtsverbände", "stadt": "kommunales Case Management", "abh": "Ausländerbehörde"}
HEADER = """# Austauschformat v{version}: was ein Träger liefert

*Dieses Dokument wird aus dem Code erzeugt (`python -m checks.format_doc`); ein Test prüft, dass
es aktuell ist. Was hier steht, prüft die Pipeline genau so.*

Wie Sie eine Lieferung erstellen, prüfen und senden, steht in der [Anleitung für
Träger](traeger.md). Hier steht, was darin sein muss.
"""


def _rule_text(table: str, column: Column) -> str:
    rules = ["Pflichtfeld" if column.required else "optional"]
    if (table, column.name) in {(t, k[0]) for t, k in PRIMARY_KEYS.items() if len(k) == 1}:
        rules.append("eindeutig")
    if column.type == "int":
        low, high = int_range(column.name, export_year=0)
        rules.append(f"{low} bis {high if high else 'Exportjahr'}")
    if column.type == "date":
        rules.append(f"ab {EARLIEST_PLAUSIBLE_DATE:%d.%m.%Y}, nicht nach dem Exportdatum")
    rules += [f"nicht vor `{earlier}`" for t, later, earlier in DATE_ORDER if (t, later) == (table, column.name)]
    rules += [
        f"verweist auf `{parent}`" for child, name, parent, _ in REFERENCES if (child, name) == (table, column.name)
    ]
    rules += [f"Regel `{rule}`" for t, rule, shown, _ in ROW_CONDITIONS if (t, shown) == (table, column.name)]
    if column.codes:
        rules.append("Codeliste unten")
    return "; ".join(rules)


def _table_section(table: str) -> list[str]:
    key = ", ".join(f"`{name}`" for name in PRIMARY_KEYS[table])
    lines = [
        f"### `{table}` – {TABLE_TEXT[table]}",
        "",
        f"Schlüssel: {key} (in einer Lieferung eindeutig).",
        "",
        "| Spalte | Bedeutung | Typ | Regeln |",
        "|---|---|---|---|",
    ]
    for column in TABLES[table]:
        text = COLUMN_TEXT[(table, column.name)]
        lines.append(f"| `{column.name}` | {text} | {TYPE_TEXT[column.type]} | {_rule_text(table, column)} |")
    return [*lines, ""]


def _code_lists() -> list[str]:
    seen: dict[tuple[str, ...], list[str]] = {}
    for table, columns in TABLES.items():
        for column in columns:
            if column.codes:
                seen.setdefault(column.codes, []).append(f"`{table}.{column.name}`")
    lines = ["## Codelisten", "", "| Spalte(n) | erlaubte Werte |", "|---|---|"]
    for codes, where in seen.items():
        lines.append(f"| {', '.join(where)} | {', '.join(f'`{code}`' for code in codes)} |")
    return [*lines, ""]


def _rules() -> list[str]:
    terminal = " oder ".join(f"`{status}`" for status in TERMINAL_NEED_STATUS)
    lines = [
        "## Regeln für Zeilen",
        "",
        "Eine Zeile, die eine dieser Regeln verletzt, kommt in die Quarantäne und fehlt in den Zahlen;",
        "sind es zu viele, wird die ganze Lieferung abgelehnt. Zeilen, die zu einer abgewiesenen Zeile",
        "gehören (die Bedarfe eines abgewiesenen Falls), werden mit abgewiesen.",
        "",
        "| Regel | Text der Meldung |",
        "|---|---|",
    ]
    for rule_id, rule in RULES.items():
        if rule.level == "row":
            text = rule_text(rule_id, "de", "Spalte", "Wert", "…")
            lines.append(f"| `{rule_id}` | {text} |")
    lines += ["", f"Ein Erledigungsdatum gehört genau zu den Status {terminal}.", ""]
    return lines


def _delivery_rules() -> list[str]:
    lines = [
        "## Gründe, eine ganze Lieferung abzulehnen",
        "",
        "Die Meldung nennt Datei, Zeile und Spalte; der Wert selbst wird nie wiederholt.",
        "",
        "| Regel | Bedeutung | Was tun |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{rule}` | {german} | {DELIVERY_RULE_ACTIONS[rule]} |" for rule, (german, _) in DELIVERY_RULE_TITLES.items()
    ]
    return [*lines, ""]


def render() -> str:
    reference = Profile(name="reference", format="csv")
    kinds = "\n".join(
        f"- {KIND_TEXT[kind]}: {', '.join(f'`{table}`' for table in tables)}"
        for kind, tables in TABLES_BY_PROVIDER_KIND.items()
    )
    lines = [
        HEADER.format(version=FORMAT_VERSION),
        "## Die Lieferung",
        "",
        "Eine Lieferung ist ein Ordner `<träger>/<JJJJ-MM>/` mit der Datei "
        f"`{MANIFEST_NAME}` und einer Datei je Tabelle: CSV (`<tabelle>.csv`) oder eine Excel-Arbeitsmappe "
        "(`export.xlsx`, ein Tabellenblatt je Tabelle, keine Formeln, Makros, Kommentare, ausgeblendeten "
        "oder zusätzlichen Blätter). Sie ist fällig am "
        f"{DELIVERY_DUE_DAYS}. Tag nach Monatsende und enthält jedes Mal den vollständigen Stand.",
        "",
        "Welche Tabellen ein Träger liefert:",
        "",
        kinds,
        "",
        "## CSV-Format (Standard)",
        "",
        f"- Zeichenkodierung {reference.encoding.replace('-sig', '').upper()} (mit oder ohne BOM)",
        f"- Trennzeichen `{reference.delimiter}`, Textbegrenzer `{reference.quote}`, eine Kopfzeile mit den Spaltennamen",
        f"- Datum als {shown_date_pattern(reference.date_format, 'de')}, ganze Zahlen ohne Nachkommastellen "
        f"(`45{reference.decimal_separator}00` wird als 45 gelesen)",
        "- ein leeres Feld heißt: keine Angabe; jede Zeile endet mit einem Zeilenumbruch",
        "",
        "Weicht Ihr Fachverfahren davon ab (andere Kodierung, Trennzeichen, Datumsform, Spaltennamen "
        "oder Codewerte), legt das KI für Sie ein **Profil** an, das Ihren Export auf dieses Format "
        "abbildet. `kim check` nennt dann Ihre eigenen Spaltennamen.",
        "",
        f"## `{MANIFEST_NAME}`",
        "",
        "`provider_id` (Ihre Trägerkennung), `period` (Berichtsmonat JJJJ-MM), `exported_at` "
        "(Exportzeitpunkt, ISO 8601), `format_version` "
        f'(`"{FORMAT_VERSION}"`) und `files`: je Datei `{{"rows": Zeilenzahl, "sha256": Prüfsumme}}`. '
        "`kim manifest <ordner>` schreibt sie. Passen Dateien und Manifest nicht zusammen, wird die "
        "Lieferung abgelehnt.",
        "",
        "## Keine direkten Identifikatoren",
        "",
        "Namen, volle Geburtsdaten, Adressen, Telefonnummern, E-Mail-Adressen, Steuer-, Sozialversicherungs-, "
        "Pass- oder AZR-Nummern, Bankverbindungen und Freitext gehören in keine Spalte und keinen Wert. Eine "
        "Lieferung mit so einer Spalte oder so einem Wert wird als Ganzes abgelehnt. Kennungen sind "
        "Pseudonyme: höchstens 64 Zeichen aus A–Z, a–z, 0–9, `_` und `-`, keine Namen, Daten oder "
        "Telefonnummern.",
        "",
        "## Tabellen",
        "",
    ]
    for table in TABLES:
        lines += _table_section(table)
    lines += _code_lists() + _rules() + _delivery_rules()
    lines += ["## Prüfen vor dem Senden", "", "```sh", "kim check <träger>/<JJJJ-MM>", "```", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    return generated_doc_main(argv, render, "checks.format_doc", __doc__)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
