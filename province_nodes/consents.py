"""Holder consents: what an agency may read, signed by the issuing node, counted and withdrawable.

A consent token is ``base64url(JCS(payload)) + "." + base64url(Ed25519 signature)`` (unpadded).
The signing key is derived from the master key (HKDF label ``consent-key``), so it needs no
storage of its own and never signs certificates. The token makes the consent portable (the holder
hands it to the agency); the row in the store stays authoritative for what a token cannot carry:
withdrawal and the number of uses.

:func:`check_consent` is the one place that decides whether a presented token permits a read; it
raises :class:`~province_nodes.exceptions.ConsentError` with the contract's precise code.

A use is one delivery to the agency. An agency that asks again for a request whose answer it
lost (it names the request with the same ``Idempotency-Key``) is given the same copy as a repeat
delivery: that counts no use, so a lost answer does not spend the consent, but it is only given
while the consent is otherwise valid (not withdrawn, not expired).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlmodel import Session, select

from certificate.canonical import canonicalize
from certificate.digest import validate_pointer
from certificate.disclosure import disclose
from certificate.exceptions import CertificateError, DisclosureError
from certificate.sealed_file import (
    ALWAYS_DISCLOSED,
    FullContent,
    SealedCertificate,
    parse_sealed,
)
from province_nodes.db import unit_of_work
from province_nodes.envelope import MasterKey, open_envelope
from province_nodes.exceptions import (
    ConsentError,
    NodeInputError,
    NodeNotFoundError,
    StoreIntegrityError,
)
from province_nodes.models import Agency, CertificateRow, ConsentRow

__all__ = [
    "CONSENT_ID_PATTERN",
    "ConsentSigner",
    "ConsentTerms",
    "Permit",
    "check_consent",
    "consented_copy",
    "field_paths",
    "grant_consent",
    "new_consent_id",
    "unknown_fields",
    "withdraw_consent",
]

TOKEN_VERSION = 1

CONSENT_ID_PATTERN = r"^cns_[A-Za-z0-9_-]+$"
"""What :func:`new_consent_id` makes: ``cns_`` and 24 base64url characters."""


def new_consent_id() -> str:
    """A fresh, unguessable consent id."""
    return "cns_" + secrets.token_urlsafe(18)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class ConsentTerms:
    """What a token says (its signed payload)."""

    consent_id: str
    province: int
    certificate_id: str
    agency_id: str
    fields: tuple[str, ...]
    purpose: str
    service_item_code: str
    service_item_name: str
    expires_at: int
    max_uses: int

    def payload(self) -> dict[str, Any]:
        """The signed JSON object."""
        return {
            "v": TOKEN_VERSION,
            "consent_id": self.consent_id,
            "province": self.province,
            "certificate_id": self.certificate_id,
            "agency_id": self.agency_id,
            "fields": list(self.fields),
            "purpose": self.purpose,
            "service_item": {"code": self.service_item_code, "name": self.service_item_name},
            "expires_at": self.expires_at,
            "max_uses": self.max_uses,
        }

    @classmethod
    def from_row(cls, row: ConsentRow, province: int) -> ConsentTerms:
        """The terms a stored consent grants."""
        return cls(
            consent_id=row.id,
            province=province,
            certificate_id=row.certificate_id,
            agency_id=row.agency_id,
            fields=tuple(json.loads(row.fields)),
            purpose=row.purpose,
            service_item_code=row.service_item_code,
            service_item_name=row.service_item_name,
            expires_at=row.expires_at,
            max_uses=row.max_uses,
        )


class ConsentSigner:
    """Signs and opens consent tokens with the node's consent key."""

    def __init__(self, master: MasterKey) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(master.derive(b"consent-key"))
        self._public = self._key.public_key()

    def sign(self, terms: ConsentTerms) -> str:
        """The compact token for ``terms``."""
        body = canonicalize(terms.payload())
        return _b64(body) + "." + _b64(self._key.sign(body))

    def open(self, token: str) -> dict[str, Any]:
        """The payload of a token signed by this node.

        Raises:
            ConsentError: ``consent_invalid_signature`` if the token is malformed or the
                signature does not verify under this node's consent key.
        """
        try:
            body_text, signature_text = token.strip().split(".")
            body, signature = _unb64(body_text), _unb64(signature_text)
            self._public.verify(signature, body)
            payload = json.loads(body)
        except (ValueError, binascii.Error, InvalidSignature):
            raise ConsentError(
                "the consent token was not issued by this node or was altered; ask the holder "
                "for a new consent",
                code="consent_invalid_signature",
            ) from None
        if not isinstance(payload, dict) or payload.get("v") != TOKEN_VERSION:
            raise ConsentError(
                "the consent token has an unknown version", code="consent_invalid_signature"
            )
        return payload


