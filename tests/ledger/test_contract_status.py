"""Certificate status: revoke, suspend, reinstate, revokeBatch, their reads and their rules.

Ownership and state rules run on the session's ledger; effective-time rules move block time, so
they run on a private chain (see :func:`contract_helpers.private_ledger`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from contract_helpers import (
    JIANGSU,
    SHANGHAI,
    PrivateLedger,
    account,
    advance_time,
    block_time,
    latest_time,
    private_ledger,
    random_hash,
)
from web3.types import TxReceipt

from ledger import contract_errors as errors
from ledger.contract import HurenLedgerClient
from ledger.sender import TransactionSender
from ledger.types import CertificateState, StatusReason, StatusRecord

ClientOf = Callable[[int], HurenLedgerClient]
NEVER_CHANGED = StatusRecord(CertificateState.ACTIVE, 0, 0, 0, 0)


@pytest.fixture(scope="module")
def timed() -> Iterator[PrivateLedger]:
    """A ledger on a chain of its own, whose clock these tests move."""
    with private_ledger() as ledger:
        yield ledger


def anchored(client: HurenLedgerClient, count: int = 100) -> tuple[bytes, int]:
    """Anchor a fresh root; returns it with its anchoring time."""
    root = random_hash()
    receipt = client.anchor(root, count)
    return root, block_time(client.w3, int(receipt["blockNumber"]))


def mined_at(client: HurenLedgerClient, receipt: TxReceipt) -> int:
    """The block time of a receipt's block."""
    return block_time(client.w3, int(receipt["blockNumber"]))


# --- the state machine ----------------------------------------------------------------------


def test_revoke_records_state_reason_and_times(ledger_client: ClientOf) -> None:
    client = ledger_client(SHANGHAI)
    root, _ = anchored(client)
    digest = random_hash()
    changes = client.status_change_count()
    assert client.status_of(SHANGHAI, digest) == NEVER_CHANGED

    receipt = client.revoke(digest, root, StatusReason.HOLDER_DECEASED)

    now = mined_at(client, receipt)
    assert client.status_of(SHANGHAI, digest) == StatusRecord(
        CertificateState.REVOKED, StatusReason.HOLDER_DECEASED, now, now, 1
    )
    assert client.status_of(JIANGSU, digest) == NEVER_CHANGED  # keyed by issuing province
    assert client.status_of(SHANGHAI, digest, block=int(receipt["blockNumber"]) - 1) == (
        NEVER_CHANGED
    )
    assert client.status_change_count() == changes + 1


def test_suspend_reinstate_suspend_revoke_counts_every_change(ledger_client: ClientOf) -> None:
    client = ledger_client(JIANGSU)
    root, _ = anchored(client)
    digest = random_hash()
    steps = [
        (client.suspend, StatusReason.UNDER_INVESTIGATION, CertificateState.SUSPENDED),
        (client.reinstate, StatusReason.INVESTIGATION_CLEARED, CertificateState.ACTIVE),
        (client.suspend, StatusReason.LOST_OR_STOLEN, CertificateState.SUSPENDED),
        (client.revoke, StatusReason.LOST_OR_STOLEN, CertificateState.REVOKED),
    ]

    for changes, (write, reason, state) in enumerate(steps, start=1):
        now = mined_at(client, write(digest, root, reason))
        assert client.status_of(JIANGSU, digest) == StatusRecord(state, reason, now, now, changes)


def test_revoked_is_final(ledger_client: ClientOf) -> None:
    client = ledger_client(SHANGHAI)
    root, _ = anchored(client)
    digest = random_hash()
    client.revoke(digest, root, StatusReason.ISSUED_IN_ERROR)
    final = client.status_of(SHANGHAI, digest)

    for write in (client.revoke, client.suspend, client.reinstate):
        with pytest.raises(errors.StatusAlreadyRevoked) as caught:
            write(digest, root, StatusReason.UNSPECIFIED)
        assert caught.value.args_by_name == {"code": SHANGHAI, "digest": digest}
    assert client.status_of(SHANGHAI, digest) == final


