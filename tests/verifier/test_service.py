"""The agency service without a province node: ``POST /verify``, access, limits, stored requests
whose node cannot be reached."""

from __future__ import annotations

import json
import re
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from verifier_support import Issuer

from certificate.samples import sample_document
from ledger.contract import HurenLedgerClient
from verifier.chain_view import Web3ChainView
from verifier.service import AgencySettings, create_app, hash_token

TOKEN = secrets.token_urlsafe(32)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FULLWIDTH_2026 = "\uff12\uff10\uff12\uff16"
"""Digits Python's ``str.isdigit`` accepts, and ``int`` reads as 2026."""


@pytest.fixture
def agency(tmp_path: Path, chain_view: Web3ChainView) -> Iterator[TestClient]:
    settings = AgencySettings(
        agency_id="js-gongan-hukou",
        database_url=f"sqlite:///{tmp_path / 'agency.db'}",
        clerk_token_hashes=(hash_token(TOKEN),),
        node_timeout=2.0,
        max_body_bytes=64 * 1024,
    )
    with TestClient(create_app(settings, chain=chain_view)) as client:
        yield client


def test_verify_a_file(agency: TestClient, issuer: Callable[[int], Issuer]) -> None:
    (sealed,) = issuer(310000).issue()
    answer = agency.post("/verify", content=sealed.to_json(), headers=AUTH)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["verdict"] == "VALID"
    assert [c["type"] for c in report["checks"]][:2] == ["format", "integrity"]

    past = agency.post(
        "/verify", params={"at": "2020-01-01"}, content=sealed.to_json(), headers=AUTH
    )
    assert past.json()["verdict"] == "INVALID"  # not yet valid in 2020
    failed = [c for c in past.json()["checks"] if c["status"] == "INVALID"]
    assert [c["type"] for c in failed] == ["validity"]


def test_the_time_asked_about_is_one_the_schema_declares(
    agency: TestClient, issuer: Callable[[int], Issuer]
) -> None:
    """Before: ``?at=`` (empty, as a blank form field sends it) was refused, its parameter was
    declared as any string, and a time beyond 9999 was taken."""
    (sealed,) = issuer(310000).issue()
    blank = agency.post("/verify", params={"at": ""}, content=sealed.to_json(), headers=AUTH)
    assert blank.status_code == 200, blank.text
    assert blank.json()["verdict"] == "VALID"
    assert blank.json()["at"] == blank.json()["checked_at"]  # absent and empty: now

    declared = agency.get("/openapi.json").json()["paths"]["/verify"]["post"]["parameters"]
    pattern = re.compile(next(p for p in declared if p["name"] == "at")["schema"]["pattern"])
    for good in ("", "1777599000", "2026-05-01", "2026-05-01T09:30:00+08:00", "2026-05-01T01:30Z"):
        assert pattern.fullmatch(good), good
        answer = agency.post("/verify", params={"at": good}, content=b"{}", headers=AUTH)
        assert answer.status_code == 200, (good, answer.text)
    for bad in ("soon", " 7", "-5", "2026-05-01T09", "99999999999999999999", FULLWIDTH_2026):
        assert not pattern.fullmatch(bad), bad
    for bad in ("soon", "99999999999999999999", "253402300800", "0001-01-01", FULLWIDTH_2026):
        answer = agency.post("/verify", params={"at": bad}, content=sealed.to_json(), headers=AUTH)
        assert (answer.status_code, answer.json()["error"]) == (422, "invalid_time"), bad


def test_verify_garbage_gives_a_report(agency: TestClient) -> None:
    answer = agency.post("/verify", content=b"\xff not json", headers=AUTH)
    assert answer.status_code == 200
    assert answer.json()["verdict"] == "INVALID"
    assert answer.json()["checks"][0]["reason_name"] == "FORMAT_NOT_JSON"


