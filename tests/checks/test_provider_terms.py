"""kim check speaks the provider's language (issue 18): its own column names and code values, read
backwards from its profile, and dates as a clerk writes them."""

from __future__ import annotations

from checks.provider_terms import ProviderTerms, shown_date, shown_date_pattern


def violation(table, column, rule, value=None, expected=None):
    return {"table_name": table, "column_name": column, "rule": rule, "value": value, "expected": expected}


def test_dates_and_date_formats_as_people_read_them():
    assert shown_date("2024-02-29") == "29.02.2024"
    assert shown_date("31.02.2024") == "31.02.2024"  # not ISO: as delivered
    assert shown_date(None) is None
    assert shown_date_pattern("%d.%m.%Y", "de") == "TT.MM.JJJJ"
    assert shown_date_pattern("%Y-%m-%d", "en") == "YYYY-MM-DD"


def test_awo_findings_name_awo_columns_codes_and_files(config):
    profile = config.provider("awo").profile
    terms = ProviderTerms(profile, {"cases": "Faelle.csv", "needs": "Bedarfe.csv"}, "de")
    assert terms.column("cases", "opened_on") == "Fallbeginn"
    assert terms.code("status", "nicht_gedeckt") == "nicht gedeckt"
    assert terms.message(violation("cases", "opened_on", "date_format", "2026-02-31", "%Y-%m-%d")) == (
        "'Fallbeginn': '2026-02-31' ist kein gültiges Datum im Format JJJJ-MM-TT"
    )
    assert terms.message(
        violation("cases", "residence_status", "code_list", "Duldung §60b", "duldung, gestattung")
    ) == ("'Aufenthaltsstatus': unbekannter Wert 'Duldung §60b'; erlaubt: Duldung, Aufenthaltsgestattung")
    assert terms.message(violation("cases", "closing_reason", "closing_reason_iff_closed")) == (
        "Abschlussgrund (Abschlussgrund) ist genau dann anzugeben, wenn ein Abschlussdatum (Fallende) gesetzt ist"
    )
    assert terms.message(violation("needs", "unmet_reason", "unmet_reason_iff_unmet")) == (
        "Grund (Grund_nicht_gedeckt) ist genau dann anzugeben, wenn der Status (Bedarfsstatus) nicht gedeckt ist"
    )
    assert terms.message(violation("cases", "closed_on", "date_order", "2000-01-01", "opened_on")) == (
        "'Fallende' (01.01.2000) liegt vor 'Fallbeginn'"
    )
    assert terms.message(violation("needs", "identified_on", "date_order", "2020-05-04", "cases.opened_on")) == (
        "'Festgestellt_am' (04.05.2020) liegt vor 'Faelle.csv: Fallbeginn'"
    )
    assert terms.message(violation("needs", "case_id", "orphan_reference", None, "cases")) == (
        "'Fallnummer' verweist auf einen nicht gelieferten Datensatz in Faelle.csv"
    )
    assert terms.message(violation("contacts", "contact_on", "date_in_future", "2030-12-24", "2026-11-03")) == (
        "'Kontakt_am': Datum 24.12.2030 liegt nach dem Exportdatum 03.11.2026"
    )


def test_english_and_the_reference_profile_keep_the_exchange_format_words(config):
    terms = ProviderTerms(config.provider("caritas").profile, {}, "en")
    assert terms.message(violation("cases", "opened_on", "date_format", "31.02.2024", "%d.%m.%Y")) == (
        "'opened_on': '31.02.2024' is not a valid date in the format DD.MM.YYYY"
    )
    assert terms.message(violation("needs", "resolved_on", "resolved_on_iff_terminal")) == (
        "resolved_on is required if and only if status is gedeckt or nicht_gedeckt"
    )
