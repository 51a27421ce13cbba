"""Every event the ledger emits, read back with :class:`ledger.events.EventReader` over an explicit
block range and compared, argument by argument, with what was sent.

A pristine ledger is deployed so the range holds exactly the events of this test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contract_helpers import (
    ANHUI,
    ED25519,
    JIANGSU,
    P256,
    SHANGHAI,
    ZHEJIANG,
    account,
    block_time,
    clients_on,
    ed25519_spki,
    latest_time,
    p256_spki,
    random_hash,
)
from web3 import Web3

from ledger.artifact import load_artifact
from ledger.chain import RpcClient
from ledger.contract import CONTRACT_NAME, HurenLedgerClient
from ledger.devnet import DEV_PROVINCES, deploy_dev_ledger
from ledger.events import EventReader
from ledger.types import CertificateState, ProposalKind, StatusReason

ClientOf = Callable[[int], HurenLedgerClient]
Expected = list[tuple[str, dict[str, Any]]]


def test_every_event_decodes_to_what_was_sent(w3: Web3, ledger_client: ClientOf) -> None:
    deployment = deploy_dev_ledger(w3)
    clients = clients_on(
        w3, deployment.address, {p.code: ledger_client(p.code).sender for p in DEV_PROVINCES}
    )
    shanghai, jiangsu = clients[SHANGHAI], clients[JIANGSU]
    anhui, replacement = account(4).address, account(8).address
    founders = [p.account.address for p in DEV_PROVINCES]
    zero = "0x" + "00" * 20

    expected: Expected = [
        *[("ProvinceAdded", {"code": p.code, "account": p.account.address,
                             "endpoint": p.endpoint}) for p in DEV_PROVINCES],
        ("ThresholdChanged", {"previous": 0, "threshold": 2}),
    ]  # fmt: skip

    # Governance: each kind proposed by one province and carried by a second.
    proposals = [
        (ProposalKind.ADD_MEMBER, ANHUI, anhui, "https://huren.ah.gov.cn", 0),
        (ProposalKind.REMOVE_MEMBER, ANHUI, zero, "", 0),
        (ProposalKind.REPLACE_ACCOUNT, ZHEJIANG, replacement, "", 0),
        (ProposalKind.CHANGE_THRESHOLD, 0, zero, "", 3),
    ]
    effects: list[tuple[str, dict[str, Any]]] = [
        ("ProvinceAdded", {"code": ANHUI, "account": anhui, "endpoint": "https://huren.ah.gov.cn"}),
        ("ProvinceRemoved", {"code": ANHUI, "account": anhui}),
        ("ProvinceAccountReplaced",
         {"code": ZHEJIANG, "previous": founders[2], "account": replacement}),
        ("ThresholdChanged", {"previous": 2, "threshold": 3}),
    ]  # fmt: skip
    for (kind, code, new_account, endpoint, threshold), effect in zip(
        proposals, effects, strict=True
    ):
        pid = shanghai.propose(
            kind, code=code, account=new_account, endpoint=endpoint, threshold=threshold
        )
        jiangsu.approve(pid)
        expected += [
            ("ProposalCreated", {"id": pid, "proposer": SHANGHAI, "kind": int(kind), "code": code,
                                 "account": new_account, "endpoint": endpoint,
                                 "threshold": threshold}),
            ("ProposalApproved", {"id": pid, "code": SHANGHAI, "approvals": 1}),
            ("ProposalApproved", {"id": pid, "code": JIANGSU, "approvals": 2}),
            effect,
            ("ProposalExecuted", {"id": pid}),
        ]  # fmt: skip

    jiangsu.set_endpoint("https://huren.js.gov.cn/节点")
    expected.append(
        ("ProvinceEndpointChanged", {"code": JIANGSU, "endpoint": "https://huren.js.gov.cn/节点"})
    )

    # Keys: register both algorithms, retire one, revoke the other as compromised.
    ed_spki, p_spki = ed25519_spki(), p256_spki()
    ed_id = shanghai.register_key(ed_spki, ED25519)
    ed_from = latest_time(w3)
    p_id = jiangsu.register_key(p_spki, P256)
    p_from = latest_time(w3)
    retired = block_time(w3, int(shanghai.retire_key(ed_id)["blockNumber"]))
    jiangsu.revoke_key(p_id, p_from - 5)
    expected += [
        ("KeyRegistered", {"code": SHANGHAI, "keyId": ed_id, "algorithm": ED25519,
                           "publicKey": ed_spki, "validFrom": ed_from}),
        ("KeyRegistered", {"code": JIANGSU, "keyId": p_id, "algorithm": P256,
                           "publicKey": p_spki, "validFrom": p_from}),
        ("KeyRetired", {"code": SHANGHAI, "keyId": ed_id, "validUntil": retired}),
        ("KeyRevoked", {"code": JIANGSU, "keyId": p_id, "compromisedAt": p_from - 5,
                        "validUntil": p_from}),
    ]  # fmt: skip

    # Anchors and an access-log head.
    root, log_root, digests = random_hash(), random_hash(), [random_hash() for _ in range(3)]
    anchored_at = block_time(w3, int(shanghai.anchor(root, 3)["blockNumber"]))
    logged_at = block_time(w3, int(shanghai.anchor_access_log(log_root, 7)["blockNumber"]))
    expected += [
        ("RootAnchored", {"code": SHANGHAI, "root": root, "count": 3, "anchoredAt": anchored_at}),
        ("AccessLogAnchored",
         {"code": SHANGHAI, "root": log_root, "size": 7, "anchoredAt": logged_at}),
    ]  # fmt: skip

    # Status changes: every state, a back-dated one, and a batch.
    changes = [
        (shanghai.suspend, digests[0], StatusReason.UNDER_INVESTIGATION, 0,
         CertificateState.SUSPENDED),
        (shanghai.reinstate, digests[0], StatusReason.INVESTIGATION_CLEARED, 0,
         CertificateState.ACTIVE),
        (shanghai.revoke, digests[1], StatusReason.ISSUED_IN_ERROR, anchored_at,
         CertificateState.REVOKED),
    ]  # fmt: skip
    for write, digest, reason, effective, state in changes:
        recorded = block_time(w3, int(write(digest, root, reason, effective)["blockNumber"]))
        expected.append(
            ("StatusChanged", {"code": SHANGHAI, "digest": digest, "root": root,
                               "state": int(state), "reason": int(reason),
                               "effectiveAt": effective or recorded, "recordedAt": recorded})
        )  # fmt: skip
    batch = shanghai.revoke_batch([digests[0], digests[2]], [root, root], StatusReason.SUPERSEDED)
    recorded = block_time(w3, int(batch["blockNumber"]))
    expected += [
        ("StatusChanged", {"code": SHANGHAI, "digest": d, "root": root,
                           "state": int(CertificateState.REVOKED),
                           "reason": int(StatusReason.SUPERSEDED),
                           "effectiveAt": recorded, "recordedAt": recorded})
        for d in (digests[0], digests[2])
    ]  # fmt: skip

    head = w3.eth.block_number
    reader = EventReader(RpcClient.for_web3(w3), load_artifact(CONTRACT_NAME).abi, page_size=7)
    events = list(reader.read(deployment.address, deployment.block_number, head))

    assert [(e.name, dict(e.args)) for e in events] == expected
    assert {name for name, _ in expected} == set(reader.decoder.event_names)
    assert [e.position for e in events] == sorted(e.position for e in events)
    batch_events = [e for e in events if e.block_number == int(batch["blockNumber"])]
    assert [e.transaction_hash for e in batch_events] == [bytes(batch["transactionHash"])] * 2
    assert [e.log_index for e in batch_events] == [0, 1]
    bootstrap = reader.read(deployment.address, deployment.block_number, deployment.block_number)
    assert [e.name for e in bootstrap] == ["ProvinceAdded"] * 3 + ["ThresholdChanged"]
    keys = reader.read(
        deployment.address, deployment.block_number, head, events={"KeyRetired", "KeyRevoked"}
    )
    assert [(e.name, dict(e.args)) for e in keys] == [
        (name, args) for name, args in expected if name in ("KeyRetired", "KeyRevoked")
    ]
    # the client reads the same events of its deployment, up to the head it reports
    assert shanghai.block_number() == head
    assert list(shanghai.events(deployment.block_number, head)) == events
    anchored = shanghai.events(deployment.block_number, head, names={"RootAnchored"})
    assert list(anchored) == [e for e in events if e.name == "RootAnchored"]
