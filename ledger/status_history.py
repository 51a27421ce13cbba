"""Point-in-time certificate status from the ledger's ``StatusChanged`` events.

The contract keeps only a certificate's *current* status. "Was it valid at time T, as known at
time T2?" needs the history: every change carries ``effectiveAt`` (when it takes effect, possibly
back-dated) and ``recordedAt`` (the block time it reached the chain). The answer applies, in chain
order, the changes recorded by T2 whose effect began by T. The contract guarantees that effective
times never go backwards, so applying them in order gives the state at T.

Pure functions over plain records: the verifier and the auditor share them, and neither needs a
chain to test them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledger.types import CertificateState, DecodedEvent

__all__ = ["PointInTimeStatus", "StatusChange", "status_at", "status_change_from_event"]


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One ``StatusChanged`` event of one certificate, where the chain put it."""

    state: CertificateState
    reason: int
    effective_at: int
    recorded_at: int
    block_number: int
    log_index: int

    @property
    def position(self) -> tuple[int, int]:
        """``(block_number, log_index)``: the change's place in chain order."""
        return (self.block_number, self.log_index)


@dataclass(frozen=True, slots=True)
class PointInTimeStatus:
    """A certificate's state at a time, and the change that put it there (None: never changed)."""

    state: CertificateState
    change: StatusChange | None


def status_change_from_event(event: DecodedEvent) -> StatusChange:
    """The :class:`StatusChange` a decoded ``StatusChanged`` event records."""
    if event.name != "StatusChanged":
        raise ValueError(f"expected a StatusChanged event, got {event.name}")
    args = event.args
    return StatusChange(
        state=CertificateState(args["state"]),
        reason=int(args["reason"]),
        effective_at=int(args["effectiveAt"]),
        recorded_at=int(args["recordedAt"]),
        block_number=event.block_number,
        log_index=event.log_index,
    )


def status_at(
    changes: Iterable[StatusChange], at: int, known_at: int | None = None
) -> PointInTimeStatus:
    """The state at block time ``at`` as known at ``known_at`` (None: everything known now).

    ``changes`` are one certificate's changes in any order; they are applied in chain order. A
    certificate with no applicable change is ACTIVE.
    """
    state = CertificateState.ACTIVE
    last: StatusChange | None = None
    for change in sorted(changes, key=lambda c: c.position):
        if known_at is not None and change.recorded_at > known_at:
            break  # recorded later still: chain order is recording order
        if change.effective_at <= at:
            state, last = change.state, change
    return PointInTimeStatus(state=state, change=last)