def test_suspending_twice_or_reinstating_an_active_certificate_is_refused(
    ledger_client: ClientOf,
) -> None:
    client = ledger_client(SHANGHAI)
    root, _ = anchored(client)
    active, suspended = random_hash(), random_hash()
    client.suspend(suspended, root, StatusReason.UNDER_INVESTIGATION)

    with pytest.raises(errors.StatusAlreadySuspended) as twice:
        client.suspend(suspended, root, StatusReason.UNDER_INVESTIGATION)
    with pytest.raises(errors.StatusNotSuspended) as reinstate:
        client.reinstate(active, root, StatusReason.INVESTIGATION_CLEARED)

    assert twice.value.args_by_name == {"code": SHANGHAI, "digest": suspended}
    assert reinstate.value.args_by_name == {"code": SHANGHAI, "digest": active}
    client.reinstate(suspended, root, StatusReason.INVESTIGATION_CLEARED)
    with pytest.raises(errors.StatusNotSuspended):
        client.reinstate(suspended, root, StatusReason.INVESTIGATION_CLEARED)


def test_a_province_changes_only_certificates_of_roots_it_anchored(
    ledger_client: ClientOf,
) -> None:
    shanghai, jiangsu = ledger_client(SHANGHAI), ledger_client(JIANGSU)
    theirs, _ = anchored(jiangsu)
    never = random_hash()
    digest = random_hash()

    for root in (theirs, never):
        for write in (shanghai.revoke, shanghai.suspend, shanghai.reinstate):
            with pytest.raises(errors.StatusRootNotOwned) as caught:
                write(digest, root, StatusReason.FRAUD)
            assert caught.value.args_by_name == {"root": root, "code": SHANGHAI}
        with pytest.raises(errors.StatusRootNotOwned):
            shanghai.revoke_batch([digest], [root], StatusReason.FRAUD)
    assert shanghai.status_of(SHANGHAI, digest) == NEVER_CHANGED
    assert shanghai.status_of(JIANGSU, digest) == NEVER_CHANGED


def test_a_non_member_cannot_change_a_status(ledger_client: ClientOf) -> None:
    member = ledger_client(SHANGHAI)
    root, _ = anchored(member)
    outsider = account(5)
    client = member.with_sender(TransactionSender(member.w3, outsider.private_key))

    attempts: list[Callable[[], object]] = [
        lambda: client.revoke(random_hash(), root, 1),
        lambda: client.suspend(random_hash(), root, 10),
        lambda: client.reinstate(random_hash(), root, 13),
        lambda: client.revoke_batch([random_hash()], [root], 1),
    ]
    for attempt in attempts:
        with pytest.raises(errors.ProvinceNotMember) as caught:
            attempt()
        assert caught.value.args_by_name == {"account": outsider.address}


# --- batches and bulk reads --------------------------------------------------------------------


def test_revoke_batch_revokes_every_certificate_with_one_reason(ledger_client: ClientOf) -> None:
    client = ledger_client(SHANGHAI)
    (first, _), (second, _) = anchored(client), anchored(client)
    digests = [random_hash() for _ in range(5)]
    changes = client.status_change_count()

    receipt = client.revoke_batch(
        digests, [first, first, second, second, second], StatusReason.SUPERSEDED
    )

    now = mined_at(client, receipt)
    revoked = StatusRecord(CertificateState.REVOKED, StatusReason.SUPERSEDED, now, now, 1)
    never = random_hash()
    assert client.statuses_of(SHANGHAI, [*digests, never]) == [*[revoked] * 5, NEVER_CHANGED]
    assert client.statuses_of(SHANGHAI, []) == []
    assert client.status_change_count() == changes + 5


def test_revoke_batch_is_all_or_nothing(ledger_client: ClientOf) -> None:
    client = ledger_client(SHANGHAI)
    root, _ = anchored(client)
    done, fresh = random_hash(), [random_hash(), random_hash()]
    client.revoke(done, root, StatusReason.FRAUD)

    with pytest.raises(errors.StatusAlreadyRevoked) as caught:
        client.revoke_batch([fresh[0], done, fresh[1]], [root] * 3, StatusReason.COURT_ORDER)

    assert caught.value.args_by_name == {"code": SHANGHAI, "digest": done}
    assert client.statuses_of(SHANGHAI, fresh) == [NEVER_CHANGED, NEVER_CHANGED]


