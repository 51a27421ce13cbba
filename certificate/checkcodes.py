"""Check characters of the three codes a certificate carries.

- Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a
  31-character alphabet (no I, O, Z, S, V); the 18th is a weighted sum mod 31 of the first 17.
- Citizen ID number (公民身份号码), GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check
  character (``0``-``9`` or ``X``).
- Certificate identifier (证照标识), GB/T 36904: ISO/IEC 7064 MOD 37,36 over the identifier
  without its dots, so a mistyped or transposed character is caught before any lookup.

A clerk mistypes codes; these checks turn such slips into an error that says which code is wrong
instead of a confusing "not found" later.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from operator import mul

from certificate.divisions import validate_division_code
from certificate.exceptions import CertificateSchemaError, CheckCharacterError
from certificate.types import CreditCode

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters of GB 32100 (the letters I, O, Z, S and V are never used)."""

_USCC_TABLE = bytes(
    USCC_ALPHABET.index(chr(b)) if chr(b) in USCC_ALPHABET else 255 for b in range(256)
)
"""Maps an ASCII byte to its GB 32100 value, 255 for characters outside the alphabet."""
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECKS = "10X98765432"
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

MOD37_36_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""Characters ISO/IEC 7064 MOD 37,36 protects and may produce as check character."""

# The hybrid system's step, tabulated: from the running product p (1..36) and the next
# character's value a, the next product is 2·s mod 37 with s = (p + a) mod 36, and 36 for 0.
_MOD37_36_STEP = [
    {c: ((((p + a) % 36) or 36) * 2) % 37 for a, c in enumerate(MOD37_36_ALPHABET)}
    for p in range(37)
]


@functools.lru_cache(maxsize=4096)
def uscc_check_character(body: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code.

    Cached: a document names its issuing authority's code twice (issuer and identifier), and a
    node issues for a few hundred authorities.
    """
    values = body.encode("ascii", "replace").translate(_USCC_TABLE)
    if len(values) != 17 or 255 in values:
        raise CertificateSchemaError(
            f"{body!r} is not the first 17 characters of a unified social credit code"
        )
    total = sum(map(mul, values, _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: object, what: str = "unified social credit code") -> CreditCode:
    """Check a unified social credit code's shape and GB 32100 check character.

    ``what`` names the field in the message, so the clerk knows which code to retype.
    """
    if not isinstance(code, str) or not _USCC_SHAPE.fullmatch(code):
        raise CertificateSchemaError(
            f"{what} {code!r} is not 18 characters of digits and capital letters "
            f"(without I, O, Z, S, V) with digits in positions 3-8"
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise CheckCharacterError(
            f"{what} {code!r} ends in {code[17]!r} but its first 17 characters require "
            f"{expected!r}: the code was probably mistyped"
        )
    return CreditCode(code)


def resident_id_check_character(body: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character for the first 17 digits."""
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise CertificateSchemaError(f"{body!r} is not the first 17 digits of an ID number")
    # ASCII digits are 48 + value; the weights add up to 100, hence the 4800.
    total = sum(map(mul, body.encode("ascii"), _ID_WEIGHTS)) - 4800
    return _ID_CHECKS[total % 11]


def validate_resident_id(number: object, what: str = "citizen ID number") -> str:
    """Check an 18-character citizen ID number: region, birth date and check character."""
    if not isinstance(number, str) or not _ID_SHAPE.fullmatch(number):
        raise CertificateSchemaError(
            f"{what} {number!r} is not 17 digits followed by a digit or 'X'"
        )
    validate_division_code(number[:6], f"{what} {number!r}: its region code")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise CertificateSchemaError(
            f"{what} {number!r}: characters 7-14 ({number[6:14]}) are not a birth date"
        ) from None
    expected = resident_id_check_character(number[:17])
    if number[17] != expected:
        raise CheckCharacterError(
            f"{what} {number!r} ends in {number[17]!r} but its first 17 digits require "
            f"{expected!r}: the number was probably mistyped"
        )
    return number


def mod37_36_check_character(text: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 (hybrid system) check character of ``text``."""
    product = 36
    step = _MOD37_36_STEP
    try:
        for char in text:
            product = step[product][char]
    except KeyError as exc:
        raise CertificateSchemaError(
            f"character {exc.args[0]!r} cannot appear in a certificate identifier "
            f"(only digits and capital letters A-Z)"
        ) from None
    return MOD37_36_ALPHABET[(37 - product) % 36]
