"""Certificate status changes: revoke, suspend, reinstate — on chain first, then in the store.

The chain is the authority (a verifier asks it, not us), so a change is only recorded in the
store after the chain accepted it. If the node dies between the two, the store is behind the
chain; :meth:`StatusService.current` reads the chain and repairs the store on the next look.

Many certificates are revoked at once (:meth:`StatusService.revoke_many`) with the contract's
``revokeBatch``, :data:`REVOCATIONS_PER_TRANSACTION` to a transaction. The contract refuses a
whole batch if one of its certificates is revoked already, so those are asked first and left
out (reported as already revoked): a bulk revocation that stopped half-way is finished by
sending it again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from ledger.revert import ContractRevert
from ledger.types import CertificateState, StatusReason, StatusRecord
from province_nodes.chain import ChainGateway, chain_errors
from province_nodes.db import unit_of_work
from province_nodes.exceptions import (
    NodeConflictError,
    NodeInputError,
    NodeNotFoundError,
    NotAnchoredError,
)
from province_nodes.models import BatchRow, CertificateRow, StatusChangeRow
from province_nodes.types import StoredState

__all__ = [
    "REVOCATIONS_PER_TRANSACTION",
    "BulkRevocationResult",
    "StatusAction",
    "StatusService",
    "StatusView",
]

REVOCATIONS_PER_TRANSACTION = 200
"""Certificates per ``revokeBatch`` transaction: under 32k gas each (tests/ledger's gas
budget), so a transaction of about 6.4M gas stays far below a block's limit (30M usually)."""

T = TypeVar("T")

_IDS_PER_QUERY = 1000
"""Certificate ids per ``IN (…)`` query (below every database's limit on parameters), and
digests per ``statusesOf`` call."""

_STORED = {
    CertificateState.ACTIVE: StoredState.ACTIVE,
    CertificateState.SUSPENDED: StoredState.SUSPENDED,
    CertificateState.REVOKED: StoredState.REVOKED,
}


class StatusAction(StrEnum):
    """A status change an operator can ask for."""

    REVOKE = "revoke"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


@dataclass(frozen=True, slots=True)
class StatusView:
    """A certificate's status as the chain reports it."""

    certificate_id: str
    state: StoredState
    reason: int | None
    effective_at: int | None
    changes: int


@dataclass(slots=True)
class BulkRevocationResult:
    """What a bulk revocation did: the certificates it revoked (in the order given), those the
    chain had revoked before, and its transactions' hashes."""

    revoked: list[str] = field(default_factory=list)
    already_revoked: list[str] = field(default_factory=list)
    transactions: list[str] = field(default_factory=list)


