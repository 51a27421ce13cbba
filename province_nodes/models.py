"""The node's tables (SQLModel) and the public views of them the API serves.

Each entity has a table model and, where the API shows it, a ``Public`` model that lists the
columns a caller may see: ciphertexts, token hashes and private keys have no ``Public`` field, so
they cannot leak through a response by accident. Times are Unix seconds (UTC); hashes are raw
bytes, shown as hex at the API edge. The schema is created by the Alembic migrations in
:mod:`province_nodes.migrations`; a test checks that they produce exactly these models.
"""

from __future__ import annotations

from pydantic import field_validator
from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, select

from province_nodes.exceptions import NodeNotFoundError
from province_nodes.inputs import AGENCY_ID_PATTERN, plain_text
from province_nodes.types import BatchState, Role, StoredState

__all__ = [
    "METADATA",
    "AccessLogRow",
    "Agency",
    "AgencyBase",
    "AgencyCreate",
    "AgencyPublic",
    "BatchRow",
    "CertificateRow",
    "ConsentRow",
    "CredentialRow",
    "LogHeadRow",
    "NodeModel",
    "SigningKeyRow",
    "StatusChangeRow",
    "StoreOwnerRow",
    "WitnessCheckpointRow",
    "WitnessConflictRow",
    "WitnessSignatureRow",
]


_registry = registry()
METADATA: MetaData = _registry.metadata
"""The node's own metadata, apart from any other package's SQLModel tables."""


class NodeModel(SQLModel, registry=_registry):
    """Base of every node model, so node tables live in :data:`METADATA` only."""


def _time(*, nullable: bool = False, index: bool = False) -> Column[int]:
    return Column(BigInteger, nullable=nullable, index=index)


class BatchRow(NodeModel, table=True):
    """A batch of certificate digests anchored as one RFC 6962 Merkle root."""

    __tablename__ = "batches"

    id: int | None = Field(default=None, primary_key=True)
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False, unique=True))
    count: int
    state: BatchState = Field(default=BatchState.PREPARED, sa_type=String(16), index=True)
    created_at: int = Field(sa_column=_time())
    tx_hash: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    block_number: int | None = Field(default=None, sa_column=_time(nullable=True))
    anchored_at: int | None = Field(default=None, sa_column=_time(nullable=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CertificateRow(NodeModel, table=True):
    """An issued certificate: its sealed JSON encrypted, its digest and batch in the clear.

    ``batch_id`` NULL means queued (the outbox); ``leaf_index`` is the place in the batch;
    ``receipt`` (JSON) is written once the batch is anchored. ``holder_ref`` is a keyed hash of
    the holder's identity, so the portal can find a holder's certificates without the store
    holding the ID number in the clear.
    """

    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_outbox", "batch_id", "seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    certificate_id: str = Field(max_length=160, unique=True)
    type_code: str = Field(max_length=32)
    digest: bytes = Field(sa_column=Column(LargeBinary, nullable=False, unique=True))
    key_id: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    holder_ref: bytes = Field(sa_column=Column(LargeBinary, nullable=False, index=True))
    envelope: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    issued_at: int = Field(sa_column=_time())
    batch_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("batches.id"), nullable=True)
    )
    leaf_index: int | None = None
    receipt: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    state: StoredState = Field(default=StoredState.ACTIVE, sa_type=String(16))
    reason: int | None = None
    effective_at: int | None = Field(default=None, sa_column=_time(nullable=True))

    @classmethod
    def find(cls, session: Session, certificate_id: str) -> CertificateRow:
        """The row of ``certificate_id``; raises :class:`NodeNotFoundError` (404) if this node
        does not hold it."""
        row = session.exec(select(cls).where(cls.certificate_id == certificate_id)).first()
        if row is None:
            raise NodeNotFoundError.certificate(certificate_id)
        return row


class StatusChangeRow(NodeModel, table=True):
    """One status change, recorded after the chain accepted it."""

    __tablename__ = "status_changes"

    id: int | None = Field(default=None, primary_key=True)
    certificate_id: str = Field(foreign_key="certificates.certificate_id", index=True)
    state: StoredState = Field(sa_type=String(16))
    reason: int
    effective_at: int = Field(sa_column=_time())
    recorded_at: int = Field(sa_column=_time())
    tx_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    block_number: int = Field(sa_column=_time())


class AgencyBase(NodeModel):
    """What identifies an agency allowed to read certificates under consent."""

    id: str = Field(primary_key=True, max_length=64, regex=AGENCY_ID_PATTERN)
    name: str = Field(max_length=200, min_length=1)
    province: int = Field(ge=110000, le=829999)


class Agency(AgencyBase, table=True):
    """An agency (of any province) known to this node."""

    __tablename__ = "agencies"


