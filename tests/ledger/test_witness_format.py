"""Witness checkpoints: the signed bytes, when a cosignature counts, and choosing a checkpoint."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from pydantic import ValidationError
from web3 import Web3

from certificate.signing import SigningKey, verify_labelled_signature
from certificate.types import SignatureAlgorithm
from ledger.chain import RpcClient
from ledger.deploy import Deployment
from ledger.exceptions import (
    LedgerAnswerError,
    LedgerValueError,
    WitnessConflictError,
    WitnessFormatError,
    WitnessQuorumError,
    WitnessSignatureError,
)
from ledger.types import Hash32, SigningKeyRecord
from ledger.witness import (
    CHECKPOINT_LABEL,
    STATEMENT_SIZE,
    Checkpoint,
    CheckpointPool,
    Cosignature,
    SignedCheckpoint,
    WitnessRejection,
    decode_statement,
    read_checkpoints,
    sign_checkpoint,
    verify_cosignature,
)
from ledger.witness_api import CheckpointModel, CosignatureModel, CosignRequest

CONTRACT = Web3.to_checksum_address("0x" + "5f" * 20)
CHECKPOINT = Checkpoint(
    chain_id=31337,
    contract=CONTRACT,
    block_number=1234,
    block_hash=Hash32(hashlib.sha256(b"block").digest()),
    state_root=Hash32(hashlib.sha256(b"state").digest()),
    block_time=1_700_000_000,
)
SHANGHAI, JIANGSU, ZHEJIANG = 310000, 320000, 330000


def record(key: SigningKey, province: int, **changes: object) -> SigningKeyRecord:
    """The chain's record of ``key``, open since long before the checkpoint."""
    base = SigningKeyRecord(
        key_id=key.key_id,
        province=province,
        algorithm=int(key.algorithm),
        revoked=False,
        valid_from=1_600_000_000,
        valid_until=None,
        public_key=key.spki_der,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_statement_is_fixed_width_and_decodes_back() -> None:
    key_id = bytes(range(32))
    statement = CHECKPOINT.statement(ZHEJIANG, key_id)
    assert len(statement) == STATEMENT_SIZE == 168
    assert statement[:32] == (31337).to_bytes(32, "big")
    assert statement[32:52] == bytes.fromhex("5f" * 20)
    assert statement[52:60] == (1234).to_bytes(8, "big")
    assert statement[60:92] == CHECKPOINT.block_hash
    assert statement[92:124] == CHECKPOINT.state_root
    assert statement[124:132] == (1_700_000_000).to_bytes(8, "big")
    assert statement[132:136] == ZHEJIANG.to_bytes(4, "big")
    assert statement[136:] == key_id
    assert decode_statement(statement) == (CHECKPOINT, ZHEJIANG, key_id)
    with pytest.raises(WitnessFormatError, match="168 bytes"):
        decode_statement(statement + b"\x00")


@pytest.mark.parametrize("algorithm", list(SignatureAlgorithm))
def test_a_signature_signs_the_label_and_the_statement(algorithm: SignatureAlgorithm) -> None:
    key = SigningKey.generate(algorithm)
    cosignature = sign_checkpoint(CHECKPOINT, ZHEJIANG, key)
    assert cosignature.province == ZHEJIANG and cosignature.key_id == key.key_id
    statement = CHECKPOINT.statement(ZHEJIANG, key.key_id)
    verify_labelled_signature(
        key.spki_der, algorithm, CHECKPOINT_LABEL, statement, cosignature.signature
    )
    verify_cosignature(CHECKPOINT, cosignature, record(key, ZHEJIANG))


@pytest.mark.parametrize(
    "change",
    [
        {"chain_id": 1},
        {"contract": Web3.to_checksum_address("0x" + "60" * 20)},
        {"block_number": 1235},
        {"block_hash": Hash32(bytes(32))},
        {"state_root": Hash32(bytes(32))},
        {"block_time": 1_700_000_001},
    ],
)
def test_every_field_is_signed(change: dict[str, object]) -> None:
    key = SigningKey.generate()
    cosignature = sign_checkpoint(CHECKPOINT, ZHEJIANG, key)
    with pytest.raises(WitnessSignatureError) as caught:
        verify_cosignature(replace(CHECKPOINT, **change), cosignature, record(key, ZHEJIANG))  # type: ignore[arg-type]
    assert caught.value.reason == WitnessRejection.BAD_SIGNATURE


def test_a_tampered_signature_does_not_count() -> None:
    key = SigningKey.generate(SignatureAlgorithm.ECDSA_P256_SHA256)
    cosignature = sign_checkpoint(CHECKPOINT, ZHEJIANG, key)
    for position in (0, 40, 63):
        tampered = bytearray(cosignature.signature)
        tampered[position] ^= 0x01
        with pytest.raises(WitnessSignatureError, match="does not verify") as caught:
            verify_cosignature(
                CHECKPOINT, replace(cosignature, signature=bytes(tampered)), record(key, ZHEJIANG)
            )
        assert caught.value.reason == WitnessRejection.BAD_SIGNATURE
    with pytest.raises(WitnessSignatureError, match="64 bytes"):
        verify_cosignature(
            CHECKPOINT, replace(cosignature, signature=b"\x01" * 63), record(key, ZHEJIANG)
        )


def test_a_signature_claimed_for_another_province_does_not_count() -> None:
    """The province is signed: Zhejiang's signature relabelled as Jiangsu's fails either way."""
    key = SigningKey.generate()
    cosignature = sign_checkpoint(CHECKPOINT, ZHEJIANG, key)
    relabelled = replace(cosignature, province=JIANGSU)
    with pytest.raises(WitnessSignatureError) as caught:
        verify_cosignature(CHECKPOINT, relabelled, record(key, ZHEJIANG))
    assert caught.value.reason == WitnessRejection.OTHER_PROVINCE
    with pytest.raises(WitnessSignatureError) as caught:
        verify_cosignature(CHECKPOINT, relabelled, record(key, JIANGSU))
    assert caught.value.reason == WitnessRejection.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"revoked": True, "valid_until": 1_800_000_000}, WitnessRejection.KEY_REVOKED),
        ({"valid_from": 1_700_000_001}, WitnessRejection.OUTSIDE_WINDOW),
        ({"valid_until": 1_700_000_000}, WitnessRejection.OUTSIDE_WINDOW),
        ({"public_key": SigningKey.generate().spki_der}, WitnessRejection.UNKNOWN_KEY),
        ({"key_id": bytes(32)}, WitnessRejection.UNKNOWN_KEY),
    ],
)
def test_the_key_must_be_valid_on_chain(
    changes: dict[str, object], reason: WitnessRejection
) -> None:
    """Revoked (whatever its window), outside its window at the block's time, or a record that
    is not this key's."""
    key = SigningKey.generate()
    cosignature = sign_checkpoint(CHECKPOINT, ZHEJIANG, key)
    with pytest.raises(WitnessSignatureError) as caught:
        verify_cosignature(CHECKPOINT, cosignature, record(key, ZHEJIANG, **changes))
    assert caught.value.reason == reason


