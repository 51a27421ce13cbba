"""Credentials: random bearer tokens, stored only as SHA-256 hashes, each with one role.

A token is 32 random bytes in base64url (43 characters). Its SHA-256 is what the store keeps, so
a copy of the database lets nobody call the node. Tokens are high-entropy, so a plain hash (no
salt, no slow KDF) is the right tool: the lookup is one indexed equality.

A credential may carry an expiry and can be revoked (``huren node token list|revoke``); either
way it is refused with 401 and a code that says why (``credential_expired``,
``credential_revoked``), so its holder knows to ask for a new one rather than retry.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from province_nodes.db import unit_of_work
from province_nodes.exceptions import AuthenticationError, NodeInputError, NodeNotFoundError
from province_nodes.inputs import AGENCY_ID_PATTERN, plain_text, printable
from province_nodes.models import Agency, CredentialRow
from province_nodes.types import AgencyId, CredentialState, Role

__all__ = [
    "Caller",
    "authenticate",
    "create_credential",
    "credential_state",
    "hash_token",
    "list_credentials",
    "revoke_credential",
]

_TOKEN_BYTES = 32
_LONGEST_LABEL = 200
"""Width of the ``credentials.label`` column."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling: the credential's role and, for an agency, which one.

    ``agency`` is None for an agency credential whose agency is not (or no longer) registered.
    """

    credential_id: int
    role: Role
    agency_id: AgencyId | None = None
    agency: Agency | None = None


def hash_token(token: str) -> bytes:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).digest()


def create_credential(
    engine: Engine,
    role: Role,
    *,
    agency_id: str | None = None,
    label: str = "",
    expires_at: int | None = None,
) -> str:
    """Mint a credential and return its token; the token is shown once and never stored.

    ``expires_at`` (Unix seconds) is when it stops working; None: it works until revoked.
    """
    if (role is Role.AGENCY) != (agency_id is not None):
        raise NodeInputError("an agency credential needs an agency id, and only it may have one")
    if agency_id is not None and (
        len(agency_id) > 64 or not re.fullmatch(AGENCY_ID_PATTERN, agency_id)
    ):
        raise NodeInputError(
            f"agency id {printable(agency_id, 64)} is not lowercase words joined by hyphens "
            "(at most 64 characters), e.g. js-gongan-hukou"
        )
    if len(label) > _LONGEST_LABEL:
        raise NodeInputError(f"a credential's label has at most {_LONGEST_LABEL} characters")
    plain_text(label)
    now = int(time.time())
    if expires_at is not None and expires_at <= now:
        raise NodeInputError("a credential's expiry must lie in the future")
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    with unit_of_work(engine) as session:
        session.add(
            CredentialRow(
                token_hash=hash_token(token),
                role=role,
                agency_id=agency_id,
                label=label,
                created_at=now,
                expires_at=expires_at,
            )
        )
    return token


def credential_state(row: CredentialRow, now: int | None = None) -> CredentialState:
    """Whether the credential is accepted ``now`` (default: the current time)."""
    if row.revoked:
        return CredentialState.REVOKED
    current = int(time.time()) if now is None else now
    if row.expires_at is not None and current >= row.expires_at:
        return CredentialState.EXPIRED
    return CredentialState.ACTIVE


def list_credentials(engine: Engine) -> list[CredentialRow]:
    """Every credential of the node (never a token: only what the store keeps), oldest first."""
    with unit_of_work(engine) as session:
        return list(session.exec(select(CredentialRow).order_by(col(CredentialRow.id))))


def revoke_credential(engine: Engine, credential_id: int) -> CredentialRow:
    """Revoke a credential from now on (idempotent); returns it.

    Raises:
        NodeNotFoundError: the node has no credential ``credential_id``.
    """
    with unit_of_work(engine) as session:
        row = session.get(CredentialRow, credential_id, with_for_update=True)
        if row is None:
            raise NodeNotFoundError(
                f"no credential {credential_id}; 'huren node token list' shows them",
                code="unknown_credential",
            )
        row.revoked = True
        session.add(row)
        return row


def authenticate(engine: Engine, authorization: str | None) -> Caller:
    """The caller behind an ``Authorization: Bearer <token>`` header.

    Raises:
        AuthenticationError: no header, not a bearer token, or a token this node does not know
            (``unauthenticated``), revoked (``credential_revoked``) or past its expiry
            (``credential_expired``).
    """
    if not authorization:
        raise AuthenticationError("send your credential as 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("the Authorization header must be 'Bearer <token>'")
    with unit_of_work(engine) as session:
        row = session.exec(
            select(CredentialRow).where(CredentialRow.token_hash == hash_token(token.strip()))
        ).first()
        if row is None or row.id is None:
            raise AuthenticationError("this token is unknown to this node")
        state = credential_state(row)
        if state is CredentialState.REVOKED:
            raise AuthenticationError(
                "this credential was revoked; ask the node's operator for a new one",
                code="credential_revoked",
            )
        if state is CredentialState.EXPIRED:
            assert row.expires_at is not None
            expired = datetime.fromtimestamp(row.expires_at, UTC).isoformat()
            raise AuthenticationError(
                f"this credential expired at {expired}; ask the node's operator for a new one",
                code="credential_expired",
            )
        agency = session.get(Agency, row.agency_id) if row.agency_id else None
        return Caller(
            credential_id=row.id,
            role=Role(row.role),
            agency_id=AgencyId(row.agency_id) if row.agency_id else None,
            agency=agency,
        )