def test_revoke_batch_needs_one_root_per_digest(ledger_client: ClientOf) -> None:
    client = ledger_client(SHANGHAI)
    root, _ = anchored(client)

    with pytest.raises(errors.StatusBatchMismatch) as caught:
        client.revoke_batch([random_hash(), random_hash()], [root], StatusReason.FRAUD)

    assert caught.value.args_by_name == {"digests": 2, "roots": 1}


# --- effective times, in block time -------------------------------------------------------------


def test_effective_zero_means_the_block_time(timed: PrivateLedger) -> None:
    client = timed.clients[SHANGHAI]
    root, _ = anchored(client)
    advance_time(timed.w3, 30)
    digest = random_hash()

    receipt = client.suspend(digest, root, StatusReason.UNDER_INVESTIGATION, 0)

    status = client.status_of(SHANGHAI, digest)
    assert status.effective_at == status.recorded_at == mined_at(client, receipt)


def test_a_change_may_be_back_dated_down_to_the_anchor(timed: PrivateLedger) -> None:
    client = timed.clients[SHANGHAI]
    root, anchored_at = anchored(client)
    advance_time(timed.w3, 100)
    early, at_anchor = random_hash(), random_hash()

    receipt = client.revoke(early, root, StatusReason.FRAUD, anchored_at + 10)
    client.revoke_batch([at_anchor], [root], StatusReason.FRAUD, anchored_at)

    recorded = mined_at(client, receipt)
    assert recorded >= anchored_at + 100
    assert client.status_of(SHANGHAI, early) == StatusRecord(
        CertificateState.REVOKED, StatusReason.FRAUD, anchored_at + 10, recorded, 1
    )
    assert client.status_of(SHANGHAI, at_anchor).effective_at == anchored_at


def test_a_change_cannot_take_effect_before_the_anchor(timed: PrivateLedger) -> None:
    client = timed.clients[SHANGHAI]
    root, anchored_at = anchored(client)
    advance_time(timed.w3, 10)
    digest = random_hash()

    for write in (client.revoke, client.suspend):
        with pytest.raises(errors.StatusEffectiveBeforeAnchor) as caught:
            write(digest, root, StatusReason.FRAUD, anchored_at - 1)
        assert caught.value.args_by_name == {
            "digest": digest, "effectiveAt": anchored_at - 1, "anchoredAt": anchored_at
        }  # fmt: skip
    with pytest.raises(errors.StatusEffectiveBeforeAnchor):
        client.revoke_batch([random_hash(), digest], [root] * 2, 1, anchored_at - 1)
    assert client.status_of(SHANGHAI, digest) == NEVER_CHANGED


def test_a_change_cannot_take_effect_before_the_previous_one(timed: PrivateLedger) -> None:
    client = timed.clients[JIANGSU]
    root, anchored_at = anchored(client)
    advance_time(timed.w3, 100)
    digest = random_hash()
    client.suspend(digest, root, StatusReason.UNDER_INVESTIGATION, anchored_at + 50)

    for write in (client.reinstate, client.revoke):
        with pytest.raises(errors.StatusEffectiveBeforePrevious) as caught:
            write(digest, root, StatusReason.FRAUD, anchored_at + 49)
        assert caught.value.args_by_name == {
            "digest": digest, "effectiveAt": anchored_at + 49, "previous": anchored_at + 50
        }  # fmt: skip

    client.reinstate(digest, root, StatusReason.INVESTIGATION_CLEARED, anchored_at + 50)
    status = client.status_of(JIANGSU, digest)
    assert (status.state, status.effective_at, status.changes) == (
        CertificateState.ACTIVE, anchored_at + 50, 2
    )  # fmt: skip


def test_a_change_cannot_take_effect_in_the_future(timed: PrivateLedger) -> None:
    client = timed.clients[SHANGHAI]
    root, _ = anchored(client)
    digest = random_hash()
    now = latest_time(timed.w3)

    for write in (client.revoke, client.suspend):
        with pytest.raises(errors.StatusEffectiveInFuture) as caught:
            write(digest, root, StatusReason.FRAUD, now + 3600)
        args = caught.value.args_by_name
        assert (args["digest"], args["effectiveAt"]) == (digest, now + 3600)
        assert now <= args["currentTime"] < now + 3600
    assert client.status_of(SHANGHAI, digest) == NEVER_CHANGED
