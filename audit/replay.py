"""Replay: read the deployment's events over explicit block ranges and rebuild the ledger.

:class:`Rebuild` is the chain-free core: it feeds events one at a time to the invariant checker
(against the state before the event) and then to the state, collecting violations. :func:`replay`
drives it from a chain: an :class:`~ledger.events.EventReader` pages ``eth_getLogs`` from the
first block not yet replayed to ``to_block``, in order, and the few ``ProvinceAdded`` events get
their block's time (the contract stores it as ``joinedAt``; the event does not carry it).

Replaying to block N and then from N+1 to M gives the same state and findings as replaying to M
at once: the state is a pure function of the events, and a transaction never spans two blocks,
so the checker has nothing pending at a block boundary. That is what makes checkpoints exact.

Each event is also judged against its transaction's sender: :func:`transaction_origins` fetches
the transactions of a chunk of events with batched ``eth_getTransactionByHash`` calls (one per
transaction, not per event or block: a block's body would also carry everyone else's
transactions), and the checker compares ``from`` with the acting province's account.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field

from web3.utils.address import get_create_address

from audit.exceptions import AuditValueError
from audit.invariants import InvariantChecker
from audit.state import LedgerState
from audit.types import TxOrigin, Violation
from ledger.chain import RpcClient
from ledger.events import EventReader
from ledger.types import DecodedEvent

__all__ = ["Rebuild", "ReplayStats", "block_time", "replay", "transaction_origins"]

Progress = Callable[[int], None]
"""Called with the block number replay has reached."""

_PROGRESS_EVERY = 2000  # events between progress callbacks
_CHUNK_EVENTS = 5000  # events whose transactions are fetched together
_TX_BATCH = 250  # eth_getTransactionByHash calls per JSON-RPC batch


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

    def apply(
        self, event: DecodedEvent, block_time: int | None = None, origin: TxOrigin | None = None
    ) -> None:
        """Check ``event`` against the state before it (and, given its transaction's
        ``origin``, against its sender), then apply it."""
        self.violations += self.checker.check(self.state, event, origin)
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


def transaction_origins(
    rpc: RpcClient, ledger: str, hashes: Collection[bytes]
) -> dict[bytes, TxOrigin]:
    """Who sent each transaction in ``hashes``, and in which block, as the node reports it.

    ``ledger`` is the contract's address, to recognise its deployment transaction.

    Raises:
        LedgerRpcError, LedgerConnectionError: the node refused or could not be reached.
    """
    ordered = list(hashes)
    origins: dict[bytes, TxOrigin] = {}
    for start in range(0, len(ordered), _TX_BATCH):
        part = ordered[start : start + _TX_BATCH]
        answers = rpc.batch([("eth_getTransactionByHash", ["0x" + h.hex()]) for h in part])
        for tx_hash, answer in zip(part, answers, strict=True):
            origins[tx_hash] = _origin(answer, ledger)
    return origins


def _origin(answer: object, ledger: str) -> TxOrigin:
    if not isinstance(answer, dict) or not isinstance(answer.get("from"), str):
        return TxOrigin(sender=None, block_number=None)
    sender: str = answer["from"]
    number = answer.get("blockNumber")
    block = int(number, 16) if isinstance(number, str) else None
    creates = False
    if answer.get("to") is None and isinstance(answer.get("nonce"), str):
        created = get_create_address(sender, int(answer["nonce"], 16))  # type: ignore[arg-type]
        creates = created.lower() == ledger.lower()
    return TxOrigin(sender=sender, block_number=block, creates_ledger=creates)


def _chunks(events: Iterable[DecodedEvent]) -> Iterator[list[DecodedEvent]]:
    iterator = iter(events)
    while chunk := list(itertools.islice(iterator, _CHUNK_EVENTS)):
        yield chunk


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
        for chunk in _chunks(reader.read(address, from_block, to_block)):
            origins = transaction_origins(
                reader.rpc, address, {bytes(e.transaction_hash) for e in chunk}
            )
            for event in chunk:
                when = None
                if event.name == "ProvinceAdded":
                    if event.block_number not in times:
                        times[event.block_number] = block_time(reader.rpc, event.block_number)
                    when = times[event.block_number]
                rebuild.apply(event, when, origins[bytes(event.transaction_hash)])
                count += 1
                if progress is not None and count % _PROGRESS_EVERY == 0:
                    progress(event.block_number)
    rebuild.finish(to_block)
    if progress is not None:
        progress(to_block)
    return ReplayStats(from_block, to_block, count, time.perf_counter() - started)
