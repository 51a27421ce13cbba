"""The issue's table of cases: real sealed certificates on the test chain, each with its verdict
and the check that must fail (and why).

Certificates are signed with keys registered on the session's ledger and anchored in real
batches; the tampered ones are edited as JSON, as an attacker would edit the file.
"""

from __future__ import annotations

import importlib
import json
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from verifier_support import Issuer, advance_time
from web3 import HTTPProvider, Web3

from certificate.disclosure import disclose
from certificate.sealed_file import SealedCertificate
from certificate.signing import SigningKey
from ledger.chain import RpcClient
from ledger.deploy import Deployment
from ledger.types import StatusReason
from verifier import (
    CheckStatus,
    CheckType,
    Reason,
    Report,
    Verdict,
    Web3ChainView,
    verify,
    verify_many,
)
from verifier.times import day_start

SHANGHAI, JIANGSU = 310000, 320000

Json = dict[str, Any]


def as_json(sealed: SealedCertificate) -> Json:
    data: Json = json.loads(sealed.to_json())
    return data


@dataclass
class Expect:
    """What a case must give: the verdict, and the failing check with its reason."""

    verdict: Verdict
    failing: CheckType | None = None
    reason: Reason | None = None


def assert_report(report: Report, expect: Expect) -> None:
    assert report.verdict is expect.verdict, [c.to_json() for c in report.failed]
    if expect.failing is None:
        assert all(c.status is CheckStatus.VALID for c in report.checks), report.failed
        return
    failing = report.check(expect.failing)
    wanted = CheckStatus.ERROR if expect.verdict is Verdict.ERROR else CheckStatus.INVALID
    assert failing.status is wanted, failing
    assert failing.reason is expect.reason, failing
    assert failing.message and failing.message_zh


ALTERED = Expect(Verdict.INVALID, CheckType.INTEGRITY, Reason.DIGEST_MISMATCH)


@pytest.fixture
def shanghai(issuer: Callable[[int], Issuer]) -> Issuer:
    return issuer(SHANGHAI)


@pytest.fixture
def jiangsu(issuer: Callable[[int], Issuer]) -> Issuer:
    return issuer(JIANGSU)


# --- untouched and tampered files -----------------------------------------------------------------