def test_an_unknown_key_does_not_count() -> None:
    cosignature = sign_checkpoint(CHECKPOINT, ZHEJIANG, SigningKey.generate())
    with pytest.raises(WitnessSignatureError, match="no key") as caught:
        verify_cosignature(CHECKPOINT, cosignature, None)
    assert caught.value.reason == WitnessRejection.UNKNOWN_KEY


@pytest.mark.parametrize(
    "change",
    [
        {"chain_id": 0},
        {"chain_id": 2**256},
        {"block_number": -1},
        {"block_number": 2**63},
        {"block_time": True},
        {"block_hash": b"\x00" * 31},
        {"state_root": "00" * 32},
        {"contract": CONTRACT.lower()},
    ],
)
def test_a_malformed_checkpoint_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(WitnessFormatError):
        replace(CHECKPOINT, **change)  # type: ignore[arg-type]


class Witnesses:
    """Three provinces' keys and the chain's records of them, with a count of lookups."""

    def __init__(self) -> None:
        self.keys = {code: SigningKey.generate() for code in (SHANGHAI, JIANGSU, ZHEJIANG)}
        self.records = {k.key_id: record(k, code) for code, k in self.keys.items()}
        self.lookups: list[bytes] = []

    def lookup(self, key_id: bytes) -> SigningKeyRecord | None:
        self.lookups.append(key_id)
        return self.records.get(key_id)

    def signed(self, checkpoint: Checkpoint, *codes: int) -> SignedCheckpoint:
        return SignedCheckpoint(
            checkpoint, tuple(sign_checkpoint(checkpoint, c, self.keys[c]) for c in codes)
        )

    def pool(self, **options: object) -> CheckpointPool:
        return CheckpointPool((31337, CONTRACT), self.lookup, **options)  # type: ignore[arg-type]


