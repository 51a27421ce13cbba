"""Replay: read the deployment's events over explicit block ranges and rebuild the ledger.

:class:`Rebuild` is the chain-free core: it feeds events one at a time to the invariant checker
(against the state before the event) and then to the state, collecting violations. :func:`replay`
drives it from a chain: an :class:`~ledger.events.EventReader` pages ``eth_getLogs`` from the
first block not yet replayed to ``to_block``, in order, and the few ``ProvinceAdded`` events get
their block's time (the contract stores it as ``joinedAt``; the event does not carry it).

Replaying to block N and then from N+1 to M gives the same state and findings as replaying to M
at once: the state is a pure function of the events, and a transaction never spans two blocks,
so the checker has nothing pending at a block boundary. That is what makes checkpoints exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ledger.audit.exceptions import AuditValueError
from ledger.audit.invariants import InvariantChecker
from ledger.audit.state import LedgerState
from ledger.audit.types import Violation
from ledger.chain import RpcClient
from ledger.events import EventReader
from ledger.types import DecodedEvent

__all__ = ["Rebuild", "ReplayStats", "block_time", "replay"]

Progress = Callable[[int], None]
"""Called with the block number replay has reached."""

_PROGRESS_EVERY = 2000  # events between progress callbacks


@dataclass(slots=True)
class Rebuild:
    """The rebuilt state and the violations found so far; feed it events in chain order.

    Args:
        bootstrap_tx: the deployment transaction's hash (its membership events need no
            proposal).
        state: a state to continue from (a checkpoint's), else an empty one.
        violations: the violations found before ``state``'s block.
    """

    bootstrap_tx: bytes
    state: LedgerState = field(default_factory=LedgerState)
    violations: list[Violation] = field(default_factory=list)
    checker: InvariantChecker = field(init=False)

    def __post_init__(self) -> None:
        self.checker = InvariantChecker(self.bootstrap_tx)

    def apply(self, event: DecodedEvent, block_time: int | None = None) -> None:
        """Check ``event`` against the state before it, then apply it."""
        self.violations += self.checker.check(self.state, event)
        self.state.apply(event, block_time)

    def apply_all(self, events: Iterable[DecodedEvent]) -> None:
        """Apply events that need no block time (tests, synthetic histories)."""
        for event in events:
            self.apply(event)

    def finish(self, to_block: int) -> None:
        """Mark the state complete up to ``to_block`` and collect end-of-range findings."""
        self.violations += self.checker.finish(self.state)
        self.state.block = max(self.state.block, to_block)


@dataclass(frozen=True, slots=True)
class ReplayStats:
    """What one replay run read: its block range (inclusive), events and seconds."""

    from_block: int
    to_block: int
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        """Replay throughput."""
        return self.events / self.seconds if self.seconds > 0 else 0.0


def block_time(rpc: RpcClient, number: int) -> int:
    """The timestamp of block ``number``."""
    block = rpc.call("eth_getBlockByNumber", [hex(number), False])
    if not isinstance(block, dict) or "timestamp" not in block:
        raise AuditValueError(f"the node has no block {number}")
    return int(block["timestamp"], 16)


def replay(
    rebuild: Rebuild,
    reader: EventReader,
    address: str,
    from_block: int,
    to_block: int,
    *,
    progress: Progress | None = None,
) -> ReplayStats:
    """Replay the events ``address`` emitted in blocks ``from_block``..``to_block`` into
    ``rebuild`` and finish it at ``to_block``.

    An empty range (``from_block == to_block + 1``, everything already replayed) reads nothing.

    Raises:
        AuditValueError: the range runs backwards, or starts before the state's block.
        LedgerEventError, LedgerConnectionError: the chain could not be read (nothing is
            half-applied that a checkpoint would keep: checkpoint only after this returns).
    """
    if from_block <= rebuild.state.block:
        raise AuditValueError(
            f"block {from_block} was already replayed (the state is at block {rebuild.state.block})"
        )
    if to_block < from_block - 1:
        raise AuditValueError(f"cannot replay backwards from block {from_block} to {to_block}")
    started = time.perf_counter()
    count = 0
    if to_block >= from_block:
        times: dict[int, int] = {}
        for event in reader.read(address, from_block, to_block):
            when = None
            if event.name == "ProvinceAdded":
                if event.block_number not in times:
                    times[event.block_number] = block_time(reader.rpc, event.block_number)
                when = times[event.block_number]
            rebuild.apply(event, when)
            count += 1
            if progress is not None and count % _PROGRESS_EVERY == 0:
                progress(event.block_number)
    rebuild.finish(to_block)
    if progress is not None:
        progress(to_block)
    return ReplayStats(from_block, to_block, count, time.perf_counter() - started)
