"""The invariant checker and the state machine on synthetic histories, without a chain.

Each forged history breaks one rule the contract would enforce; the auditor must name the rule
and point at the offending events, because a lying node can serve such logs.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import pytest
from audit_history import ed25519_spki, random_hash
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from audit import Invariant, LedgerState, Rebuild, Violation
from audit.exceptions import AuditCheckpointError
from ledger.types import CertificateState, DecodedEvent, Hash32, ProposalKind, TxHash

SH, JS, ZJ, AH = 310000, 320000, 330000, 340000
ACCOUNTS = {code: f"0x{code:040x}" for code in (SH, JS, ZJ, AH)}
BOOTSTRAP = bytes.fromhex("b0" * 32)
T0 = 1_800_000_000


class Chain:
    """Builds decoded events in chain order: one transaction per ``tx()``, one block each."""

    def __init__(self) -> None:
        self.block = 1
        self.log_index = itertools.count()
        self.tx_hash = BOOTSTRAP
        self.events: list[DecodedEvent] = []

    def tx(self) -> Chain:
        self.block += 1
        self.log_index = itertools.count()
        self.tx_hash = random_hash()
        return self

    @property
    def time(self) -> int:
        return T0 + self.block

    def emit(self, name: str, **args: Any) -> DecodedEvent:
        event = DecodedEvent(
            name=name,
            args=args,
            block_number=self.block,
            block_hash=Hash32(bytes(32)),
            transaction_hash=TxHash(self.tx_hash),
            log_index=next(self.log_index),
        )
        self.events.append(event)
        return event

    def founders(self, threshold: int = 2) -> Chain:
        for code in (SH, JS, ZJ):
            self.emit("ProvinceAdded", code=code, account=ACCOUNTS[code], endpoint=f"http://{code}")
        self.emit("ThresholdChanged", previous=0, threshold=threshold)
        return self

    def anchor(self, code: int, root: bytes, count: int = 10) -> None:
        self.tx().emit("RootAnchored", code=code, root=root, count=count, anchoredAt=self.time)

    def status(self, code: int, digest: bytes, root: bytes, state: CertificateState) -> None:
        self.tx().emit(
            "StatusChanged",
            code=code,
            digest=digest,
            root=root,
            state=int(state),
            reason=1,
            effectiveAt=self.time,
            recordedAt=self.time,
        )

    def add_anhui(self, approvals: tuple[int, ...] = (SH, JS), proposal_id: int = 1) -> None:
        proposer, *others = approvals
        self.tx().emit(
            "ProposalCreated",
            id=proposal_id,
            proposer=proposer,
            kind=int(ProposalKind.ADD_MEMBER),
            code=AH,
            account=ACCOUNTS[AH],
            endpoint="http://ah",
            threshold=0,
        )
        self.emit("ProposalApproved", id=proposal_id, code=proposer, approvals=1)
        for count, code in enumerate(others, start=2):
            self.tx().emit("ProposalApproved", id=proposal_id, code=code, approvals=count)
        self.emit("ProvinceAdded", code=AH, account=ACCOUNTS[AH], endpoint="http://ah")
        self.emit("ProposalExecuted", id=proposal_id)


def audit(chain: Chain) -> tuple[LedgerState, list[Violation]]:
    rebuild = Rebuild(BOOTSTRAP)
    rebuild.apply_all(chain.events)
    rebuild.finish(chain.block)
    return rebuild.state, rebuild.violations


def names(violations: list[Violation]) -> set[Invariant]:
    return {v.invariant for v in violations}


def test_a_lawful_history_breaks_nothing() -> None:
    chain = Chain().founders()
    root, digest = random_hash(), random_hash()
    chain.anchor(SH, root)
    chain.status(SH, digest, root, CertificateState.SUSPENDED)
    chain.status(SH, digest, root, CertificateState.ACTIVE)
    chain.status(SH, digest, root, CertificateState.REVOKED)
    chain.add_anhui()
    public_key = ed25519_spki()
    key_id = hashlib.sha256(public_key).digest()
    chain.tx().emit(
        "KeyRegistered", code=AH, keyId=key_id, algorithm=1, publicKey=public_key,
        validFrom=chain.time,
    )  # fmt: skip
    registered_at = chain.time
    chain.tx().emit("KeyRetired", code=AH, keyId=key_id, validUntil=chain.time)
    chain.tx().emit("KeyRevoked", code=AH, keyId=key_id, compromisedAt=0, validUntil=registered_at)
    chain.tx().emit("AccessLogAnchored", code=AH, root=random_hash(), size=3, anchoredAt=chain.time)

    state, violations = audit(chain)

    assert violations == []
    assert state.members == [SH, JS, ZJ, AH]
    assert state.statuses[(SH, digest)].current is CertificateState.REVOKED
    assert state.keys[key_id].valid_until == registered_at  # compromised before: window emptied


def test_anchor_by_a_non_member() -> None:
    chain = Chain().founders()
    chain.anchor(AH, random_hash())
    (violation,) = audit(chain)[1]
    assert violation.invariant is Invariant.ONLY_MEMBERS_ANCHORED
    assert violation.events[0].name == "RootAnchored"


def test_root_anchored_twice_names_both_anchors() -> None:
    chain = Chain().founders()
    root = random_hash()
    chain.anchor(SH, root)
    chain.anchor(JS, root)
    state, violations = audit(chain)
    (violation,) = violations
    assert violation.invariant is Invariant.ROOT_ANCHORED_ONCE
    assert [e.block_number for e in violation.events] == [2, 3]
    assert state.anchors[root].province == SH  # the first anchor stands


def test_status_changed_by_another_province() -> None:
    chain = Chain().founders()
    root = random_hash()
    chain.anchor(SH, root)
    chain.status(JS, random_hash(), root, CertificateState.REVOKED)
    assert names(audit(chain)[1]) == {Invariant.ONLY_ISSUER_CHANGED_STATUS}


def test_nothing_changes_a_revoked_certificate() -> None:
    chain = Chain().founders()
    root, digest = random_hash(), random_hash()
    chain.anchor(SH, root)
    chain.status(SH, digest, root, CertificateState.REVOKED)
    chain.status(SH, digest, root, CertificateState.SUSPENDED)
    (violation,) = audit(chain)[1]
    assert violation.invariant is Invariant.REVOKED_IS_FINAL
    assert len(violation.events) == 2  # the revocation and the change after it


def test_reinstating_an_active_certificate_is_no_valid_transition() -> None:
    chain = Chain().founders()
    root = random_hash()
    chain.anchor(SH, root)
    chain.status(SH, random_hash(), root, CertificateState.ACTIVE)
    assert names(audit(chain)[1]) == {Invariant.STATUS_TRANSITION_VALID}


def test_membership_change_without_a_proposal() -> None:
    chain = Chain().founders()
    chain.tx().emit("ProvinceAdded", code=AH, account=ACCOUNTS[AH], endpoint="http://ah")
    state, violations = audit(chain)
    assert names(violations) == {Invariant.MEMBERSHIP_CHANGES_APPROVED}
    assert AH in state.members  # replay records what happened; the checker judges it


def test_proposal_executed_below_the_threshold() -> None:
    chain = Chain().founders(threshold=2)
    chain.add_anhui(approvals=(SH,))  # executed with the proposer's approval only
    (violation,) = audit(chain)[1]
    assert violation.invariant is Invariant.MEMBERSHIP_CHANGES_APPROVED
    assert "1 of 2" in violation.message


def test_approvals_of_former_members_do_not_count() -> None:
    """Zhejiang approves, leaves, and the forged approval count still includes it."""
    chain = Chain().founders(threshold=1)
    chain.tx().emit(
        "ProposalCreated", id=1, proposer=ZJ, kind=int(ProposalKind.CHANGE_THRESHOLD), code=0,
        account="0x" + "00" * 20, endpoint="", threshold=2,
    )  # fmt: skip
    chain.emit("ProposalApproved", id=1, code=ZJ, approvals=1)
    chain.emit("ThresholdChanged", previous=1, threshold=2)
    chain.emit("ProposalExecuted", id=1)
    chain.tx().emit(
        "ProposalCreated", id=2, proposer=SH, kind=int(ProposalKind.REMOVE_MEMBER), code=ZJ,
        account="0x" + "00" * 20, endpoint="", threshold=0,
    )  # fmt: skip
    chain.emit("ProposalApproved", id=2, code=SH, approvals=1)
    chain.tx().emit("ProposalApproved", id=2, code=JS, approvals=2)
    chain.emit("ProvinceRemoved", code=ZJ, account=ACCOUNTS[ZJ])
    chain.emit("ProposalExecuted", id=2)
    chain.add_anhui(approvals=(SH,), proposal_id=3)
    chain.tx().emit(
        "ProposalCreated", id=4, proposer=SH, kind=int(ProposalKind.CHANGE_THRESHOLD), code=0,
        account="0x" + "00" * 20, endpoint="", threshold=1,
    )  # fmt: skip
    violations = audit(chain)[1]
    assert names(violations) == {Invariant.MEMBERSHIP_CHANGES_APPROVED}
    assert any("1 of 2" in v.message for v in violations)


def test_executed_proposal_must_carry_out_its_change() -> None:
    chain = Chain().founders(threshold=1)
    chain.tx().emit(
        "ProposalCreated", id=1, proposer=SH, kind=int(ProposalKind.ADD_MEMBER), code=AH,
        account=ACCOUNTS[AH], endpoint="http://ah", threshold=0,
    )  # fmt: skip
    chain.emit("ProposalApproved", id=1, code=SH, approvals=1)
    chain.emit("ThresholdChanged", previous=1, threshold=1)  # not what was approved
    chain.emit("ProposalExecuted", id=1)
    violations = audit(chain)[1]
    assert names(violations) == {Invariant.MEMBERSHIP_CHANGES_APPROVED}
    assert "ADD_MEMBER" in violations[0].message


def test_forged_approval_count_is_caught() -> None:
    chain = Chain().founders()
    chain.tx().emit(
        "ProposalCreated", id=1, proposer=SH, kind=int(ProposalKind.ADD_MEMBER), code=AH,
        account=ACCOUNTS[AH], endpoint="", threshold=0,
    )  # fmt: skip
    chain.emit("ProposalApproved", id=1, code=SH, approvals=2)
    assert names(audit(chain)[1]) == {Invariant.MEMBERSHIP_CHANGES_APPROVED}


def test_keys_must_be_registered_and_well_formed() -> None:
    chain = Chain().founders()
    chain.tx().emit("KeyRetired", code=SH, keyId=random_hash(), validUntil=chain.time)
    public_key = ed25519_spki()
    chain.tx().emit(
        "KeyRegistered", code=SH, keyId=random_hash(), algorithm=1, publicKey=public_key,
        validFrom=chain.time,
    )  # fmt: skip
    chain.tx().emit(
        "KeyRegistered", code=SH, keyId=hashlib.sha256(b"x" * 44).digest(), algorithm=1,
        publicKey=b"x" * 44, validFrom=chain.time,
    )  # fmt: skip
    violations = audit(chain)[1]
    assert [v.invariant for v in violations] == [
        Invariant.KEYS_REGISTERED_BEFORE_USE,
        Invariant.EVENT_WELL_FORMED,  # the id is not the key's hash
        Invariant.EVENT_WELL_FORMED,  # the bytes are no Ed25519 SubjectPublicKeyInfo
    ]


def _p256_spki(point: serialization.PublicFormat) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    if point is serialization.PublicFormat.CompressedPoint:  # SPKI around the compressed point
        prefix = bytes.fromhex("3039301306072a8648ce3d020106082a8648ce3d030107032200")
        return prefix + key.public_bytes(serialization.Encoding.X962, point)
    return key.public_bytes(serialization.Encoding.DER, point)


@pytest.mark.parametrize(
    ("algorithm", "make_key", "well_formed"),
    [
        (1, ed25519_spki, True),
        (2, lambda: _p256_spki(serialization.PublicFormat.SubjectPublicKeyInfo), True),
        (2, lambda: _p256_spki(serialization.PublicFormat.CompressedPoint), False),  # 59 bytes
        (2, ed25519_spki, False),  # an Ed25519 key named P-256
        (1, lambda: _p256_spki(serialization.PublicFormat.SubjectPublicKeyInfo), False),
        (3, ed25519_spki, False),  # no such algorithm
    ],
)
def test_a_registered_key_must_be_of_its_algorithm(
    algorithm: int, make_key: Any, well_formed: bool
) -> None:
    chain = Chain().founders()
    public_key = make_key()
    chain.tx().emit(
        "KeyRegistered", code=SH, keyId=hashlib.sha256(public_key).digest(), algorithm=algorithm,
        publicKey=public_key, validFrom=chain.time,
    )  # fmt: skip
    expected = [] if well_formed else [Invariant.EVENT_WELL_FORMED]
    assert [v.invariant for v in audit(chain)[1]] == expected


def test_revoked_key_window_must_follow_the_rule() -> None:
    chain = Chain().founders()
    public_key = ed25519_spki()
    key_id = hashlib.sha256(public_key).digest()
    chain.tx().emit(
        "KeyRegistered", code=SH, keyId=key_id, algorithm=1, publicKey=public_key,
        validFrom=chain.time,
    )  # fmt: skip
    chain.tx().emit("KeyRevoked", code=SH, keyId=key_id, compromisedAt=T0 + 50, validUntil=T0 + 99)
    assert names(audit(chain)[1]) == {Invariant.KEYS_USED_INSIDE_WINDOW}


def test_access_log_must_grow() -> None:
    chain = Chain().founders()
    chain.tx().emit("AccessLogAnchored", code=SH, root=random_hash(), size=5, anchoredAt=chain.time)
    chain.tx().emit("AccessLogAnchored", code=SH, root=random_hash(), size=5, anchoredAt=chain.time)
    assert names(audit(chain)[1]) == {Invariant.ACCESS_LOG_GROWS}


def test_block_time_must_not_go_backwards() -> None:
    chain = Chain().founders()
    chain.anchor(SH, random_hash())
    chain.tx().emit("RootAnchored", code=SH, root=random_hash(), count=1, anchoredAt=T0)
    assert names(audit(chain)[1]) == {Invariant.BLOCK_TIME_MONOTONIC}


def test_split_replay_equals_whole_replay() -> None:
    chain = Chain().founders()
    root = random_hash()
    chain.anchor(SH, root)
    chain.add_anhui(approvals=(SH,))  # one violation, in the second half
    chain.status(SH, random_hash(), root, CertificateState.SUSPENDED)
    whole_state, whole_violations = audit(chain)
    cut = 4
    first = Rebuild(BOOTSTRAP)
    first.apply_all(e for e in chain.events if e.block_number <= cut)
    first.finish(cut)
    second = Rebuild(
        BOOTSTRAP, LedgerState.from_json(first.state.to_json()), list(first.violations)
    )
    second.apply_all(e for e in chain.events if e.block_number > cut)
    second.finish(chain.block)
    assert second.state.state_hash() == whole_state.state_hash()
    assert second.violations == whole_violations != []


def test_malformed_serialized_state_is_refused() -> None:
    state = audit(Chain().founders())[0].to_json()
    state["provinces"][0]["code"] = "310000"
    with pytest.raises(AuditCheckpointError):
        LedgerState.from_json(state)
    with pytest.raises(AuditCheckpointError, match="lacks"):
        LedgerState.from_json({"block": 1})