class StatusService:
    """Changes and reads certificate status for one province."""

    def __init__(self, engine: Engine, chain: ChainGateway, province: int) -> None:
        self.engine = engine
        self.chain = chain
        self.province = province

    def _anchored(self, certificate_id: str) -> tuple[CertificateRow, bytes]:
        with unit_of_work(self.engine) as session:
            row = CertificateRow.find(session, certificate_id)
            batch = session.get(BatchRow, row.batch_id) if row.batch_id is not None else None
        if batch is None or row.receipt is None:
            raise NotAnchoredError(
                f"certificate {certificate_id} is not anchored yet; its status can change once "
                "its batch is on chain (usually within seconds)"
            )
        return row, batch.root

    def change(
        self, certificate_id: str, action: StatusAction, reason: int, effective_at: int = 0
    ) -> StatusView:
        """Apply ``action`` on chain, then record it; returns the new status."""
        _check_reason(reason)
        row, root = self._anchored(certificate_id)
        ledger = self.chain.client()
        write = {
            StatusAction.REVOKE: ledger.revoke,
            StatusAction.SUSPEND: ledger.suspend,
            StatusAction.REINSTATE: ledger.reinstate,
        }[action]
        with chain_errors(f"{action.value} the certificate"):
            try:
                receipt = write(row.digest, root, reason, effective_at)
            except ContractRevert as revert:
                raise NodeConflictError(
                    f"the ledger refused to {action.value} {certificate_id}: {revert}",
                    code=_snake(type(revert).__name__),
                ) from revert
            record = ledger.status_of(self.province, row.digest)
        self._record(
            certificate_id, record, bytes(receipt["transactionHash"]), int(receipt["blockNumber"])
        )
        return _view(certificate_id, record)

    def revoke_many(
        self, certificate_ids: Sequence[str], reason: int, effective_at: int = 0
    ) -> BulkRevocationResult:
        """Revoke every certificate of ``certificate_ids`` (duplicates once) that the chain has
        not revoked yet, :data:`REVOCATIONS_PER_TRANSACTION` to a transaction, each recorded in
        the store as soon as its transaction is mined.

        Raises:
            NodeInputError: the reason code is unknown (422).
            NodeNotFoundError: a certificate is not this node's (404; nothing is revoked).
            NotAnchoredError: a certificate is not anchored yet (409; nothing is revoked).
            NodeConflictError: the ledger refused a transaction (e.g. an ``effective_at``
                before a certificate's anchor); those of the earlier transactions are revoked
                and recorded, and ``detail`` counts them.
            ChainUnavailableError: the chain cannot be reached (503); as for a refusal, what
                was mined is recorded, and sending the same request again finishes the rest.
        """
        _check_reason(reason)
        wanted = list(dict.fromkeys(certificate_ids))
        anchored = self._anchored_many(wanted)
        result = BulkRevocationResult()
        ledger = self.chain.client()
        with chain_errors("read the certificates' status"):
            current = [
                record
                for chunk in _chunks([anchored[i][0] for i in wanted], _IDS_PER_QUERY)
                for record in ledger.statuses_of(self.province, chunk)
            ]
        pending: list[str] = []
        for certificate_id, record in zip(wanted, current, strict=True):
            if record.state == CertificateState.REVOKED:
                result.already_revoked.append(certificate_id)
            else:
                pending.append(certificate_id)
        for chunk in _chunks(pending, REVOCATIONS_PER_TRANSACTION):
            digests = [anchored[i][0] for i in chunk]
            with chain_errors("revoke the certificates"):
                try:
                    receipt = ledger.revoke_batch(
                        digests, [anchored[i][1] for i in chunk], reason, effective_at
                    )
                except ContractRevert as revert:
                    raise NodeConflictError(
                        f"the ledger refused to revoke certificates {chunk[0]} to {chunk[-1]}: "
                        f"{revert}; the {len(result.revoked)} revoked before are recorded",
                        code=_snake(type(revert).__name__),
                        detail={"revoked": len(result.revoked), "first_refused": chunk[0]},
                    ) from revert
                records = ledger.statuses_of(self.province, digests)
            tx_hash, block = bytes(receipt["transactionHash"]), int(receipt["blockNumber"])
            with unit_of_work(self.engine) as session:
                for certificate_id, record in zip(chunk, records, strict=True):
                    self._record_in(session, certificate_id, record, tx_hash, block)
            result.revoked.extend(chunk)
            result.transactions.append("0x" + tx_hash.hex())
        return result

    def _anchored_many(self, certificate_ids: Sequence[str]) -> dict[str, tuple[bytes, bytes]]:
        """Each certificate's digest and batch root; raises for one unknown or not anchored."""
        found: dict[str, tuple[bytes, bytes, bool]] = {}
        with unit_of_work(self.engine) as session:
            for chunk in _chunks(certificate_ids, _IDS_PER_QUERY):
                rows = session.exec(
                    select(
                        CertificateRow.certificate_id,
                        CertificateRow.digest,
                        BatchRow.root,
                        CertificateRow.receipt,
                    )
                    .join(BatchRow, col(BatchRow.id) == col(CertificateRow.batch_id), isouter=True)
                    .where(col(CertificateRow.certificate_id).in_(chunk))
                )
                for certificate_id, digest, root, receipt in rows:
                    found[certificate_id] = (digest, root or b"", receipt is not None)
        unknown = [i for i in certificate_ids if i not in found]
        if unknown:
            raise NodeNotFoundError(
                f"{len(unknown)} of the certificates are not on this node, first "
                f"{unknown[0]}; nothing was revoked",
                code="unknown_certificate",
                detail={"unknown": unknown[:100]},
            )
        waiting = [i for i in certificate_ids if not found[i][2]]
        if waiting:
            raise NotAnchoredError(
                f"{len(waiting)} of the certificates are not anchored yet, first {waiting[0]}; "
                "nothing was revoked: send the request again once their batches are on chain "
                "(usually within seconds)",
                detail={"not_anchored": waiting[:100]},
            )
        return {i: (digest, root) for i, (digest, root, _) in found.items()}

    def _record(
        self, certificate_id: str, record: StatusRecord, tx_hash: bytes, block_number: int
    ) -> None:
        with unit_of_work(self.engine) as session:
            self._record_in(session, certificate_id, record, tx_hash, block_number)

    @staticmethod
    def _record_in(
        session: Session,
        certificate_id: str,
        record: StatusRecord,
        tx_hash: bytes,
        block_number: int,
    ) -> None:
        row = session.exec(
            select(CertificateRow).where(CertificateRow.certificate_id == certificate_id)
        ).one()
        row.state = _STORED[record.state]
        row.reason = record.reason
        row.effective_at = record.effective_at
        session.add(row)
        session.add(
            StatusChangeRow(
                certificate_id=certificate_id,
                state=_STORED[record.state],
                reason=record.reason,
                effective_at=record.effective_at,
                recorded_at=record.recorded_at or int(time.time()),
                tx_hash=tx_hash,
                block_number=block_number,
            )
        )

    def current(self, certificate_id: str) -> StatusView:
        """The chain's view of the certificate's status; repairs a stale store."""
        row, _ = self._anchored(certificate_id)
        with chain_errors("read the certificate status"):
            record = self.chain.client().status_of(self.province, row.digest)
        if _STORED[record.state] != row.state:
            with unit_of_work(self.engine) as session:
                stored = session.get(CertificateRow, row.seq)
                if stored is not None:
                    stored.state = _STORED[record.state]
                    stored.reason = record.reason
                    stored.effective_at = record.effective_at
                    session.add(stored)
        return _view(certificate_id, record)


def _check_reason(reason: int) -> None:
    try:
        StatusReason(reason)
    except ValueError:
        raise NodeInputError(f"reason code {reason} is unknown", code="unknown_reason") from None


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _snake(name: str) -> str:
    """``StatusAlreadyRevoked`` → ``status_already_revoked``: the contract error as a code."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _view(certificate_id: str, record: StatusRecord) -> StatusView:
    changed = record.changes > 0
    return StatusView(
        certificate_id=certificate_id,
        state=_STORED[record.state],
        reason=record.reason if changed else None,
        effective_at=record.effective_at if changed else None,
        changes=record.changes,
    )