def test_untouched_certificate_is_valid(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    report = verify(sealed.to_json(), chain_view)
    assert_report(report, Expect(Verdict.VALID))
    assert report.digest == "0x" + sealed.digest.hex()
    assert report.issuing_province == SHANGHAI


def test_disclosed_copy_is_valid(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    copy = disclose(sealed, ["/holder/name"])
    assert_report(verify(copy.to_json(), chain_view), Expect(Verdict.VALID))


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "0"
    return "0"  # null, empty list or object


def test_every_changed_field_is_caught(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    """Each field of a fully disclosed copy, changed alone, breaks the digest (or the format,
    for the fields the format itself constrains)."""
    (sealed,) = shanghai.issue()
    base = as_json(disclose(sealed, list(sealed.disclosed_values())))
    paths = list(base["content"]["fields"])
    assert len(paths) > 15
    reports = []
    for path in paths:
        data = json.loads(json.dumps(base))
        field = data["content"]["fields"][path]
        field["value"] = _changed(field["value"])
        reports.append((path, verify(data, chain_view)))
    for path, report in reports:
        assert report.verdict is Verdict.INVALID, path
        failed = {c.type for c in report.failed}
        assert failed & {CheckType.INTEGRITY, CheckType.FORMAT}, (path, report.failed)
        if CheckType.FORMAT not in failed:
            assert report.check(CheckType.INTEGRITY).reason is Reason.DIGEST_MISMATCH


def test_changed_field_in_full_copy(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    data = as_json(sealed)
    data["content"]["document"]["holder"]["name"] = "张三丰"
    assert_report(verify(data, chain_view), ALTERED)


def test_changed_salt(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    data = as_json(sealed)
    salts = data["content"]["salts"]
    salts["/holder/name"] = "A" * 21 + "A"
    assert_report(verify(data, chain_view), ALTERED)


def test_changed_hidden_leaf(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    data = as_json(disclose(sealed, ["/holder/name"]))
    withheld = data["content"]["withheld"]
    path = next(iter(withheld))
    withheld[path] = "0x" + random.randbytes(32).hex()
    assert_report(verify(data, chain_view), ALTERED)


# --- signatures and keys --------------------------------------------------------------------------


def test_signature_from_another_key(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    data = as_json(sealed)
    data["signature"]["value"] = "0x" + SigningKey.generate().sign_digest(sealed.digest).hex()
    assert_report(
        verify(data, chain_view),
        Expect(Verdict.INVALID, CheckType.SIGNATURE, Reason.SIGNATURE_INVALID),
    )


def test_unregistered_key(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue(key=SigningKey.generate())
    report = verify(sealed.to_json(), chain_view)
    assert_report(report, Expect(Verdict.INVALID, CheckType.ISSUER_KEY, Reason.KEY_UNKNOWN))
    assert report.check(CheckType.SIGNATURE).reason is Reason.SIGNATURE_KEY_UNKNOWN


def test_key_of_another_province(
    shanghai: Issuer, jiangsu: Issuer, chain_view: Web3ChainView
) -> None:
    (sealed,) = shanghai.issue(key=jiangsu.key)
    report = verify(sealed.to_json(), chain_view)
    assert_report(report, Expect(Verdict.INVALID, CheckType.ISSUER_KEY, Reason.KEY_OTHER_PROVINCE))
    assert report.check(CheckType.SIGNATURE).status is CheckStatus.VALID


def test_key_revoked_before_issuance(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    key = shanghai.new_key()
    record = chain_view.signing_key(key.key_id)
    assert record is not None
    shanghai.client.revoke_key(key.key_id, record.valid_from)
    (sealed,) = shanghai.issue(key=key)
    assert_report(
        verify(sealed.to_json(), chain_view),
        Expect(Verdict.INVALID, CheckType.ISSUER_KEY, Reason.KEY_REVOKED_BEFORE_ANCHOR),
    )


def test_key_revoked_after_issuance(shanghai: Issuer, chain_view: Web3ChainView, w3: Web3) -> None:
    key = shanghai.new_key()
    (sealed,) = shanghai.issue(key=key)
    anchor = chain_view.anchor(sealed.receipt.batch_root if sealed.receipt else b"")
    assert anchor is not None
    advance_time(w3, 5)
    shanghai.client.revoke_key(key.key_id, anchor.anchored_at + 1)
    assert_report(verify(sealed.to_json(), chain_view), Expect(Verdict.VALID))
    # A certificate anchored after the compromise, with the same key, is not valid.
    (later,) = shanghai.issue(key=key)
    assert_report(
        verify(later.to_json(), chain_view),
        Expect(Verdict.INVALID, CheckType.ISSUER_KEY, Reason.KEY_REVOKED_BEFORE_ANCHOR),
    )


def test_p256_key(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    from certificate.types import SignatureAlgorithm

    key = shanghai.new_key(SignatureAlgorithm.ECDSA_P256_SHA256)
    document = shanghai.document(signature_algorithm="ECDSA-P256-SHA256")
    (sealed,) = shanghai.anchor([shanghai.seal(document, key)])
    assert_report(verify(sealed.to_json(), chain_view), Expect(Verdict.VALID))


# --- anchors --------------------------------------------------------------------------------------


def test_proof_for_another_root(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    other = shanghai.issue(2)[0]
    data = as_json(sealed)
    data["receipt"]["batch_root"] = as_json(other)["receipt"]["batch_root"]
    assert_report(
        verify(data, chain_view),
        Expect(Verdict.INVALID, CheckType.ANCHOR, Reason.ANCHOR_PROOF_INVALID),
    )


def test_root_never_anchored(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.anchor([shanghai.seal()], send=False)
    report = verify(sealed.to_json(), chain_view)
    assert_report(
        report, Expect(Verdict.INVALID, CheckType.ANCHOR, Reason.ANCHOR_ROOT_NOT_ANCHORED)
    )
    assert report.check(CheckType.ISSUER_KEY).status is CheckStatus.SKIPPED


def test_root_anchored_by_another_province(
    shanghai: Issuer, jiangsu: Issuer, chain_view: Web3ChainView
) -> None:
    (sealed,) = shanghai.anchor([shanghai.seal()], jiangsu.client)
    assert_report(
        verify(sealed.to_json(), chain_view),
        Expect(Verdict.INVALID, CheckType.ANCHOR, Reason.ANCHOR_OTHER_PROVINCE),
    )


def test_not_anchored_yet(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    sealed = shanghai.seal()
    assert_report(
        verify(sealed.to_json(), chain_view),
        Expect(Verdict.INVALID, CheckType.ANCHOR, Reason.ANCHOR_NO_RECEIPT),
    )


def test_receipt_of_another_chain_is_an_error(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    data = as_json(sealed)
    data["receipt"]["chain_id"] = 1
    assert_report(
        verify(data, chain_view), Expect(Verdict.ERROR, CheckType.ANCHOR, Reason.ANCHOR_WRONG_CHAIN)
    )


def test_receipt_with_wrong_block(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    data = as_json(sealed)
    data["receipt"]["block_number"] += 1
    assert_report(
        verify(data, chain_view),
        Expect(Verdict.INVALID, CheckType.ANCHOR, Reason.ANCHOR_RECEIPT_MISMATCH),
    )


# --- status ---------------------------------------------------------------------------------------


def _root(sealed: SealedCertificate) -> bytes:
    assert sealed.receipt is not None
    return sealed.receipt.batch_root


def test_revoked(shanghai: Issuer, chain_view: Web3ChainView, w3: Web3) -> None:
    (sealed,) = shanghai.issue()
    anchored = chain_view.anchor(_root(sealed))
    assert anchored is not None
    advance_time(w3, 10)
    shanghai.client.revoke(sealed.digest, _root(sealed), StatusReason.FRAUD)
    report = verify(sealed.to_json(), chain_view)
    assert_report(report, Expect(Verdict.INVALID, CheckType.STATUS, Reason.STATUS_REVOKED))
    assert "obtained by fraud" in report.check(CheckType.STATUS).message
    # Before the revocation took effect, it was valid.
    past = verify(sealed.to_json(), chain_view, at=anchored.anchored_at + 1)
    assert_report(past, Expect(Verdict.VALID))


def test_suspended(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    shanghai.client.suspend(sealed.digest, _root(sealed), StatusReason.UNDER_INVESTIGATION)
    assert_report(
        verify(sealed.to_json(), chain_view),
        Expect(Verdict.INVALID, CheckType.STATUS, Reason.STATUS_SUSPENDED),
    )


def test_reinstated(shanghai: Issuer, chain_view: Web3ChainView, w3: Web3) -> None:
    (sealed,) = shanghai.issue()
    advance_time(w3, 10)
    shanghai.client.suspend(sealed.digest, _root(sealed), StatusReason.UNDER_INVESTIGATION)
    suspended_at = chain_view.status(SHANGHAI, sealed.digest).effective_at
    advance_time(w3, 10)
    shanghai.client.reinstate(sealed.digest, _root(sealed), StatusReason.INVESTIGATION_CLEARED)
    report = verify(sealed.to_json(), chain_view)
    assert_report(report, Expect(Verdict.VALID))
    assert report.check(CheckType.STATUS).reason is Reason.STATUS_REINSTATED
    during = verify(sealed.to_json(), chain_view, at=suspended_at + 1)
    assert_report(during, Expect(Verdict.INVALID, CheckType.STATUS, Reason.STATUS_SUSPENDED))
    before = verify(sealed.to_json(), chain_view, at=suspended_at - 1)
    assert before.check(CheckType.STATUS).status is CheckStatus.VALID
    history = chain_view.status_history(SHANGHAI, sealed.digest, 0)
    assert [c.state.name for c in history] == ["SUSPENDED", "ACTIVE"]


# --- validity -------------------------------------------------------------------------------------


def test_expired(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    document = shanghai.document("driving_licence")
    start = date.fromisoformat(document["valid_from"])
    document["valid_until"] = (start + timedelta(days=30)).isoformat()
    (sealed,) = shanghai.anchor([shanghai.seal(document)])
    assert_report(
        verify(sealed.to_json(), chain_view),
        Expect(Verdict.INVALID, CheckType.VALIDITY, Reason.VALIDITY_EXPIRED),
    )
    # On its last day it was still valid.
    last_day = day_start(start + timedelta(days=30)) + 3600
    assert verify(sealed.to_json(), chain_view, at=last_day).verdict is Verdict.VALID


def test_not_yet_valid(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    document = shanghai.document(valid_from="2099-01-01")
    (sealed,) = shanghai.anchor([shanghai.seal(document)])
    assert_report(
        verify(sealed.to_json(), chain_view),
        Expect(Verdict.INVALID, CheckType.VALIDITY, Reason.VALIDITY_NOT_YET_VALID),
    )


# --- the chain and the file itself ----------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_chain_down_is_an_error(shanghai: Issuer, deployment: Deployment) -> None:
    (sealed,) = shanghai.issue()
    down = Web3(HTTPProvider(f"http://127.0.0.1:{_closed_port()}", request_kwargs={"timeout": 2}))
    view = Web3ChainView.for_deployment(down, deployment)
    for report in (verify(sealed.to_json(), view), *verify_many([sealed.to_json()], view)):
        assert report.verdict is Verdict.ERROR
        for check_type in (
            CheckType.SIGNATURE,
            CheckType.ANCHOR,
            CheckType.STATUS,
            CheckType.ISSUER_KEY,
            CheckType.ISSUER_IDENTITY,
        ):
            check = report.check(check_type)
            assert check.status is CheckStatus.ERROR, check
            assert check.reason is Reason.CHAIN_UNAVAILABLE
        assert report.check(CheckType.INTEGRITY).status is CheckStatus.VALID


def test_malformed_json(chain_view: Web3ChainView) -> None:
    report = verify('{"version": "huren/sealed-certificate/1", ', chain_view)
    assert_report(report, Expect(Verdict.INVALID, CheckType.FORMAT, Reason.FORMAT_NOT_JSON))
    assert all(
        c.status is CheckStatus.SKIPPED for c in report.checks if c.type is not CheckType.FORMAT
    )


def test_wrong_schema_version(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    data = as_json(sealed)
    data["version"] = "huren/sealed-certificate/2"
    assert_report(
        verify(json.dumps(data), chain_view),
        Expect(Verdict.INVALID, CheckType.FORMAT, Reason.FORMAT_WRONG_VERSION),
    )


def test_schema_violation(shanghai: Issuer, chain_view: Web3ChainView) -> None:
    (sealed,) = shanghai.issue()
    data = as_json(sealed)
    del data["signature"]
    assert_report(
        verify(data, chain_view), Expect(Verdict.INVALID, CheckType.FORMAT, Reason.FORMAT_SCHEMA)
    )


# --- batch ----------------------------------------------------------------------------------------


def test_batch_agrees_with_single(
    shanghai: Issuer, jiangsu: Issuer, chain_view: Web3ChainView, w3: Web3
) -> None:
    good = shanghai.issue(4) + jiangsu.issue(3)
    revoked = shanghai.issue()[0]
    advance_time(w3, 5)
    shanghai.client.revoke(revoked.digest, _root(revoked), StatusReason.HOLDER_REQUEST)
    tampered = as_json(good[0])
    tampered["content"]["document"]["holder"]["name"] = "李四"
    inputs: list[Any] = [*(s.to_json() for s in good), revoked.to_json(), tampered, "not json"]
    for at in (None, int(chain_view.anchor(_root(revoked)).anchored_at) + 1):  # type: ignore[union-attr]
        batch = verify_many(inputs, chain_view, at=at, now=2_000_000_000)
        single = [verify(i, chain_view, at=at, now=2_000_000_000) for i in inputs]
        assert [r.to_json() for r in batch] == [r.to_json() for r in single]
    verdicts = [r.verdict for r in verify_many(inputs, chain_view)]
    assert verdicts == [Verdict.VALID] * 7 + [Verdict.INVALID] * 3


class CountingRpc(RpcClient):
    """A real JSON-RPC client that counts its round trips to the node."""

    round_trips = 0

    def _post(self, payload: Any) -> Any:
        self.round_trips += 1
        return super()._post(payload)


def test_batch_needs_a_few_round_trips(
    shanghai: Issuer, jiangsu: Issuer, local_chain_url: str, deployment: Deployment
) -> None:
    files = [s.to_json() for s in shanghai.issue(30) + jiangsu.issue(20)]
    rpc = CountingRpc(local_chain_url)
    view = Web3ChainView(rpc, deployment.address, from_block=deployment.block_number)
    reports = verify_many(files, view)
    assert all(r.verdict is Verdict.VALID for r in reports)
    assert rpc.round_trips == 2  # eth_chainId, then one batch of every read
    rpc.round_trips = 0
    verify_many(files, view, at=int(time.time()))
    assert rpc.round_trips == 1  # anchors, keys, provinces cached; nothing ever changed status


def test_batch_is_fetched_chunk_by_chunk(
    shanghai: Issuer,
    local_chain_url: str,
    deployment: Deployment,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = [s.to_json() for s in shanghai.issue(25)] + ["not json"]
    rpc = CountingRpc(local_chain_url)
    view = Web3ChainView(rpc, deployment.address, from_block=deployment.block_number, cache_ttl=0)
    whole = verify_many(files, view, now=2_000_000_000)
    # ``verifier.verify`` is also the name of the function the package exports
    monkeypatch.setattr(importlib.import_module("verifier.verify"), "CHUNK", 10)
    rpc.round_trips = 0
    chunked = verify_many(files, view, now=2_000_000_000)
    assert rpc.round_trips == 3  # one batch of reads per chunk of 10
    assert [r.to_json() for r in chunked] == [r.to_json() for r in whole]
