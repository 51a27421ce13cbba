"""Request and response models of the HTTP API (what callers send and may see)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from certificate.standalone_schemas import document_input_schema, standalone_sealed_schema
from province_nodes.inputs import AgencyIdText, CertificateIdText, PlainText
from province_nodes.status import StatusAction

__all__ = [
    "MAX_BULK_REVOCATIONS",
    "MAX_LOG_INDEX",
    "MAX_OFFSET",
    "MAX_UNIX_TIME",
    "AccessHistory",
    "AccessLogEntryPublic",
    "AccessLogPage",
    "AuditCertificate",
    "AuditCertificatePage",
    "BulkIssued",
    "BulkRevocation",
    "BulkRevoked",
    "ConsentCreate",
    "ConsentCreated",
    "ConsentWithdrawn",
    "ConsistencyProof",
    "DocumentJSON",
    "HeadPublic",
    "HolderQuery",
    "Issued",
    "KeyRotated",
    "SealedJSON",
    "ServiceItem",
    "StatusChange",
    "StatusPublic",
]

SealedJSON = Annotated[dict[str, Any], WithJsonSchema(standalone_sealed_schema())]
"""A sealed certificate in the ``huren/sealed-certificate/1`` format (see certificate), declared
with that format's schema."""

DocumentJSON = Annotated[dict[str, Any], WithJsonSchema(document_input_schema())]
"""A certificate document (``huren/certificate/1``) as an issuer sends it, declared with the
format's schema; the issuer builds and checks it (its own errors say what is wrong)."""

MAX_UNIX_TIME = 253_402_300_799
"""9999-12-31T23:59:59Z: the latest time the API takes (it fits the ledger's uint64 and the
store's BIGINT columns)."""

MAX_OFFSET = 2**63 - 1
"""The largest row offset a store takes (SQL offsets are 64-bit signed)."""

MAX_LOG_INDEX = 2**31 - 1
"""The largest access-log index or size a store holds (the index column is a 32-bit INTEGER)."""


def _with_offset(moment: datetime) -> datetime:
    """Refuse a time without a UTC offset: it would be read in the server's local time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            "the time has no UTC offset; write it as RFC 3339 with one, e.g. "
            "2027-01-31T18:00:00+08:00 or 2027-01-31T10:00:00Z"
        )
    return moment


AwareTime = Annotated[datetime, AfterValidator(_with_offset)]
"""A point in time with its UTC offset (RFC 3339); a naive time is refused with 422."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Issued(_Model):
    """A certificate just issued: sealed and queued; its receipt follows once anchored."""

    certificate_id: str
    digest: str = Field(description="0x-hex certificate digest")
    state: Literal["sealed"] = "sealed"
    sealed: SealedJSON


class BulkIssued(_Model):
    """A bulk issuance: every certificate stored and batched, in input order."""

    count: int
    batches: int
    certificate_ids: list[str]


class StatusChange(_Model):
    """A status change an operator asks for."""

    action: StatusAction
    reason: int = Field(ge=0, le=255, description="StatusReason code")
    effective_at: int = Field(
        0, ge=0, le=MAX_UNIX_TIME, description="Unix time; 0 = now (block time)"
    )


MAX_BULK_REVOCATIONS = 10_000
"""The most certificates one bulk revocation request names (its body stays under 1 MiB)."""


class BulkRevocation(_Model):
    """Many certificates to revoke for one reason, as an operator sends them."""

    certificate_ids: list[CertificateIdText] = Field(
        min_length=1,
        max_length=MAX_BULK_REVOCATIONS,
        description="证照标识 of this node's certificates; one named twice is revoked once",
    )
    reason: int = Field(ge=0, le=255, description="StatusReason code")
    effective_at: int = Field(
        0, ge=0, le=MAX_UNIX_TIME, description="Unix time; 0 = now (block time)"
    )


class BulkRevoked(_Model):
    """What a bulk revocation did."""

    revoked: list[str] = Field(description="revoked by this request, in the order given")
    already_revoked: list[str] = Field(description="revoked on chain before, left as they were")
    transactions: list[str] = Field(description="0x hashes of the revokeBatch transactions")


class StatusPublic(_Model):
    """A certificate's status on chain."""

    certificate_id: str
    state: Literal["active", "suspended", "revoked"]
    reason: int | None
    effective_at: int | None
    changes: int


class ServiceItem(_Model):
    """A government service item (政务服务事项)."""

    code: PlainText = Field(min_length=1, max_length=64)
    name: PlainText = Field(min_length=1, max_length=200)


class ConsentCreate(_Model):
    """A holder's consent, as the portal submits it."""

    certificate_id: CertificateIdText = Field(description="证照标识 (GB/T 36904)")
    agency_id: AgencyIdText
    fields: list[Annotated[PlainText, Field(max_length=200)]] = Field(
        max_length=500, description="JSON Pointers of the fields the agency may read"
    )
    purpose: PlainText = Field(min_length=1, max_length=500, description="申请事由")
    service_item: ServiceItem
    expires_at: AwareTime = Field(description="RFC 3339 with a UTC offset")
    max_uses: int = Field(1, ge=1, le=1000)


class ConsentCreated(_Model):
    """A consent and its signed token (hand the token to the agency)."""

    consent_id: str
    token: str
    certificate_id: str
    agency_id: str
    fields: list[str]
    purpose: str
    service_item: ServiceItem
    expires_at: int
    max_uses: int


class ConsentWithdrawn(_Model):
    """A withdrawn consent."""

    consent_id: str
    withdrawn_at: int


class KeyRotated(_Model):
    """The signing key after a rotation."""

    key_id: str
    previous_key_id: str


class AuditCertificate(_Model):
    """One certificate as an auditor sees it: status and leaf hashes, no personal data."""

    certificate_id: str
    state: Literal["active", "suspended", "revoked"]
    reason: int | None
    effective_at: int | None
    sealed: SealedJSON


class AuditCertificatePage(_Model):
    """A page of the certificate list."""

    province: int
    total: int
    items: list[AuditCertificate]


class AccessLogEntryPublic(_Model):
    """One hash-chained access-log entry."""

    index: int
    hash: str
    prev_hash: str
    entry: dict[str, Any]


class HeadPublic(_Model):
    """An access-log head anchored on chain."""

    size: int
    root: str
    transaction_hash: str
    block_number: int


class AccessLogPage(_Model):
    """Entries of the access log and the heads anchored so far."""

    size: int
    entries: list[AccessLogEntryPublic]
    heads: list[HeadPublic]


class ConsistencyProof(_Model):
    """RFC 6962 consistency proof between two sizes of the access log."""

    first: int
    second: int
    proof: list[str]


class HolderQuery(_Model):
    """A holder's identity, as the portal knows it after authenticating the holder."""

    id_type: PlainText = Field(min_length=1, max_length=32)
    id_number: PlainText = Field(min_length=1, max_length=64)


class AccessHistory(_Model):
    """Every access to a holder's certificates."""

    certificate_ids: list[str]
    entries: list[AccessLogEntryPublic]
