"""Every rule a delivery can break, with its German and English text.

Data stewards and providers see these texts (`kim check`, the delivery register, quarantine);
the rule id is the stable name to filter on. Templates take {column}, {value}, {expected}.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    german: str
    english: str
    # "delivery": the whole delivery is rejected; "row": the row goes to quarantine.
    level: str = "row"


RULES: dict[str, Rule] = {
    # --- rows ---------------------------------------------------------------------------------
    "required": Rule("Pflichtfeld '{column}' ist leer", "required field '{column}' is empty"),
    "date_format": Rule(
        "'{column}': '{value}' ist kein gültiges Datum im Format {expected}",
        "'{column}': '{value}' is not a valid date in the format {expected}",
    ),
    "date_implausible": Rule(
        "'{column}': Datum {value} liegt vor {expected} (zweistellige Jahreszahl?)",
        "'{column}': date {value} is before {expected} (two-digit year?)",
    ),
    "date_in_future": Rule(
        "'{column}': Datum {value} liegt nach dem Exportdatum {expected}",
        "'{column}': date {value} is after the export date {expected}",
    ),
    "date_order": Rule("'{column}' ({value}) liegt vor '{expected}'", "'{column}' ({value}) is before '{expected}'"),
    "integer": Rule(
        "'{column}': '{value}' ist keine ganze Zahl (keine Nachkommastellen)",
        "'{column}': '{value}' is not a whole number (no decimals allowed)",
    ),
    "out_of_range": Rule(
        "'{column}': {value} liegt außerhalb von {expected}", "'{column}': {value} is outside {expected}"
    ),
    "id_format": Rule(
        "'{column}': Kennung ist kein Pseudonym (höchstens 64 Zeichen aus A-Z, a-z, 0-9, _ und -)",
        "'{column}': id is not a pseudonym (at most 64 characters from A-Z, a-z, 0-9, _ and -)",
    ),
    "code_list": Rule(
        "'{column}': unbekannter Wert '{value}'; erlaubt: {expected}",
        "'{column}': unknown value '{value}'; expected one of: {expected}",
    ),
    "nationality_format": Rule(
        "'{column}': '{value}' ist kein ISO-3166-Alpha-3-Code (z. B. SYR, XXA, XXX)",
        "'{column}': '{value}' is not an ISO 3166 alpha-3 code (e.g. SYR, XXA, XXX)",
    ),
    "closing_reason_iff_closed": Rule(
        "Abschlussgrund ({names[closing_reason]}) ist genau dann anzugeben, wenn ein Abschlussdatum "
        "({names[closed_on]}) gesetzt ist",
        "{names[closing_reason]} is required if and only if {names[closed_on]} is set",
    ),
    "resolved_on_iff_terminal": Rule(
        "Erledigungsdatum ({names[resolved_on]}) ist genau dann anzugeben, wenn der Status ({names[status]}) "
        "{names[status=gedeckt]} oder {names[status=nicht_gedeckt]} ist",
        "{names[resolved_on]} is required if and only if {names[status]} is {names[status=gedeckt]} or "
        "{names[status=nicht_gedeckt]}",
    ),
    "unmet_reason_iff_unmet": Rule(
        "Grund ({names[unmet_reason]}) ist genau dann anzugeben, wenn der Status ({names[status]}) "
        "{names[status=nicht_gedeckt]} ist",
        "{names[unmet_reason]} is required if and only if {names[status]} is {names[status=nicht_gedeckt]}",
    ),
    "duplicate_key": Rule("Schlüssel ({expected}) kommt mehrfach vor", "key ({expected}) occurs more than once"),
    "orphan_reference": Rule(
        "'{column}' verweist auf einen nicht gelieferten Datensatz in {expected}",
        "'{column}' refers to a record missing from {expected}",
    ),
    "parent_quarantined": Rule(
        "'{column}' verweist auf einen zurückgewiesenen Datensatz in {expected}",
        "'{column}' refers to a rejected record in {expected}",
    ),
    # --- whole delivery -----------------------------------------------------------------------
    "too_many_bad_rows": Rule(
        "{value} fehlerhafte Zeilen ({expected}) – mehr als zulässig; die Lieferung wird abgelehnt",
        "{value} bad rows ({expected}) – more than allowed; the delivery is rejected",
        level="delivery",
    ),
}


class _Names(dict):
    """Column names and code values a template mentions besides its own column ({names[closed_on]},
    {names[status=gedeckt]}): the exchange format's unless a provider's own are given."""

    def __missing__(self, key: str) -> str:
        return key.split("=", 1)[-1]


def render(
    rule: str,
    language: str,
    column: str | None = None,
    value: object = None,
    expected: object = None,
    names: Mapping[str, str] | None = None,
) -> str:
    """A rule's text in German ('de') or English. `names`: the provider's own words for the columns
    ('closed_on') and code values ('status=gedeckt') the text mentions (pipelines.self_check)."""
    template = RULES[rule].german if language == "de" else RULES[rule].english
    return template.format(
        column=column or "",
        value="" if value is None else value,
        expected="" if expected is None else expected,
        names=_Names(names or {}),
    )


# Titles of the rules that reject a whole delivery; the detailed reason (file, line, column) is in
# the rejection's message.
DELIVERY_RULE_TITLES: dict[str, tuple[str, str]] = {
    "manifest_missing": ("manifest.json fehlt", "manifest.json is missing"),
    "manifest_unreadable": ("manifest.json ist nicht lesbar", "manifest.json is unreadable"),
    "manifest_field_missing": ("Pflichtangabe in manifest.json fehlt", "manifest.json lacks a field"),
    "check_failed": (
        "Blockierende Prüfung nach dem Laden fehlgeschlagen: Lieferung zurückgehalten",
        "failed a blocking check after loading: delivery held",
    ),
    "manifest_field_too_long": ("Angabe in manifest.json ist viel zu lang", "a manifest.json field is far too long"),
    "manifest_files": ("Dateiliste in manifest.json ist ungültig", "file list in manifest.json is invalid"),
    "provider_unknown": ("Träger ist nicht eingerichtet", "provider is not configured"),
    "provider_mismatch": ("Träger passt nicht zum Ordner", "provider does not match the folder"),
    "period_invalid": ("Zeitraum ist nicht JJJJ-MM", "period is not YYYY-MM"),
    "period_mismatch": ("Zeitraum passt nicht zum Ordner", "period does not match the folder"),
    "format_version": ("Formatversion wird nicht unterstützt", "format version not supported"),
    "exported_at_invalid": ("Exportzeitpunkt ist ungültig", "export time is invalid"),
    "file_missing": ("Datei fehlt", "file is missing"),
    "file_unexpected": ("Datei gehört nicht zum Austauschformat", "file is not part of the exchange format"),
    "file_unlisted": ("Datei fehlt in manifest.json", "file is not listed in manifest.json"),
    "checksum_mismatch": ("Prüfsumme stimmt nicht", "checksum does not match"),
    "row_count_mismatch": ("Zeilenzahl stimmt nicht mit manifest.json überein", "row count differs from manifest.json"),
    "file_empty": ("Datei ist leer", "file is empty"),
    "nul_byte": ("Datei enthält NUL-Bytes", "file contains NUL bytes"),
    "line_endings_mixed": ("Zeilenenden gemischt (CRLF und LF)", "mixed line endings (CRLF and LF)"),
    "encoding": ("Falsche Zeichenkodierung", "wrong character encoding"),
    "bom_inside": ("Byte-Order-Mark mitten in der Datei", "byte-order mark inside the file"),
    "truncated": ("Datei ist abgeschnitten", "file is cut off"),
    "csv_malformed": ("CSV-Struktur ist fehlerhaft", "malformed CSV"),
    "field_too_large": ("Feld ist zu groß", "field is too large"),
    "field_count": ("Falsche Anzahl Felder in einer Zeile", "wrong number of fields in a line"),
    "column_duplicate": ("Spalte kommt doppelt vor", "duplicate column"),
    "column_unknown": ("Unbekannte Spalte", "unknown column"),
    "header_missing": ("Kopfzeile fehlt oder passt nicht zum Profil", "header row missing or not matching the profile"),
    "column_missing": ("Pflichtspalte fehlt", "required column is missing"),
    "pii_column": ("Spalte mit direkt identifizierenden Daten", "column with direct identifiers"),
    "pii_value": ("Wert sieht aus wie ein direktes Identifikationsmerkmal", "value looks like a direct identifier"),
    "district_unknown": (
        "Stadtteil steht nicht in der Liste der Stadt (Name oder Adresse?)",
        "district is not one of the city's districts (a name or an address?)",
    ),
    "xlsx_unreadable": ("Arbeitsmappe ist nicht lesbar", "workbook is unreadable"),
    "xlsx_formula": ("Arbeitsmappe enthält Formeln", "workbook contains formulas"),
    "sheet_missing": ("Tabellenblatt fehlt", "sheet is missing"),
    "xlsx_hidden_sheet": ("Arbeitsmappe enthält ein ausgeblendetes Tabellenblatt", "workbook has a hidden sheet"),
    "xlsx_extra_sheet": (
        "Arbeitsmappe enthält ein Tabellenblatt außerhalb des Austauschformats",
        "workbook has a sheet outside the exchange format",
    ),
    "xlsx_comment": ("Arbeitsmappe enthält Kommentare oder Notizen", "workbook contains comments or notes"),
    "xlsx_embedded": (
        "Arbeitsmappe enthält eingebettete Objekte oder Bilder",
        "workbook contains embedded objects or pictures",
    ),
    "xlsx_external_link": ("Arbeitsmappe enthält Verknüpfungen zu anderen Dateien", "workbook links to other files"),
    "xlsx_macro": ("Arbeitsmappe enthält Makros", "workbook contains macros"),
    "cases_empty": ("Keine Fälle geliefert", "no cases delivered"),
    "too_many_bad_rows": ("Zu viele fehlerhafte Zeilen", "too many bad rows"),
    # the landing folder's protections (docs/security.md)
    "file_symlink": ("Datei ist ein symbolischer Link", "file is a symbolic link"),
    "file_too_large": ("Datei ist größer als erlaubt", "file is larger than allowed"),
    "path_outside_landing": (
        "Lieferordner liegt außerhalb des Eingangsordners",
        "delivery folder lies outside the landing folder",
    ),
}


# What the provider's clerk does about a rejection, in German (kim check, docs/de/austauschformat.md):
# the message itself names the file, line and column.
DELIVERY_RULE_ACTIONS: dict[str, str] = {
    "manifest_missing": "Manifest schreiben: kim manifest <ordner>",
    "manifest_unreadable": "Manifest neu schreiben: kim manifest <ordner> (nicht von Hand bearbeiten)",
    "manifest_field_missing": "Manifest neu schreiben: kim manifest <ordner>",
    "check_failed": "Die genannte Prüfung im Datenqualitätsbericht ansehen; das KI meldet sich",
    "manifest_field_too_long": "Manifest neu schreiben: kim manifest <ordner>",
    "manifest_files": "Manifest neu schreiben: kim manifest <ordner>",
    "provider_unknown": "Die Trägerkennung des KI verwenden (steht in Ihrem Profil); sonst das KI fragen",
    "provider_mismatch": "Den Export in den Ordner Ihres Trägers legen oder das Manifest neu schreiben",
    "period_invalid": "Den Berichtsmonat als JJJJ-MM angeben (kim manifest --period 2026-10)",
    "period_mismatch": "Den Ordner nach dem Berichtsmonat benennen oder das Manifest neu schreiben",
    "format_version": "Manifest mit der aktuellen Version von kim manifest neu schreiben",
    "exported_at_invalid": "Manifest neu schreiben: kim manifest <ordner>",
    "file_missing": "Die fehlende Datei exportieren, dann das Manifest neu schreiben",
    "file_unexpected": "Nur die Dateien des Austauschformats liefern; die genannte Datei entfernen",
    "file_unlisted": "Die Datei entfernen oder das Manifest neu schreiben",
    "checksum_mismatch": "Nach jeder Änderung an einer Datei das Manifest neu schreiben: kim manifest <ordner>",
    "row_count_mismatch": "Vollständig neu exportieren und das Manifest neu schreiben",
    "file_empty": "Die Datei erneut exportieren (mindestens die Kopfzeile)",
    "nul_byte": "Die Datei ist beschädigt oder binär: erneut als Text (CSV) exportieren",
    "line_endings_mixed": "Die Datei in einem Stück erneut exportieren, nicht von Hand zusammensetzen",
    "encoding": "In der Zeichenkodierung Ihres Profils exportieren (meist UTF-8) oder das KI das Profil anpassen lassen",
    "bom_inside": "Die Datei in einem Stück erneut exportieren, nicht aus mehreren Dateien zusammensetzen",
    "truncated": "Warten, bis der Export fertig ist, und die Datei erneut kopieren",
    "csv_malformed": "Trennzeichen und Anführungszeichen prüfen (wie im Profil) und erneut exportieren",
    "field_too_large": "Die genannte Zeile prüfen: ein Feld ist viel zu lang (Freitext?) – erneut exportieren",
    "field_count": "Die genannte Zeile prüfen: ein Wert enthält das Trennzeichen ohne Anführungszeichen",
    "column_duplicate": "Jede Spalte nur einmal exportieren",
    "column_unknown": "Die Spalte aus dem Export nehmen oder mit dem KI ins Profil aufnehmen",
    "header_missing": "Mit Kopfzeile exportieren (Spaltennamen wie im Profil)",
    "column_missing": "Die Pflichtspalte mit exportieren (Name wie im Profil)",
    "pii_column": "Die Spalte aus dem Export nehmen: direkte Identifikatoren verlassen den Träger nie",
    "pii_value": "Den Wert im Fachverfahren korrigieren: keine Namen, Daten, Nummern oder Freitexte",
    "district_unknown": "Den Stadtteil-Code der Stadt verwenden (Liste beim KI), nie eine Adresse",
    "xlsx_unreadable": "Die Arbeitsmappe erneut exportieren (als .xlsx, nicht beschädigt)",
    "xlsx_formula": "Werte statt Formeln exportieren",
    "sheet_missing": "Ein Tabellenblatt je Tabelle des Austauschformats anlegen (Namen wie im Profil)",
    "xlsx_hidden_sheet": "Ausgeblendete Tabellenblätter löschen",
    "xlsx_extra_sheet": "Zusätzliche Tabellenblätter löschen",
    "xlsx_comment": "Kommentare und Notizen löschen",
    "xlsx_embedded": "Eingebettete Objekte und Bilder löschen",
    "xlsx_external_link": "Verknüpfungen zu anderen Dateien entfernen (Werte einfügen)",
    "xlsx_macro": "Als .xlsx ohne Makros speichern",
    "cases_empty": "Alle Fälle exportieren: jede Lieferung ist ein vollständiger Stand",
    "too_many_bad_rows": "Die genannten Zeilen im Fachverfahren korrigieren und erneut exportieren",
    "file_symlink": "Die Datei selbst in den Ordner kopieren, keine Verknüpfung",
    "file_too_large": "Prüfen, ob es die richtige Datei ist; sonst das KI fragen",
    "path_outside_landing": "Den Ordner in den Eingangsordner des KI legen",
}


def delivery_rule_title(rule: str, language: str) -> str:
    german, english = DELIVERY_RULE_TITLES.get(rule, (rule, rule))
    return german if language == "de" else english
