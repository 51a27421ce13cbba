"""Certificate status changes: revoke, suspend, reinstate — on chain first, then in the store.

The chain is the authority (a verifier asks it, not us), so a change is only recorded in the
store after the chain accepted it. If the node dies between the two, the store is behind the
chain; :meth:`StatusService.current` reads the chain and repairs the store on the next look.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import select

from ledger.revert import ContractRevert
from ledger.types import CertificateState, StatusReason, StatusRecord
from province_nodes.chain import ChainGateway, chain_errors
from province_nodes.db import unit_of_work
from province_nodes.exceptions import (
    NodeConflictError,
    NodeInputError,
    NotAnchoredError,
)
from province_nodes.models import BatchRow, CertificateRow, StatusChangeRow
from province_nodes.types import StoredState

__all__ = ["StatusAction", "StatusService", "StatusView"]

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
        try:
            StatusReason(reason)
        except ValueError:
            raise NodeInputError(
                f"reason code {reason} is unknown", code="unknown_reason"
            ) from None
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

    def _record(
        self, certificate_id: str, record: StatusRecord, tx_hash: bytes, block_number: int
    ) -> None:
        with unit_of_work(self.engine) as session:
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
