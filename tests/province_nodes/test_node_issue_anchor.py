"""Issue → anchored → receipt verifies against the chain, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from node_helpers import RunningNode, SettingsFactory, start_node

from certificate.sealed_file import Receipt, parse_sealed
from ledger.contract import HurenLedgerClient


def _check_receipt(
    running: RunningNode, certificate_id: str, ledger_client: Callable[[int], HurenLedgerClient]
) -> Receipt:
    response = running.client.get(
        f"/certificates/{certificate_id}/receipt", headers=running.headers("auditor")
    )
    assert response.status_code == 200, response.text
    receipt = Receipt.model_validate(response.json())
    audit = running.client.get("/audit/certificates?limit=1000", headers=running.headers("auditor"))
    sealed = next(
        parse_sealed_json(item["sealed"])
        for item in audit.json()["items"]
        if item["certificate_id"] == certificate_id
    )
    receipt.verify_proof(sealed.digest)
    anchor = ledger_client(running.node.province).anchor_of(receipt.batch_root)
    assert anchor is not None
    assert anchor.province == running.node.province
    assert anchor.count == receipt.tree_size
    assert anchor.block_number == receipt.block_number
    return receipt


def parse_sealed_json(value: dict[str, object]):  # type: ignore[no-untyped-def]
    import json

    return parse_sealed(json.dumps(value))


def test_issue_then_anchor_gives_a_receipt_that_verifies_on_chain(
    zhejiang: RunningNode, ledger_client: Callable[[int], HurenLedgerClient]
) -> None:
    ids = [zhejiang.issue(seed) for seed in range(11)]
    pending = zhejiang.client.get(
        f"/certificates/{ids[0]}/receipt", headers=zhejiang.headers("operator")
    )
    assert pending.status_code == 409
    assert pending.json()["error"] == "not_anchored"
    zhejiang.anchor()
    receipts = [_check_receipt(zhejiang, i, ledger_client) for i in ids]
    assert {r.tree_size for r in receipts} == {8, 3}  # batch size 8: one full batch, one partial
    assert zhejiang.node.batcher.pending() == 0


@pytest.mark.postgres
def test_issue_and_anchor_on_postgresql(
    make_settings: SettingsFactory,
    postgres_schema_url: str,
    ledger_client: Callable[[int], HurenLedgerClient],
) -> None:
    for running in start_node(make_settings(330000, database_url=postgres_schema_url)):
        ids = [running.issue(seed) for seed in range(5)]
        running.anchor()
        for certificate_id in ids:
            _check_receipt(running, certificate_id, ledger_client)
