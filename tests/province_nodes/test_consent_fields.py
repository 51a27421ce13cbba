"""Consented fields: a consent names only fields its certificate has, and a read never 500s on
the disclosure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from node_helpers import AGENCY, RunningNode
from sqlmodel import func, select

from certificate.disclosure import disclose
from certificate.sealed_file import DisclosedContent, parse_sealed
from province_nodes.consents import unknown_fields
from province_nodes.db import unit_of_work
from province_nodes.envelope import open_envelope, seal_envelope
from province_nodes.models import CertificateRow, ConsentRow


def _body(certificate_id: str, fields: list[str]) -> dict[str, Any]:
    return {
        "certificate_id": certificate_id,
        "agency_id": AGENCY,
        "fields": fields,
        "purpose": "办理户口迁移",
        "service_item": {"code": "11100000MB0143028R4000117001000", "name": "户口迁移"},
        "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "max_uses": 3,
    }


def _grant(running: RunningNode, certificate_id: str, fields: list[str]) -> Any:
    return running.client.post(
        "/consents", json=_body(certificate_id, fields), headers=running.headers("portal")
    )


def _fetch(running: RunningNode, certificate_id: str, token: str) -> Any:
    return running.client.get(
        f"/certificates/{certificate_id}",
        headers=running.headers(AGENCY, **{"Huren-Consent": token}),
    )


def _consents(running: RunningNode) -> int:
    with unit_of_work(running.node.engine) as session:
        return int(session.exec(select(func.count()).select_from(ConsentRow)).one())


@pytest.fixture
def marriage(zhejiang: RunningNode) -> tuple[RunningNode, str]:
    certificate_id = zhejiang.issue(11, "marriage_certificate")
    zhejiang.anchor()
    return zhejiang, certificate_id


def test_unknown_fields_follow_the_disclosure_rule() -> None:
    available = ["/holder/name", "/holder/id_number", "/face/wife/name", "/number"]
    requested = ["/holder", "/face/wife", "/hold", "/holder/nmae", "/number/0", "/valid_until"]
    assert unknown_fields(requested, available) == ["/hold", "/holder/nmae", "/number/0"]
    assert unknown_fields(["/x", "/x"], available) == ["/x"]


def test_consent_for_fields_the_certificate_lacks_is_refused_with_the_list(
    marriage: tuple[RunningNode, str],
) -> None:
    running, certificate_id = marriage
    before = _consents(running)
    response = _grant(
        running, certificate_id, ["/holder/name", "/holder/nmae", "/face/vehicle_class"]
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "consent_unknown_fields"
    assert body["detail"] == {"unknown_fields": ["/holder/nmae", "/face/vehicle_class"]}
    assert "/holder/nmae" in body["message"]
    assert _consents(running) == before  # nothing stored


def test_objects_and_always_disclosed_paths_are_accepted_and_readable(
    marriage: tuple[RunningNode, str],
) -> None:
    running, certificate_id = marriage
    fields = ["/holder", "/face/wife", "/identifier", "/valid_until", "/signature_algorithm"]
    response = _grant(running, certificate_id, fields)
    assert response.status_code == 201, response.text
    read = _fetch(running, certificate_id, response.json()["token"])
    assert read.status_code == 200, read.text
    copy = parse_sealed(read.text)
    assert isinstance(copy.content, DisclosedContent)
    assert "/holder/id_number" in copy.content.fields
    assert any(path.startswith("/face/wife/") for path in copy.content.fields)
    assert not any(path.startswith("/face/husband/") for path in copy.content.fields)


def test_stored_consent_naming_a_missing_field_is_a_precise_refusal(
    marriage: tuple[RunningNode, str],
) -> None:
    """A consent stored before the check existed (or edited in the store) is refused, logged,
    and not counted as used."""
    running, certificate_id = marriage
    granted = _grant(running, certificate_id, ["/holder/name"]).json()
    with unit_of_work(running.node.engine) as session:
        row = session.get(ConsentRow, granted["consent_id"])
        assert row is not None
        row.fields = json.dumps(["/holder/name", "/face/nothing"])
        session.add(row)
    before = running.node.access_log.size()

    response = _fetch(running, certificate_id, granted["token"])

    assert response.status_code == 403, response.text
    assert response.json()["error"] == "consent_unknown_fields"
    assert response.json()["detail"] == {"unknown_fields": ["/face/nothing"]}
    assert '"content"' not in response.text
    (entry,) = running.node.access_log.entries(before)
    logged = json.loads(entry.entry)
    assert (logged["outcome"], logged["error"]) == ("refused", "consent_unknown_fields")
    with unit_of_work(running.node.engine) as session:
        assert (
            session.exec(
                select(ConsentRow.uses).where(ConsentRow.id == granted["consent_id"])
            ).one()
            == 0
        )


def test_a_stored_copy_that_cannot_be_disclosed_from_is_a_store_integrity_problem(
    marriage: tuple[RunningNode, str],
) -> None:
    """If the stored payload is not the full certificate, the read answers a 500 problem body
    naming the store, never an unhandled error."""
    running, certificate_id = marriage
    granted = _grant(running, certificate_id, ["/holder/name", "/number"]).json()
    node = running.node
    with unit_of_work(node.engine) as session:
        row = session.exec(
            select(CertificateRow).where(CertificateRow.certificate_id == certificate_id)
        ).one()
        stored = parse_sealed(open_envelope(node.master, certificate_id, row.envelope))
        narrowed = disclose(stored, ["/number"])
        row.envelope = seal_envelope(node.master, certificate_id, narrowed.to_json().encode())
        session.add(row)
    before = node.access_log.size()

    response = _fetch(running, certificate_id, granted["token"])

    assert response.status_code == 500, response.text
    body = response.json()
    assert body["error"] == "store_integrity"
    assert "/holder/name" in body["message"]
    (entry,) = node.access_log.entries(before)
    assert json.loads(entry.entry)["error"] == "store_integrity"