def test_the_newest_checkpoint_with_a_quorum_of_provinces_is_chosen() -> None:
    """Signatures of one checkpoint from several sources add up; each key is looked up once."""
    w = Witnesses()
    newer = replace(CHECKPOINT, block_number=1300, block_hash=Hash32(b"\x13" * 32))
    pool = w.pool()
    for signed in (
        w.signed(CHECKPOINT, SHANGHAI, ZHEJIANG),
        w.signed(CHECKPOINT, JIANGSU, ZHEJIANG),
        w.signed(newer, ZHEJIANG, SHANGHAI),
    ):
        assert pool.add(signed) == []
    assert sorted(w.lookups) == sorted(w.records)
    chosen = pool.newest(3)
    assert chosen.checkpoint == CHECKPOINT
    assert chosen.provinces == (SHANGHAI, JIANGSU, ZHEJIANG)
    assert pool.newest(2).checkpoint == newer
    with pytest.raises(WitnessQuorumError, match="the best has 3"):
        pool.newest(4)
    with pytest.raises(LedgerValueError):
        pool.newest(0)


def test_one_province_counts_once_per_checkpoint() -> None:
    """A second key of Zhejiang (after a rotation) adds no second witness."""
    w = Witnesses()
    second = SigningKey.generate(SignatureAlgorithm.ECDSA_P256_SHA256)
    w.records[second.key_id] = record(second, ZHEJIANG)
    pool = w.pool()
    pool.add(w.signed(CHECKPOINT, ZHEJIANG, SHANGHAI))
    pool.add(SignedCheckpoint(CHECKPOINT, (sign_checkpoint(CHECKPOINT, ZHEJIANG, second),)))
    assert pool.newest(2).provinces == (SHANGHAI, ZHEJIANG)
    with pytest.raises(WitnessQuorumError):
        pool.newest(3)


def test_signatures_that_do_not_count_are_returned_with_their_reason() -> None:
    w = Witnesses()
    stranger = SigningKey.generate()
    forged = sign_checkpoint(CHECKPOINT, JIANGSU, stranger)
    tampered = replace(
        sign_checkpoint(CHECKPOINT, SHANGHAI, w.keys[SHANGHAI]), signature=b"\x00" * 64
    )
    other_chain = w.signed(replace(CHECKPOINT, chain_id=1), ZHEJIANG)
    pool = w.pool()
    rejected = pool.add(SignedCheckpoint(CHECKPOINT, (forged, tampered)))
    rejected += pool.add(other_chain)
    assert [r.reason for r in rejected] == [
        WitnessRejection.UNKNOWN_KEY,
        WitnessRejection.BAD_SIGNATURE,
        WitnessRejection.OTHER_LEDGER,
    ]
    assert pool.witnessed() == []


def test_only_pinned_keys_count_when_keys_are_pinned() -> None:
    w = Witnesses()
    pool = w.pool(pinned={w.keys[SHANGHAI].key_id, w.keys[JIANGSU].key_id})
    rejected = pool.add(w.signed(CHECKPOINT, SHANGHAI, JIANGSU, ZHEJIANG))
    assert [(r.cosignature.province, r.reason) for r in rejected] == [
        (ZHEJIANG, WitnessRejection.NOT_PINNED)
    ]
    assert pool.newest(2).provinces == (SHANGHAI, JIANGSU)


