"""Storage slots derived from the compiler's layout hold what the contract's views answer.

Each deciding value (an anchor, a status, a signing key with its public key bytes, a province
record with its endpoint) is read three ways on the real chain: the view function, raw
``eth_getStorageAt`` of the derived slots, and ``eth_getProof`` of the same slots checked
against the block's state root. All three must agree.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from chain_helpers import ScriptedRpc
from eth_utils.crypto import keccak
from web3 import Web3

from certificate.signing import SigningKey
from certificate.types import SignatureAlgorithm
from ledger.artifact import load_artifact
from ledger.chain import RpcClient
from ledger.contract import HurenLedgerClient
from ledger.devnet import DEV_PROVINCES, deploy_dev_ledger
from ledger.exceptions import LedgerAnswerError, LedgerArtifactError, LedgerValueError
from ledger.finality import read_block
from ledger.ledger_storage import LedgerStorage, StorageRead
from ledger.proven_reads import read_proven
from ledger.sender import TransactionSender
from ledger.storage_layout import Location, StorageLayout
from ledger.types import CertificateState

SHANGHAI = 310000
STORAGE = LedgerStorage.of(load_artifact("HurenLedger"))


def _raw_words(rpc: RpcClient, address: str, read: StorageRead[Any], block: int) -> Any:
    """The read decoded from plain ``eth_getStorageAt`` answers (both rounds)."""

    def fetch(slots: tuple[int, ...]) -> dict[int, int]:
        answers = rpc.batch(
            [("eth_getStorageAt", [address, hex(slot), hex(block)]) for slot in slots]
        )
        return {slot: int(answer, 16) for slot, answer in zip(slots, answers, strict=True)}

    words = fetch(read.slots)
    words.update(fetch(read.more(words)))
    return read.decode(words)


def _three_ways(rpc: RpcClient, address: str, read: StorageRead[Any]) -> tuple[Any, Any]:
    block = read_block(rpc, int(rpc.call("eth_blockNumber"), 16))
    raw = _raw_words(rpc, address, read, block.number)
    proven = read_proven(rpc, address, [read], block)
    assert proven.values == (raw,)
    return raw, block


def test_anchor_and_status_slots(
    ledger_client: Callable[[int], HurenLedgerClient], rpc: RpcClient
) -> None:
    client = ledger_client(SHANGHAI)
    root, digest = os.urandom(32), os.urandom(32)
    client.anchor(root, 7)
    client.revoke(digest, root, 6)
    anchor, block = _three_ways(rpc, client.address, STORAGE.anchor(root))
    assert anchor == client.anchor_of(root, block=block.number)
    assert anchor.count == 7 and anchor.province == SHANGHAI

    status, block = _three_ways(rpc, client.address, STORAGE.status(SHANGHAI, digest))
    assert status == client.status_of(SHANGHAI, digest, block=block.number)
    assert status.state is CertificateState.REVOKED and status.reason == 6
    assert status.changes == 1

    never, _ = _three_ways(rpc, client.address, STORAGE.anchor(os.urandom(32)))
    assert never is None
    untouched, _ = _three_ways(rpc, client.address, STORAGE.status(SHANGHAI, os.urandom(32)))
    assert untouched.state is CertificateState.ACTIVE and untouched.changes == 0


@pytest.mark.parametrize(
    "algorithm", [SignatureAlgorithm.ED25519, SignatureAlgorithm.ECDSA_P256_SHA256]
)
def test_signing_key_slots_hold_the_public_key(
    ledger_client: Callable[[int], HurenLedgerClient],
    rpc: RpcClient,
    algorithm: SignatureAlgorithm,
) -> None:
    client = ledger_client(SHANGHAI)
    key = SigningKey.generate(algorithm)
    key_id = client.register_key(key.spki_der, int(algorithm))
    client.retire_key(key_id)
    record, block = _three_ways(rpc, client.address, STORAGE.signing_key(key_id))
    assert record == client.signing_key(key_id, block=block.number)
    assert record.public_key == key.spki_der  # 44 or 91 bytes: long bytes, data slots
    assert record.valid_until is not None
    unknown, _ = _three_ways(rpc, client.address, STORAGE.signing_key(os.urandom(32)))
    assert unknown is None


@pytest.mark.parametrize("endpoint", ["", "http://short.example", "https://" + "长" * 40 + ".cn/x"])
def test_province_slots_short_and_long_endpoints(w3: Web3, rpc: RpcClient, endpoint: str) -> None:
    deployment = deploy_dev_ledger(w3)
    shanghai = DEV_PROVINCES[0]
    client = HurenLedgerClient(
        w3, deployment.address, TransactionSender(w3, shanghai.account.private_key)
    )
    client.set_endpoint(endpoint)
    record, block = _three_ways(rpc, deployment.address, STORAGE.province(SHANGHAI))
    assert record == client.province(SHANGHAI, block=block.number)
    assert record.endpoint == endpoint and record.member
    assert record.account == shanghai.account.address
    never, _ = _three_ways(rpc, deployment.address, STORAGE.province(820000))
    assert never is None


def test_layout_refuses_what_it_does_not_have() -> None:
    layout = StorageLayout.of(load_artifact("HurenLedger"))
    with pytest.raises(LedgerValueError):
        layout.variable("_nothing")
    anchors = layout.variable("_anchors")
    with pytest.raises(LedgerValueError):
        layout.entry(anchors, b"short")  # a bytes32 key must be 32 bytes
    with pytest.raises(LedgerValueError):
        layout.entry(layout.variable("_provinces"), -1)
    with pytest.raises(LedgerValueError):
        layout.member(layout.entry(anchors, bytes(32)), "missing")
    with pytest.raises(LedgerValueError):
        layout.entry(layout.variable("_anchorCount"), 1)  # not a mapping
    with pytest.raises(LedgerArtifactError):
        StorageLayout({"storage": [{"label": "x"}], "types": {}})


def test_a_malformed_bytes_head_does_not_decode() -> None:
    read = STORAGE.signing_key(bytes(32))
    head = read.slots[1]
    words = {slot: 0 for slot in read.slots}
    words[read.slots[0]] = 1 << 48  # validFrom set: a record
    words[head] = 2 * 40  # "short" yet 40 bytes long
    with pytest.raises(LedgerAnswerError):
        read.decode(words)
    words[head] = 2 * 44 + 1  # long, but its data words are missing
    with pytest.raises(LedgerAnswerError):
        read.decode(words)


def test_mapping_slots_follow_solidity_rules() -> None:
    """The documented rule, by hand: keccak256(pad(key) ‖ slot), nested for nested mappings."""
    layout = StorageLayout.of(load_artifact("HurenLedger"))
    statuses = layout.variable("_statuses")
    digest = bytes(range(32))
    outer = keccak(SHANGHAI.to_bytes(32, "big") + statuses.slot.to_bytes(32, "big"))
    inner = keccak(digest + outer)
    assert layout.entry(layout.entry(statuses, SHANGHAI), digest) == Location(
        int.from_bytes(inner, "big"), 0, layout.entry(layout.entry(statuses, 1), digest).type
    )


def test_usual_values_take_one_round_trip(
    ledger_client: Callable[[int], HurenLedgerClient],
    scripted_rpc: Callable[..., ScriptedRpc],
    w3: Web3,
) -> None:
    """Public keys and short endpoints come with the first eth_getProof; a longer endpoint
    needs a second."""
    key = SigningKey.generate(SignatureAlgorithm.ECDSA_P256_SHA256)
    key_id = ledger_client(SHANGHAI).register_key(key.spki_der, 2)
    address = ledger_client(SHANGHAI).address
    rpc = scripted_rpc()
    block = read_block(rpc, int(rpc.call("eth_blockNumber"), 16))
    rpc.calls.clear()
    usual = [STORAGE.signing_key(key_id), STORAGE.province(SHANGHAI), STORAGE.anchor(bytes(32))]
    proven = read_proven(rpc, address, usual, block)
    assert rpc.calls == ["eth_getProof"]
    assert proven.values[0].public_key == key.spki_der

    deployment = deploy_dev_ledger(w3)
    HurenLedgerClient(
        w3, deployment.address, TransactionSender(w3, DEV_PROVINCES[0].account.private_key)
    ).set_endpoint("https://" + "x" * 120 + ".example")
    block = read_block(rpc, int(rpc.call("eth_blockNumber"), 16))
    rpc.calls.clear()
    (long,) = read_proven(rpc, deployment.address, [STORAGE.province(SHANGHAI)], block).values
    assert rpc.calls == ["eth_getProof", "eth_getProof"]
    assert long.endpoint.endswith("x.example")
