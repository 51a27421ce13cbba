"""The chain: down (issuance goes on, anchoring backs off), status changes, key rotation."""

from __future__ import annotations

import time
from collections.abc import Callable

from node_helpers import AGENCY, RunningNode, SettingsFactory, start_node
from sqlmodel import select
from web3 import Web3

from certificate.verification import verify_signature
from ledger.chain import connect
from ledger.contract import HurenLedgerClient
from ledger.exceptions import LedgerConnectionError
from ledger.types import CertificateState, StatusReason
from province_nodes.db import unit_of_work
from province_nodes.models import CertificateRow
from province_nodes.reads import load_sealed


class FlakyChain:
    """A connector that fails while ``down`` is set, like a chain node being restarted."""

    def __init__(self) -> None:
        self.down = True

    def __call__(self, url: str) -> Web3:
        if self.down:
            raise LedgerConnectionError(f"the chain at {url} does not answer", url)
        return connect(url)


def test_chain_down_issuance_is_queued_and_anchoring_retries_with_backoff(
    make_settings: SettingsFactory,
) -> None:
    chain = FlakyChain()
    settings = make_settings(
        330000, run_batcher=True, retry_initial=0.05, retry_max=0.2, batch_interval=0.1
    )
    for running in start_node(settings, connector=chain):
        ids = [running.issue(seed) for seed in range(40, 43)]
        deadline = time.monotonic() + 20
        while running.node.batcher.failures < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.node.batcher.failures >= 4
        assert running.node.batcher.retry_delay == 0.2  # doubled up to the cap
        assert running.node.batcher.pending() == 3
        chain.down = False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = [
                running.client.get(
                    f"/certificates/{i}/receipt", headers=running.headers("auditor")
                ).status_code
                for i in ids
            ]
            if done == [200, 200, 200]:
                break
            time.sleep(0.1)
        assert done == [200, 200, 200]


def test_status_changes_go_to_the_chain_first(
    zhejiang: RunningNode, ledger_client: Callable[[int], HurenLedgerClient]
) -> None:
    certificate_id = zhejiang.issue(50, "food_business_licence")
    operator = zhejiang.headers("operator")
    early = zhejiang.client.post(
        f"/certificates/{certificate_id}/status",
        json={"action": "suspend", "reason": int(StatusReason.UNDER_INVESTIGATION)},
        headers=operator,
    )
    assert (early.status_code, early.json()["error"]) == (409, "not_anchored")
    zhejiang.anchor()

    def change(action: str, reason: StatusReason) -> dict[str, object]:
        response = zhejiang.client.post(
            f"/certificates/{certificate_id}/status",
            json={"action": action, "reason": int(reason)},
            headers=operator,
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    assert change("suspend", StatusReason.UNDER_INVESTIGATION)["state"] == "suspended"
    assert change("reinstate", StatusReason.INVESTIGATION_CLEARED)["state"] == "active"
    assert change("revoke", StatusReason.FRAUD)["state"] == "revoked"
    again = zhejiang.client.post(
        f"/certificates/{certificate_id}/status",
        json={"action": "suspend", "reason": int(StatusReason.UNDER_INVESTIGATION)},
        headers=operator,
    )
    assert again.status_code == 409
    assert again.json()["error"] == "status_already_revoked"
    bad = zhejiang.client.post(
        f"/certificates/{certificate_id}/status",
        json={"action": "revoke", "reason": 200},
        headers=operator,
    )
    assert (bad.status_code, bad.json()["error"]) == (422, "unknown_reason")
    agency = zhejiang.client.post(
        f"/certificates/{certificate_id}/status",
        json={"action": "revoke", "reason": 1},
        headers=zhejiang.headers(AGENCY),
    )
    assert (agency.status_code, agency.json()["error"]) == (403, "forbidden_role")

    with unit_of_work(zhejiang.node.engine) as session:
        row = session.exec(
            select(CertificateRow).where(CertificateRow.certificate_id == certificate_id)
        ).one()
    on_chain = ledger_client(330000).status_of(330000, row.digest)
    assert on_chain.state is CertificateState.REVOKED and on_chain.changes == 3
    assert row.state == "revoked" and row.reason == int(StatusReason.FRAUD)
    shown = zhejiang.client.get(
        f"/certificates/{certificate_id}/status", headers=zhejiang.headers("auditor")
    ).json()
    assert shown["state"] == "revoked" and shown["changes"] == 3


def test_key_rotation_keeps_old_certificates_verifiable(
    zhejiang: RunningNode, ledger_client: Callable[[int], HurenLedgerClient]
) -> None:
    ledger = ledger_client(330000)
    old_key = zhejiang.node.keys.active
    assert ledger.signing_key(old_key.key_id) is not None  # registered at start
    anchored_old = zhejiang.issue(60)
    zhejiang.anchor()
    queued_old = zhejiang.issue(61)  # signed by the old key, anchored during the rotation

    response = zhejiang.client.post("/keys/rotate", headers=zhejiang.headers("operator"))
    assert response.status_code == 200, response.text
    new_id = bytes.fromhex(response.json()["key_id"][2:])
    assert new_id != old_key.key_id and zhejiang.node.keys.active.key_id == new_id

    old_record = ledger.signing_key(old_key.key_id)
    assert old_record is not None and old_record.valid_until is not None
    new_record = ledger.signing_key(new_id)
    assert new_record is not None and new_record.valid_until is None
    fresh = zhejiang.issue(62)
    zhejiang.anchor()

    for certificate_id in (anchored_old, queued_old, fresh):
        with unit_of_work(zhejiang.node.engine) as session:
            row = session.exec(
                select(CertificateRow).where(CertificateRow.certificate_id == certificate_id)
            ).one()
        sealed = load_sealed(zhejiang.node.master, row)
        key = ledger.signing_key(sealed.signature.key_id)
        assert key is not None
        verify_signature(sealed, key.public_key, sealed.algorithm)
        assert sealed.receipt is not None
        anchor = ledger.anchor_of(sealed.receipt.batch_root)
        assert anchor is not None and key.active_at(anchor.anchored_at)
