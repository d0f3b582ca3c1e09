"""The PII guard on its own (checks.pii): headers naming a direct identifier and values that look
like one reject the delivery with file, line and column, never echoing the value."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from checks.pii import check_headers, check_values, identifier_kind, shown_column_name
from kim.errors import DeliveryRejected

FOLDER = Path("landing/caritas/2026-01")


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Vorname", "a name"),
        ("Nach-Name", "a name"),
        ("Geburtsdatum", "a birth date"),
        ("date_of_birth", "a birth date"),
        ("case_id", None),
        ("district", None),
        ("opened_on", None),
        # issue 16: headers that were refused only as unknown columns
        ("geb_datum", "a birth date"),
        ("Geburtsort", "a place of birth"),
        ("Aktenzeichen", "an official identity number"),
        ("Pass-Nr", "an official identity number"),
        ("Tel.", "a phone number"),
        ("Rufnummer", "a phone number"),
        ("Klientenname", "a name"),
        ("SV-Nr.", "an official identity number"),
        # providers' own names of exchange-format columns stay allowed
        ("Fallnummer", None),
        ("Personenkennung", None),
        ("Fallverantwortung", None),
        ("Geburtsjahr", None),
        ("Staatsangehoerigkeit", None),
    ],
)
def test_headers_are_matched_after_normalising_case_accents_and_separators(header, kind):
    assert identifier_kind(header) == kind


def test_an_identifier_header_rejects_with_file_line_1_and_the_column():
    with pytest.raises(DeliveryRejected) as caught:
        check_headers(["case_id", "Vorname"], FOLDER, "cases.csv")
    rejection = caught.value
    assert (rejection.rule, rejection.file_name, rejection.source_row) == ("pii_column", "cases.csv", 1)
    assert "'Vorname'" in rejection.message


@pytest.mark.parametrize(
    ("column", "column_type", "value", "what"),
    [
        ("district", "code", "max.mustermann@example.de", "an e-mail address"),
        ("district", "code", "0214 4065246", "a phone number"),
        ("district", "code", "DE89370400440532013000", "an IBAN"),
        ("district", "code", "wohnt in der Hauptstrasse", "free text"),
        ("birth_year", "int", "12.03.1985", "a full date"),
        # issue 16: spellings that only quarantined their row before
        ("district", "code", "jürgen@müller.de", "an e-mail address"),
        ("district", "code", "max(at)example.de", "an e-mail address"),
        ("district", "code", "max\uff20example.de", "an e-mail address"),  # a fullwidth at sign
        ("district", "code", "(0214) 406-5246", "a phone number"),
        ("district", "code", " 0214 4065246", "a phone number"),  # a leading space
        ("birth_year", "int", "12031985", "a full date"),
        ("birth_year", "int", "12. März 1985", "a full date"),
        ("nationality", "code", "Syrer aus Aleppo", "free text"),
    ],
)
def test_a_value_that_looks_like_an_identifier_rejects_on_its_line_without_echoing_it(column, column_type, value, what):
    frame = pl.DataFrame({column: ["wiesdorf" if column_type == "code" else "1990", value]})
    with pytest.raises(DeliveryRejected) as caught:
        check_values(frame, {column: column_type}, FOLDER, "cases.csv")
    rejection = caught.value
    assert (rejection.rule, rejection.source_row) == ("pii_value", 3)  # header is line 1
    assert what in rejection.message and column in rejection.message
    assert value not in str(rejection)


def test_a_free_code_column_must_hold_code_words():
    frame = pl.DataFrame({"district": ["wiesdorf", "Max Mustermann"]})
    check_values(
        pl.DataFrame({"district": ["wiesdorf", "opladen"]}), {"district": "code"}, FOLDER, "cases.csv", ("district",)
    )
    with pytest.raises(DeliveryRejected, match="no code word"):
        check_values(frame, {"district": "code"}, FOLDER, "cases.csv", ("district",))


def test_clean_values_pass():
    frame = pl.DataFrame({"district": ["wiesdorf", None], "birth_year": ["1990", "2001"]})
    check_values(frame, {"district": "code", "birth_year": "int"}, FOLDER, "cases.csv")


def test_a_header_that_looks_like_data_is_named_by_position_only():
    assert shown_column_name("closing_reason", 4) == "'closing_reason'"
    assert shown_column_name("12.03.1985", 2).startswith("column 3 ")


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("Max_Mustermann_1985", "a name"),
        ("Schmidt_Anna", "a name"),
        ("Mueller", "a name"),
        ("anna-schmidt-7", "a name"),
        ("65929970489", "a tax id"),  # eleven digits, the first not 0
        ("659-299-704-89", "a tax id"),
        ("0214 4065246", "a phone number"),
        ("0214/4065246", "a phone number"),
        ("+492144065246", "a phone number"),
        ("850312123456", "an AZR number"),  # registered 12 March 1985, serial, check digit
        ("de89370400440532013000", "an IBAN"),
        ("P-12.03.1985", "a date"),
        ("K19850312", "a date"),
        ("2024-01-15-001", "a date"),
        ("Anna Maria Schmidt", "free text"),
    ],
)
def test_an_id_must_be_opaque(value, what):
    frame = pl.DataFrame({"person_id": ["6KT4DG4VQRW3", value]})
    with pytest.raises(DeliveryRejected) as caught:
        check_values(frame, {"person_id": "id"}, FOLDER, "cases.csv")
    rejection = caught.value
    assert (rejection.rule, rejection.source_row) == ("pii_value", 3)
    assert what in rejection.message and "'person_id'" in rejection.message
    assert value not in str(rejection)


@pytest.mark.parametrize(
    "value",
    [
        # the providers' numbering styles of the synthetic deliveries and of real software
        "CV-000086",
        "DW-LEV-00012",
        "AWO2025-0042",
        "AWO2025-0042-K001",
        "DRK-KIM-00012-V01",
        "LEV-KM03",
        "CV-000086-B01",
        "6KT4DG4VQRW3",  # random base32 pseudonyms
        "08WHD6V9YT2Y",
        "GBT31G09XYZT",
        "0001234",
        "123456",
        "fall-0001",
        "c1",
        "p-anna",
        "KM_Team3",
    ],
)
def test_opaque_ids_pass(value):
    check_values(pl.DataFrame({"case_id": [value]}), {"case_id": "id"}, FOLDER, "cases.csv")
