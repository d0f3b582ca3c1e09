"""PII guard (design §6): refuse a delivery that carries a direct identifier.

A header that names an identifier, or a value that looks like one, rejects the whole delivery.
The reason names the file, line and column, never the value itself.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import polars as pl

from kim.errors import DeliveryRejected

FIRST_DATA_LINE = 2  # line 1 is the header

# Normalised (lower case, no accents, letters and digits only) header words that name a direct
# identifier, in German and English. A header matches when it equals or contains one of them.
IDENTIFIER_HEADER_TERMS: dict[str, str] = {
    **dict.fromkeys(
        [
            "name",
            "vorname",
            "nachname",
            "familienname",
            "geburtsname",
            "rufname",
            "firstname",
            "lastname",
            "surname",
            "fullname",
            "givenname",
            "klientenname",
            "klientinnenname",
            "klientname",
            "kundenname",
            "personenname",
        ],
        "a name",
    ),
    **dict.fromkeys(
        [
            "geburtsdatum",
            "geburtstag",
            "geboren",
            "gebdatum",
            "gebdat",
            "geburtsdat",
            "birthdate",
            "dateofbirth",
            "dob",
            "birthday",
        ],
        "a birth date",
    ),
    **dict.fromkeys(["geburtsort", "geburtsland", "birthplace", "placeofbirth"], "a place of birth"),
    **dict.fromkeys(
        [
            "adresse",
            "anschrift",
            "strasse",
            "hausnummer",
            "postleitzahl",
            "plz",
            "wohnort",
            "address",
            "street",
            "postcode",
            "zipcode",
        ],
        "an address",
    ),
    **dict.fromkeys(
        [
            "telefon",
            "telefonnummer",
            "telefonnr",
            "telnr",
            "tel",
            "rufnummer",
            "handy",
            "handynummer",
            "handynr",
            "mobilnummer",
            "mobil",
            "phone",
            "mobile",
            "fax",
        ],
        "a phone number",
    ),
    **dict.fromkeys(["email", "mail", "emailadresse"], "an e-mail address"),
    **dict.fromkeys(["iban", "bic", "kontonummer", "bankverbindung"], "bank details"),
    **dict.fromkeys(
        [
            "steuerid",
            "steueridentifikationsnummer",
            "steuernummer",
            "taxid",
            "sozialversicherungsnummer",
            "svnummer",
            "rentenversicherungsnummer",
            "passnummer",
            "passport",
            "ausweisnummer",
            "personalausweis",
            "idcard",
            "aznr",
            "auslaenderzentralregister",
            "azrnummer",
            "azrnr",
            "passnr",
            "svnr",
            "steuernr",
            "ausweisnr",
            "aktenzeichen",
        ],
        "an official identity number",
    ),
    **dict.fromkeys(
        [
            "bemerkung",
            "bemerkungen",
            "notiz",
            "notizen",
            "kommentar",
            "freitext",
            "anmerkung",
            "comment",
            "notes",
            "remarks",
            "freetext",
        ],
        "free text",
    ),
}

# Values are matched stripped and NFKC-normalised (a fullwidth "＠" is "@"), letters in any script.
EMAIL = r"(?i)[\w.%+-]+(?:@|\s?\(at\)\s?|\s?\[at\]\s?)[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}"
IBAN = r"(?i)^[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}$"
# A phone number: optional +, then digits with the usual separators, at least 7 digits overall.
PHONE = r"^(?:\+|00|0|\(0)[0-9][0-9 ()/.\-]{5,}[0-9]$"
FULL_DATE = r"^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$|^\d{4}-\d{2}-\d{2}"
# Where a year is expected: a date written out ("12. März 1985") or as eight digits (12031985).
DATE_IN_YEAR = r"(?i)^\d{1,2}\.?\s*[a-zäöü]{3,}\.?\s*\d{2,4}$|^\d{8}$"
# Free text: three or more words in a field that holds codes or ids (codes have no spaces).
FREE_TEXT = r"\S+\s+\S+\s+\S+"

# An id must be opaque (design §6). Checked on the value with separators (space . / -) removed
# where marked COMPACT. A name: a word of five lower-case letters or more after an optional
# capital ("Mueller"), or two words of three or more ("Schmidt_Anna"); ids like "CV-000123",
# "AWO2025-0042" or random base32 pseudonyms have neither.
WORD = r"(?:\p{Lu}\p{Ll}{2,}|\p{Ll}{3,})"
ID_NAME = rf"\p{{Lu}}?\p{{Ll}}{{5,}}|{WORD}[^\p{{L}}]+{WORD}"
# A date inside an id: written with separators (day first or ISO), or eight digits as DDMMYYYY or
# YYYYMMDD.
DAY, MONTH, YEAR = r"(?:0[1-9]|[12][0-9]|3[01])", r"(?:0[1-9]|1[0-2])", r"(?:19|20)[0-9]{2}"
ID_DATE = (
    rf"(?:^|[^0-9])[0-9]{{1,2}}[./-][0-9]{{1,2}}[./-](?:{YEAR}|[0-9]{{2}})(?:[^0-9]|$)"
    rf"|(?:^|[^0-9]){YEAR}[./-]{MONTH}[./-]{DAY}(?:[^0-9]|$)"
    rf"|(?:^|[^0-9])(?:{DAY}{MONTH}{YEAR}|{YEAR}{MONTH}{DAY})(?:[^0-9]|$)"
)
# A German phone number: +, 00 or 0, then an area code that does not start with 0.
ID_PHONE = r"^(?:\+[1-9]|00[1-9]|\(?0[1-9])[0-9 ()/.\-]{6,}[0-9]$"
TAX_ID = r"^[1-9][0-9]{10}$"  # Steuer-ID: eleven digits, the first not 0 (COMPACT)
# AZR-Nummer: the day of first registration (YYMMDD), a five-digit serial, a check digit (COMPACT).
AZR_NUMBER = rf"^[0-9]{{2}}{MONTH}{DAY}[0-9]{{6}}$"
COMPACT = r"[\s./-]"
# The forms of a column `_check_column` prepares beside the normalised one.
COMPACT_SUFFIX, RAW_SUFFIX = "\x1fcompact", "\x1fraw"


def normalise_header(header: str) -> str:
    decomposed = unicodedata.normalize("NFKD", header.casefold().replace("ß", "ss"))
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


def identifier_kind(header: str) -> str | None:
    """What kind of direct identifier a column header names, or None."""
    normalised = normalise_header(header)
    for term, kind in IDENTIFIER_HEADER_TERMS.items():
        # short terms must match exactly: "dob" or "plz" inside a longer word is no evidence
        if normalised == term or (len(term) >= 5 and term in normalised):
            return kind
    return None


def header_rejections(headers: list[str], delivery_dir: Path, file_name: str) -> list[tuple[str, DeliveryRejected]]:
    """Every header that looks like a direct identifier, with its rejection."""
    found = []
    for header in headers:
        kind = identifier_kind(header)
        if kind:
            found.append(
                (
                    header,
                    DeliveryRejected(
                        delivery_dir,
                        "pii_column",
                        f"column '{header}' looks like {kind}, a direct identifier. Such data must never "
                        "leave the provider: remove the column from the export",
                        file_name=file_name,
                        source_row=1,
                    ),
                )
            )
    return found


def check_headers(headers: list[str], delivery_dir: Path, file_name: str) -> None:
    for _, rejection in header_rejections(headers, delivery_dir, file_name)[:1]:
        raise rejection


def _value_checks(column_type: str) -> list[tuple[str, str, bool]]:
    """(regex, what it looks like, on the compact value) for the values of a column of this
    exchange-format type."""
    checks = [(EMAIL, "an e-mail address", False), (IBAN, "an IBAN", False)]
    if column_type in ("code", "text"):
        checks += [(PHONE, "a phone number", False), (FREE_TEXT, "free text", False)]
    if column_type == "int":
        checks += [
            (FULL_DATE, "a full date (e.g. a birth date) where a year is expected", False),
            (DATE_IN_YEAR, "a full date (e.g. a birth date) where a year is expected", False),
        ]
    if column_type == "id":
        checks += [
            (FREE_TEXT, "free text, not an opaque id", False),
            (ID_NAME, "a name, not an opaque id", False),
            (ID_DATE, "a date, not an opaque id", False),
            (ID_PHONE, "a phone number, not an opaque id", False),
            (TAX_ID, "a tax id (Steuer-ID), not an opaque id", True),
            (AZR_NUMBER, "an AZR number, not an opaque id", True),
            (IBAN, "an IBAN, not an opaque id", True),
        ]
    return checks


# A header cell that reads like a column name; anything else (ids, dates, numbers) is probably a
# data row where the header should be, and is never repeated in a message.
COLUMN_NAME = re.compile(r"^[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß0-9_ .()/-]{0,49}$")
# Codes without a code list (district) are short words: anything else may be a name or an address.
FREE_CODE = r"^[A-Za-z0-9_-]{1,40}$"


def shown_column_name(name: str, position: int) -> str:
    """A header cell for a message: its text if it reads like a name, else only its position."""
    if COLUMN_NAME.match(name) and sum(c.isdigit() for c in name) <= 2:
        return repr(name)
    return f"column {position + 1} (its header looks like data: is the header row missing?)"


def _checks(column: str, column_type: str, free_codes: tuple[str, ...]) -> list[tuple[pl.Expr, str]]:
    """(true where a value is suspicious, what it looks like) for one string column, in order. The
    column is read normalised (`_check_column` prepares `<column>`, its compact and raw forms)."""
    value, compact = pl.col(column), pl.col(column + COMPACT_SUFFIX)
    checks = [
        (
            (compact if on_compact else value).str.contains(pattern).fill_null(False),
            f"holds a value that looks like {kind}. Direct identifiers must never leave the provider",
        )
        for pattern, kind, on_compact in _value_checks(column_type)
    ]
    if column in free_codes:
        checks.append(
            (
                (~pl.col(column + RAW_SUFFIX).str.contains(FREE_CODE)).fill_null(False),
                "holds a value that is no code word (letters, digits, '_', '-'): it may be a name, "
                "an address or free text",
            )
        )
    return checks


def check_values(
    frame: pl.DataFrame,
    column_types: dict[str, str],
    delivery_dir: Path,
    file_name: str,
    free_codes: tuple[str, ...] = (),
) -> None:
    """Refuse the delivery at the first value that looks like a direct identifier (columns and checks
    in order, then the first line). `free_codes` are code columns without a code list, which must
    hold short code words."""
    strings = []
    for column, column_type in column_types.items():
        if column not in frame.columns:
            continue
        dtype = frame.schema[column]
        if dtype == pl.Date and column_type != "date":
            # a workbook cell holding a date where a year, code or id belongs: a full (birth) date
            raise DeliveryRejected(
                delivery_dir,
                "pii_value",
                f"column '{column}' holds a full date where {column_type} values are expected (a birth "
                "date?). Direct identifiers must never leave the provider: correct the export",
                file_name=file_name,
                source_row=FIRST_DATA_LINE,
            )
        if dtype == pl.String:
            strings.append(column)
    for column in strings:
        _check_column(frame, column, _checks(column, column_types[column], free_codes), delivery_dir, file_name)


def _check_column(
    frame: pl.DataFrame, column: str, checks: list[tuple[pl.Expr, str]], delivery_dir: Path, file_name: str
) -> None:
    """The checks of one column, on its distinct values (ids and codes repeat a lot), all patterns
    in one parallel pass; at a hit, the first line holding a value the first failing check flags."""
    raw = pl.col(column + RAW_SUFFIX)
    normalised = raw.str.normalize("NFKC").str.strip_chars()
    distinct = frame.select(pl.col(column).unique().alias(column + RAW_SUFFIX)).with_columns(
        normalised.alias(column), normalised.str.replace_all(COMPACT, "").alias(column + COMPACT_SUFFIX)
    )
    flags = distinct.select(pl.col(column + RAW_SUFFIX), *[s.alias(f"check{i}") for i, (s, _) in enumerate(checks)])
    if not flags.select(pl.any_horizontal(pl.all().exclude(column + RAW_SUFFIX).any())).item():
        return
    for i, (_, what) in enumerate(checks):
        flagged = flags.filter(pl.col(f"check{i}"))[column + RAW_SUFFIX]
        if flagged.len():
            line = frame.select(pl.arg_where(pl.col(column).is_in(flagged.implode()).fill_null(False))).item(0, 0)
            raise DeliveryRejected(
                delivery_dir,
                "pii_value",
                f"column '{column}' {what}: correct the export",
                file_name=file_name,
                source_row=int(line) + FIRST_DATA_LINE,
            )
