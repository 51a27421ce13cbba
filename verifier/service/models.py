"""Stored cross-province requests and the API's request and response models.

A :class:`VerificationRequest` row keeps what the agency asked, what the issuing node answered
and the verifier's report. The consent token itself is not kept (it is a bearer credential); its
SHA-256 identifies a retried request, so a retry returns the stored answer instead of spending
the consent again.
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
    "Outcome",
    "RequestCreate",
    "RequestPublic",
    "VerificationRequest",
]


class Outcome(StrEnum):
    """How a cross-province request ended."""

    VERIFIED = "verified"
    """The node delivered the certificate and the verifier produced a report."""
    REFUSED = "refused"
    """The node refused (consent, unknown certificate, not anchored yet)."""
    UNAVAILABLE = "unavailable"
    """The node or the chain could not be reached; the request may be retried."""
    MISMATCH = "mismatch"
    """The node delivered a certificate other than the one asked for."""


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


class RequestPublic(BaseModel):
    """A request as the API shows it (no consent, no secrets)."""

    id: str
    created_at: datetime
    agency_id: str
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
