"""Credentials: random bearer tokens, stored only as SHA-256 hashes, each with one role.

A token is 32 random bytes in base64url (43 characters). Its SHA-256 is what the store keeps, so
a copy of the database lets nobody call the node. Tokens are high-entropy, so a plain hash (no
salt, no slow KDF) is the right tool: the lookup is one indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import select

from province_nodes.db import unit_of_work
from province_nodes.exceptions import AuthenticationError, NodeInputError
from province_nodes.models import Agency, CredentialRow
from province_nodes.types import AgencyId, Role

__all__ = ["Caller", "authenticate", "create_credential", "hash_token"]

_TOKEN_BYTES = 32


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
    engine: Engine, role: Role, *, agency_id: str | None = None, label: str = ""
) -> str:
    """Mint a credential and return its token; the token is shown once and never stored."""
    if (role is Role.AGENCY) != (agency_id is not None):
        raise NodeInputError("an agency credential needs an agency id, and only it may have one")
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    with unit_of_work(engine) as session:
        session.add(
            CredentialRow(
                token_hash=hash_token(token),
                role=role,
                agency_id=agency_id,
                label=label,
                created_at=int(time.time()),
            )
        )
    return token


def authenticate(engine: Engine, authorization: str | None) -> Caller:
    """The caller behind an ``Authorization: Bearer <token>`` header.

    Raises:
        AuthenticationError: no header, not a bearer token, or a token this node does not know.
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
        if row is None or row.revoked or row.id is None:
            raise AuthenticationError("this token is unknown or was revoked")
        agency = session.get(Agency, row.agency_id) if row.agency_id else None
        return Caller(
            credential_id=row.id,
            role=Role(row.role),
            agency_id=AgencyId(row.agency_id) if row.agency_id else None,
            agency=agency,
        )
