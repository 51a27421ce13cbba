"""The HTTP surface: bad input, bulk issuance, two provinces, the audit API, OpenAPI."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from node_helpers import AGENCY, RunningNode, SettingsFactory, start_node

from certificate.canonical import canonicalize
from certificate.merkle import MerkleTree, verify_consistency
from certificate.samples import sample_document
from certificate.sealed_file import DisclosedContent, parse_sealed
from certificate.verification import verify_digest
from ledger.contract import HurenLedgerClient
from ledger.deploy import Deployment


def _post(running: RunningNode, path: str, **kwargs: Any) -> Any:
    return running.client.post(path, headers=running.headers("operator"), **kwargs)


def test_bad_input_gets_a_precise_error_and_stores_nothing(zhejiang: RunningNode) -> None:
    document = sample_document("driving_licence", seed=70, province=330000)
    malformed = zhejiang.client.post(
        "/certificates",
        content=b'{"format": ',
        headers=zhejiang.headers("operator", **{"Content-Type": "application/json"}),
    )
    assert (malformed.status_code, malformed.json()["error"]) == (422, "malformed_json")

    unknown = dict(document, type={"code": "11100000000014118N999", "name": "不存在"})
    response = _post(zhejiang, "/certificates", json=unknown)
    assert response.status_code == 422 and response.json()["error"] in {
        "unknown_type",
        "schema_violation",
    }
    assert "11100000000014118N999" in response.json()["message"]

    broken = json.loads(json.dumps(document))
    broken["face"] = {"nonsense": True}
    response = _post(zhejiang, "/certificates", json=broken)
    assert (response.status_code, response.json()["error"]) == (422, "schema_violation")

    shanghai = sample_document("driving_licence", seed=71, province=310000)
    response = _post(zhejiang, "/certificates", json=shanghai)
    assert (response.status_code, response.json()["error"]) == (422, "wrong_province")

    huge = {"padding": "x" * 2_000_000}
    response = _post(zhejiang, "/certificates", json=huge)
    assert (response.status_code, response.json()["error"]) == (413, "body_too_large")
    streamed = zhejiang.client.post(  # no Content-Length: counted while it streams
        "/certificates",
        content=iter([b"[" + b" " * 700_000, b" " * 700_000 + b"]"]),
        headers=zhejiang.headers("operator", **{"Content-Type": "application/json"}),
    )
    assert (streamed.status_code, streamed.json()["error"]) == (413, "body_too_large")

    assert _post(zhejiang, "/certificates", json=document).status_code == 201
    duplicate = _post(zhejiang, "/certificates", json=document)
    assert (duplicate.status_code, duplicate.json()["error"]) == (409, "duplicate_certificate")
    assert zhejiang.node.batcher.pending() == 1

    no_token = zhejiang.client.post("/certificates", json=document)
    assert (no_token.status_code, no_token.json()["error"]) == (401, "unauthenticated")
    portal = zhejiang.client.post(
        "/certificates", json=document, headers=zhejiang.headers("portal")
    )
    assert (portal.status_code, portal.json()["error"]) == (403, "forbidden_role")


def test_oversized_bulk_is_refused_while_streaming(make_settings: SettingsFactory) -> None:
    for running in start_node(make_settings(330000, max_bulk_bytes=100_000)):
        response = running.client.post(
            "/certificates/bulk",
            content=iter([b"[" + b" " * 60_000, b" " * 60_000 + b"]"]),
            headers=running.headers("operator", **{"Content-Type": "application/json"}),
        )
        assert (response.status_code, response.json()["error"]) == (413, "body_too_large")
        assert response.json()["detail"] == {"limit": 100_000}


def test_bulk_issuance_batches_and_is_all_or_nothing(
    zhejiang: RunningNode, ledger_client: Callable[[int], HurenLedgerClient]
) -> None:
    documents = [
        sample_document("business_licence", seed=1000 + i, province=330000) for i in range(20)
    ]
    bad = [*documents[:3], {"format": "huren/certificate/1"}]
    refused = _post(zhejiang, "/certificates/bulk", json=bad)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["index"] == 3
    assert zhejiang.node.batcher.pending() == 0

    ndjson = "\n".join(json.dumps(d, ensure_ascii=False) for d in documents).encode()
    response = zhejiang.client.post(
        "/certificates/bulk",
        content=ndjson,
        headers=zhejiang.headers("operator", **{"Content-Type": "application/x-ndjson"}),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["count"] == 20 and body["batches"] == 3  # batch size 8: 8 + 8 + 4
    again = _post(zhejiang, "/certificates/bulk", json=documents[:2])
    assert (again.status_code, again.json()["error"]) == (409, "duplicate_certificate")

    zhejiang.anchor()
    receipts = [
        zhejiang.client.get(
            f"/certificates/{i}/receipt", headers=zhejiang.headers("auditor")
        ).json()
        for i in body["certificate_ids"]
    ]
    roots = {r["batch_root"] for r in receipts}
    assert len(roots) == 3
    ledger = ledger_client(330000)
    assert all(ledger.anchor_of(bytes.fromhex(root[2:])) is not None for root in roots)


def test_two_provinces_side_by_side(make_settings: SettingsFactory) -> None:
    shanghai_nodes = start_node(make_settings(310000))
    zhejiang_nodes = start_node(make_settings(330000))
    shanghai, zhejiang = next(shanghai_nodes), next(zhejiang_nodes)
    try:
        sh_id = shanghai.issue(80, "marriage_certificate")
        zj_id = zhejiang.issue(81, "marriage_certificate")
        shanghai.anchor()
        zhejiang.anchor()
        assert shanghai.node.keys.active.key_id != zhejiang.node.keys.active.key_id
        # a Zhejiang credential means nothing to Shanghai's node
        foreign = shanghai.client.get(
            f"/certificates/{sh_id}/receipt", headers=zhejiang.headers("auditor")
        )
        assert foreign.status_code == 401
        assert (
            shanghai.client.get(
                f"/certificates/{zj_id}/receipt", headers=shanghai.headers("auditor")
            ).status_code
            == 404
        )
        sh_receipt = shanghai.client.get(
            f"/certificates/{sh_id}/receipt", headers=shanghai.headers("auditor")
        ).json()
        zj_receipt = zhejiang.client.get(
            f"/certificates/{zj_id}/receipt", headers=zhejiang.headers("auditor")
        ).json()
        assert sh_receipt["batch_root"] != zj_receipt["batch_root"]
    finally:
        for generator in (shanghai_nodes, zhejiang_nodes):
            generator.close()


def test_audit_api_redacts_and_serves_a_provable_access_log(
    make_settings: SettingsFactory,
    fresh_deployment_file: Path,
    ledger_client: Callable[[int], HurenLedgerClient],
) -> None:
    nodes = start_node(make_settings(330000, deployment_file=fresh_deployment_file))
    try:
        _audit_scenario(next(nodes), ledger_client, fresh_deployment_file)
    finally:
        nodes.close()


def _audit_scenario(
    zhejiang: RunningNode,
    ledger_client: Callable[[int], HurenLedgerClient],
    deployment_file: Path,
) -> None:
    certificate_id = zhejiang.issue(90, "academic_degree")
    zhejiang.issue(91, "academic_degree")
    zhejiang.anchor()
    auditor = zhejiang.headers("auditor")

    page = zhejiang.client.get("/audit/certificates?offset=0&limit=10", headers=auditor).json()
    assert page["province"] == 330000 and page["total"] == 2
    for item in page["items"]:
        sealed = parse_sealed(json.dumps(item["sealed"]))
        assert isinstance(sealed.content, DisclosedContent)
        assert "/holder/name" not in sealed.content.fields
        assert "/holder/id_number" in sealed.content.withheld
        verify_digest(sealed)
        assert sealed.receipt is not None and item["state"] == "active"
    assert (
        zhejiang.client.get("/audit/certificates", headers=zhejiang.headers(AGENCY)).status_code
        == 403
    )

    consent = zhejiang.client.post(
        "/consents",
        json={
            "certificate_id": certificate_id,
            "agency_id": AGENCY,
            "fields": ["/holder/name"],
            "purpose": "核验学历",
            "service_item": {"code": "X1", "name": "人才引进"},
            "expires_at": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
            "max_uses": 3,
        },
        headers=zhejiang.headers("portal"),
    ).json()
    read = {"Huren-Consent": consent["token"]}
    for _ in range(2):
        zhejiang.client.get(
            f"/certificates/{certificate_id}", headers=zhejiang.headers(AGENCY, **read)
        )
    first_head = zhejiang.node.batcher.anchor_log_head(force=True)
    assert first_head is not None
    for _ in range(3):
        zhejiang.client.get(
            f"/certificates/{certificate_id}", headers=zhejiang.headers(AGENCY, **read)
        )
    second_head = zhejiang.node.batcher.anchor_log_head(force=True)
    assert second_head is not None and second_head.size == first_head.size + 3

    log = zhejiang.client.get("/audit/access-log?start=0", headers=auditor).json()
    assert log["size"] == len(log["entries"]) == second_head.size
    prev = bytes(32)
    for entry in log["entries"]:
        assert entry["prev_hash"] == "0x" + prev.hex()
        prev = hashlib.sha256(prev + canonicalize(entry["entry"])).digest()
        assert entry["hash"] == "0x" + prev.hex()
    tree = MerkleTree.from_entries(bytes.fromhex(e["hash"][2:]) for e in log["entries"])
    heads = log["heads"]
    assert [h["size"] for h in heads] == [first_head.size, second_head.size]
    assert heads[-1]["root"] == "0x" + tree.root.hex()
    ledger = ledger_client(330000)
    fresh = HurenLedgerClient(ledger.w3, Deployment.load(deployment_file).address)
    on_chain = fresh.access_log_head(330000)
    assert on_chain is not None and on_chain.size == second_head.size
    assert on_chain.root == tree.root

    proof = zhejiang.client.get(
        f"/audit/access-log/consistency?first={first_head.size}&second={second_head.size}",
        headers=auditor,
    ).json()
    verify_consistency(
        first_head.size,
        second_head.size,
        [bytes.fromhex(h[2:]) for h in proof["proof"]],
        first_head.root,
        second_head.root,
    )
    bad = zhejiang.client.get("/audit/access-log/consistency?first=5&second=2", headers=auditor)
    assert bad.status_code == 422


def test_openapi_declares_models_and_errors_for_every_route(zhejiang: RunningNode) -> None:
    spec = zhejiang.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, (method, path)
            assert "content" in responses[success[0]], (method, path)
            # health and the witness's checkpoints answer without a credential
            public = path.startswith("/health") or (
                path.startswith("/witness/") and method == "get"
            )
            if not public:
                assert "401" in responses and "503" in responses, (method, path)
                assert responses["401"]["content"]["application/json"]["schema"]["$ref"].endswith(
                    "/Problem"
                )
            for status, answer in responses.items():  # FastAPI's own 422 schema is not ours
                if not status.startswith("2"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema["$ref"].endswith("/Problem"), (method, path, status)