def test_access_and_limits(agency: TestClient) -> None:
    assert agency.post("/verify", content=b"{}").status_code == 401
    wrong = agency.post("/verify", content=b"{}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "unauthenticated"
    big = agency.post("/verify", content=b" " * (65 * 1024), headers=AUTH)
    assert big.status_code == 413
    assert big.json()["error"] == "body_too_large"
    bad_time = agency.post("/verify", params={"at": "soon"}, content=b"{}", headers=AUTH)
    assert bad_time.status_code == 422
    assert bad_time.json()["error"] == "invalid_time"
    invalid = agency.post("/requests", json={"certificate_id": ""}, headers=AUTH)
    assert invalid.status_code == 422
    assert invalid.json()["error"] == "invalid_input"
    malformed = agency.post(
        "/requests",
        content=b'{"certificate_id": ',
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert (malformed.status_code, malformed.json()["error"]) == (422, "malformed_json")
    unknown = agency.get("/requests/nope", headers=AUTH)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "unknown_request")


def test_a_database_lost_mid_run_is_503_and_back_when_it_returns(
    tmp_path: Path, chain_view: Web3ChainView
) -> None:
    data = tmp_path / "db"
    settings = AgencySettings(
        agency_id="js-gongan-hukou",
        database_url=f"sqlite:///{data / 'agency.db'}",
        clerk_token_hashes=(hash_token(TOKEN),),
    )
    with TestClient(create_app(settings, chain=chain_view)) as agency:
        engine = agency.app.state.services.requests.engine
        moved = tmp_path / "db-away"
        data.rename(moved)
        engine.dispose()
        lost = agency.get("/requests/r1", headers=AUTH)
        assert lost.status_code == 503, lost.text
        assert lost.headers["Retry-After"].isdigit()
        assert lost.json()["error"] == "database_unavailable"
        moved.rename(data)
        engine.dispose()
        back = agency.get("/requests/r1", headers=AUTH)
        assert (back.status_code, back.json()["error"]) == (404, "unknown_request")


def test_production_needs_clerk_tokens(tmp_path: Path, chain_view: Web3ChainView) -> None:
    settings = AgencySettings(agency_id="x", database_url=f"sqlite:///{tmp_path / 'a.db'}")
    with pytest.raises(ValueError, match="CLERK_TOKEN_HASHES"):
        create_app(settings, chain=chain_view)


def test_a_request_lease_must_outlast_the_wait_for_the_node() -> None:
    with pytest.raises(ValueError, match="REQUEST_LEASE_SECONDS must exceed"):
        AgencySettings(agency_id="x", mode="dev", node_timeout=30, request_lease_seconds=30)


def _identifier(province: int) -> str:
    """A well-formed 证照标识 of a sample certificate of ``province``."""
    document = sample_document("driving_licence", seed=secrets.randbelow(2**32), province=province)
    return str(document["identifier"])


def test_unknown_province_is_refused_and_stored(agency: TestClient) -> None:
    body = {
        "certificate_id": _identifier(310000),
        "issuing_province": 440000,
        "consent_token": "t.s",
    }
    answer = agency.post("/requests", json=body, headers=AUTH)
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["outcome"] == "refused"
    assert stored["node_error"] == "unknown_province"
    assert stored["report"] is None and stored["report_url"] is None
    again = agency.post("/requests", json=body, headers=AUTH)
    assert again.status_code == 200
    assert again.json()["id"] == stored["id"]
    assert agency.get(f"/requests/{stored['id']}/report.json", headers=AUTH).status_code == 404


def test_an_encoded_slash_reaches_no_other_route(agency: TestClient) -> None:
    """Before: ``/requests/<id>%2Freport.json`` was routed on the decoded path to the report."""
    body = {"certificate_id": _identifier(310000), "issuing_province": 440000, "consent_token": "t"}
    request_id = agency.post("/requests", json=body, headers=AUTH).json()["id"]
    assert agency.get(f"/requests/{request_id}", headers=AUTH).status_code == 200
    for path in (f"/requests/{request_id}%2Freport.json", f"/requests%2F{request_id}"):
        answer = agency.get(path, headers=AUTH)
        assert (answer.status_code, answer.json()["error"]) == (404, "encoded_slash")


@contextmanager
def jiangsu_at(client: HurenLedgerClient, endpoint: str) -> Iterator[str]:
    """Jiangsu's endpoint on the session ledger set to ``endpoint`` for a while."""
    record = client.province(320000)
    assert record is not None
    client.set_endpoint(endpoint)
    try:
        yield endpoint
    finally:
        client.set_endpoint(record.endpoint)


@pytest.fixture
def jiangsu_unreachable(
    ledger_client: Callable[[int], HurenLedgerClient],
) -> Iterator[str]:
    """Jiangsu's endpoint on the session ledger moved to a loopback port nothing listens on."""
    with socket.socket() as probe:  # a port the OS just handed out and that is closed again
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with jiangsu_at(ledger_client(320000), f"http://127.0.0.1:{port}") as url:
        yield url


def test_node_down_is_503_and_retryable(agency: TestClient, jiangsu_unreachable: str) -> None:
    body = {
        "certificate_id": _identifier(320000),
        "issuing_province": 320000,
        "consent_token": "a.b",
    }
    first = agency.post("/requests", json=body, headers=AUTH)
    assert first.status_code == 503
    assert first.headers["Retry-After"]
    assert first.json()["error"] == "peer_unavailable"
    request_id = first.json()["detail"]["request_id"]
    stored = agency.get(f"/requests/{request_id}", headers=AUTH).json()
    assert stored["outcome"] == "unavailable"
    assert stored["endpoint"] == jiangsu_unreachable
    again = agency.post("/requests", json=body, headers=AUTH)
    assert again.status_code == 503
    assert again.json()["detail"]["request_id"] == request_id
    assert json.loads(json.dumps(stored))["agency_id"] == "js-gongan-hukou"


def test_an_endpoint_on_chain_that_is_no_url_is_503_and_retryable(
    agency: TestClient, ledger_client: Callable[[int], HurenLedgerClient]
) -> None:
    body = {
        "certificate_id": _identifier(320000),
        "issuing_province": 320000,
        "consent_token": "a.b",
    }
    with jiangsu_at(ledger_client(320000), "http://[::1"):
        answer = agency.post("/requests", json=body, headers=AUTH)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "peer_unavailable"
    assert "not a usable URL" in answer.json()["message"]


def test_openapi_declares_problem_bodies_for_every_route(agency: TestClient) -> None:
    spec = agency.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"]
            assert "401" in declared, (method, path)
            for status, answer in declared.items():
                if not status.startswith("2"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema["$ref"].endswith("/Problem"), (method, path, status)
