"""Check characters (GB 32100, GB 11643, ISO/IEC 7064 MOD 37,36), divisions and identifiers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificate import (
    CertificateFormatError,
    CertificateSchemaError,
    CheckCharacterError,
    make_identifier,
    parse_identifier,
    province_of,
    validate_credit_code,
    validate_division_code,
    validate_identifier,
    validate_resident_id,
)
from certificate.checkcodes import (
    MOD37_36_ALPHABET,
    USCC_ALPHABET,
    mod37_36_check_character,
    resident_id_check_character,
    uscc_check_character,
)
from certificate.divisions import PROVINCES, validate_province_code
from certificate.identifier import validate_type_code
from certificate.types import DivisionCode

MARRIAGE = "11100000000014118N001"
AUTHORITY = "11310104002345678C"


def test_published_examples() -> None:
    # GB 11643-1999's own examples, and the GRid example for ISO/IEC 7064 MOD 37,36.
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"
    assert validate_resident_id("440524188001010014") == "440524188001010014"
    assert mod37_36_check_character("A12425GABC1234002") == "M"
    assert validate_credit_code("11100000MB0143028R") == "11100000MB0143028R"


def test_credit_code_errors_say_what_to_do() -> None:
    with pytest.raises(CheckCharacterError, match="probably mistyped"):
        validate_credit_code("11100000MB0143028K", "issuer code")
    for bad in ("11100000MB0143028", "11100000MB0143028RR", "1110000OMB0143028R", 123):
        with pytest.raises(CertificateSchemaError, match="18 characters"):
            validate_credit_code(bad)


@settings(max_examples=150)
@given(
    body=st.text(st.sampled_from(USCC_ALPHABET), min_size=15, max_size=15),
    district=st.sampled_from(["310104", "320505", "330106"]),
    position=st.integers(0, 17),
    replacement=st.sampled_from(USCC_ALPHABET),
)
def test_any_single_substitution_in_a_credit_code_is_caught(
    body: str, district: str, position: int, replacement: str
) -> None:
    head = (body[:2] + district + body[2:])[:17]
    code = head + uscc_check_character(head)
    assert validate_credit_code(code) == code
    changed = code[:position] + replacement + code[position + 1 :]
    if changed != code:
        with pytest.raises(CertificateFormatError):
            validate_credit_code(changed)


def test_resident_id_checks() -> None:
    body = "31010419900307123"
    number = body + resident_id_check_character(body)
    assert validate_resident_id(number) == number
    wrong = body + ("0" if number[-1] != "0" else "1")
    with pytest.raises(CheckCharacterError):
        validate_resident_id(wrong)
    with pytest.raises(CertificateSchemaError, match="birth date"):
        validate_resident_id("310104199002301230")
    with pytest.raises(CertificateSchemaError, match="province"):
        validate_resident_id("990104199003071230")
    with pytest.raises(CertificateSchemaError, match="17 digits"):
        validate_resident_id("31010419900307123x")


def test_divisions() -> None:
    assert len(PROVINCES) == 34
    assert province_of(validate_division_code("310104")) == 310000
    assert province_of(DivisionCode("320505")) == 320000
    assert validate_province_code(330000) == 330000
    for bad in ("31010", "3101044", "990000", 310104):
        with pytest.raises(CertificateSchemaError):
            validate_division_code(bad)
    for bad_province in (310104, "310000", 990000, True):
        with pytest.raises(CertificateSchemaError):
            validate_province_code(bad_province)


def test_identifier_round_trip() -> None:
    identifier = make_identifier(MARRIAGE, AUTHORITY, "2024000123", 2)
    parts = parse_identifier(identifier)
    assert identifier.startswith(
        "1.2.156.3005.2." + MARRIAGE + "." + AUTHORITY + ".2024000123.002."
    )
    assert (parts.type_code, parts.authority_code, parts.serial, parts.version) == (
        MARRIAGE,
        AUTHORITY,
        "2024000123",
        2,
    )
    assert str(parts) == identifier == validate_identifier(identifier)
    assert parts.check == mod37_36_check_character(identifier[:-2].replace(".", ""))


@settings(max_examples=200)
@given(
    serial=st.text(st.sampled_from(MOD37_36_ALPHABET), min_size=1, max_size=32),
    version=st.integers(1, 999),
    position=st.integers(0, 200),
    replacement=st.sampled_from(MOD37_36_ALPHABET + "."),
)
def test_any_single_changed_character_of_an_identifier_is_caught(
    serial: str, version: int, position: int, replacement: str
) -> None:
    identifier = make_identifier(MARRIAGE, AUTHORITY, serial, version)
    position %= len(identifier)
    changed = identifier[:position] + replacement + identifier[position + 1 :]
    if changed != identifier:
        with pytest.raises(CertificateFormatError):
            parse_identifier(changed)


def test_adjacent_transposition_is_caught() -> None:
    identifier = make_identifier(MARRIAGE, AUTHORITY, "20240001234567")
    for i in range(len(identifier) - 1):
        swapped = identifier[:i] + identifier[i + 1] + identifier[i] + identifier[i + 2 :]
        if swapped != identifier:
            with pytest.raises(CertificateFormatError):
                parse_identifier(swapped)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2.16.156.1." + MARRIAGE, "does not start with"),
        ("1.2.156.3005.2." + MARRIAGE + "." + AUTHORITY + ".1", "five parts"),
        ("1.2.156.3005.2.X" + MARRIAGE[1:] + "." + AUTHORITY + ".1.001.A", "defining authority"),
        ("1.2.156.3005.2." + MARRIAGE + "." + AUTHORITY + ".a1.001.A", "serial"),
        ("1.2.156.3005.2." + MARRIAGE + "." + AUTHORITY + ".1.000.A", "version"),
        ("1.2.156.3005.2." + MARRIAGE + "." + AUTHORITY + ".1.01.A", "version"),
    ],
)
def test_malformed_identifiers(text: str, message: str) -> None:
    with pytest.raises(CertificateFormatError, match=message):
        parse_identifier(text)


def test_make_identifier_refuses_bad_parts() -> None:
    with pytest.raises(CertificateSchemaError):
        make_identifier(MARRIAGE, AUTHORITY, "", 1)
    with pytest.raises(CertificateSchemaError):
        make_identifier(MARRIAGE, AUTHORITY, "1", 1000)
    with pytest.raises(CheckCharacterError):
        make_identifier(MARRIAGE, AUTHORITY[:-1] + "0", "1")
    with pytest.raises(CertificateSchemaError):
        validate_type_code(MARRIAGE[:-1])
    with pytest.raises(CertificateSchemaError, match="only digits and capital letters"):
        mod37_36_check_character("abc")
