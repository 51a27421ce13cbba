"""No single endpoint decides a verdict: lying proxies in front of the real chain.

The liars: a node that answers the status views with "active" and drops the matching
``StatusChanged`` logs (a consistent lie, which the view-call reader believes); a node that lies
in its state proofs; a node that lies about the block header; a node that alters a status
history's log. A revoked certificate must never come out VALID when any one endpoint lies;
honest endpoints still give VALID.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from lying_proxy import Rewrite, lying_proxy
from verifier_support import Issuer, advance_time
from web3 import Web3

from certificate.sealed_file import SealedCertificate
from ledger.anvil import LocalChain
from ledger.artifact import load_artifact
from ledger.calls import LedgerCalls
from ledger.chain import RpcClient
from ledger.deploy import Deployment
from ledger.events import EventDecoder
from ledger.finality import read_block
from ledger.ledger_storage import LedgerStorage
from ledger.quorum import public_url
from ledger.types import BlockRef, Hash32, StatusReason
from verifier import CheckStatus, CheckType, Reason, Verdict, Web3ChainView, verify, verify_many
from verifier.quorum_view import QuorumChainView
from verifier.render import render_text
from verifier.types import BlockSource, Report

SHANGHAI = 310000
ABI = load_artifact("HurenLedger").abi
STORAGE = LedgerStorage.of(load_artifact("HurenLedger"))
STATUS_TOPIC = EventDecoder(ABI).topic("StatusChanged")


@pytest.fixture(scope="module")
def shanghai(issuer: Callable[[int], Issuer]) -> Issuer:
    return issuer(SHANGHAI)


def _root(sealed: SealedCertificate) -> bytes:
    assert sealed.receipt is not None
    return sealed.receipt.batch_root


@pytest.fixture
def revoked(shanghai: Issuer, w3: Web3) -> SealedCertificate:
    """A certificate revoked ten seconds after it was anchored."""
    (sealed,) = shanghai.issue()
    advance_time(w3, 10)
    shanghai.client.revoke(sealed.digest, _root(sealed), StatusReason.FRAUD)
    return sealed


# --- the liars --------------------------------------------------------------------------------


def _honest(method: str, params: list[Any], result: Any) -> Any:
    return result


def _views_and_events_say_active(deployment: Deployment) -> Rewrite:
    """``statusOf``/``statusesOf`` answer "never changed", and every StatusChanged log is
    dropped: the story is consistent, so a reader of views and events believes it."""
    calls = LedgerCalls(deployment.address, ABI)
    selectors = {"0x" + calls.functions[n].selector.hex() for n in ("statusOf", "statusesOf")}

    def rewrite(method: str, params: list[Any], result: Any) -> Any:
        if method == "eth_call" and params[0].get("data", "")[:10] in selectors:
            words = [result[2 + 64 * i : 66 + 64 * i] for i in range((len(result) - 2) // 64)]
            if params[0]["data"][:10] == "0x" + calls.functions["statusOf"].selector.hex():
                return "0x" + "0" * 64 * len(words)
            return "0x" + "".join(words[:2]) + "0" * 64 * (len(words) - 2)
        if method == "eth_getLogs":
            return [log for log in result if log["topics"][0] != STATUS_TOPIC]
        return result

    return rewrite


def _status_slot(sealed: SealedCertificate) -> str:
    return "0x" + STORAGE.status(SHANGHAI, sealed.digest).slots[0].to_bytes(32, "big").hex()


def _proof_claims_absent(sealed: SealedCertificate, *, drop_leaf: bool) -> Rewrite:
    """The node says the certificate's status slot is empty (never changed): with the true
    proof, or with the leaf that holds the status cut off."""
    slot = _status_slot(sealed)

    def rewrite(method: str, params: list[Any], result: Any) -> Any:
        if method == "eth_getProof":
            result = copy.deepcopy(result)
            for entry in result["storageProof"]:
                if entry["key"] == slot:
                    entry["value"] = "0x0"
                    if drop_leaf:
                        entry["proof"] = entry["proof"][:-1]
        return result

    return rewrite


def _header_lie(method: str, params: list[Any], result: Any) -> Any:
    """Every header the node sends carries another state root."""
    if method == "eth_getBlockByNumber" and isinstance(result, dict):
        return {**result, "stateRoot": "0x" + "ab" * 32}
    return result


def _earlier_suspension(digest: bytes) -> Rewrite:
    """The node moves the effective time of a certificate's first status change (its
    suspension) a day back: count and last change unchanged, so only a quorum can tell."""

    def rewrite(method: str, params: list[Any], result: Any) -> Any:
        if method != "eth_getLogs":
            return result
        changed = []
        for log in result:
            if log["topics"][0] == STATUS_TOPIC and log["topics"][2] == "0x" + digest.hex():
                words = [log["data"][2 + 64 * i : 66 + 64 * i] for i in range(5)]
                if int(words[1], 16) == 1:  # the suspension
                    words[3] = f"{int(words[3], 16) - 86_400:064x}"
                    log = {**log, "data": "0x" + "".join(words)}
            changed.append(log)
        return changed

    return rewrite


@pytest.fixture
def endpoints(local_chain: LocalChain) -> Iterator[Callable[..., list[str]]]:
    """``endpoints(rewrite, …)``: a proxy in front of the chain per rewrite, as URLs."""
    with ExitStack() as stack:

        def make(*rewrites: Rewrite) -> list[str]:
            return [stack.enter_context(lying_proxy(local_chain.url, r)) for r in rewrites]

        yield make


def _view(urls: list[str], deployment: Deployment, quorum: int | None = None) -> QuorumChainView:
    return QuorumChainView.for_deployment(urls, deployment, quorum=quorum, cache_ttl=0)


def _chain_errors(report: Report) -> set[Reason]:
    return {c.reason for c in report.checks if c.status is CheckStatus.ERROR}


# --- one endpoint ---------------------------------------------------------------------------------


def test_a_consistent_lie_fools_the_view_reader_but_not_the_proofs(
    revoked: SealedCertificate,
    deployment: Deployment,
    w3: Web3,
    endpoints: Callable[..., list[str]],
) -> None:
    (liar,) = endpoints(_views_and_events_say_active(deployment))
    believed = verify(revoked, Web3ChainView(RpcClient(liar), deployment.address, cache_ttl=0))
    assert believed.verdict is Verdict.VALID  # what issue 14 is about: one server's word

    report = verify(revoked, _view([liar], deployment))
    assert report.verdict is Verdict.INVALID
    assert report.check(CheckType.STATUS).reason is Reason.STATUS_REVOKED
    assert report.trust is not None and report.trust.proofs_checked > 0

    # A status history asked from it lacks the revocation the proven status counts.
    later = verify(
        revoked, _view([liar], deployment), at=int(w3.eth.get_block("latest")["timestamp"])
    )
    assert later.verdict is Verdict.ERROR
    assert later.check(CheckType.STATUS).reason is Reason.CHAIN_DISAGREEMENT
    assert "proven status counts 1" in later.check(CheckType.STATUS).message


@pytest.mark.parametrize("drop_leaf", [False, True], ids=["value", "leaf"])
def test_a_lying_proof_is_caught_alone(
    revoked: SealedCertificate,
    deployment: Deployment,
    endpoints: Callable[..., list[str]],
    drop_leaf: bool,
) -> None:
    (liar,) = endpoints(_proof_claims_absent(revoked, drop_leaf=drop_leaf))
    report = verify(revoked, _view([liar], deployment))
    assert report.verdict is Verdict.ERROR
    assert _chain_errors(report) == {Reason.CHAIN_DISAGREEMENT}
    assert report.trust is not None and list(report.trust.disagreed) == [liar]
    assert "failed" in report.trust.disagreed[liar]


def test_a_lying_header_alone_fails_its_proofs(
    revoked: SealedCertificate, deployment: Deployment, endpoints: Callable[..., list[str]]
) -> None:
    (liar,) = endpoints(_header_lie)
    report = verify(revoked, _view([liar], deployment))
    assert report.verdict is Verdict.ERROR
    assert report.trust is not None and "does not hold against root" in report.trust.disagreed[liar]


def test_one_endpoint_is_trusted_for_its_header_and_the_report_says_so(
    shanghai: Issuer, deployment: Deployment, local_chain: LocalChain
) -> None:
    (sealed,) = shanghai.issue()
    report = verify(sealed, _view([local_chain.url], deployment))
    assert report.verdict is Verdict.VALID
    trust = report.trust
    assert trust is not None
    assert trust.endpoints == (public_url(local_chain.url),) and trust.quorum == 1
    assert trust.block_source is BlockSource.AGREED and trust.block_number is not None
    assert trust.proofs_checked >= 5  # anchor, status, key (head and public key), province
    text = render_text(report)
    assert f"the header of block {trust.block_number} from {trust.endpoints[0]} was trusted" in text
    assert Report.from_json(report.to_json()) == report


# --- several endpoints ----------------------------------------------------------------------------


def test_two_honest_endpoints_give_valid(
    shanghai: Issuer, deployment: Deployment, endpoints: Callable[..., list[str]]
) -> None:
    urls = endpoints(_honest, _honest)
    good, bad = shanghai.issue(2)
    shanghai.client.revoke(bad.digest, _root(bad), StatusReason.FRAUD)
    reports = verify_many([good, bad], _view(urls, deployment))
    assert [r.verdict for r in reports] == [Verdict.VALID, Verdict.INVALID]
    trust = reports[0].trust
    assert trust is not None and trust.endpoints == tuple(urls) and trust.disagreed == {}
    assert "2 of 2 endpoints agreed on block" in render_text(reports[0])


def test_a_lying_header_beside_an_honest_endpoint_is_an_error(
    revoked: SealedCertificate, deployment: Deployment, endpoints: Callable[..., list[str]]
) -> None:
    honest, liar = endpoints(_honest, _header_lie)
    report = verify(revoked, _view([honest, liar], deployment))
    assert report.verdict is Verdict.ERROR
    assert _chain_errors(report) == {Reason.CHAIN_DISAGREEMENT}
    assert report.trust is not None and set(report.trust.disagreed) == {honest, liar}


LIARS: dict[str, Callable[[Deployment, SealedCertificate], Rewrite]] = {
    "views and events": lambda deployment, _: _views_and_events_say_active(deployment),
    "proof value": lambda _, sealed: _proof_claims_absent(sealed, drop_leaf=False),
    "proof leaf": lambda _, sealed: _proof_claims_absent(sealed, drop_leaf=True),
    "header": lambda _, __: _header_lie,
}


@pytest.mark.parametrize("lie", sorted(LIARS))
@pytest.mark.parametrize("historic", [False, True], ids=["now", "at"])
def test_one_of_three_lying_with_quorum_two_gives_the_honest_answer(
    revoked: SealedCertificate,
    deployment: Deployment,
    endpoints: Callable[..., list[str]],
    w3: Web3,
    lie: str,
    historic: bool,
) -> None:
    liar, *honest = endpoints(LIARS[lie](deployment, revoked), _honest, _honest)
    at = int(w3.eth.get_block("latest")["timestamp"]) if historic else None
    report = verify(revoked, _view([liar, *honest], deployment, quorum=2), at)
    assert report.verdict is Verdict.INVALID
    assert report.check(CheckType.STATUS).reason is Reason.STATUS_REVOKED
    assert report.trust is not None and report.trust.quorum == 2
    if lie != "views and events" or historic:  # views are never asked; logs are
        assert list(report.trust.disagreed) == [liar]
    else:
        assert report.trust.disagreed == {}


@pytest.mark.parametrize("lie", sorted(LIARS))
def test_any_one_liar_among_all_required_is_never_valid(
    revoked: SealedCertificate,
    deployment: Deployment,
    endpoints: Callable[..., list[str]],
    w3: Web3,
    lie: str,
) -> None:
    urls = endpoints(_honest, LIARS[lie](deployment, revoked))
    for at in (None, int(w3.eth.get_block("latest")["timestamp"])):
        report = verify(revoked, _view(urls, deployment), at)
        assert report.verdict is not Verdict.VALID


def test_an_altered_history_needs_the_quorum(
    shanghai: Issuer, deployment: Deployment, endpoints: Callable[..., list[str]], w3: Web3
) -> None:
    """Logs have no proof: an altered log that keeps the count and the last change is caught
    only by comparing endpoints."""
    (sealed,) = shanghai.issue()
    advance_time(w3, 100_000)
    shanghai.client.suspend(sealed.digest, _root(sealed), StatusReason.UNDER_INVESTIGATION)
    advance_time(w3, 10)
    shanghai.client.reinstate(sealed.digest, _root(sealed), StatusReason.INVESTIGATION_CLEARED)
    liar, honest, other = endpoints(_earlier_suspension(sealed.digest), _honest, _honest)
    at = int(w3.eth.get_block("latest")["timestamp"]) - 50_000  # before the true suspension

    alone = verify(sealed, _view([liar], deployment), at)
    assert alone.check(CheckType.STATUS).reason is Reason.STATUS_SUSPENDED  # believed: no proof
    assert alone.trust is not None and alone.trust.histories_compared == 1

    both = verify(sealed, _view([liar, honest], deployment), at)
    assert both.verdict is Verdict.ERROR
    assert both.check(CheckType.STATUS).reason is Reason.CHAIN_DISAGREEMENT

    outvoted = verify(sealed, _view([liar, honest, other], deployment, quorum=2), at)
    assert outvoted.verdict is Verdict.VALID
    assert outvoted.trust is not None and list(outvoted.trust.disagreed) == [liar]


def test_verify_many_with_one_liar_of_three(
    shanghai: Issuer, deployment: Deployment, endpoints: Callable[..., list[str]]
) -> None:
    batch = shanghai.issue(6)
    revoked = batch[1::2]
    shanghai.client.revoke_batch(
        [s.digest for s in revoked], [_root(s) for s in revoked], StatusReason.FRAUD
    )
    liar, *honest = endpoints(_proof_claims_absent(batch[1], drop_leaf=False), _honest, _honest)
    reports = verify_many(batch, _view([liar, *honest], deployment, quorum=2))
    assert [r.verdict for r in reports] == [Verdict.VALID, Verdict.INVALID] * 3
    alone = verify_many(batch, _view([liar], deployment))
    assert {r.verdict for r in alone} == {Verdict.ERROR}


# --- reading at a given block ---------------------------------------------------------------------


def test_a_given_block_is_read_at_and_checked(
    shanghai: Issuer, deployment: Deployment, local_chain: LocalChain, w3: Web3
) -> None:
    (sealed,) = shanghai.issue()
    with RpcClient(local_chain.url) as rpc:
        before = read_block(rpc, int(rpc.call("eth_blockNumber"), 16))
    shanghai.client.revoke(sealed.digest, _root(sealed), StatusReason.FRAUD)
    view = _view([local_chain.url], deployment)

    assert verify(sealed, view).verdict is Verdict.INVALID
    then = verify(sealed, view.at(before))
    assert then.verdict is Verdict.VALID  # not yet revoked at that block
    assert then.trust is not None and then.trust.block_source is BlockSource.GIVEN
    assert then.trust.block_number == before.number

    forged = BlockRef(before.number, before.hash, Hash32(bytes(32)))
    refused = verify(sealed, view.at(forged))
    assert refused.verdict is Verdict.ERROR
    assert _chain_errors(refused) == {Reason.CHAIN_DISAGREEMENT}


def test_unreachable_endpoints_are_unavailable_not_disagreeing(
    shanghai: Issuer, deployment: Deployment, local_chain: LocalChain
) -> None:
    (sealed,) = shanghai.issue()
    closed = _closed_url()
    report = verify(sealed, _view([closed], deployment))
    assert _chain_errors(report) == {Reason.CHAIN_UNAVAILABLE}
    tolerated = verify(sealed, _view([local_chain.url, closed], deployment, quorum=1))
    assert tolerated.verdict is Verdict.VALID
    assert tolerated.trust is not None
    assert tolerated.trust.disagreed[closed].startswith("unreachable")


def _closed_url() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"