@dataclass(frozen=True, slots=True)
class Permit:
    """A read the consent ``row`` permits; ``repeat``: it delivers again what an earlier read
    of the same request delivered, and counts no use."""

    row: ConsentRow
    repeat: bool


def check_consent(
    session: Session,
    signer: ConsentSigner,
    token: str | None,
    *,
    certificate_id: str,
    agency_id: str,
    delivered: Callable[[ConsentRow], bool] = lambda _row: False,
    now: int | None = None,
) -> Permit:
    """What the stored consent permits ``agency_id`` to read of ``certificate_id`` now.

    Checks, in order: present, signed by this node, for this certificate, for this agency, not
    withdrawn, not expired, and then either ``delivered`` (this request was answered under the
    consent before: a repeat delivery) or uses left. The row is returned unchanged; the caller
    counts a use, unless it is a repeat, in the same transaction as the access-log entry.
    """
    if not token:
        raise ConsentError(
            "no consent presented: send the holder's consent token in the Huren-Consent header",
            code="consent_missing",
        )
    payload = signer.open(token)
    row = session.get(ConsentRow, payload.get("consent_id"), with_for_update=True)
    if row is None:
        raise ConsentError(
            "the consent named by the token does not exist on this node",
            code="consent_invalid_signature",
        )
    if row.certificate_id != certificate_id or payload.get("certificate_id") != certificate_id:
        raise ConsentError(
            f"the consent is for another certificate, not {certificate_id}",
            code="consent_wrong_certificate",
        )
    if row.agency_id != agency_id or payload.get("agency_id") != agency_id:
        raise ConsentError(
            f"the consent was given to another agency, not {agency_id}",
            code="consent_wrong_agency",
        )
    if row.withdrawn_at is not None:
        raise ConsentError("the holder withdrew this consent", code="consent_withdrawn")
    current = int(time.time()) if now is None else now
    if current >= row.expires_at:
        raise ConsentError(
            "the consent has expired; ask the holder for a new one", code="consent_expired"
        )
    if delivered(row):
        return Permit(row, repeat=True)
    if row.uses >= row.max_uses:
        raise ConsentError(
            f"the consent allowed {row.max_uses} read(s) and they have been used",
            code="consent_exhausted",
        )
    return Permit(row, repeat=False)


def field_paths(sealed: SealedCertificate) -> list[str]:
    """Every field path of ``sealed``: revealed or withheld, the certificate has it."""
    content = sealed.content
    if isinstance(content, FullContent):
        return list(sealed.disclosed_values())
    return [*content.fields, *content.withheld]


def unknown_fields(requested: Iterable[str], available: Iterable[str]) -> list[str]:
    """The ``requested`` paths that select none of the ``available`` fields, in request order.

    A path selects a field it names or any field under it (an object or array), as
    :func:`~certificate.disclosure.disclose` reads it. The always-disclosed paths are never
    unknown: every copy reveals them whatever a consent says.
    """
    present = set(available)
    prefixes = {path[:i] for path in present for i, char in enumerate(path) if char == "/" and i}
    unknown: list[str] = []
    for path in requested:
        if path in ALWAYS_DISCLOSED or path in present or path in prefixes or path in unknown:
            continue
        unknown.append(path)
    return unknown