class AgencyCreate(AgencyBase):
    """An agency to register."""

    @field_validator("name")
    @classmethod
    def _storable_name(cls, name: str) -> str:
        return plain_text(name)


class AgencyPublic(AgencyBase):
    """An agency as the API shows it."""


class CredentialRow(NodeModel, table=True):
    """A bearer token's SHA-256 and what it may do; the token itself is never stored.

    A credential is refused once ``revoked`` or from ``expires_at`` on (None: it does not
    expire).

    ``agency_id`` is not a foreign key: a credential may outlive its agency's registration, and
    such a caller is then refused as ``unknown_agency`` rather than failing a constraint.
    """

    __tablename__ = "credentials"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False, unique=True))
    role: Role = Field(sa_type=String(16))
    agency_id: str | None = Field(default=None, max_length=64)
    label: str = Field(default="", max_length=200)
    created_at: int = Field(sa_column=_time())
    revoked: bool = False
    expires_at: int | None = Field(default=None, sa_column=_time(nullable=True))


class ConsentRow(NodeModel, table=True):
    """A holder's consent to one agency reading some fields of one certificate."""

    __tablename__ = "consents"

    id: str = Field(primary_key=True, max_length=40)
    certificate_id: str = Field(foreign_key="certificates.certificate_id", index=True)
    agency_id: str = Field(foreign_key="agencies.id")
    fields: str = Field(sa_column=Column(Text, nullable=False))
    purpose: str = Field(sa_column=Column(Text, nullable=False))
    service_item_code: str = Field(max_length=64)
    service_item_name: str = Field(max_length=200)
    created_at: int = Field(sa_column=_time())
    expires_at: int = Field(sa_column=_time())
    max_uses: int
    uses: int = 0
    withdrawn_at: int | None = Field(default=None, sa_column=_time(nullable=True))


class AccessLogRow(NodeModel, table=True):
    """One access-log entry; ``hash = SHA-256(prev_hash ‖ entry)`` chains it to the last."""

    __tablename__ = "access_log"

    index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    prev_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    entry: str = Field(sa_column=Column(Text, nullable=False))
    certificate_id: str | None = Field(default=None, max_length=160, index=True)


class LogHeadRow(NodeModel, table=True):
    """An access-log head (RFC 6962 root over the first ``size`` entries) anchored on chain."""

    __tablename__ = "log_heads"

    size: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    tx_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    block_number: int = Field(sa_column=_time())


class SigningKeyRow(NodeModel, table=True):
    """A signing key of this province; the private key is in an envelope under the master key.

    ``active`` marks the key new certificates are signed with (exactly one); ``retired_at`` is
    set once the chain closed the key's window.
    """

    __tablename__ = "signing_keys"

    key_id: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    algorithm: int
    public_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    private_envelope: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: int = Field(sa_column=_time())
    registered: bool = False
    active: bool = False
    retired_at: int | None = Field(default=None, sa_column=_time(nullable=True))


class StoreOwnerRow(NodeModel, table=True):
    """The province this store belongs to, recorded once; ``id`` is always 1 (one row)."""

    __tablename__ = "store_owner"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    province: int
    recorded_at: int = Field(sa_column=_time())


class WitnessCheckpointRow(NodeModel, table=True):
    """A checkpoint of a ledger's chain this node signed (its own, or cosigned for a peer).

    One per height and ledger: a witness never signs two different blocks at one height
    (:mod:`province_nodes.witness`). ``contract`` is the EIP-55 address.
    """

    __tablename__ = "witness_checkpoints"
    __table_args__ = (UniqueConstraint("chain_id", "contract", "block_number"),)

    id: int | None = Field(default=None, primary_key=True)
    chain_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    contract: str = Field(max_length=42)
    block_number: int = Field(sa_column=_time())
    block_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    state_root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    block_time: int = Field(sa_column=_time())
    recorded_at: int = Field(sa_column=_time())


class WitnessSignatureRow(NodeModel, table=True):
    """A province's signature of a stored checkpoint (this node's own, or a peer's), checked
    against the key on chain before it was stored; one per key."""

    __tablename__ = "witness_signatures"

    checkpoint_id: int = Field(
        sa_column=Column(ForeignKey("witness_checkpoints.id"), primary_key=True)
    )
    key_id: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    province: int
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    recorded_at: int = Field(sa_column=_time())


class WitnessConflictRow(NodeModel, table=True):
    """Evidence: another province's validly signed checkpoint statement (the exact signed bytes,
    :func:`ledger.witness.decode_statement`) that contradicts this node's chain at its height."""

    __tablename__ = "witness_conflicts"

    id: int | None = Field(default=None, primary_key=True)
    statement: bytes = Field(sa_column=Column(LargeBinary, nullable=False, unique=True))
    signature: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    block_number: int = Field(sa_column=_time(index=True))
    recorded_at: int = Field(sa_column=_time())
