"""The agency's clerks: named people with bearer tokens, stored only as SHA-256 hashes.

A token is 32 random bytes in base64url (43 characters), shown once when the clerk is created
(``huren agency clerk create``); the store keeps its SHA-256 in hex
(:func:`~verifier.service.settings.hash_token`), so a copy of the database lets nobody call the
service. Tokens are high-entropy, so a plain hash is the right tool: the lookup is one indexed
equality. A clerk may carry an expiry and can be revoked; either way the
token is refused with 401 and a code that says why (``credential_expired``,
``credential_revoked``), so the clerk knows to ask for a new one rather than retry.

Migration from ``HUREN_AGENCY_CLERK_TOKEN_HASHES``: the hashes it still lists are imported once,
when the service starts, as clerks named ``configured-<first 8 hex digits>``
(:func:`import_configured`); a hash already stored is left as it is, so a clerk revoked since
stays revoked although the setting still lists it.

In dev mode, an agency that has no clerk at all lets everyone call (as the setting did when
empty); once one clerk exists, every call needs a clerk's token.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from verifier.service.db import unit_of_work
from verifier.service.exceptions import (
    AgencyConfigError,
    AgencyInputError,
    AgencyNotFoundError,
    AuthenticationError,
)
from verifier.service.models import Clerk
from verifier.service.settings import hash_token

__all__ = [
    "ClerkState",
    "Credential",
    "authenticate",
    "clerk_state",
    "create_clerk",
    "has_active_clerk",
    "import_configured",
    "list_clerks",
    "revoke_clerk",
]

_TOKEN_BYTES = 32
_LONGEST_NAME = 200
"""Width of the ``clerks.name`` column."""
CONFIGURED_PREFIX = "configured-"
"""Names of clerks imported from ``HUREN_AGENCY_CLERK_TOKEN_HASHES`` start with this."""


class ClerkState(StrEnum):
    """Whether a clerk's token is accepted now."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Credential:
    """A clerk's id and name, as a request records them."""

    clerk_id: int
    name: str


def _utc(moment: datetime) -> datetime:
    """``moment`` with its UTC offset (SQLite hands stored times back without one)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def clerk_state(clerk: Clerk, now: datetime | None = None) -> ClerkState:
    """The :class:`ClerkState` of ``clerk`` at ``now`` (default: the current time)."""
    if clerk.revoked_at is not None:
        return ClerkState.REVOKED
    current = now or datetime.now(UTC)
    if clerk.expires_at is not None and current >= _utc(clerk.expires_at):
        return ClerkState.EXPIRED
    return ClerkState.ACTIVE


def _checked_name(name: str) -> str:
    text = name.strip()
    if not text or len(text) > _LONGEST_NAME or not text.isprintable():
        raise AgencyInputError(
            f"a clerk's name is 1 to {_LONGEST_NAME} printable characters, e.g. '王芳 (窗口 3)'",
            code="invalid_clerk_name",
        )
    return text


def create_clerk(
    engine: Engine, name: str, *, expires_at: datetime | None = None
) -> tuple[Clerk, str]:
    """Store a new clerk; returns it and their token, which is shown once and never stored.

    Raises:
        AgencyInputError: the name is empty, too long or holds control characters, or the
            expiry is not in the future.
    """
    clerk_name = _checked_name(name)
    now = datetime.now(UTC)
    if expires_at is not None and _utc(expires_at) <= now:
        raise AgencyInputError("a clerk's expiry must lie in the future", code="invalid_expiry")
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    clerk = Clerk(
        name=clerk_name, token_sha256=hash_token(token), created_at=now, expires_at=expires_at
    )
    with unit_of_work(engine) as session:
        session.add(clerk)
        session.flush()
        session.refresh(clerk)
    return clerk, token


def import_configured(engine: Engine, hashes: Iterable[str]) -> list[Clerk]:
    """Store each configured token hash not stored yet as a clerk; returns those imported.

    Each hash is taken as SHA-256 hex (as the setting documents), compared in lowercase.

    Raises:
        AgencyConfigError: an entry is not 64 hex digits.
    """
    wanted: list[str] = []
    for value in hashes:
        digest = value.strip().lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise AgencyConfigError(
                "HUREN_AGENCY_CLERK_TOKEN_HASHES holds an entry that is not a SHA-256 in hex "
                f"(64 digits): {value[:80]!r}"
            )
        wanted.append(digest)
    imported: list[Clerk] = []
    for digest in dict.fromkeys(wanted):
        clerk = Clerk(
            name=CONFIGURED_PREFIX + digest[:8],
            token_sha256=digest,
            created_at=datetime.now(UTC),
        )
        try:
            with unit_of_work(engine) as session:
                if session.exec(select(Clerk).where(Clerk.token_sha256 == digest)).first():
                    continue
                session.add(clerk)
        except IntegrityError:  # another process imported it at the same moment
            continue
        imported.append(clerk)
    return imported


def list_clerks(engine: Engine) -> list[Clerk]:
    """Every clerk (never a token: only what the store keeps), oldest first."""
    with unit_of_work(engine) as session:
        return list(session.exec(select(Clerk).order_by(col(Clerk.id))))


def revoke_clerk(engine: Engine, clerk_id: int) -> Clerk:
    """Refuse a clerk's token from now on (a second revocation keeps the first time).

    Raises:
        AgencyNotFoundError: the agency has no clerk ``clerk_id``.
    """
    with unit_of_work(engine) as session:
        clerk = session.get(Clerk, clerk_id, with_for_update=True)
        if clerk is None:
            raise AgencyNotFoundError(
                f"no clerk {clerk_id}; 'huren agency clerk list' shows them", code="unknown_clerk"
            )
        if clerk.revoked_at is None:
            clerk.revoked_at = datetime.now(UTC)
            session.add(clerk)
        return clerk


def has_active_clerk(engine: Engine) -> bool:
    """Whether some clerk's token is accepted now."""
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        candidates = session.exec(select(Clerk).where(col(Clerk.revoked_at).is_(None)))
        return any(clerk_state(clerk, now) is ClerkState.ACTIVE for clerk in candidates)


def _open_to_all(engine: Engine) -> bool:
    with unit_of_work(engine) as session:
        return session.exec(select(Clerk.id).limit(1)).first() is None


def authenticate(engine: Engine, authorization: str | None, *, dev: bool) -> Credential | None:
    """The clerk behind an ``Authorization: Bearer <token>`` header value.

    Returns None (anyone may call) only in dev mode (``dev``) while the agency has no clerk.

    Raises:
        AuthenticationError: no header, not a bearer token, or a token no clerk of this agency
            holds (``unauthenticated``), revoked (``credential_revoked``) or past its expiry
            (``credential_expired``).
        StoreUnavailableError: the database cannot be asked.
    """
    if dev and _open_to_all(engine):
        return None
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send Authorization: Bearer <token>")
    digest = hash_token(token.strip())
    with unit_of_work(engine) as session:
        clerk = session.exec(select(Clerk).where(Clerk.token_sha256 == digest)).first()
    if clerk is None or clerk.id is None:
        raise AuthenticationError("the bearer token is not known here")
    state = clerk_state(clerk)
    if state is ClerkState.REVOKED:
        raise AuthenticationError(
            "this clerk's token was revoked; ask the agency's administrator for a new one",
            code="credential_revoked",
        )
    if state is ClerkState.EXPIRED:
        assert clerk.expires_at is not None
        raise AuthenticationError(
            f"this clerk's token expired at {_utc(clerk.expires_at).isoformat()}; ask the "
            "agency's administrator for a new one",
            code="credential_expired",
        )
    return Credential(clerk.id, clerk.name)