def consented_copy(sealed: SealedCertificate, fields: Sequence[str]) -> SealedCertificate:
    """The copy of the stored certificate ``sealed`` that a consent to ``fields`` permits.

    Raises:
        ConsentError: ``consent_unknown_fields`` (403), the consent names fields the certificate
            does not have (a consent stored before the node checked its fields); the detail
            lists them and the holder must give a new consent. The consent is not used.
        StoreIntegrityError: the stored copy cannot be disclosed from (500): it is not the full
            certificate the node issued.
    """
    missing = unknown_fields(fields, field_paths(sealed))
    if missing:
        raise ConsentError(
            f"the consent names field(s) {', '.join(missing)} that this certificate does not "
            "have; ask the holder for a new consent (this one was not used)",
            code="consent_unknown_fields",
            detail={"unknown_fields": missing},
        )
    try:
        return disclose(sealed, [path for path in fields if path not in ALWAYS_DISCLOSED])
    except DisclosureError as error:
        raise StoreIntegrityError(
            f"the stored certificate cannot be disclosed from: {error}"
        ) from error


def grant_consent(
    engine: Engine,
    signer: ConsentSigner,
    province: int,
    *,
    master: MasterKey,
    certificate_id: str,
    agency_id: str,
    fields: Sequence[str],
    purpose: str,
    service_item: tuple[str, str],
    expires_at: int,
    max_uses: int,
) -> tuple[ConsentTerms, str]:
    """Store a holder's consent and return its terms and signed token.

    The requested fields are checked against the certificate itself (decrypted with
    ``master``), so a consent never promises a field the agency's read could not return.

    Raises:
        NodeNotFoundError: the certificate or the agency is unknown here.
        NodeInputError: the consent has already expired, names no field or a malformed path
            (``consent_bad_field``), or paths the certificate does not have
            (``consent_unknown_fields``, detail ``{"unknown_fields": [...]}``).
    """
    now = int(time.time())
    if expires_at <= now:
        raise NodeInputError("the consent's expiry lies in the past", code="consent_expired")
    if not fields:
        raise NodeInputError("a consent names at least one field", code="consent_no_fields")
    for path in fields:
        try:
            validate_pointer(path)
        except CertificateError as error:
            raise NodeInputError(str(error), code="consent_bad_field") from error
    with unit_of_work(engine) as session:
        envelope = session.exec(
            select(CertificateRow.envelope).where(CertificateRow.certificate_id == certificate_id)
        ).first()
        if envelope is None:
            raise NodeNotFoundError.certificate(certificate_id)
        sealed = parse_sealed(open_envelope(master, certificate_id, envelope))
        missing = unknown_fields(fields, field_paths(sealed))
        if missing:
            raise NodeInputError(
                f"certificate {certificate_id} has no field(s) {', '.join(missing)}; a consent "
                "can only name fields the certificate has",
                code="consent_unknown_fields",
                detail={"unknown_fields": missing},
            )
        if session.get(Agency, agency_id) is None:
            raise NodeNotFoundError(
                f"agency {agency_id} is not registered with this node", code="unknown_agency"
            )
        row = ConsentRow(
            id=new_consent_id(),
            certificate_id=certificate_id,
            agency_id=agency_id,
            fields=json.dumps(list(fields), ensure_ascii=False),
            purpose=purpose,
            service_item_code=service_item[0],
            service_item_name=service_item[1],
            created_at=now,
            expires_at=expires_at,
            max_uses=max_uses,
        )
        session.add(row)
    terms = ConsentTerms.from_row(row, province)
    return terms, signer.sign(terms)


def withdraw_consent(engine: Engine, consent_id: str) -> int:
    """Withdraw a consent (idempotent); returns when it was withdrawn."""
    with unit_of_work(engine) as session:
        row = session.get(ConsentRow, consent_id, with_for_update=True)
        if row is None:
            raise NodeNotFoundError(f"no consent {consent_id}", code="unknown_consent")
        if row.withdrawn_at is None:
            row.withdrawn_at = int(time.time())
            session.add(row)
        return row.withdrawn_at
