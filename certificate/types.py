"""Domain types of the certificate format.

``NewType`` wrappers mark values that have already been checked (a ``CreditCode`` has a valid
check character, a ``Hash`` is 32 bytes), so a signature that asks for one documents which check
its caller must have run. The enums are the closed vocabularies written into documents and, for
:class:`SignatureAlgorithm`, onto the chain.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import NewType

from certificate.exceptions import UnknownAlgorithmError

ProvinceCode = NewType("ProvinceCode", int)
"""A province's GB/T 2260 division code, six digits ending in ``0000`` (e.g. 110000 Beijing)."""

Hash = NewType("Hash", bytes)
"""A 32-byte SHA-256 output: a Merkle leaf, node or root."""

Digest = NewType("Digest", bytes)
"""A certificate digest (32 bytes): what is signed, batched and keyed on chain (``bytes32``)."""

KeyId = NewType("KeyId", bytes)
"""SHA-256 of a public key's SubjectPublicKeyInfo DER (32 bytes), the on-chain key id."""

Salt = NewType("Salt", str)
"""16 random bytes in unpadded base64url (22 characters), mixed into one field leaf."""

FieldPath = NewType("FieldPath", str)
"""An RFC 6901 JSON Pointer naming one leaf of a document, e.g. ``/holder/name``."""

DivisionCode = NewType("DivisionCode", str)
"""A six-digit GB/T 2260 administrative division code, e.g. ``"310104"``."""

CreditCode = NewType("CreditCode", str)
"""An 18-character unified social credit code (GB 32100-2015) with a valid check character."""

TypeCode = NewType("TypeCode", str)
"""A certificate type code: the defining authority's credit code plus three digits."""

CertificateId = NewType("CertificateId", str)
"""A certificate identifier (证照标识, GB/T 36904) with a valid check character."""


class SignatureAlgorithm(IntEnum):
    """Signature algorithms; the integer is the code the chain's key registry stores.

    Codes are assigned once and never renumbered. The document names its algorithm by
    :attr:`label`, so a reader of the JSON does not need this table.
    """

    ED25519 = 1
    ECDSA_P256_SHA256 = 2

    @property
    def label(self) -> str:
        """The name written into documents, e.g. ``"Ed25519"``."""
        return _LABELS[self]

    @classmethod
    def from_label(cls, label: object) -> SignatureAlgorithm:
        """The algorithm a document names; raises :class:`UnknownAlgorithmError` otherwise."""
        for algorithm, name in _LABELS.items():
            if label == name:
                return algorithm
        known = ", ".join(repr(name) for name in _LABELS.values())
        raise UnknownAlgorithmError(
            f"signature algorithm {label!r} is not supported; use one of {known}"
        )

    @classmethod
    def from_code(cls, code: int) -> SignatureAlgorithm:
        """The algorithm for a chain code; raises :class:`UnknownAlgorithmError` otherwise."""
        try:
            return cls(code)
        except ValueError:
            known = ", ".join(f"{a.value} ({a.label})" for a in cls)
            raise UnknownAlgorithmError(
                f"signature algorithm code {code!r} is not supported; known codes: {known}"
            ) from None


_LABELS: dict[SignatureAlgorithm, str] = {
    SignatureAlgorithm.ED25519: "Ed25519",
    SignatureAlgorithm.ECDSA_P256_SHA256: "ECDSA-P256-SHA256",
}


class HolderIdType(StrEnum):
    """How a certificate holder (持证主体) is identified (证件类型)."""

    RESIDENT_ID = "resident_id"
    """居民身份证 / 公民身份号码, GB 11643 (check digit verified)."""
    CREDIT_CODE = "credit_code"
    """统一社会信用代码 of an organisation, GB 32100 (check character verified)."""
    PASSPORT = "passport"
    """护照."""
    HK_MACAO_PERMIT = "hk_macao_permit"
    """港澳居民来往内地通行证."""
    TAIWAN_PERMIT = "taiwan_permit"
    """台湾居民来往大陆通行证."""
    FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"
    """外国人永久居留身份证."""


class Relation(StrEnum):
    """How a certificate relates to an earlier one it names (关联证照)."""

    RENEWS = "renews"
    """延续 / 换发: replaces an expiring certificate of the same holder."""
    AMENDS = "amends"
    """变更: corrects or changes the content of an earlier certificate."""
    TRANSFERS_IN = "transfers_in"
    """跨省转入: takes over a certificate issued by another province."""


class SealState(StrEnum):
    """Whether a sealed certificate has been anchored on chain yet."""

    SEALED = "sealed"
    """Signed by the province node, waiting for its batch to be anchored; no receipt yet."""
    ANCHORED = "anchored"
    """Its batch root is on chain; the file carries the receipt with the inclusion proof."""