def test_validly_signed_checkpoints_that_differ_at_one_height_stop_the_choice() -> None:
    """A fork, or a witness that lies: the reader cannot tell which is the chain."""
    w = Witnesses()
    fork = replace(CHECKPOINT, state_root=Hash32(b"\xee" * 32))
    older = replace(CHECKPOINT, block_number=1000, block_hash=Hash32(b"\x10" * 32))
    pool = w.pool()
    pool.add(w.signed(CHECKPOINT, SHANGHAI, JIANGSU))
    pool.add(w.signed(older, SHANGHAI, JIANGSU, ZHEJIANG))
    assert pool.conflicts() == []
    pool.add(w.signed(fork, ZHEJIANG))
    (conflict,) = pool.conflicts()
    assert conflict.block_number == 1234
    assert {c.checkpoint for c in conflict.checkpoints} == {CHECKPOINT, fork}
    with pytest.raises(WitnessConflictError, match="block 1234") as caught:
        pool.newest(1)
    assert caught.value.conflicts == (conflict,)


def test_checkpoints_read_from_the_chain_are_its_headers(w3: Web3, deployment: Deployment) -> None:
    rpc = RpcClient.for_web3(w3)
    head = w3.eth.block_number
    numbers = [n % (head + 1) for n in range(head, head + 250)]  # three JSON-RPC batches
    checkpoints = read_checkpoints(rpc, deployment.chain_id, deployment.address, numbers)
    assert [c.block_number for c in checkpoints] == numbers
    for checkpoint in checkpoints[:2]:
        header = w3.eth.get_block(checkpoint.block_number)
        assert checkpoint.block_hash == bytes(header["hash"])
        assert checkpoint.state_root == bytes(header["stateRoot"])
        assert checkpoint.block_time == header["timestamp"]
        assert checkpoint.contract == Web3.to_checksum_address(deployment.address)
    with pytest.raises(LedgerAnswerError, match="not chain 1"):
        read_checkpoints(rpc, 1, deployment.address, [head])
    with pytest.raises(LedgerAnswerError, match="no such block"):
        read_checkpoints(rpc, deployment.chain_id, deployment.address, [head + 1000])


def test_the_wire_form_round_trips_and_refuses_hostile_values() -> None:
    key = SigningKey.generate()
    cosignature = sign_checkpoint(CHECKPOINT, ZHEJIANG, key)
    request = CosignRequest(
        checkpoint=CheckpointModel.of(CHECKPOINT), signature=CosignatureModel.of(cosignature)
    )
    again = CosignRequest.model_validate_json(request.model_dump_json())
    assert again.checkpoint.to_checkpoint() == CHECKPOINT
    assert again.signature.to_cosignature() == cosignature
    good = request.model_dump(mode="json")
    for path, value in [
        (("checkpoint", "block_number"), 2**63),
        (("checkpoint", "block_number"), "12"),
        (("checkpoint", "block_number"), True),
        (("checkpoint", "chain_id"), 10**80),
        (("checkpoint", "block_hash"), "0x" + "ab" * 31),
        (("checkpoint", "block_hash"), "0x" + "ab" * 31 + "\x00\x00"),
        (("checkpoint", "contract"), "0x" + "zz" * 20),
        (("signature", "province"), 330001 * 10),
        (("signature", "signature"), "0x" + "ab" * 257),
        (("signature", "extra"), 1),
    ]:
        body = {"checkpoint": dict(good["checkpoint"]), "signature": dict(good["signature"])}
        body[path[0]][path[1]] = value
        with pytest.raises(ValidationError):
            CosignRequest.model_validate(body)


def test_an_empty_signature_is_refused_on_the_wire() -> None:
    cosignature = Cosignature(ZHEJIANG, SigningKey.generate().key_id, b"")
    with pytest.raises(ValidationError):
        CosignatureModel.of(cosignature)
