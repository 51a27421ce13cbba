"""Domain types of the audit: the rebuilt ledger's records, and the findings.

The rebuilt records are mutable dataclasses owned by :class:`audit.state.LedgerState`
(replay updates them in place, one event at a time); everything handed out as a finding is
frozen. Hashes are raw ``bytes`` as everywhere in :mod:`ledger`; they become ``0x`` hex only in
reports and checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ledger.types import CertificateState, DecodedEvent, ProposalKind

__all__ = [
    "AnchorEntry",
    "CertificateHistory",
    "Difference",
    "EventRef",
    "Invariant",
    "KeyEntry",
    "LogHeadEntry",
    "ProposalEntry",
    "ProvinceEntry",
    "StatusChange",
    "TxOrigin",
    "Violation",
]


class Invariant(StrEnum):
    """The rules the auditor checks, by the name reports use. Names are never reused."""

    ONLY_MEMBERS_ANCHORED = "only_members_anchored"
    ONLY_MEMBERS_ACTED = "only_members_acted"
    MEMBERSHIP_CHANGES_APPROVED = "membership_changes_approved"
    ONLY_ISSUER_CHANGED_STATUS = "only_issuer_changed_status"
    REVOKED_IS_FINAL = "revoked_is_final"
    STATUS_TRANSITION_VALID = "status_transition_valid"
    KEYS_REGISTERED_BEFORE_USE = "keys_registered_before_use"
    KEYS_USED_INSIDE_WINDOW = "keys_used_inside_window"
    ROOT_ANCHORED_ONCE = "root_anchored_once"
    ACCESS_LOG_GROWS = "access_log_grows"
    EVENT_WELL_FORMED = "event_well_formed"
    BLOCK_TIME_MONOTONIC = "block_time_monotonic"
    EVENTS_SENT_BY_PROVINCE_ACCOUNT = "events_sent_by_province_account"
    # store cross-check
    STORE_CERTIFICATE_ANCHORED = "store_certificate_anchored"
    STORE_STATUS_MATCHES_CHAIN = "store_status_matches_chain"
    ACCESS_LOG_CHAIN_INTACT = "access_log_chain_intact"
    ACCESS_LOG_HEADS_MATCH = "access_log_heads_match"
    # witnessed checkpoints
    WITNESSES_AGREE = "witnesses_agree"
    WITNESS_KEY_REGISTERED = "witness_key_registered"
    WITNESS_SIGNATURE_VALID = "witness_signature_valid"
    WITNESS_MATCHES_CHAIN = "witness_matches_chain"


@dataclass(frozen=True, slots=True)
class EventRef:
    """Where an event sits on chain: the evidence a finding points at."""

    name: str
    block_number: int
    log_index: int
    transaction_hash: bytes

    @classmethod
    def of(cls, event: DecodedEvent) -> EventRef:
        """The reference of a decoded event."""
        return cls(event.name, event.block_number, event.log_index, bytes(event.transaction_hash))

    def to_json(self) -> dict[str, Any]:
        """The reference as report JSON."""
        return {
            "name": self.name,
            "block_number": self.block_number,
            "log_index": self.log_index,
            "transaction_hash": "0x" + self.transaction_hash.hex(),
        }


@dataclass(frozen=True, slots=True)
class TxOrigin:
    """Who sent an event's transaction and where, as the node reports the transaction.

    ``sender`` is None when the node knows no such transaction. ``creates_ledger`` says that
    the transaction is a contract creation whose address (from its sender and nonce) is the
    ledger's: true only of the deployment transaction.
    """

    sender: str | None
    block_number: int | None
    creates_ledger: bool = False


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken invariant, with the events (or store items) that break it.

    ``evidence`` is JSON for findings whose proof is not on chain: the signed checkpoints of a
    witness finding (not compared: a finding is the same finding whatever copy of its proof).
    """

    invariant: Invariant
    message: str
    events: tuple[EventRef, ...] = ()
    subject: str | None = None  # a store item (certificate id, log index) when not an event
    evidence: Any = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The violation as report JSON."""
        return {
            "invariant": str(self.invariant),
            "message": self.message,
            "events": [e.to_json() for e in self.events],
            "subject": self.subject,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class Difference:
    """A contract view that disagrees with the state rebuilt from events.

    ``view`` names the view function, ``key`` what it was asked about; ``rebuilt`` and
    ``contract`` are the two answers as JSON values (``None``: that side knows nothing).
    """

    view: str
    key: str
    rebuilt: Any
    contract: Any

    def to_json(self) -> dict[str, Any]:
        """The difference as report JSON."""
        return {
            "view": self.view,
            "key": self.key,
            "rebuilt": self.rebuilt,
            "contract": self.contract,
        }


# --- the rebuilt ledger -------------------------------------------------------------------------


@dataclass(slots=True)
class ProvinceEntry:
    """A province that is or was a member; ``joined_at`` is the block time of its last joining."""

    code: int
    account: str
    endpoint: str
    member: bool
    joined_at: int
    joined_block: int
    accounts: list[str] = field(default_factory=list)  # every account it acted through, in order


@dataclass(slots=True)
class ProposalEntry:
    """A governance proposal; ``approvals`` counts approvers that were members at the last vote."""

    id: int
    kind: ProposalKind
    code: int
    account: str
    endpoint: str
    threshold: int
    proposer: int
    approvers: list[int] = field(default_factory=list)
    approvals: int = 0
    executed: bool = False


@dataclass(slots=True)
class KeyEntry:
    """A signing key and its window ``[valid_from, valid_until)`` in block time."""

    key_id: bytes
    province: int
    algorithm: int
    public_key: bytes
    valid_from: int
    valid_until: int | None = None
    revoked: bool = False
    compromised_at: int | None = None

    def active_at(self, time: int) -> bool:
        """Whether the key could sign at block time ``time``."""
        return self.valid_from <= time and (self.valid_until is None or time < self.valid_until)


@dataclass(slots=True)
class AnchorEntry:
    """An anchored batch root."""

    root: bytes
    province: int
    count: int
    anchored_at: int
    block_number: int
    log_index: int
    transaction_hash: bytes

    def event(self) -> EventRef:
        """The ``RootAnchored`` event that anchored it."""
        return EventRef("RootAnchored", self.block_number, self.log_index, self.transaction_hash)


@dataclass(slots=True)
class LogHeadEntry:
    """An anchored access-log head."""

    province: int
    root: bytes
    size: int
    anchored_at: int
    block_number: int
    log_index: int
    transaction_hash: bytes

    def event(self) -> EventRef:
        """The ``AccessLogAnchored`` event that anchored it."""
        return EventRef(
            "AccessLogAnchored", self.block_number, self.log_index, self.transaction_hash
        )


@dataclass(slots=True)
class StatusChange:
    """One recorded status change of a certificate."""

    state: CertificateState
    reason: int
    effective_at: int
    recorded_at: int
    root: bytes
    block_number: int
    log_index: int
    transaction_hash: bytes

    def event(self) -> EventRef:
        """The ``StatusChanged`` event that recorded it."""
        return EventRef("StatusChanged", self.block_number, self.log_index, self.transaction_hash)


@dataclass(slots=True)
class CertificateHistory:
    """Every status change of one certificate, keyed on chain by (issuing province, digest)."""

    province: int
    digest: bytes
    changes: list[StatusChange] = field(default_factory=list)

    @property
    def current(self) -> CertificateState:
        """The state after the last change (ACTIVE when there is none)."""
        return self.changes[-1].state if self.changes else CertificateState.ACTIVE
