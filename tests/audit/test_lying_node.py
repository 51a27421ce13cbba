"""Tampering the auditor must catch when the node it reads lies: forged view answers, dropped
logs, a reorganised block under a checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from audit_history import History, build_history
from lying_proxy import lying_proxy
from web3 import Web3

from audit import AuditCheckpointError, Invariant, run_audit
from ledger.artifact import load_artifact
from ledger.calls import LedgerCalls
from ledger.chain import connect
from ledger.devnet import deploy_dev_ledger
from ledger.events import EventDecoder


@pytest.fixture(scope="module")
def history(w3: Web3) -> History:
    """A fresh deployment holding a history with every kind of event."""
    return build_history(w3, deploy_dev_ledger(w3))


def _upstream(w3: Web3) -> str:
    return str(w3.provider.endpoint_uri)  # type: ignore[attr-defined]


def test_forged_status_view_is_reported(history: History) -> None:
    """The node claims every certificate asked about through ``statusesOf`` is revoked."""
    calls = LedgerCalls(history.deployment.address, load_artifact("HurenLedger").abi)
    selector = "0x" + calls.functions["statusesOf"].selector.hex()

    def rewrite(method: str, params: list[Any], result: Any) -> Any:
        if method != "eth_call" or not params[0].get("data", "").startswith(selector):
            return result
        words = [result[2 + 64 * i : 66 + 64 * i] for i in range((len(result) - 2) // 64)]
        for item in range(int(words[1], 16)):  # offset, length, then 5 words per status
            words[2 + 5 * item] = f"{2:064x}"
        return "0x" + "".join(words)

    with lying_proxy(_upstream(history.w3), rewrite) as url:
        report = run_audit(connect(url), history.deployment)

    assert report.violations == []  # the events are genuine
    assert report.comparison is not None and not report.ok
    lies = {d.key for d in report.comparison.differences if d.view == "statusesOf"}
    not_revoked = {"suspended", "reinstated", "js_suspended"}
    assert {k.split("/0x")[1] for k in lies} == {history.digests[n].hex() for n in not_revoked}
    assert {d.view for d in report.comparison.differences} == {"statusesOf"}


def test_dropped_log_is_reported(history: History) -> None:
    """The node leaves out the suspension of the certificate that was later reinstated."""
    topic = EventDecoder(load_artifact("HurenLedger").abi).topic("StatusChanged")
    target = "0x" + history.digests["reinstated"].hex()

    def rewrite(method: str, params: list[Any], result: Any) -> Any:
        if method != "eth_getLogs":
            return result
        dropped = [log for log in result if log["topics"][:1] == [topic]]
        dropped = [log for log in dropped if log["topics"][2] == target][:1]
        return [log for log in result if log not in dropped]

    with lying_proxy(_upstream(history.w3), rewrite) as url:
        report = run_audit(connect(url), history.deployment)

    # the reinstatement now follows no suspension ...
    assert {v.invariant for v in report.violations} == {Invariant.STATUS_TRANSITION_VALID}
    # ... and the contract counts one more change than the replay saw
    assert report.comparison is not None
    views = {d.view: d for d in report.comparison.differences}
    assert views["statusChangeCount"].contract == views["statusChangeCount"].rebuilt + 1
    assert "statusesOf" in views
    assert not report.ok


def test_reorganised_block_under_the_checkpoint_is_refused(
    history: History, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "audit.checkpoint"
    first = run_audit(history.w3, history.deployment, checkpoint=checkpoint, compare_views=False)
    block = hex(first.to_block)

    def rewrite(method: str, params: list[Any], result: Any) -> Any:
        if method == "eth_getBlockByNumber" and params[0] == block:
            return {**result, "hash": "0x" + "ee" * 32}
        return result

    with (
        lying_proxy(_upstream(history.w3), rewrite) as url,
        pytest.raises(AuditCheckpointError, match="reorganised"),
    ):
        run_audit(connect(url), history.deployment, checkpoint=checkpoint)


def test_forged_transaction_sender_is_reported(history: History) -> None:
    """The node says Shanghai's first anchor was sent by Jiangsu's account."""
    clean = run_audit(history.w3, history.deployment, compare_views=False)
    anchor = clean.state.anchors[history.roots["sh1"]]
    forged_tx = "0x" + anchor.transaction_hash.hex()
    jiangsu = clean.state.provinces[320000].account

    def rewrite(method: str, params: list[Any], result: Any) -> Any:
        if method == "eth_getTransactionByHash" and params[0] == forged_tx:
            return {**result, "from": jiangsu.lower()}
        return result

    with lying_proxy(_upstream(history.w3), rewrite) as url:
        report = run_audit(connect(url), history.deployment, compare_views=False)

    (violation,) = report.violations
    assert violation.invariant is Invariant.EVENTS_SENT_BY_PROVINCE_ACCOUNT
    assert violation.events == (anchor.event(),)
    assert jiangsu.lower() in violation.message.lower() and "310000" in violation.message
    assert clean.violations == []
