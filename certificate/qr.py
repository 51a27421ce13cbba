"""Sealed certificates as QR codes: a versioned text payload, its QR code, and decoding.

Two payload forms, both entirely in the QR alphanumeric character set (so a QR code stores them
at 5.5 bits a character, and a handheld scanner types them as plain text):

``HUREN1:<Base45 of the compact form>``
    The whole sealed certificate (:mod:`certificate.compact`, zlib, then Base45 as in
    RFC 9285). A verifier needs nothing else: it is the certificate itself.
``HUREN1R:<issuing province>:<certificate identifier>:<digest, 64 uppercase hex digits>``
    A reference, for certificates too large for one QR code. It proves nothing by itself; the
    agency fetches the certificate from the issuing province's node with the holder's consent
    and checks that the digest it receives is the one referenced.

:func:`qr_payload` picks the full form when it fits a version-40 QR code at the chosen error
correction level (M by default, which survives about 15 % damage) and the reference otherwise.
Every disclosed copy of every shipped certificate type fits at level M.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import segno

from certificate.base45 import b45decode, b45encode
from certificate.compact import pack_sealed, unpack_sealed
from certificate.divisions import validate_province_code
from certificate.exceptions import QRPayloadError
from certificate.identifier import validate_identifier
from certificate.sealed_file import SealedCertificate
from certificate.types import CertificateId, Digest, ProvinceCode

__all__ = [
    "QR_ALPHANUMERIC_CAPACITY",
    "QR_PREFIX",
    "QR_REFERENCE_PREFIX",
    "CertificateReference",
    "ErrorLevel",
    "decode_qr_payload",
    "make_qr",
    "qr_payload",
    "qr_version",
    "reference_payload",
    "sealed_payload",
]

QR_PREFIX = "HUREN1:"
"""Prefix of the full form: version 1 of the compact layout, Base45."""
QR_REFERENCE_PREFIX = "HUREN1R:"
"""Prefix of the reference form."""

ErrorLevel = Literal["L", "M", "Q", "H"]
"""QR error correction level: recovers about 7, 15, 25 or 30 % damage."""

QR_ALPHANUMERIC_CAPACITY: dict[ErrorLevel, int] = {"L": 4296, "M": 3391, "Q": 2420, "H": 1852}
"""Alphanumeric characters a version-40 QR code holds (ISO/IEC 18004:2015, table 7)."""

_REFERENCE = re.compile(r"([0-9]{6}):([0-9A-Z.]{1,120}):([0-9A-F]{64})")


@dataclass(frozen=True, slots=True)
class CertificateReference:
    """Names one certificate without carrying it: what the ``HUREN1R:`` form holds."""

    issuing_province: ProvinceCode
    certificate_id: CertificateId
    digest: Digest

    @classmethod
    def of(cls, sealed: SealedCertificate) -> CertificateReference:
        """The reference to ``sealed``."""
        identifier = sealed.disclosed_values()["/identifier"]
        return cls(
            ProvinceCode(sealed.issuing_province), CertificateId(identifier), Digest(sealed.digest)
        )

    def matches(self, sealed: SealedCertificate) -> bool:
        """Whether ``sealed`` is the referenced certificate (same province, id and digest)."""
        return CertificateReference.of(sealed) == self


def sealed_payload(sealed: SealedCertificate) -> str:
    """The full form ``HUREN1:…`` of ``sealed`` (of any size; see :func:`qr_payload`)."""
    return QR_PREFIX + b45encode(pack_sealed(sealed))


def reference_payload(target: SealedCertificate | CertificateReference) -> str:
    """The reference form ``HUREN1R:…`` of a certificate or reference."""
    reference = (
        target if isinstance(target, CertificateReference) else (CertificateReference.of(target))
    )
    return (
        f"{QR_REFERENCE_PREFIX}{reference.issuing_province}:{reference.certificate_id}:"
        f"{reference.digest.hex().upper()}"
    )


def qr_payload(sealed: SealedCertificate, *, error: ErrorLevel = "M") -> str:
    """What to put in the certificate's QR code: the full form if it fits a version-40 code at
    level ``error``, otherwise the reference form."""
    full = sealed_payload(sealed)
    if len(full) <= QR_ALPHANUMERIC_CAPACITY[error]:
        return full
    return reference_payload(sealed)


def make_qr(payload: str, *, error: ErrorLevel = "M") -> segno.QRCode:
    """The QR code of ``payload`` (save it with ``.save("x.png", scale=4)`` or ``.svg_data_uri()``).

    The smallest version that holds it at level ``error``; segno raises the level for free when
    the version has room to spare.

    Raises:
        QRPayloadError: the payload does not fit a version-40 QR code at that level.
    """
    try:
        return segno.make_qr(payload, error=error.lower())
    except segno.DataOverflowError:
        raise QRPayloadError(
            f"a payload of {len(payload)} characters does not fit a QR code at level {error}; "
            f"use qr_payload(), which falls back to the reference form"
        ) from None


def qr_version(payload: str, *, error: ErrorLevel = "M") -> int | None:
    """The smallest QR version (1-40) holding ``payload`` at level ``error``; None if none does."""
    try:
        code = segno.make_qr(payload, error=error.lower(), boost_error=False)
    except segno.DataOverflowError:
        return None
    return int(code.version)


def decode_qr_payload(text: str) -> SealedCertificate | CertificateReference:
    """The certificate or reference a scanned or pasted payload holds.

    Line breaks and surrounding tabs a scanner adds are ignored (spaces inside are Base45 and
    kept). The full form is validated like a certificate file; the reference's province,
    identifier (with its check character) and digest are validated too.

    Raises:
        QRPayloadError: no known prefix, damaged Base45 or compression, cut short.
        CertificateFormatError: the decoded certificate or reference is not valid.
    """
    payload = text.strip("\r\n\t").lstrip(" ")
    if payload.startswith(QR_PREFIX):
        return unpack_sealed(b45decode(payload[len(QR_PREFIX) :]))
    if payload.startswith(QR_REFERENCE_PREFIX):
        return _reference(payload[len(QR_REFERENCE_PREFIX) :])
    shown = payload[:12] + ("…" if len(payload) > 12 else "")
    raise QRPayloadError(
        f"{shown!r} is not a huren QR payload: it must start with {QR_PREFIX!r} (a certificate) "
        f"or {QR_REFERENCE_PREFIX!r} (a reference)"
    )


def _reference(body: str) -> CertificateReference:
    match = _REFERENCE.fullmatch(body.rstrip(" "))
    if match is None:
        raise QRPayloadError(
            f"reference {body[:80]!r} is not <province>:<certificate identifier>:<64 hex digest>"
        )
    province = validate_province_code(int(match[1]), "the reference's issuing province")
    validate_identifier(match[2])
    return CertificateReference(province, CertificateId(match[2]), Digest(bytes.fromhex(match[3])))
