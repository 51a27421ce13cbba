"""Province nodes as witnesses, on a real chain: they sign checkpoints of it, cosign each other's
after checking them against their own endpoint, refuse what their chain contradicts or has not
finalised (keeping the evidence), and answer hostile requests with a 4xx, never a 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from witness_nodes import JIANGSU, SHANGHAI, ZHEJIANG, WitnessLedger, WitnessNode, witness_nodes

from certificate.signing import SigningKey
from ledger.anvil import LocalChain
from ledger.chain import connect
from ledger.types import Hash32, ProposalKind
from ledger.witness import (
    Checkpoint,
    SignedCheckpoint,
    sign_checkpoint,
)
from ledger.witness_api import (
    CheckpointModel,
    CheckpointPage,
    ConflictPage,
    CosignatureModel,
    SignedCheckpointModel,
    WitnessClient,
)

JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 1500 + b"]" * 1500
"""Arrays nested far deeper than any JSON body is read, small enough to pass the size limit."""


@pytest.fixture(scope="module")
def ledger(
    tmp_path_factory: pytest.TempPathFactory, local_chain: LocalChain
) -> Iterator[WitnessLedger]:
    """The three provinces' nodes on a ledger of their own, all on the honest chain."""
    with witness_nodes(tmp_path_factory.mktemp("witness"), local_chain) as ledger:
        yield ledger


def _signed(answer: Any) -> SignedCheckpoint:
    return SignedCheckpointModel.model_validate(answer).to_signed()


def _head(ledger: WitnessLedger) -> Checkpoint:
    """The chain's newest block as a checkpoint of the ledger, read directly."""
    head = ledger.w3.eth.get_block("latest")
    return Checkpoint(
        chain_id=ledger.deployment.chain_id,
        contract=ledger.w3.to_checksum_address(ledger.deployment.address),
        block_number=int(head["number"]),
        block_hash=Hash32(bytes(head["hash"])),
        state_root=Hash32(bytes(head["stateRoot"])),
        block_time=int(head["timestamp"]),
    )


def _request(node: WitnessNode, checkpoint: Checkpoint, key: SigningKey | None = None) -> Any:
    """A cosign request for ``checkpoint``, signed by ``node``'s province with ``key``
    (default: the node's active key)."""
    signature = sign_checkpoint(checkpoint, node.code, key or node.node.keys.active)
    return {
        "checkpoint": CheckpointModel.of(checkpoint).model_dump(),
        "signature": CosignatureModel.of(signature).model_dump(),
    }


def _mine(ledger: WitnessLedger, blocks: int = 1) -> None:
    ledger.w3.provider.make_request("anvil_mine", [hex(blocks)])  # type: ignore[arg-type]


