"""When a block is final, and the header of a block as a reader pins it: one setting for all.

A reader that checks values against a block's state root, or compares several nodes' answers,
must read at a block that will not be undone. :class:`Finality` is the one setting that says
which block that is: the node's ``finalized`` block where the chain has one, else the block
``confirmations`` below the head. Every reader takes it as a parameter (the verifier now; the
sender, event reader and auditor can adopt the same object).

Chains differ:

- proof-of-stake Ethereum answers ``finalized`` with the last finalized checkpoint;
- a consortium chain with immediate finality (Besu QBFT or IBFT 2.0, the intended deployment)
  has no ``finalized`` block to report, and every block is final once made:
  ``confirmations=0`` reads its head;
- anvil answers ``finalized`` with the block 64 below its head, a simulation of proof-of-stake,
  while its automined blocks are final once made (it never reorganises on its own):
  :attr:`Finality.simulating_clients` names such clients, whose tag is not taken.

:class:`~ledger.types.BlockRef` is the result: number, hash and state root, read with
:func:`read_block` (or received from elsewhere, e.g. a checkpoint signed by witnesses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from eth_typing import BlockIdentifier

from ledger.chain import RpcCall, RpcClient, block_parameter
from ledger.exceptions import LedgerAnswerError, LedgerRpcError, LedgerValueError
from ledger.types import BlockRef, Hash32

__all__ = ["DEFAULT_FINALITY", "Finality", "block_request", "parse_block", "read_block"]


@dataclass(frozen=True, slots=True)
class Finality:
    """Which block counts as final: the node's ``tag`` block where it has one (and is not one of
    ``simulating_clients``), else the head less ``confirmations`` blocks.

    ``tag=None`` always counts confirmations.
    """

    tag: Literal["finalized", "safe"] | None = "finalized"
    confirmations: int = 0
    simulating_clients: tuple[str, ...] = ("anvil/",)

    def __post_init__(self) -> None:
        if self.tag not in ("finalized", "safe", None):
            raise LedgerValueError(f"finality tag {self.tag!r} is not 'finalized' or 'safe'")
        if isinstance(self.confirmations, bool) or not 0 <= self.confirmations <= 1_000_000:
            raise LedgerValueError(f"{self.confirmations!r} confirmations is not a block count")

    @classmethod
    def parse(cls, text: str) -> Finality:
        """The setting written as ``finalized`` or ``safe`` (the tag, else the head) or a number
        of confirmations (never the tag).

        Raises:
            LedgerValueError: ``text`` is none of these.
        """
        if text == "finalized":
            return cls(tag="finalized")
        if text == "safe":
            return cls(tag="safe")
        if text.isdigit():
            return cls(tag=None, confirmations=int(text))
        raise LedgerValueError(f"finality {text!r} is not 'finalized', 'safe' or a block count")

    def uses_tag(self, client_version: str) -> bool:
        """Whether to ask a node of ``client_version`` (``web3_clientVersion``) for the tag."""
        return self.tag is not None and not client_version.startswith(self.simulating_clients)

    def final_block(self, rpc: RpcClient, client_version: str) -> BlockRef:
        """The final block of the node behind ``rpc``, whose ``web3_clientVersion`` is
        ``client_version``.

        Raises:
            LedgerRpcError, LedgerConnectionError: the node failed to answer.
            LedgerAnswerError: its answer is not a block.
        """
        if self.tag is not None and self.uses_tag(client_version):
            try:
                found = rpc.call(*block_request(self.tag))
            except LedgerRpcError:
                found = None  # the chain has no such block (no finality gadget)
            if found is not None:
                return parse_block(found)
        head = parse_block(rpc.call(*block_request("latest")))
        if self.confirmations == 0:
            return head
        return read_block(rpc, max(0, head.number - self.confirmations))

    def describe(self) -> str:
        """The setting in words, for reports."""
        fallback = f"the head less {self.confirmations} blocks"
        if self.confirmations == 0:
            fallback = "the head"
        if self.tag is None:
            return fallback
        return f"the node's {self.tag} block where it has one, else {fallback}"


DEFAULT_FINALITY = Finality()
"""The node's finalized block, else its head (immediate-finality chains, anvil)."""


def block_request(block: BlockIdentifier) -> RpcCall:
    """The raw JSON-RPC call reading the header of ``block`` (tag or number)."""
    return ("eth_getBlockByNumber", [block_parameter(block), False])


def parse_block(answer: Any) -> BlockRef:
    """The number, hash and state root of an ``eth_getBlockByNumber`` answer.

    Raises:
        LedgerAnswerError: the answer is not a block (``null`` for a block the node lacks).
    """
    try:
        return BlockRef(
            number=int(answer["number"], 16),
            hash=_hash(answer["hash"]),
            state_root=_hash(answer["stateRoot"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise LedgerAnswerError(f"the answer is not a block header: {answer!r:.120}") from error


def read_block(rpc: RpcClient, number: int) -> BlockRef:
    """The header of block ``number`` as the node behind ``rpc`` has it.

    Raises:
        LedgerAnswerError: the node has no such block, or answered something else.
    """
    return parse_block(rpc.call(*block_request(number)))


def _hash(value: Any) -> Hash32:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 66:
        raise ValueError(f"not a 32-byte hash: {value!r:.80}")
    return Hash32(bytes.fromhex(value[2:]))
