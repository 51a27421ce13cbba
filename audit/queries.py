"""Point-in-time questions answered from the rebuilt history, never from the contract's views.

"Was certificate X valid at time T (as known at T')?" uses the shared status-history logic of
:mod:`ledger.status_history` (the verifier asks the same question the same way). "What did
province P anchor between T1 and T2?" and "could key K sign at T?" read the rebuilt anchors and
key windows. Times are block times (seconds since the epoch).
"""

from __future__ import annotations

from audit.state import LedgerState
from audit.types import AnchorEntry
from ledger.status_history import PointInTimeStatus, StatusChange, status_at
from ledger.types import CertificateState

__all__ = ["anchored_between", "key_active_at", "status_of_at", "was_valid_at"]


def status_of_at(
    state: LedgerState, province: int, digest: bytes, at: int, known_at: int | None = None
) -> PointInTimeStatus:
    """The certificate's state at ``at``, counting only changes recorded by ``known_at``."""
    history = state.statuses.get((province, digest))
    changes = [
        StatusChange(c.state, c.reason, c.effective_at, c.recorded_at, c.block_number, c.log_index)
        for c in (history.changes if history is not None else [])
    ]
    return status_at(changes, at, known_at)


def was_valid_at(state: LedgerState, province: int, digest: bytes, root: bytes, at: int) -> bool:
    """Whether the certificate ``digest``, anchored by ``province`` in batch ``root``, was
    valid at ``at``: its batch anchored by then, and neither suspended nor revoked at ``at``.

    (Whether ``digest`` really is in ``root`` is the inclusion proof's question, answered by the
    verifier or the store check.)
    """
    anchor = state.anchors.get(root)
    if anchor is None or anchor.province != province or anchor.anchored_at > at:
        return False
    return status_of_at(state, province, digest, at).state == CertificateState.ACTIVE


def anchored_between(state: LedgerState, province: int, start: int, end: int) -> list[AnchorEntry]:
    """The batches ``province`` anchored with block times in ``[start, end]``, in chain order."""
    found = [
        a
        for a in state.anchors.values()
        if a.province == province and start <= a.anchored_at <= end
    ]
    return sorted(found, key=lambda a: (a.block_number, a.log_index))


def key_active_at(state: LedgerState, key_id: bytes, at: int) -> bool:
    """Whether the signing key's window contained ``at`` (False for an unknown key)."""
    key = state.keys.get(key_id)
    return key is not None and key.active_at(at)
