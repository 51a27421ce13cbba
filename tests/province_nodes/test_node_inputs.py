"""Hostile input at the node's edge: refused with 422 (404 for a well-formed unknown id), never a
500, on SQLite and PostgreSQL alike; and every read attempt is in the access log, whatever fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from node_helpers import AGENCY, RunningNode, consent_body
from sqlmodel import func, select

from certificate.identifier import make_identifier, parse_identifier
from certificate.samples import sample_document
from province_nodes.db import unit_of_work
from province_nodes.models import Agency, CertificateRow, ConsentRow

NUL = "%00"


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == code
    assert "\x00" not in response.text


def test_malformed_ids_are_refused_and_every_attempt_is_logged_escaped(
    zhejiang_on_each_store: RunningNode,
) -> None:
    running = zhejiang_on_each_store
    certificate_id = running.issue(1, "marriage_certificate")
    running.anchor()
    before = len(running.access_log())
    agency, auditor = running.headers(AGENCY), running.headers("auditor")

    too_long = "1" * 161
    _refused(
        running.client.get(f"/certificates/{too_long}", headers=agency), 422, "malformed_identifier"
    )
    _refused(
        running.client.get(f"/certificates/a{NUL}b", headers=agency), 422, "malformed_identifier"
    )
    _refused(running.client.get(f"/certificates/a{NUL}b"), 401, "unauthenticated")

    entries = running.access_log()[before:]
    assert [(e["certificate_id"], e.get("requested_id"), e["error"]) for e in entries] == [
        (None, "1" * 100 + "…(161 characters)", "malformed_identifier"),
        (None, "a\\x00b", "malformed_identifier"),
        (None, "a\\x00b", "unauthenticated"),
    ]
    assert [e["agency_id"] for e in entries] == [AGENCY, AGENCY, None]

    for path in (f"/certificates/{NUL}/receipt", f"/certificates/{too_long}/status"):
        _refused(running.client.get(path, headers=auditor), 422, "malformed_identifier")
    change = {"action": "suspend", "reason": 1}
    _refused(
        running.client.post(
            f"/certificates/{NUL}/status", json=change, headers=running.headers("operator")
        ),
        422,
        "malformed_identifier",
    )
    parts = parse_identifier(certificate_id)
    unknown = make_identifier(parts.type_code, parts.authority_code, "NOSUCHSERIAL")
    _refused(
        running.client.get(f"/certificates/{unknown}/receipt", headers=auditor),
        404,
        "unknown_certificate",
    )
    assert running.client.get(f"/certificates/{certificate_id}/receipt", headers=auditor).is_success


def test_bodies_and_queries_out_of_bounds_are_refused_and_store_nothing(
    zhejiang_on_each_store: RunningNode,
) -> None:
    running = zhejiang_on_each_store
    certificate_id = running.issue(2, "marriage_certificate")
    portal, operator, auditor = (running.headers(r) for r in ("portal", "operator", "auditor"))

    def consent(**overrides: Any) -> Any:
        body = consent_body(certificate_id) | overrides
        return running.client.post("/consents", json=body, headers=portal)

    for overrides in (
        {"certificate_id": "a\x00"},
        {"certificate_id": certificate_id + "X" * 200},
        {"agency_id": "x\x00"},
        {"purpose": "办理\x00户口迁移"},
        {"service_item": {"code": "a\x00", "name": "户口迁移"}},
        {"fields": ["/holder/name\x00"]},
        {"fields": ["/number"] * 501},
    ):
        _refused(consent(**overrides), 422, "invalid_input")
    with unit_of_work(running.node.engine) as session:
        assert session.exec(select(func.count()).select_from(ConsentRow)).one() == 0

    agency = {"id": "zj-new-agency", "name": "名\x00称", "province": 330000}
    _refused(running.client.post("/agencies", json=agency, headers=operator), 422, "invalid_input")
    with unit_of_work(running.node.engine) as session:
        assert session.get(Agency, "zj-new-agency") is None

    huge = 2**63
    for query in (
        f"/audit/certificates?offset={huge}",
        f"/audit/access-log?start={huge}",
        f"/audit/access-log?end={huge}",
        f"/audit/access-log/consistency?first=1&second={2**31}",
    ):
        _refused(running.client.get(query, headers=auditor), 422, "invalid_input")
    assert running.client.get(
        "/audit/access-log?start=0&end=2147483647", headers=auditor
    ).is_success

    change = {"action": "suspend", "reason": 1, "effective_at": 2**64}
    response = running.client.post(
        f"/certificates/{certificate_id}/status", json=change, headers=operator
    )
    _refused(response, 422, "invalid_input")
    holder = b'{"id_type": "\\ud800", "id_number": "x"}'
    response = running.client.post(
        "/holders/access-history",
        content=holder,
        headers=running.headers("portal", **{"Content-Type": "application/json"}),
    )
    _refused(response, 422, "invalid_input")
    _refused(running.client.delete(f"/consents/cns_{NUL}", headers=portal), 422, "invalid_input")

    document = sample_document("driving_licence", seed=3, province=330000)
    name = json.dumps(document["holder"]["name"])
    lone_surrogate = json.dumps(document).replace(name, '"\\ud800"').encode()
    json_headers = running.headers("operator", **{"Content-Type": "application/json"})
    for path, body in (
        ("/certificates", lone_surrogate),
        ("/certificates/bulk", b"[" + lone_surrogate + b"]"),
    ):
        response = running.client.post(path, content=body, headers=json_headers)
        assert response.status_code == 422, response.text
    assert running.node.batcher.pending() == 1


def test_a_consent_time_without_utc_offset_is_refused(zhejiang: RunningNode) -> None:
    certificate_id = zhejiang.issue(3)
    portal = zhejiang.headers("portal")
    naive = consent_body(certificate_id, expires_at="2099-01-31T18:00:00")
    response = zhejiang.client.post("/consents", json=naive, headers=portal)
    _refused(response, 422, "invalid_input")
    assert "UTC offset" in response.json()["detail"][0]["problem"]

    beijing = consent_body(certificate_id, expires_at="2099-01-31T18:00:00+08:00")
    response = zhejiang.client.post("/consents", json=beijing, headers=portal)
    assert response.status_code == 201, response.text
    assert response.json()["expires_at"] == datetime(2099, 1, 31, 10, tzinfo=UTC).timestamp()


def test_a_read_that_fails_unexpectedly_is_still_logged(zhejiang: RunningNode) -> None:
    first, second = zhejiang.issue(4), zhejiang.issue(5)
    zhejiang.anchor()
    client = TestClient(zhejiang.client.app, raise_server_exceptions=False)
    tokens = {}
    for certificate_id in (first, second):
        response = client.post(
            "/consents", json=consent_body(certificate_id), headers=zhejiang.headers("portal")
        )
        tokens[certificate_id] = response.json()["token"]
    with unit_of_work(zhejiang.node.engine) as session:
        rows = {
            row.certificate_id: row
            for row in session.exec(
                select(CertificateRow).where(CertificateRow.certificate_id.in_([first, second]))  # type: ignore[attr-defined]
            )
        }
        rows[first].receipt = rows[second].receipt  # a receipt that does not prove `first`
        session.add(rows[first])
        consent = session.exec(select(ConsentRow).where(ConsentRow.certificate_id == second)).one()
        consent.fields = "not JSON"  # a failure nothing in the node foresees
        session.add(consent)
    before = len(zhejiang.access_log())

    for certificate_id, code in ((first, "store_integrity"), (second, None)):
        response = client.get(
            f"/certificates/{certificate_id}",
            headers=zhejiang.headers(AGENCY, **{"Huren-Consent": tokens[certificate_id]}),
        )
        assert response.status_code == 500
        if code is not None:
            assert response.json()["error"] == code

    entries = zhejiang.access_log()[before:]
    assert [(e["certificate_id"], e["outcome"], e["error"]) for e in entries] == [
        (first, "refused", "store_integrity"),
        (second, "refused", "internal_error"),
    ]
    with unit_of_work(zhejiang.node.engine) as session:
        assert set(session.exec(select(ConsentRow.uses))) == {0}


def test_an_encoded_slash_in_an_id_reaches_no_other_route(zhejiang: RunningNode) -> None:
    """Before: ``GET /certificates/<id>%2Fstatus`` was routed on the decoded path and answered
    by the status route; with a consent, the read route was never asked."""
    certificate_id = zhejiang.issue(6)
    zhejiang.anchor()
    token = zhejiang.client.post(
        "/consents", json=consent_body(certificate_id), headers=zhejiang.headers("portal")
    ).json()["token"]
    reader = zhejiang.headers(AGENCY, **{"Huren-Consent": token})
    for path, headers in (
        (f"/certificates/{certificate_id}%2Fstatus", zhejiang.headers("auditor")),
        (f"/certificates/{certificate_id}%2freceipt", zhejiang.headers("auditor")),
        (f"/certificates/{certificate_id}%2Fstatus", reader),
    ):
        _refused(zhejiang.client.get(path, headers=headers), 404, "encoded_slash")
    change = {"action": "revoke", "reason": 1}
    _refused(
        zhejiang.client.post(
            f"/certificates/{certificate_id}%2Fstatus",
            json=change,
            headers=zhejiang.headers("operator"),
        ),
        404,
        "encoded_slash",
    )
    assert zhejiang.client.get(f"/certificates/{certificate_id}", headers=reader).status_code == 200
