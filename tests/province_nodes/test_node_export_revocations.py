"""The operator's everyday surface at the node: export a sealed file, revoke many at once."""

from __future__ import annotations

from typing import Any

from node_helpers import AGENCY, RunningNode
from sqlmodel import col, func, select

from certificate.samples import SAMPLE_KINDS, sample_document
from certificate.sealed_file import ALWAYS_DISCLOSED, FullContent, parse_sealed
from certificate.verification import recompute_digest, verify_receipt
from ledger.types import CertificateState, StatusReason
from province_nodes.db import unit_of_work
from province_nodes.models import CertificateRow, StatusChangeRow
from province_nodes.status import REVOCATIONS_PER_TRANSACTION


def test_the_operator_exports_the_whole_file_an_auditor_a_redacted_one(
    zhejiang_on_each_store: RunningNode,
) -> None:
    node = zhejiang_on_each_store
    certificate_id = node.issue(1)
    path = f"/certificates/{certificate_id}/sealed"
    waiting = node.client.get(path, headers=node.headers("operator"))
    assert (waiting.status_code, waiting.json()["error"]) == (409, "not_anchored")
    node.anchor()

    whole = node.client.get(path, headers=node.headers("operator"))
    assert whole.status_code == 200, whole.text
    sealed = parse_sealed(whole.text)
    assert isinstance(sealed.content, FullContent)
    assert sealed.receipt is not None
    verify_receipt(sealed)
    assert recompute_digest(sealed) == sealed.digest

    redacted = node.client.get(path, headers=node.headers("auditor"))
    assert redacted.status_code == 200, redacted.text
    copy = parse_sealed(redacted.text)
    assert set(copy.disclosed_values()) == set(ALWAYS_DISCLOSED)
    assert recompute_digest(copy) == sealed.digest == copy.digest
    values = sealed.disclosed_values()
    for personal in ("/holder/name", "/holder/id_number"):
        assert values[personal] not in redacted.text

    for role in ("portal", AGENCY):
        refused = node.client.get(path, headers=node.headers(role))
        assert (refused.status_code, refused.json()["error"]) == (403, "forbidden_role")
    elsewhere = sample_document("driving_licence", seed=2, province=330000)["identifier"]
    unknown = node.client.get(f"/certificates/{elsewhere}/sealed", headers=node.headers("operator"))
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_certificate")
    malformed = node.client.get("/certificates/no-id/sealed", headers=node.headers("operator"))
    assert (malformed.status_code, malformed.json()["error"]) == (422, "malformed_identifier")
    assert node.client.get(path).status_code == 401

    exports = [e for e in node.access_log() if e.get("purpose") == "export"]
    assert [(e["caller_role"], e["outcome"], e["error"]) for e in exports] == [
        ("operator", "refused", "not_anchored"),
        ("operator", "allowed", None),
        ("auditor", "allowed", None),
        ("portal", "refused", "forbidden_role"),
        ("agency", "refused", "forbidden_role"),
        ("operator", "refused", "unknown_certificate"),
        ("operator", "refused", "malformed_identifier"),
        (None, "refused", "unauthenticated"),
    ]
    assert "/holder/name" in exports[1]["fields"] and exports[2]["fields"] == []


def _revoke_many(node: RunningNode, ids: list[str], reason: int = 1, **extra: int) -> Any:
    body = {"certificate_ids": ids, "reason": reason, **extra}
    return node.client.post(
        "/certificates/revocations", json=body, headers=node.headers("operator")
    )


def test_many_certificates_are_revoked_in_batches_and_recorded(
    zhejiang_on_each_store: RunningNode,
) -> None:
    node = zhejiang_on_each_store
    count = REVOCATIONS_PER_TRANSACTION + 30
    documents = [
        sample_document(SAMPLE_KINDS[i % len(SAMPLE_KINDS)], seed=9000 + i, province=330000)
        for i in range(count)
    ]
    issued = node.client.post(
        "/certificates/bulk", json=documents, headers=node.headers("operator")
    )
    assert issued.status_code == 201, issued.text
    ids: list[str] = issued.json()["certificate_ids"]
    node.anchor()
    first = node.client.post(
        f"/certificates/{ids[3]}/status",
        json={"action": "revoke", "reason": 2},
        headers=node.headers("operator"),
    )
    assert first.status_code == 200, first.text

    answer = _revoke_many(node, [*ids, ids[0]], reason=int(StatusReason.ISSUED_IN_ERROR))
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["already_revoked"] == [ids[3]]
    assert result["revoked"] == [i for i in ids if i != ids[3]]
    assert len(result["transactions"]) == 2

    ledger = node.node.chain.client()
    with unit_of_work(node.node.engine) as session:
        rows = session.exec(
            select(CertificateRow).where(col(CertificateRow.certificate_id).in_(ids))
        )
        stored = {row.certificate_id: (row.state, row.reason) for row in rows}
        changes = session.exec(select(func.count()).select_from(StatusChangeRow)).one()
        digests = [row.digest for row in session.exec(select(CertificateRow))]
    assert stored[ids[3]] == ("revoked", 2)
    assert {stored[i] for i in ids if i != ids[3]} == {("revoked", 1)}
    assert changes == count
    statuses = ledger.statuses_of(330000, digests)
    assert {s.state for s in statuses} == {CertificateState.REVOKED}

    again = _revoke_many(node, ids[:5])
    assert again.json()["revoked"] == [] and again.json()["transactions"] == []
    assert again.json()["already_revoked"] == ids[:5]


def test_a_bulk_revocation_revokes_all_it_names_or_none(zhejiang: RunningNode) -> None:
    anchored = [zhejiang.issue(seed) for seed in (71, 72)]
    zhejiang.anchor()
    waiting = zhejiang.issue(73)
    unknown = sample_document("driving_licence", seed=74, province=330000)["identifier"]

    missing = _revoke_many(zhejiang, [*anchored, unknown])
    assert (missing.status_code, missing.json()["error"]) == (404, "unknown_certificate")
    assert missing.json()["detail"] == {"unknown": [unknown]}
    pending = _revoke_many(zhejiang, [*anchored, waiting])
    assert (pending.status_code, pending.json()["error"]) == (409, "not_anchored")
    early = _revoke_many(zhejiang, anchored, effective_at=1)
    assert early.status_code == 409
    assert early.json()["error"] == "status_effective_before_anchor"
    assert early.json()["detail"]["revoked"] == 0
    reason = _revoke_many(zhejiang, anchored, reason=200)
    assert (reason.status_code, reason.json()["error"]) == (422, "unknown_reason")
    for body in ({"certificate_ids": [], "reason": 1}, {"certificate_ids": ["x"], "reason": 1}):
        bad = zhejiang.client.post(
            "/certificates/revocations", json=body, headers=zhejiang.headers("operator")
        )
        assert bad.status_code == 422, bad.text
    agency = zhejiang.client.post(
        "/certificates/revocations",
        json={"certificate_ids": anchored, "reason": 1},
        headers=zhejiang.headers(AGENCY),
    )
    assert (agency.status_code, agency.json()["error"]) == (403, "forbidden_role")
    for certificate_id in anchored:
        status = zhejiang.client.get(
            f"/certificates/{certificate_id}/status", headers=zhejiang.headers("operator")
        )
        assert status.json()["state"] == "active"