@contextmanager
def mining(chain: LocalChain) -> Iterator[None]:
    """A block every 50 ms while the block lasts (anvil mines only on transactions)."""
    w3 = connect(chain.url)
    stop = threading.Event()

    def mine() -> None:
        while not stop.wait(0.05):
            w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    thread = threading.Thread(target=mine, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def test_three_provinces_cosign_each_others_checkpoints(ledger: WitnessLedger) -> None:
    zhejiang = ledger.nodes[ZHEJIANG]
    _mine(ledger)
    head = _head(ledger)
    signed = zhejiang.node.witness.run_once()
    assert signed is not None and signed.checkpoint == head
    assert [s.province for s in signed.signatures] == [SHANGHAI, JIANGSU, ZHEJIANG]

    latest = zhejiang.get("/witness/checkpoints/latest")
    assert latest.status_code == 200 and _signed(latest.json()) == signed
    assert WitnessClient().latest(zhejiang.url) == signed
    pool = ledger.pool()
    assert pool.add(signed) == []
    assert pool.newest(3).checkpoint == head
    for code in (SHANGHAI, JIANGSU):  # each peer keeps what it cosigned, with both signatures
        theirs = _signed(ledger.nodes[code].get(f"/witness/checkpoints/{head.block_number}").json())
        assert theirs.checkpoint == head
        assert {s.province for s in theirs.signatures} == {code, ZHEJIANG}
    assert zhejiang.node.witness.run_once() == signed  # nothing new to sign or to ask


def test_checkpoints_are_served_in_pages(ledger: WitnessLedger) -> None:
    shanghai = ledger.nodes[SHANGHAI]
    made = []
    for _ in range(3):
        _mine(ledger)
        signed = shanghai.node.witness.run_once()
        assert signed is not None
        made.append(signed.checkpoint.block_number)
    after, seen = made[0] - 1, []
    while after is not None:
        page = CheckpointPage.model_validate(
            shanghai.get("/witness/checkpoints", params={"after": after, "limit": 2}).json()
        )
        assert len(page.items) <= 2
        seen += [item.checkpoint.block_number for item in page.items]
        after = page.next_after
    assert seen[: len(made)] == made and seen == sorted(seen)
    missing = shanghai.get("/witness/checkpoints/1")
    assert (missing.status_code, missing.json()["error"]) == (404, "no_checkpoint")


def test_a_checkpoint_the_peers_chain_contradicts_is_refused_with_its_signed_view(
    ledger: WitnessLedger,
) -> None:
    """Zhejiang's key signs a block hash Jiangsu's chain does not hold: Jiangsu refuses with its
    own signed view (evidence for Zhejiang) and keeps Zhejiang's signed claim (evidence for it)."""
    zhejiang, jiangsu = ledger.nodes[ZHEJIANG], ledger.nodes[JIANGSU]
    true = _head(ledger)
    claimed = replace(true, block_hash=Hash32(b"\x0b" * 32))
    answer = jiangsu.post("/witness/cosign", json=_request(zhejiang, claimed))
    assert (answer.status_code, answer.json()["error"]) == (409, "witness_mismatch")
    view = _signed(answer.json()["detail"])
    assert view.checkpoint == true
    pool = ledger.pool()
    assert pool.add(view) == []
    assert JIANGSU in pool.newest(1).provinces  # with any signatures it holds for it

    page = ConflictPage.model_validate(jiangsu.get("/witness/conflicts").json())
    (conflict,) = [c for c in page.items if c.claimed.checkpoint.block_hash == "0x" + "0b" * 32]
    assert conflict.claimed.to_signed().checkpoint == claimed
    assert conflict.ours is not None and conflict.ours.to_signed().checkpoint == true
    pool.add(conflict.claimed.to_signed())  # Zhejiang's signature over its claim counts ...
    (fork,) = pool.conflicts()  # ... so the pool holds a conflict at that height
    assert fork.block_number == true.block_number
    again = jiangsu.post("/witness/cosign", json=_request(zhejiang, claimed))
    assert again.status_code == 409
    recorded = ConflictPage.model_validate(jiangsu.get("/witness/conflicts").json()).items
    assert len(recorded) == len(page.items)  # the same claim is kept once


def test_hostile_cosign_requests_are_refused_with_4xx(ledger: WitnessLedger) -> None:
    zhejiang, shanghai, jiangsu = (ledger.nodes[c] for c in (ZHEJIANG, SHANGHAI, JIANGSU))
    head = _head(ledger)
    good = _request(zhejiang, head)
    tampered = _request(zhejiang, head)
    tampered["signature"]["signature"] = "0x" + "00" * 64
    stranger = _request(zhejiang, head, SigningKey.generate())
    relabelled = _request(zhejiang, head)
    relabelled["signature"]["province"] = SHANGHAI
    other_ledger = _request(zhejiang, replace(head, chain_id=head.chain_id + 1))
    future = _request(zhejiang, replace(head, block_number=head.block_number + 1000))
    huge = {**good, "checkpoint": {**good["checkpoint"], "block_number": 2**64}}
    text_number = {**good, "checkpoint": {**good["checkpoint"], "block_number": "12"}}
    nested = {**good, "checkpoint": {**good["checkpoint"], "extra": [[[[]]]]}}
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"json": {"checkpoint": good["checkpoint"]}}, 422, "invalid_input"),
        ({"json": tampered}, 401, "witness_bad_signature"),
        ({"json": stranger}, 401, "witness_unknown_key"),
        ({"json": relabelled}, 401, "witness_other_province"),
        ({"json": other_ledger}, 409, "witness_other_ledger"),
        ({"json": future}, 425, "witness_not_final"),
        ({"json": huge}, 422, "invalid_input"),
        ({"json": text_number}, 422, "invalid_input"),
        ({"json": nested}, 422, "invalid_input"),
        ({"content": DEEP}, 422, "json_too_deep"),
        ({"content": b'{"checkpoint": ' + b"9" * 2000 + b"}"}, 422, "number_too_long"),
        ({"content": b'{"checkpoint": "\x00"}'}, 422, "malformed_json"),
        ({"content": b"[" * 100_000 + b"]" * 100_000}, 413, "body_too_large"),
        ({"content": b"not json", "headers": JSON}, 422, "malformed_json"),
    ]
    for options, status, code in cases:
        answer = jiangsu.post("/witness/cosign", **options)
        assert (answer.status_code, answer.json()["error"]) == (status, code), options
    accepted = shanghai.post("/witness/cosign", json=good)
    assert accepted.status_code == 200, accepted.text
    assert CosignatureModel.model_validate(accepted.json()).province == SHANGHAI


