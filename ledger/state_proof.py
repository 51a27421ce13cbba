"""State proofs (EIP-1186 ``eth_getProof``) checked against a block's state root.

A node's answer to ``eth_getProof(address, slots, block)`` holds the Merkle-Patricia trie nodes
from the block's state root down to the contract's account (nonce, balance, storage root, code
hash) and, for each slot, from that storage root down to the slot's value. Checked here with
ethereum's own trie library (``trie.HexaryTrie.get_from_proof``: every node is looked up by its
keccak hash from the root down, so a changed node, a changed value or another root cannot pass),
the answer proves the values were in the state the root commits to. What is left to trust is
the root, i.e. the block header: :mod:`ledger.finality` and the callers' quorum take care of it.

A slot absent from the trie reads as 0, as in the EVM; the proof then proves the absence.

Example::

    call = proof_request(address, slots, block.number)
    words = verify_proof_answer(rpc.call(*call), address, slots, block.state_root)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import rlp
from eth_typing import BlockIdentifier
from eth_utils.crypto import keccak
from trie.exceptions import (
    BadTrieProof,
    InvalidNibbles,
    InvalidNode,
    MissingTraversalNode,
    MissingTrieNode,
    TraversedPartialPath,
    ValidationError,
)
from trie.hexary import HexaryTrie

from ledger.chain import RpcCall, block_parameter
from ledger.exceptions import LedgerProofError

__all__ = [
    "ProvenAccount",
    "proof_request",
    "verify_account_proof",
    "verify_proof_answer",
    "verify_storage_proof",
]

_EMPTY_TRIE_ROOT = keccak(rlp.encode(b""))
"""The root of an empty trie: the storage root of an account without storage."""
_EMPTY_CODE_HASH = keccak(b"")
_MALFORMED = (
    InvalidNibbles,
    InvalidNode,
    ValidationError,
    MissingTrieNode,
    MissingTraversalNode,
    TraversedPartialPath,
)
"""What the trie library raises for nodes that are not a well-formed path (it has no root)."""


@dataclass(frozen=True, slots=True)
class ProvenAccount:
    """An account as a state root commits to it (all zero for an account that does not exist)."""

    nonce: int
    balance: int
    storage_root: bytes
    code_hash: bytes


def proof_request(address: str, slots: Sequence[int], block: BlockIdentifier) -> RpcCall:
    """The raw JSON-RPC ``eth_getProof`` of ``slots`` of ``address`` at ``block``."""
    keys = ["0x" + slot.to_bytes(32, "big").hex() for slot in slots]
    return ("eth_getProof", [address, keys, block_parameter(block)])


def verify_account_proof(state_root: bytes, address: str, proof: Sequence[bytes]) -> ProvenAccount:
    """The account at ``address`` in the state ``state_root`` commits to.

    Raises:
        LedgerProofError: the proof does not lead from ``state_root`` to the account's leaf (or
            to its absence), or the leaf is not an account.
    """
    leaf = _proven(state_root, keccak(_address_bytes(address)), proof, f"account {address}")
    if leaf == b"":
        return ProvenAccount(0, 0, _EMPTY_TRIE_ROOT, _EMPTY_CODE_HASH)
    try:
        nonce, balance, storage_root, code_hash = rlp.decode(leaf)
        return ProvenAccount(
            nonce=_rlp_int(nonce),
            balance=_rlp_int(balance),
            storage_root=_hash32(storage_root),
            code_hash=_hash32(code_hash),
        )
    except (rlp.exceptions.DecodingError, ValueError, TypeError) as error:
        raise LedgerProofError(
            f"the proven leaf of account {address} is no account: {error}"
        ) from error


def verify_storage_proof(storage_root: bytes, slot: int, proof: Sequence[bytes]) -> int:
    """The word in storage slot ``slot`` of the storage trie ``storage_root`` (0 if absent).

    Raises:
        LedgerProofError: the proof does not lead from ``storage_root`` to the slot's leaf (or
            to its absence), or the leaf is not a storage word.
    """
    leaf = _proven(storage_root, keccak(slot.to_bytes(32, "big")), proof, f"slot {slot:#x}")
    if leaf == b"":
        return 0
    try:
        value = rlp.decode(leaf)
        if not isinstance(value, bytes) or len(value) > 32 or value[:1] == b"\0":
            raise ValueError("not a canonical word of at most 32 bytes")
        return int.from_bytes(value, "big")
    except (rlp.exceptions.DecodingError, ValueError) as error:
        raise LedgerProofError(
            f"the proven leaf of slot {slot:#x} is no storage word: {error}"
        ) from error


def verify_proof_answer(
    answer: Any, address: str, slots: Sequence[int], state_root: bytes
) -> dict[int, int]:
    """The words of ``slots`` of ``address`` that a node's ``eth_getProof`` answer proves
    against ``state_root``, by slot.

    The node's own claims (its ``storageHash``, each ``value``) must equal what the proofs
    prove: an answer that says one thing and proves another is a lie, not a rounding matter.

    Raises:
        LedgerProofError: the answer is malformed, is about another account or other slots, or
            a proof or claim does not hold against ``state_root``.
    """
    try:
        if not isinstance(answer, Mapping):
            raise TypeError("the answer is not an object")
        if str(answer["address"]).lower() != address.lower():
            raise LedgerProofError(f"the proof is about {answer['address']}, not {address}")
        account = verify_account_proof(state_root, address, _nodes(answer["accountProof"]))
        if _hash32(_hex_bytes(answer["storageHash"])) != account.storage_root:
            raise LedgerProofError(
                f"the answer claims storage root {answer['storageHash']} for {address}, but its "
                f"account proof proves 0x{account.storage_root.hex()}"
            )
        entries = list(answer["storageProof"])
        if len(entries) != len(slots):
            raise LedgerProofError(f"{len(entries)} storage proofs for {len(slots)} slots")
        words: dict[int, int] = {}
        for slot, entry in zip(slots, entries, strict=True):
            if int(str(entry["key"]), 16) != slot:
                raise LedgerProofError(f"a storage proof is about {entry['key']}, not {slot:#x}")
            word = verify_storage_proof(account.storage_root, slot, _nodes(entry["proof"]))
            if int(str(entry["value"]), 16) != word:
                raise LedgerProofError(
                    f"the answer claims {entry['value']} in slot {slot:#x}, but its proof "
                    f"proves {word:#x}"
                )
            words[slot] = word
        return words
    except (KeyError, TypeError, ValueError) as error:
        raise LedgerProofError(f"malformed eth_getProof answer: {error!r}") from error


# --- internals --------------------------------------------------------------------------------


def _proven(root: bytes, key: bytes, proof: Sequence[bytes], what: str) -> bytes:
    """The value the proof shows at ``key`` under ``root`` (b"" for a proven absence)."""
    try:
        nodes = [rlp.decode(node) for node in proof]
        value = HexaryTrie.get_from_proof(root, key, nodes)  # type: ignore[no-untyped-call]
    except BadTrieProof as error:
        raise LedgerProofError(
            f"the proof of {what} does not hold against root 0x{root.hex()}: {error}"
        ) from error
    except (*_MALFORMED, rlp.exceptions.RLPException, ValueError, TypeError, IndexError) as error:
        raise LedgerProofError(f"the proof of {what} is malformed: {error!r}") from error
    if not isinstance(value, bytes):
        raise LedgerProofError(f"the proof of {what} does not end in a value")
    return value


def _nodes(items: Any) -> list[bytes]:
    if not isinstance(items, list):
        raise TypeError("a proof must be a list of 0x-hex nodes")
    return [_hex_bytes(item) for item in items]


def _hex_bytes(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"expected 0x-hex, got {value!r:.80}")
    return bytes.fromhex(value[2:])


def _hash32(value: Any) -> bytes:
    if not isinstance(value, bytes) or len(value) != 32:
        raise ValueError(f"expected a 32-byte hash, got {value!r:.80}")
    return value


def _rlp_int(value: Any) -> int:
    if not isinstance(value, bytes) or value[:1] == b"\0":
        raise ValueError("not a canonical RLP integer")
    return int.from_bytes(value, "big")


def _address_bytes(address: str) -> bytes:
    raw = _hex_bytes(address)
    if len(raw) != 20:
        raise ValueError(f"{address!r} is not a 20-byte address")
    return raw
