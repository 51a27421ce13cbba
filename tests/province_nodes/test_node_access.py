"""Consents and reads: every refusal has its code, nothing leaks, every attempt is logged."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from node_helpers import AGENCY, OTHER_AGENCY, RunningNode
from sqlmodel import select

from certificate.identifier import make_identifier, parse_identifier
from certificate.sealed_file import DisclosedContent, parse_sealed
from certificate.verification import verify_digest, verify_receipt
from province_nodes.auth import create_credential
from province_nodes.db import unit_of_work
from province_nodes.models import CertificateRow, ConsentRow
from province_nodes.reads import load_sealed
from province_nodes.types import Role

FIELDS = ["/holder/name", "/number"]


def _consent(running: RunningNode, certificate_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "certificate_id": certificate_id,
        "agency_id": AGENCY,
        "fields": FIELDS,
        "purpose": "办理户口迁移",
        "service_item": {"code": "11100000MB0143028R4000117001000", "name": "户口迁移"},
        "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "max_uses": 1,
    }
    body.update(overrides)
    response = running.client.post("/consents", json=body, headers=running.headers("portal"))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _fetch(running: RunningNode, certificate_id: str, who: str, token: str | None) -> Any:
    extra = {"Huren-Consent": token} if token is not None else {}
    return running.client.get(
        f"/certificates/{certificate_id}", headers=running.headers(who, **extra)
    )


@pytest.fixture
def anchored(zhejiang: RunningNode) -> tuple[RunningNode, str, str]:
    first = zhejiang.issue(1, "marriage_certificate")
    second = zhejiang.issue(2, "business_licence")
    zhejiang.anchor()
    return zhejiang, first, second


def test_agency_reads_only_the_consented_fields_with_a_verifiable_receipt(
    anchored: tuple[RunningNode, str, str],
) -> None:
    running, certificate_id, _ = anchored
    consent = _consent(running, certificate_id)
    response = _fetch(running, certificate_id, AGENCY, consent["token"])
    assert response.status_code == 200, response.text
    copy = parse_sealed(response.text)
    assert isinstance(copy.content, DisclosedContent)
    revealed = set(copy.content.fields)
    assert {"/holder/name", "/number"} <= revealed
    assert "/holder/id_number" not in revealed
    assert "/holder/id_number" in copy.content.withheld
    verify_digest(copy)
    verify_receipt(copy)


def _refusal(response: Any, code: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error"] == code
    assert set(body) <= {"error", "message", "detail"}
    assert body.get("detail") is None
    assert '"content"' not in response.text and '"digest"' not in response.text


def test_every_refusal_has_its_code_and_is_logged(anchored: tuple[RunningNode, str, str]) -> None:
    running, certificate_id, other_id = anchored
    before = running.node.access_log.size()
    good = _consent(running, certificate_id)
    token = good["token"]

    _refusal(_fetch(running, certificate_id, AGENCY, None), "consent_missing")
    body, signature = token.split(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    _refusal(_fetch(running, certificate_id, AGENCY, forged), "consent_invalid_signature")
    _refusal(_fetch(running, certificate_id, AGENCY, "not-a-token"), "consent_invalid_signature")
    _refusal(_fetch(running, other_id, AGENCY, token), "consent_wrong_certificate")
    _refusal(_fetch(running, certificate_id, OTHER_AGENCY, token), "consent_wrong_agency")
    _refusal(_fetch(running, certificate_id, "operator", token), "forbidden_role")
    _refusal(_fetch(running, certificate_id, "auditor", token), "forbidden_role")

    ghost = create_credential(running.node.engine, Role.AGENCY, agency_id="zj-ghost-agency")
    response = running.client.get(
        f"/certificates/{certificate_id}",
        headers={"Authorization": f"Bearer {ghost}", "Huren-Consent": token},
    )
    _refusal(response, "unknown_agency")

    assert _fetch(running, certificate_id, AGENCY, token).status_code == 200
    _refusal(_fetch(running, certificate_id, AGENCY, token), "consent_exhausted")

    withdrawn = _consent(running, certificate_id, max_uses=5)
    gone = running.client.delete(
        f"/consents/{withdrawn['consent_id']}", headers=running.headers("portal")
    )
    assert gone.status_code == 200
    _refusal(_fetch(running, certificate_id, AGENCY, withdrawn["token"]), "consent_withdrawn")

    expiring = _consent(running, certificate_id)
    with unit_of_work(running.node.engine) as session:
        row = session.get(ConsentRow, expiring["consent_id"])
        assert row is not None
        row.expires_at = int(time.time()) - 1
        session.add(row)
    _refusal(_fetch(running, certificate_id, AGENCY, expiring["token"]), "consent_expired")

    unauthenticated = running.client.get(f"/certificates/{certificate_id}")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"] == "unauthenticated"

    entries = running.node.access_log.entries(before)
    outcomes = [e.entry for e in entries]
    assert len(entries) == 13  # every attempt but the unauthenticated one names a caller
    assert sum('"allowed"' in o for o in outcomes) == 1
    with unit_of_work(running.node.engine) as session:
        used = session.exec(select(ConsentRow.uses).where(ConsentRow.id == good["consent_id"]))
        assert used.one() == 1


def test_not_anchored_read_is_refused_without_using_the_consent(zhejiang: RunningNode) -> None:
    certificate_id = zhejiang.issue(5)
    consent = _consent(zhejiang, certificate_id)
    response = _fetch(zhejiang, certificate_id, AGENCY, consent["token"])
    assert response.status_code == 409
    assert response.json()["error"] == "not_anchored"
    zhejiang.anchor()
    assert _fetch(zhejiang, certificate_id, AGENCY, consent["token"]).status_code == 200


def test_consent_for_unknown_agency_or_certificate_is_404(
    anchored: tuple[RunningNode, str, str],
) -> None:
    running, certificate_id, _ = anchored
    body = {
        "certificate_id": certificate_id,
        "agency_id": "nowhere-agency",
        "fields": FIELDS,
        "purpose": "x",
        "service_item": {"code": "1", "name": "y"},
        "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }
    response = running.client.post("/consents", json=body, headers=running.headers("portal"))
    assert (response.status_code, response.json()["error"]) == (404, "unknown_agency")
    parts = parse_identifier(certificate_id)
    unknown = make_identifier(parts.type_code, parts.authority_code, "NOSUCHSERIAL404")
    body |= {"agency_id": AGENCY, "certificate_id": unknown}
    response = running.client.post("/consents", json=body, headers=running.headers("portal"))
    assert (response.status_code, response.json()["error"]) == (404, "unknown_certificate")
    body |= {"certificate_id": "1.2.156.3005.2.nope"}
    response = running.client.post("/consents", json=body, headers=running.headers("portal"))
    assert (response.status_code, response.json()["error"]) == (422, "invalid_input")
    assert response.json()["detail"][0]["location"] == ["body", "certificate_id"]
    response = running.client.post("/consents", json=body, headers=running.headers("operator"))
    assert (response.status_code, response.json()["error"]) == (403, "forbidden_role")


def test_holder_lists_every_access_to_their_certificates(
    anchored: tuple[RunningNode, str, str],
) -> None:
    running, certificate_id, _ = anchored
    consent = _consent(running, certificate_id)
    assert _fetch(running, certificate_id, AGENCY, consent["token"]).status_code == 200
    _fetch(running, certificate_id, OTHER_AGENCY, consent["token"])
    with unit_of_work(running.node.engine) as session:
        row = session.exec(
            select(CertificateRow).where(CertificateRow.certificate_id == certificate_id)
        ).one()
    holder = load_sealed(running.node.master, row).disclosed_values()
    query = {"id_type": holder["/holder/id_type"], "id_number": holder["/holder/id_number"]}
    history = running.client.post(
        "/holders/access-history", json=query, headers=running.headers("portal")
    )
    assert history.status_code == 200, history.text
    entries = history.json()["entries"]
    assert certificate_id in history.json()["certificate_ids"]
    assert [e["entry"]["outcome"] for e in entries][-2:] == ["allowed", "refused"]
    assert entries[-1]["entry"]["error"] == "consent_wrong_agency"


def _uses(running: RunningNode, consent_id: str) -> int:
    with unit_of_work(running.node.engine) as session:
        return session.exec(select(ConsentRow.uses).where(ConsentRow.id == consent_id)).one()


def test_a_request_asked_again_gets_the_same_copy_without_another_use(
    anchored: tuple[RunningNode, str, str],
) -> None:
    """Before: an agency whose answer was lost asked again and was refused consent_exhausted;
    the single use was spent on a copy it never received."""
    running, certificate_id, _ = anchored
    consent = _consent(running, certificate_id)
    token, before = consent["token"], running.node.access_log.size()

    def read(key: str | None, who: str = AGENCY) -> Any:
        extra = {"Huren-Consent": token} | ({"Idempotency-Key": key} if key else {})
        return running.client.get(
            f"/certificates/{certificate_id}", headers=running.headers(who, **extra)
        )

    first = read("request-1")
    assert first.status_code == 200, first.text
    again = read("request-1")
    assert (again.status_code, again.content) == (200, first.content)
    assert _uses(running, consent["consent_id"]) == 1
    _refusal(read("request-2"), "consent_exhausted")  # another request is another use
    _refusal(read(None), "consent_exhausted")
    _refusal(read("request-1", OTHER_AGENCY), "consent_wrong_agency")
    malformed = read("no spaces")
    assert (malformed.status_code, malformed.json()["error"]) == (422, "malformed_request_key")

    entries = [json.loads(row.entry) for row in running.node.access_log.entries(before)]
    assert [(e["outcome"], e["error"], e["request_key"]) for e in entries] == [
        ("allowed", None, "request-1"),
        ("repeated", None, "request-1"),
        ("refused", "consent_exhausted", "request-2"),
        ("refused", "consent_exhausted", None),
        ("refused", "consent_wrong_agency", "request-1"),
        ("refused", "malformed_request_key", None),
    ]

    gone = running.client.delete(
        f"/consents/{consent['consent_id']}", headers=running.headers("portal")
    )
    assert gone.status_code == 200
    _refusal(read("request-1"), "consent_withdrawn")  # a repeat only while the consent holds
    assert _uses(running, consent["consent_id"]) == 1
