"""The pure parts: point-in-time status, the verdict function, the reason table, times, and the
checks against an in-memory chain snapshot (no chain at all)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.status_history import StatusChange, status_at
from ledger.types import CertificateState
from verifier import reasons
from verifier.reasons import MESSAGES, PASSED, Reason
from verifier.times import day_end, day_start, parse_time
from verifier.types import CheckResult, CheckStatus, CheckType, Verdict
from verifier.verdict import verdict

ACTIVE, SUSPENDED, REVOKED = CertificateState


def change(state: CertificateState, effective: int, recorded: int, block: int) -> StatusChange:
    return StatusChange(state, 0, effective, recorded, block, 0)


HISTORY = [
    change(SUSPENDED, effective=100, recorded=110, block=10),
    change(ACTIVE, effective=200, recorded=200, block=20),
    change(REVOKED, effective=250, recorded=400, block=40),  # back-dated revocation
]


@pytest.mark.parametrize(
    ("at", "known_at", "state"),
    [
        (50, None, ACTIVE),
        (100, None, SUSPENDED),
        (150, None, SUSPENDED),
        (220, None, ACTIVE),
        (260, None, REVOKED),
        (260, 300, ACTIVE),  # the revocation was not yet recorded at 300
        (150, 105, ACTIVE),  # the suspension was recorded only at 110
        (10_000, 400, REVOKED),
    ],
)
def test_status_at(at: int, known_at: int | None, state: CertificateState) -> None:
    assert status_at(reversed(HISTORY), at, known_at).state is state


@given(st.integers(0, 1000))
def test_status_with_no_history_is_active(at: int) -> None:
    found = status_at([], at)
    assert found.state is ACTIVE and found.change is None


def result(check_type: CheckType, status: CheckStatus) -> CheckResult:
    return CheckResult("x", check_type, status, Reason.OK, "m", "m")


@given(st.lists(st.tuples(st.sampled_from(CheckType), st.sampled_from(CheckStatus))))
def test_verdict_rules(outcomes: list[tuple[CheckType, CheckStatus]]) -> None:
    results = [result(t, s) for t, s in outcomes]
    statuses = {s for _, s in outcomes}
    passed = {t for t, s in outcomes if s is CheckStatus.VALID}
    found = verdict(results)
    if CheckStatus.INVALID in statuses:
        assert found is Verdict.INVALID
    elif CheckStatus.ERROR in statuses or passed != set(CheckType):
        assert found is Verdict.ERROR
    else:
        assert found is Verdict.VALID


def test_every_check_valid_is_the_only_valid() -> None:
    assert verdict([result(t, CheckStatus.VALID) for t in CheckType]) is Verdict.VALID
    assert verdict([]) is Verdict.ERROR
    some = [result(t, CheckStatus.VALID) for t in CheckType][1:]
    assert verdict([*some, result(CheckType.FORMAT, CheckStatus.SKIPPED)]) is Verdict.ERROR


def test_reason_table_is_complete_and_documented() -> None:
    documented = {
        int(m.group(1)): m.group(2)
        for m in re.finditer(r"^(\d+)\s+([A-Z_]+)\s", reasons.__doc__ or "", flags=re.M)
    }
    assert documented == {int(r): r.name for r in Reason}
    assert set(MESSAGES) == set(Reason) - {Reason.OK}
    assert set(PASSED) == {t.value for t in CheckType}


def test_times() -> None:
    assert parse_time("1700000000") == 1700000000
    assert parse_time("2026-05-01") == day_start(date(2026, 5, 1))
    assert parse_time("2026-05-01T00:00:00+08:00") == parse_time("2026-05-01")
    assert parse_time("2026-04-30T16:00:00Z") == parse_time("2026-05-01")
    may_day = date(2026, 5, 1)
    assert day_end(may_day) - day_start(may_day) == 86_400


def test_checks_against_a_snapshot_without_a_chain() -> None:
    """The checks are pure: a hand-built snapshot is all they need."""
    from certificate.document import build_document
    from certificate.merkle import MerkleTree
    from certificate.receipts import attach_receipt
    from certificate.samples import sample_document
    from certificate.sealed_file import Receipt
    from certificate.sealing import seal
    from certificate.signing import SigningKey
    from ledger.types import AnchorRecord, ProvinceRecord, SigningKeyRecord
    from verifier import ChainSnapshot, LedgerIdentity, verify

    key = SigningKey.generate()
    sealed = seal(build_document(sample_document("marriage_certificate", seed=7)), key)
    tree = MerkleTree.from_entries([sealed.digest, b"\x01" * 32])
    contract = "0x" + "ab" * 20
    anchored = attach_receipt(
        sealed,
        Receipt(
            batch_root=tree.root,
            leaf_index=0,
            tree_size=2,
            inclusion_proof=tuple(tree.inclusion_proof(0)),
            chain_id=5,
            contract_address=contract,
            transaction_hash=b"\x02" * 32,
            block_number=9,
        ),
    )
    snapshot = ChainSnapshot(
        LedgerIdentity(5, contract),
        keys={key.key_id: SigningKeyRecord(key.key_id, 310000, 1, False, 100, None, key.spki_der)},
        anchors={tree.root: AnchorRecord(tree.root, 310000, 2, 150, 9)},
        provinces={310000: ProvinceRecord(310000, "0x" + "cd" * 20, 1, True, "http://sh")},
    )
    report = verify(anchored.to_json(), snapshot, now=2_000_000_000)
    assert report.verdict is Verdict.VALID, report.failed
    elsewhere = ChainSnapshot(LedgerIdentity(5, "0x" + "ef" * 20))
    moved = verify(anchored.to_json(), elsewhere, now=2_000_000_000)
    assert moved.check(CheckType.ANCHOR).reason is Reason.ANCHOR_WRONG_CONTRACT
    assert moved.check(CheckType.ANCHOR).status is CheckStatus.ERROR
