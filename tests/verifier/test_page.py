"""The page's server side: static files with their security headers, and ``POST /qr/decode``."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from verifier_support import Issuer

from certificate import disclose, reference_payload, sealed_payload
from verifier.chain_view import Web3ChainView
from verifier.service import AgencySettings, create_app, hash_token

TOKEN = secrets.token_urlsafe(32)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def agency(tmp_path: Path, chain_view: Web3ChainView) -> Iterator[TestClient]:
    settings = AgencySettings(
        agency_id="zj-shichang",
        database_url=f"sqlite:///{tmp_path / 'agency.db'}",
        clerk_token_hashes=(hash_token(TOKEN),),
        max_body_bytes=64 * 1024,
    )
    with TestClient(create_app(settings, chain=chain_view)) as client:
        yield client


def test_root_opens_the_page_with_strict_headers(agency: TestClient) -> None:
    root = agency.get("/", follow_redirects=False)
    assert root.status_code == 307 and root.headers["location"] == "/page/"
    page = agency.get("/page/")
    assert page.status_code == 200
    assert "电子证照核验" in page.text and 'src="page.js"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    script = agency.get("/page/page.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "innerHTML" not in script.text  # every value is written as text
    assert agency.get("/page/page.css").status_code == 200
    assert "content-security-policy" not in agency.post("/verify", content=b"{}").headers


def test_decode_a_certificate_payload(agency: TestClient, issuer: Callable[[int], Issuer]) -> None:
    (sealed,) = issuer(330000).issue()
    copy = disclose(sealed, ["/holder/name"])
    answer = agency.post("/qr/decode", content=sealed_payload(copy) + "\r\n", headers=AUTH)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["kind"] == "certificate" and body["reference"] is None
    assert body["certificate"]["digest"] == "0x" + sealed.digest.hex()
    assert body["certificate"]["content"]["form"] == "disclosed"
    report = agency.post("/verify", json=body["certificate"], headers=AUTH).json()
    assert report["verdict"] == "VALID"


def test_decode_a_reference(agency: TestClient, issuer: Callable[[int], Issuer]) -> None:
    (sealed,) = issuer(320000).issue()
    answer = agency.post("/qr/decode", content=reference_payload(sealed), headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert answer.json()["reference"] == {
        "issuing_province": 320000,
        "certificate_id": sealed.disclosed_values()["/identifier"],
        "digest": "0x" + sealed.digest.hex(),
    }


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"HUREN1:ABC", "does not decompress"),
        (b'{"version": 1}', "not a huren QR payload"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_bad_payloads_are_clear_422s(agency: TestClient, body: bytes, problem: str) -> None:
    answer = agency.post("/qr/decode", content=body, headers=AUTH)
    assert answer.status_code == 422
    assert answer.json()["error"] == "invalid_qr_payload"
    assert problem in answer.json()["message"]


def test_decode_needs_a_clerk_and_a_small_body(agency: TestClient) -> None:
    assert agency.post("/qr/decode", content=b"HUREN1:").status_code == 401
    big = agency.post("/qr/decode", content=b"A" * (65 * 1024), headers=AUTH)
    assert big.status_code == 413