def test_hostile_checkpoint_reads_are_refused_with_4xx(ledger: WitnessLedger) -> None:
    node = ledger.nodes[JIANGSU]
    for path in (
        f"/witness/checkpoints/{2**64}",
        "/witness/checkpoints/-1",
        "/witness/checkpoints/%00",
        "/witness/checkpoints/1e3",
        "/witness/checkpoints?limit=0",
        "/witness/checkpoints?limit=101",
        "/witness/checkpoints?after=%00",
        f"/witness/checkpoints?after={2**63}",
        "/witness/conflicts?after=-1",
        "/witness/conflicts?limit=abc",
    ):
        answer = node.get(path)
        assert (answer.status_code, answer.json()["error"]) == (422, "invalid_input"), path


def test_a_revoked_key_is_no_witness(ledger: WitnessLedger) -> None:
    """Shanghai registers a second key, then revokes it as compromised: a checkpoint signed
    with it is refused, whatever the block's time."""
    writer = ledger.writer(SHANGHAI)
    key = SigningKey.generate()
    writer.register_key(key.spki_der, int(key.algorithm))
    _mine(ledger)
    head = _head(ledger)
    shanghai, jiangsu = ledger.nodes[SHANGHAI], ledger.nodes[JIANGSU]
    before = jiangsu.post("/witness/cosign", json=_request(shanghai, head, key))
    assert before.status_code == 200, before.text
    writer.revoke_key(key.key_id, int(time.time()))
    after = jiangsu.post("/witness/cosign", json=_request(shanghai, head, key))
    assert (after.status_code, after.json()["error"]) == (401, "witness_key_revoked")


def test_a_block_from_before_a_rotation_is_cosigned_with_the_key_valid_then(
    ledger: WitnessLedger,
) -> None:
    """Zhejiang rotates its key after a block; asked to cosign that block, it signs with the
    retired key, whose window contains the block's time (the new key's does not)."""
    shanghai, zhejiang = ledger.nodes[SHANGHAI], ledger.nodes[ZHEJIANG]
    _mine(ledger)
    before = _head(ledger)
    old = zhejiang.node.keys.active
    time.sleep(1.1)  # the new key is registered in a later second than the block's
    zhejiang.node.keys.rotate(zhejiang.node.chain, zhejiang.node.batcher.flush)
    assert zhejiang.node.keys.active.key_id != old.key_id
    answer = zhejiang.post("/witness/cosign", json=_request(shanghai, before))
    assert answer.status_code == 200, answer.text
    signature = CosignatureModel.model_validate(answer.json()).to_cosignature()
    assert signature.key_id == old.key_id
    pool = ledger.pool()
    assert pool.add(SignedCheckpoint(before, (signature,))) == []


def test_a_peer_asks_again_for_a_block_final_on_the_peers_chain(
    tmp_path: Path, local_chain: LocalChain
) -> None:
    """Jiangsu waits for 3 confirmations: it refuses Zhejiang's newest checkpoint (425) and is
    then asked for Zhejiang's newest checkpoint that is final for it."""
    with ExitStack() as stack:
        with mining(local_chain):  # Jiangsu registers its key only once 3 blocks are on top
            ledger = stack.enter_context(
                witness_nodes(tmp_path, local_chain, confirmations={JIANGSU: 3})
            )
        witness = ledger.nodes[ZHEJIANG].node.witness
        first = witness.run_once()
        assert first is not None
        assert [s.province for s in first.signatures] == [SHANGHAI, ZHEJIANG]
        _mine(ledger, 3)
        newest = witness.run_once()
        assert newest is not None and [s.province for s in newest.signatures] == [
            SHANGHAI,
            ZHEJIANG,
        ]
        older = witness.store.at(first.checkpoint.block_number)
        assert older is not None
        assert [s.province for s in older.signatures] == [SHANGHAI, JIANGSU, ZHEJIANG]


def test_a_removed_member_is_no_witness(tmp_path: Path, local_chain: LocalChain) -> None:
    with witness_nodes(tmp_path, local_chain) as ledger:
        shanghai, jiangsu = ledger.nodes[SHANGHAI], ledger.nodes[JIANGSU]
        assert WitnessClient().latest(jiangsu.url) is None  # nothing witnessed yet
        proposal = ledger.writer(JIANGSU).propose(ProposalKind.REMOVE_MEMBER, code=SHANGHAI)
        ledger.writer(ZHEJIANG).approve(proposal)
        answer = jiangsu.post("/witness/cosign", json=_request(shanghai, _head(ledger)))
        assert (answer.status_code, answer.json()["error"]) == (403, "witness_not_member")
        signed = ledger.nodes[ZHEJIANG].node.witness.run_once()  # asks Jiangsu only
        assert signed is not None
        assert [s.province for s in signed.signatures] == [JIANGSU, ZHEJIANG]
