"""Signing keys: registration for both algorithms, retirement, revocation as compromised, and
validity windows at their edges.

Registration and its errors run on the session's ledger; the window tests move block time, so
they run on a private chain (see :func:`contract_helpers.private_ledger`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from contract_helpers import (
    ED25519,
    JIANGSU,
    P256,
    SHANGHAI,
    PrivateLedger,
    account,
    advance_time,
    ed25519_spki,
    key_id,
    latest_time,
    p256_spki,
    private_ledger,
    random_hash,
)

from ledger import contract_errors as errors
from ledger.contract import HurenLedgerClient
from ledger.sender import TransactionSender
from ledger.types import SigningKeyRecord

ClientOf = Callable[[int], HurenLedgerClient]
SPKI_MAKERS = {ED25519: ed25519_spki, P256: p256_spki}


@pytest.fixture(scope="module")
def timed() -> Iterator[PrivateLedger]:
    """A ledger on a chain of its own, whose clock these tests move."""
    with private_ledger() as ledger:
        yield ledger


def registered(client: HurenLedgerClient, algorithm: int = ED25519) -> SigningKeyRecord:
    """Register a new key of ``algorithm`` and read its record back."""
    kid = client.register_key(SPKI_MAKERS[algorithm](), algorithm)
    record = client.signing_key(kid)
    assert record is not None
    return record


# --- registration ---------------------------------------------------------------------------


@pytest.mark.parametrize(("algorithm", "length"), [(ED25519, 44), (P256, 91)])
def test_register_key_stores_the_spki_under_its_sha256(
    ledger_client: ClientOf, algorithm: int, length: int
) -> None:
    client = ledger_client(SHANGHAI)
    spki = SPKI_MAKERS[algorithm]()
    count = client.key_count()

    kid = client.register_key(spki, algorithm)

    assert len(spki) == length
    assert kid == key_id(spki)
    assert client.signing_key(kid) == SigningKeyRecord(
        key_id=kid,
        province=SHANGHAI,
        algorithm=algorithm,
        revoked=False,
        valid_from=latest_time(client.w3),
        valid_until=None,
        public_key=spki,
    )
    assert client.keys_of(SHANGHAI)[-1] == kid
    assert kid not in client.keys_of(JIANGSU)
    assert client.key_count() == count + 1


def test_an_unknown_key_has_no_record_and_no_window(ledger_client: ClientOf) -> None:
    client = ledger_client(SHANGHAI)
    unknown = random_hash()

    assert client.signing_key(unknown) is None
    assert not client.is_key_active_at(unknown, latest_time(client.w3))
    assert client.keys_of(340000) == []


def test_a_key_is_registered_once_whoever_asks(ledger_client: ClientOf) -> None:
    spki = p256_spki()
    ledger_client(SHANGHAI).register_key(spki, P256)

    for code in (SHANGHAI, JIANGSU):
        with pytest.raises(errors.KeyAlreadyRegistered) as caught:
            ledger_client(code).register_key(spki, P256)
        assert caught.value.args_by_name == {"keyId": key_id(spki)}


@pytest.mark.parametrize("algorithm", [0, 3, 255])
def test_unknown_algorithms_are_refused(ledger_client: ClientOf, algorithm: int) -> None:
    with pytest.raises(errors.KeyUnsupportedAlgorithm) as caught:
        ledger_client(SHANGHAI).register_key(ed25519_spki(), algorithm)

    assert caught.value.args_by_name == {"algorithm": algorithm}


@pytest.mark.parametrize(
    ("make", "algorithm", "length"),
    [
        (p256_spki, ED25519, 91),
        (ed25519_spki, P256, 44),
        (lambda: ed25519_spki()[12:], ED25519, 32),  # the raw key without its SPKI wrapping
        (lambda: b"", ED25519, 0),
        (lambda: p256_spki() + b"\x00", P256, 92),
    ],
)
def test_keys_of_the_wrong_size_for_their_algorithm_are_refused(
    ledger_client: ClientOf, make: Callable[[], bytes], algorithm: int, length: int
) -> None:
    with pytest.raises(errors.KeyInvalidPublicKey) as caught:
        ledger_client(SHANGHAI).register_key(make(), algorithm)

    assert caught.value.args_by_name == {"algorithm": algorithm, "length": length}


def test_unknown_keys_cannot_be_retired_or_revoked(ledger_client: ClientOf) -> None:
    client, unknown = ledger_client(SHANGHAI), random_hash()

    with pytest.raises(errors.KeyUnknown) as retire:
        client.retire_key(unknown)
    with pytest.raises(errors.KeyUnknown) as revoke:
        client.revoke_key(unknown, 0)

    assert retire.value.args_by_name == revoke.value.args_by_name == {"keyId": unknown}


def test_only_the_owning_province_retires_or_revokes_a_key(ledger_client: ClientOf) -> None:
    record = registered(ledger_client(SHANGHAI))
    jiangsu = ledger_client(JIANGSU)

    with pytest.raises(errors.KeyNotOwned) as retire:
        jiangsu.retire_key(record.key_id)
    with pytest.raises(errors.KeyNotOwned) as revoke:
        jiangsu.revoke_key(record.key_id, record.valid_from)

    expected = {"keyId": record.key_id, "owner": SHANGHAI}
    assert retire.value.args_by_name == revoke.value.args_by_name == expected
    assert jiangsu.signing_key(record.key_id) == record


def test_a_non_member_cannot_register_keys(ledger_client: ClientOf) -> None:
    outsider = account(5)
    client = ledger_client(SHANGHAI).with_sender(
        TransactionSender(ledger_client(SHANGHAI).w3, outsider.private_key)
    )

    with pytest.raises(errors.ProvinceNotMember) as caught:
        client.register_key(ed25519_spki(), ED25519)

    assert caught.value.args_by_name == {"account": outsider.address}


# --- windows, in block time -----------------------------------------------------------------


def test_retirement_closes_the_window_at_the_block_time(timed: PrivateLedger) -> None:
    client = timed.clients[SHANGHAI]
    record = registered(client, P256)
    advance_time(timed.w3, 100)

    client.retire_key(record.key_id)

    retired = client.signing_key(record.key_id)
    assert retired is not None and not retired.revoked
    until = retired.valid_until
    assert until is not None and until >= record.valid_from + 100
    active = {t: client.is_key_active_at(record.key_id, t) for t in
              (record.valid_from - 1, record.valid_from, until - 1, until)}  # fmt: skip
    assert active == {
        record.valid_from - 1: False, record.valid_from: True, until - 1: True, until: False
    }  # fmt: skip
    assert all(retired.active_at(t) == expected for t, expected in active.items())
    with pytest.raises(errors.KeyAlreadyClosed) as caught:
        client.retire_key(record.key_id)
    assert caught.value.args_by_name == {"keyId": record.key_id, "validUntil": until}


def test_revocation_closes_an_open_window_at_the_compromise(timed: PrivateLedger) -> None:
    client = timed.clients[SHANGHAI]
    record = registered(client)
    advance_time(timed.w3, 100)
    compromised = record.valid_from + 40

    client.revoke_key(record.key_id, compromised)

    revoked = client.signing_key(record.key_id)
    assert revoked is not None and revoked.revoked and revoked.valid_until == compromised
    assert client.is_key_active_at(record.key_id, compromised - 1)
    assert not client.is_key_active_at(record.key_id, compromised)
    with pytest.raises(errors.KeyAlreadyRevoked) as again:
        client.revoke_key(record.key_id, compromised - 10)
    with pytest.raises(errors.KeyAlreadyClosed) as retire:
        client.retire_key(record.key_id)
    assert again.value.args_by_name == {"keyId": record.key_id}
    assert retire.value.args_by_name == {"keyId": record.key_id, "validUntil": compromised}


@pytest.mark.parametrize(("offset", "shrinks"), [(-20, True), (20, False)])
def test_revoking_a_retired_key_only_ever_shortens_its_window(
    timed: PrivateLedger, offset: int, shrinks: bool
) -> None:
    client = timed.clients[SHANGHAI]
    record = registered(client)
    advance_time(timed.w3, 50)
    client.retire_key(record.key_id)
    retired = client.signing_key(record.key_id)
    assert retired is not None and retired.valid_until is not None
    advance_time(timed.w3, 50)
    compromised = retired.valid_until + offset

    client.revoke_key(record.key_id, compromised)

    revoked = client.signing_key(record.key_id)
    assert revoked is not None and revoked.revoked
    assert revoked.valid_until == (compromised if shrinks else retired.valid_until)


def test_a_compromise_before_registration_empties_the_window(timed: PrivateLedger) -> None:
    client = timed.clients[JIANGSU]
    record = registered(client)

    client.revoke_key(record.key_id, record.valid_from - 10)

    revoked = client.signing_key(record.key_id)
    assert revoked is not None and revoked.valid_until == record.valid_from
    assert not client.is_key_active_at(record.key_id, record.valid_from)


def test_a_compromise_in_the_future_is_refused(timed: PrivateLedger) -> None:
    client = timed.clients[SHANGHAI]
    record = registered(client)
    now = latest_time(timed.w3)

    with pytest.raises(errors.KeyCompromiseInFuture) as caught:
        client.revoke_key(record.key_id, now + 3600)

    args = caught.value.args_by_name
    assert (args["keyId"], args["compromisedAt"]) == (record.key_id, now + 3600)
    assert now <= args["currentTime"] < now + 3600
    assert client.signing_key(record.key_id) == record
