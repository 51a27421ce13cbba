"""Storage reads with state proofs, sent to one node and checked against a pinned block.

:func:`read_proven` takes the :class:`~ledger.ledger_storage.StorageRead` s a reader needs,
asks one node for all their slots, and the data slots long ``bytes`` and ``string`` values
usually need, with ``eth_getProof`` at the block (as one JSON-RPC batch of calls of at most
:data:`SLOTS_PER_CALL` slots), checks every proof against the block's state root
(:mod:`ledger.state_proof`), then asks in the same way for any data slot a longer value
announces, and decodes. One round trip almost always, two at most, whatever the number of
values; what the node said is used only once proven.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.chain import RpcClient
from ledger.ledger_storage import StorageRead
from ledger.state_proof import proof_request, verify_proof_answer
from ledger.types import BlockRef

__all__ = ["SLOTS_PER_CALL", "ProvenValues", "read_proven"]

SLOTS_PER_CALL = 1024
"""Slots per ``eth_getProof`` call (a chunk of 1,000 certificates fits one): a few MB of
proof per answer; anvil rebuilds the storage trie for every call, so fewer calls matter there."""


@dataclass(frozen=True, slots=True)
class ProvenValues:
    """The decoded values, one per read in order, and how many storage proofs were checked."""

    values: tuple[Any, ...]
    proofs: int


def read_proven(
    rpc: RpcClient, address: str, reads: Sequence[StorageRead[Any]], block: BlockRef
) -> ProvenValues:
    """The values of ``reads`` in the storage of ``address`` at ``block``, each proven against
    ``block.state_root``.

    Raises:
        LedgerProofError: a proof does not hold (the node lies, or is on another chain).
        LedgerAnswerError: proven words do not decode as their record.
        LedgerRpcError, LedgerConnectionError: the node failed to answer.
    """
    words: dict[int, int] = {}
    first = (s for r in reads for s in (*r.slots, *r.likely))
    _prove(rpc, address, list(dict.fromkeys(first)), block, words)
    more = [s for r in reads for s in r.more(words) if s not in words]
    _prove(rpc, address, list(dict.fromkeys(more)), block, words)
    return ProvenValues(tuple(read.decode(words) for read in reads), len(words))


def _prove(
    rpc: RpcClient, address: str, slots: list[int], block: BlockRef, words: dict[int, int]
) -> None:
    if not slots:
        return
    chunks = [slots[i : i + SLOTS_PER_CALL] for i in range(0, len(slots), SLOTS_PER_CALL)]
    answers = rpc.batch([proof_request(address, chunk, block.number) for chunk in chunks])
    for chunk, answer in zip(chunks, answers, strict=True):
        words.update(verify_proof_answer(answer, address, chunk, block.state_root))
