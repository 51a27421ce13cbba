"""State proofs from anvil's ``eth_getProof`` hold against the block's state root, and nothing
else does: a changed node, a changed value, another root, another slot are all refused."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

import pytest

from ledger.artifact import load_artifact
from ledger.chain import RpcClient
from ledger.contract import HurenLedgerClient
from ledger.exceptions import LedgerError, LedgerProofError
from ledger.finality import read_block
from ledger.ledger_storage import LedgerStorage
from ledger.state_proof import (
    proof_request,
    verify_account_proof,
    verify_proof_answer,
    verify_storage_proof,
)
from ledger.types import BlockRef

SHANGHAI = 310000
STORAGE = LedgerStorage.of(load_artifact("HurenLedger"))


def _flip(hex_node: str, at: int) -> str:
    raw = bytearray(bytes.fromhex(hex_node[2:]))
    raw[at % len(raw)] ^= 0x01
    return "0x" + raw.hex()


@pytest.fixture
def proven(
    ledger_client: Callable[[int], HurenLedgerClient], rpc: RpcClient
) -> tuple[str, list[int], BlockRef, dict[str, Any]]:
    """A revoked certificate's status slot and an untouched one's, with their proof answer."""
    client = ledger_client(SHANGHAI)
    root, digest = os.urandom(32), os.urandom(32)
    client.anchor(root, 1)
    client.revoke(digest, root, 1)
    slots = [
        STORAGE.status(SHANGHAI, digest).slots[0],
        STORAGE.status(SHANGHAI, os.urandom(32)).slots[0],
    ]
    block = read_block(rpc, int(rpc.call("eth_blockNumber"), 16))
    answer = rpc.call(*proof_request(client.address, slots, block.number))
    return client.address, slots, block, answer


def test_a_true_answer_is_proven(
    proven: tuple[str, list[int], BlockRef, dict[str, Any]], rpc: RpcClient
) -> None:
    address, slots, block, answer = proven
    words = verify_proof_answer(answer, address, slots, block.state_root)
    for slot in slots:
        assert words[slot] == int(rpc.call("eth_getStorageAt", [address, hex(slot), "latest"]), 16)
    assert words[slots[0]] != 0  # revoked: a status word
    assert words[slots[1]] == 0  # never changed: proven absent


def test_the_account_and_a_slot_alone(proven: tuple[str, list[int], BlockRef, Any]) -> None:
    address, slots, block, answer = proven
    nodes = [bytes.fromhex(n[2:]) for n in answer["accountProof"]]
    account = verify_account_proof(block.state_root, address, nodes)
    assert "0x" + account.storage_root.hex() == answer["storageHash"]
    assert account.code_hash != bytes(32)
    storage = [bytes.fromhex(n[2:]) for n in answer["storageProof"][0]["proof"]]
    assert verify_storage_proof(account.storage_root, slots[0], storage) == int(
        answer["storageProof"][0]["value"], 16
    )


def _tampered(answer: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copied = copy.deepcopy(answer)
    change(copied)
    return copied


TAMPERINGS: dict[str, Callable[[dict[str, Any]], None]] = {
    "a storage node changed": lambda a: a["storageProof"][0]["proof"].__setitem__(
        -1, _flip(a["storageProof"][0]["proof"][-1], 40)
    ),
    "an account node changed": lambda a: a["accountProof"].__setitem__(
        0, _flip(a["accountProof"][0], 7)
    ),
    "a storage node dropped": lambda a: a["storageProof"][0]["proof"].pop(0),
    "the value claimed differs": lambda a: a["storageProof"][0].__setitem__("value", "0x0"),
    "an absent slot claimed set": lambda a: a["storageProof"][1].__setitem__("value", "0x1"),
    "the storage root claimed differs": lambda a: a.__setitem__("storageHash", "0x" + "11" * 32),
    "the proofs swapped": lambda a: a["storageProof"].reverse(),
    "another account": lambda a: a.__setitem__("address", "0x" + "22" * 20),
    "a proof missing": lambda a: a["storageProof"].pop(),
    "not hex": lambda a: a["accountProof"].__setitem__(0, "zz"),
    "not a list": lambda a: a.__setitem__("accountProof", "0x00"),
}


@pytest.mark.parametrize("tampering", sorted(TAMPERINGS))
def test_a_tampered_answer_is_refused(
    proven: tuple[str, list[int], BlockRef, dict[str, Any]], tampering: str
) -> None:
    address, slots, block, answer = proven
    with pytest.raises(LedgerProofError) as caught:
        verify_proof_answer(
            _tampered(answer, TAMPERINGS[tampering]), address, slots, block.state_root
        )
    assert isinstance(caught.value, LedgerError)


def test_a_leaf_rewritten_to_lie_is_refused(
    proven: tuple[str, list[int], BlockRef, dict[str, Any]],
) -> None:
    """A node that rewrites the status leaf to "never changed" and claims that value: the leaf's
    hash no longer matches its parent."""
    import rlp

    address, slots, block, answer = proven

    def lie(a: dict[str, Any]) -> None:
        entry = a["storageProof"][0]
        leaf = rlp.decode(bytes.fromhex(entry["proof"][-1][2:]))
        leaf[-1] = rlp.encode(b"\x01")  # any other word
        entry["proof"][-1] = "0x" + rlp.encode(leaf).hex()
        entry["value"] = "0x1"

    with pytest.raises(LedgerProofError):
        verify_proof_answer(_tampered(answer, lie), address, slots, block.state_root)


def test_another_root_is_refused(
    proven: tuple[str, list[int], BlockRef, dict[str, Any]],
    ledger_client: Callable[[int], HurenLedgerClient],
    rpc: RpcClient,
) -> None:
    address, slots, _, answer = proven
    ledger_client(SHANGHAI).anchor(os.urandom(32), 1)  # the state moves on
    later = read_block(rpc, int(rpc.call("eth_blockNumber"), 16))
    with pytest.raises(LedgerProofError, match="does not hold against root"):
        verify_proof_answer(answer, address, slots, later.state_root)
    with pytest.raises(LedgerProofError):
        verify_proof_answer(None, address, slots, later.state_root)
