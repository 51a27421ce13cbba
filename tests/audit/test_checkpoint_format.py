"""The checkpoint file format without a chain: exact round trip, and every damage refused."""

from __future__ import annotations

import hashlib
import json
import struct

import pytest
from audit_history import ed25519_spki, random_hash
from test_invariants import AH, SH, Chain, audit

from audit._checkpoint_format import (
    FORMAT_VERSION,
    MAGIC,
    CheckpointBody,
    read_file,
    write_bytes,
)
from audit.exceptions import AuditCheckpointError
from ledger.types import CertificateState


def _body() -> CheckpointBody:
    """A state with every kind of record, and violations with and without events."""
    chain = Chain().founders()
    root, digest = random_hash(), random_hash()
    chain.anchor(SH, root)
    chain.status(SH, digest, root, CertificateState.SUSPENDED)
    chain.status(SH, digest, root, CertificateState.ACTIVE)
    chain.status(SH, random_hash(), root, CertificateState.REVOKED)
    chain.add_anhui(approvals=(SH,))  # approved by one of threshold 2: a violation
    public_key = ed25519_spki()
    key_id = hashlib.sha256(public_key).digest()
    chain.tx().emit(
        "KeyRegistered", code=AH, keyId=key_id, algorithm=1, publicKey=public_key,
        validFrom=chain.time,
    )  # fmt: skip
    chain.tx().emit("KeyRevoked", code=AH, keyId=key_id, compromisedAt=0, validUntil=chain.time)
    for size in (3, 5):
        chain.tx().emit(
            "AccessLogAnchored", code=AH, root=random_hash(), size=size, anchoredAt=chain.time
        )
    state, violations = audit(chain)
    assert violations and state.keys and state.proposals and state.log_heads
    return CheckpointBody(31337, "0x" + "ab" * 20, state.block, random_hash(), state,
                          tuple(violations))  # fmt: skip


def test_round_trip_is_exact() -> None:
    body = _body()
    data, digest = write_bytes(body)
    again, read_digest = read_file(data, "test")
    assert again == body
    assert again.state.state_hash() == body.state.state_hash()
    assert read_digest == digest == write_bytes(again)[1]
    assert data.startswith(MAGIC)


def test_a_file_with_a_matching_hash_but_a_malformed_body_is_refused_cleanly() -> None:
    """The hash is no signature: whoever edits the file can recompute it. Bad content must
    still be an AuditCheckpointError, not a crash."""
    data, _ = write_bytes(_body())
    payload = bytearray(data[42 + 8 :])  # prefix: magic 8, version 2, hash 32, length 8
    (meta_length,) = struct.unpack_from(">Q", payload)
    meta = json.loads(payload[8 : 8 + meta_length])
    for field, value in (("threshold", "2"), ("provinces", [[1, 2]]), ("violations", [["x"]])):
        forged_meta = json.dumps(meta | {field: value}).encode()
        forged = struct.pack(">Q", len(forged_meta)) + forged_meta + payload[8 + meta_length :]
        forged_file = struct.pack(
            ">8sH32sQ", MAGIC, FORMAT_VERSION, hashlib.sha256(forged).digest(), len(forged)
        )
        with pytest.raises(AuditCheckpointError, match="test"):
            read_file(forged_file + forged, "test")
    truncated_rows = payload[:-1]
    with pytest.raises(AuditCheckpointError):
        read_file(
            struct.pack(
                ">8sH32sQ",
                MAGIC,
                FORMAT_VERSION,
                hashlib.sha256(truncated_rows).digest(),
                len(truncated_rows),
            )
            + truncated_rows,
            "test",
        )


def test_other_versions_and_other_files_are_refused() -> None:
    data, _ = write_bytes(_body())
    newer = data[:8] + struct.pack(">H", FORMAT_VERSION + 1) + data[10:]
    with pytest.raises(AuditCheckpointError, match=f"version {FORMAT_VERSION + 1}"):
        read_file(newer, "test")
    with pytest.raises(AuditCheckpointError, match="not a checkpoint"):
        read_file(b'{"version": 1}', "test")
