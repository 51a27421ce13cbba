"""The sender rule on synthetic histories: every event's transaction came from the acting
province's account at that point, and the deployment transaction created the ledger."""

from __future__ import annotations

from audit_history import random_hash
from test_invariants import ACCOUNTS, AH, BOOTSTRAP, JS, SH, Chain

from audit import Invariant, Rebuild, Violation
from audit.types import TxOrigin
from ledger.types import CertificateState, ProposalKind

DEPLOYMENT = TxOrigin(sender="0x" + "de" * 20, block_number=1, creates_ledger=True)
NEW_ACCOUNT = "0x" + "77" * 20


def _audit(chain: Chain, senders: dict[bytes, str | None]) -> list[Violation]:
    """Replay with each transaction sent by ``senders[tx]`` (default: its first event's actor's
    founding account; the deployment by the deployer)."""
    rebuild = Rebuild(BOOTSTRAP)
    origins: dict[bytes, TxOrigin] = {BOOTSTRAP: DEPLOYMENT}
    for event in chain.events:
        tx = bytes(event.transaction_hash)
        if tx not in origins:
            actor = int(event.args.get("proposer", event.args.get("code", 0)))
            sender = senders.get(tx, ACCOUNTS.get(actor))
            origins[tx] = TxOrigin(sender=sender, block_number=event.block_number)
        rebuild.apply(event, chain.time, origins[tx])
    rebuild.finish(chain.block)
    return rebuild.violations


def _only_sender_findings(violations: list[Violation]) -> list[Violation]:
    assert {v.invariant for v in violations} <= {Invariant.EVENTS_SENT_BY_PROVINCE_ACCOUNT}
    return violations


def test_lawful_senders_break_nothing() -> None:
    chain = Chain().founders()
    root = random_hash()
    chain.anchor(SH, root)
    chain.status(SH, random_hash(), root, CertificateState.REVOKED)
    chain.add_anhui()
    assert _audit(chain, {}) == []


def test_an_event_sent_by_another_province_account_is_reported_once_per_transaction() -> None:
    chain = Chain().founders()
    root = random_hash()
    chain.anchor(SH, root)
    chain.tx()  # one transaction revoking three certificates (revokeBatch)
    for _ in range(3):
        chain.emit(
            "StatusChanged", code=SH, digest=random_hash(), root=root, state=2, reason=1,
            effectiveAt=chain.time, recordedAt=chain.time,
        )  # fmt: skip
    forged = {chain.tx_hash: ACCOUNTS[JS]}
    (violation,) = _only_sender_findings(_audit(chain, forged))
    assert violation.events[0].transaction_hash == chain.tx_hash
    assert ACCOUNTS[JS] in violation.message and str(SH) in violation.message


def test_the_account_is_the_one_the_province_had_at_that_block() -> None:
    chain = Chain().founders(threshold=1)
    chain.tx().emit(
        "ProposalCreated", id=1, proposer=SH, kind=int(ProposalKind.REPLACE_ACCOUNT), code=SH,
        account=NEW_ACCOUNT, endpoint="", threshold=0,
    )  # fmt: skip
    chain.emit("ProposalApproved", id=1, code=SH, approvals=1)
    chain.emit("ProvinceAccountReplaced", code=SH, previous=ACCOUNTS[SH], account=NEW_ACCOUNT)
    chain.emit("ProposalExecuted", id=1)
    chain.anchor(SH, random_hash())
    by_new = chain.tx_hash
    chain.anchor(SH, random_hash())
    by_old = chain.tx_hash
    violations = _audit(chain, {by_new: NEW_ACCOUNT})  # by_old: the founding account
    (violation,) = _only_sender_findings(violations)
    assert violation.events[0].transaction_hash == by_old


def test_unknown_or_misplaced_transactions_and_a_foreign_deployment_are_reported() -> None:
    chain = Chain().founders()
    chain.anchor(SH, random_hash())
    unknown = chain.tx_hash
    rebuild = Rebuild(BOOTSTRAP)
    for event in chain.events:
        if bytes(event.transaction_hash) == BOOTSTRAP:
            origin = TxOrigin(sender=ACCOUNTS[SH], block_number=event.block_number)
        else:
            origin = TxOrigin(sender=None, block_number=None)
        rebuild.apply(event, chain.time, origin)
    messages = [v.message for v in _only_sender_findings(rebuild.violations)]
    assert len(messages) == 2
    assert "did not create this ledger" in messages[0]
    assert f"knows no transaction 0x{unknown.hex()}" in messages[1]

    moved = Rebuild(BOOTSTRAP)
    for event in chain.events:
        moved.apply(event, chain.time, TxOrigin(ACCOUNTS[SH], event.block_number + 1, True))
    assert [v.invariant for v in moved.violations] == [
        Invariant.EVENTS_SENT_BY_PROVINCE_ACCOUNT
    ] * 2


def test_a_non_member_sender_is_named() -> None:
    chain = Chain().founders()
    chain.tx().emit("AccessLogAnchored", code=AH, root=random_hash(), size=1, anchoredAt=chain.time)
    violations = _audit(chain, {chain.tx_hash: ACCOUNTS[AH]})
    sender = [v for v in violations if v.invariant is Invariant.EVENTS_SENT_BY_PROVINCE_ACCOUNT]
    assert "never a member" in sender[0].message
    assert Invariant.ONLY_MEMBERS_ANCHORED in {v.invariant for v in violations}
