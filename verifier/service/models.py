"""The agency's tables (its clerks, its stored cross-province requests) and the API's models.

A :class:`Clerk` is a named person who may call the service, with the SHA-256 of their bearer
token (see :mod:`verifier.service.clerks`). A :class:`VerificationRequest` row keeps what the
agency asked, which clerk asked it, what the issuing node answered and the verifier's report.
The consent token itself is not kept (it is a bearer credential); its SHA-256 and the
certificate id identify the request (one row, unique), so a retry returns the stored answer
instead of spending the consent again. The row is also the request's state: see
:mod:`verifier.service.request_store` for who may change it when.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import JSON, Column, MetaData, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from certificate.identifier import validate_identifier

__all__ = [
    "METADATA",
    "AgencyTable",
    "Clerk",
    "Outcome",
    "RequestCreate",
    "RequestPublic",
    "VerificationRequest",
]


class Outcome(StrEnum):
    """Where a cross-province request stands.

    Final (a retry returns the stored answer): verified, refused, mismatch. Retryable (a retry
    runs it again): unavailable, received. Pending: a call is running it now.
    """

    VERIFIED = "verified"
    """The node delivered the certificate and the verifier decided (VALID or INVALID)."""
    REFUSED = "refused"
    """The node refused for good (the consent, an unknown certificate) or the province is not a
    member of the ledger."""
    UNAVAILABLE = "unavailable"
    """The node or the chain could not be reached, or the node said "not now" (not anchored yet,
    credential not accepted); no consent was used. A retry asks the node again."""
    MISMATCH = "mismatch"
    """The node delivered something other than the certificate asked for."""
    RECEIVED = "received"
    """The node delivered the certificate, which is kept, but its verification could not finish
    (verdict ERROR: the chain could not be asked). A retry verifies the kept copy again."""
    PENDING = "pending"
    """A call is running the request; identical calls wait for its answer."""


class RequestCreate(BaseModel):
    """A cross-province request (跨省通办): which certificate, from where, with whose consent."""

    certificate_id: Annotated[str, AfterValidator(validate_identifier)] = Field(
        min_length=1,
        max_length=200,
        description="证照标识 (GB/T 36904): 1.2.156.3005.2.<type>.<authority>.<serial>.<version>."
        "<check>",
    )
    issuing_province: int = Field(ge=110000, le=829999, description="GB/T 2260 province code")
    consent_token: str = Field(min_length=1, max_length=8192, description="the holder's consent")


_registry = registry()
METADATA: MetaData = _registry.metadata
"""The agency's own metadata, apart from any other package's SQLModel tables. The schema is
created by the Alembic migrations in :mod:`verifier.service.migrations`; a test checks that they
produce exactly these models."""


class AgencyTable(SQLModel, registry=_registry):
    """Base of every agency table model, so they live in :data:`METADATA` only."""


class Clerk(AgencyTable, table=True):
    """A clerk of this agency: their name and the SHA-256 of their bearer token (never the token).

    A clerk is never deleted (their requests name them); revoking sets ``revoked_at``.
    """

    __tablename__ = "clerks"

    id: int | None = SQLField(default=None, primary_key=True)
    name: str = SQLField(max_length=200)
    token_sha256: str = SQLField(max_length=64, unique=True)
    """Lowercase hex SHA-256 of the token, the form ``HUREN_AGENCY_CLERK_TOKEN_HASHES`` held."""
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class VerificationRequest(AgencyTable, table=True):
    """One cross-province request and its outcome."""

    __tablename__ = "verification_requests"
    __table_args__ = (UniqueConstraint("consent_sha256", "certificate_id"),)

    id: str = SQLField(primary_key=True, max_length=32)
    created_at: datetime
    agency_id: str = SQLField(max_length=200)
    certificate_id: str = SQLField(max_length=200, index=True)
    issuing_province: int
    consent_sha256: str = SQLField(max_length=64)
    endpoint: str | None = None
    outcome: str = SQLField(max_length=20)
    node_status: int | None = None
    node_error: str | None = SQLField(default=None, max_length=100)
    message: str | None = None
    verdict: str | None = SQLField(default=None, max_length=10)
    report: dict[str, Any] | None = SQLField(default=None, sa_column=Column(JSON))
    certificate: dict[str, Any] | None = SQLField(default=None, sa_column=Column(JSON))
    received_at: datetime | None = None
    """When the node's certificate was received and kept (it is never fetched again)."""
    attempt: int = 1
    """How many runs this request has had; the run holding it is the one with this number."""
    claimed_until: datetime | None = None
    """Until when the current run (pending) holds the request; after that it is taken for dead."""
    clerk_id: int | None = SQLField(default=None, foreign_key="clerks.id")
    """The clerk whose call created the request; None in dev mode without clerks, and for
    requests stored before clerks were."""
    clerk_name: str | None = SQLField(default=None, max_length=200)
    """That clerk's name as it was then: the case file names who acted."""


class RequestPublic(BaseModel):
    """A request as the API shows it (no consent, no secrets)."""

    id: str
    created_at: datetime
    agency_id: str
    clerk_id: int | None = Field(description="the clerk who made the request")
    clerk_name: str | None = Field(description="that clerk's name")
    certificate_id: str
    issuing_province: int
    endpoint: str | None
    outcome: Outcome
    node_status: int | None
    node_error: str | None
    message: str | None
    verdict: str | None
    report: dict[str, Any] | None
    certificate: dict[str, Any] | None = Field(
        description="the sealed certificate as disclosed by the issuing node"
    )
    report_url: str | None
