"""Certificate identifiers (证照标识, GB/T 36904) and certificate type codes.

An identifier is ``1.2.156.3005.2.<type code>.<authority code>.<serial>.<version>.<check>``:

- ``1.2.156.3005.2`` is the OID arc of Chinese government e-certificates;
- the *type code* (证照类型代码) is the defining authority's unified social credit code plus three
  digits, e.g. the Ministry of Civil Affairs' code + ``001`` for the marriage certificate;
- the *authority code* is the issuing authority's unified social credit code;
- the *serial* (顺序号) is the issuer's own number for the certificate (1-32 digits or capital
  letters) and the *version* three digits (``001`` for the first issue);
- the *check character* is ISO/IEC 7064 MOD 37,36 over everything before it with the dots removed.

The identifier names the certificate across provinces, so it is validated completely (both credit
codes and the check character) before anything else trusts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from certificate.checkcodes import mod37_36_check_character, validate_credit_code
from certificate.exceptions import CertificateSchemaError, CheckCharacterError
from certificate.types import CertificateId, CreditCode, TypeCode

IDENTIFIER_PREFIX = "1.2.156.3005.2"
"""OID arc under which every e-certificate identifier lives."""

_TYPE_CODE_SHAPE = re.compile(r"[0-9A-Z]{18}[0-9]{3}")
_SERIAL_SHAPE = re.compile(r"[0-9A-Z]{1,32}")
_VERSION_SHAPE = re.compile(r"[0-9]{3}")


def validate_type_code(code: object, what: str = "certificate type code") -> TypeCode:
    """Check a type code: a valid credit code of the defining authority plus three digits."""
    if not isinstance(code, str) or not _TYPE_CODE_SHAPE.fullmatch(code):
        raise CertificateSchemaError(
            f"{what} {code!r} is not 21 characters: the defining authority's 18-character "
            f"unified social credit code followed by three digits"
        )
    validate_credit_code(code[:18], f"{what} {code!r}: the defining authority's code")
    return TypeCode(code)


@dataclass(frozen=True, slots=True)
class IdentifierParts:
    """The components of a validated certificate identifier."""

    type_code: TypeCode
    authority_code: CreditCode
    serial: str
    version: int
    check: str

    def __str__(self) -> str:
        return ".".join(
            (
                IDENTIFIER_PREFIX,
                self.type_code,
                self.authority_code,
                self.serial,
                f"{self.version:03d}",
                self.check,
            )
        )


def make_identifier(
    type_code: str, authority_code: str, serial: str, version: int = 1
) -> CertificateId:
    """Build the identifier of a new certificate, computing its check character."""
    validate_type_code(type_code)
    validate_credit_code(authority_code, "issuing authority code")
    if not _SERIAL_SHAPE.fullmatch(serial):
        raise CertificateSchemaError(
            f"certificate serial {serial!r} must be 1-32 digits or capital letters"
        )
    if type(version) is not int or not 1 <= version <= 999:
        raise CertificateSchemaError(f"certificate version {version!r} must be 1-999")
    body = ".".join((IDENTIFIER_PREFIX, type_code, authority_code, serial, f"{version:03d}"))
    return CertificateId(f"{body}.{mod37_36_check_character(body.replace('.', ''))}")


def parse_identifier(text: object) -> IdentifierParts:
    """Split and fully validate an identifier; raises a format error a clerk can act on."""
    if not isinstance(text, str) or not text.startswith(IDENTIFIER_PREFIX + "."):
        raise CertificateSchemaError(
            f"certificate identifier {text!r} does not start with {IDENTIFIER_PREFIX!r}"
        )
    parts = text[len(IDENTIFIER_PREFIX) + 1 :].split(".")
    if len(parts) != 5:
        raise CertificateSchemaError(
            f"certificate identifier {text!r} must have five parts after {IDENTIFIER_PREFIX}: "
            f"type code, authority code, serial, version, check character"
        )
    type_code, authority_code, serial, version, check = parts
    validate_type_code(type_code, f"type code in identifier {text!r}")
    validate_credit_code(authority_code, f"authority code in identifier {text!r}")
    if not _SERIAL_SHAPE.fullmatch(serial):
        raise CertificateSchemaError(
            f"serial {serial!r} in identifier {text!r} must be 1-32 digits or capital letters"
        )
    if not _VERSION_SHAPE.fullmatch(version) or version == "000":
        raise CertificateSchemaError(
            f"version {version!r} in identifier {text!r} must be three digits from 001"
        )
    expected = mod37_36_check_character(text[: -len(check) - 1].replace(".", ""))
    if check != expected:
        raise CheckCharacterError(
            f"certificate identifier {text!r} ends in {check!r} but its other characters "
            f"require {expected!r}: the identifier was probably mistyped"
        )
    return IdentifierParts(
        TypeCode(type_code), CreditCode(authority_code), serial, int(version), check
    )


def validate_identifier(text: object) -> CertificateId:
    """Check an identifier completely and return it unchanged."""
    parse_identifier(text)
    return CertificateId(str(text))
