"""跨省通办 end to end: a Jiangsu agency asks Zhejiang's node for a certificate under the
holder's consent, verifies it against the chain and stores the report; refused consents are
stored as refusals.

Zhejiang's node runs for real (see ``province_node_support``): the agency finds it the way it
would in production, on chain.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from province_node_support import AGENCY, ZHEJIANG, Node
from web3 import Web3

from ledger.deploy import Deployment
from verifier.chain_view import Web3ChainView
from verifier.service import AgencySettings, create_app, hash_token

CLERK = secrets.token_urlsafe(32)
CLERK_AUTH = {"Authorization": f"Bearer {CLERK}"}


@pytest.fixture
def agency(
    tmp_path: Path, w3: Web3, zhejiang_deployment: tuple[Deployment, Path, int], zhejiang: Node
) -> Iterator[TestClient]:
    deployment, _, _ = zhejiang_deployment
    settings = AgencySettings(
        agency_id=AGENCY,
        database_url=f"sqlite:///{tmp_path / 'agency.db'}",
        clerk_token_hashes=(hash_token(CLERK),),
        node_tokens={ZHEJIANG: zhejiang.tokens[AGENCY]},
    )
    chain = Web3ChainView.for_deployment(w3, deployment, cache_ttl=0)
    with TestClient(create_app(settings, chain=chain)) as client:
        yield client


def _request(agency: TestClient, certificate_id: str, token: str) -> httpx.Response:
    body = {"certificate_id": certificate_id, "issuing_province": ZHEJIANG, "consent_token": token}
    return agency.post("/requests", json=body, headers=CLERK_AUTH)


def test_consented_request_is_verified_and_stored(zhejiang: Node, agency: TestClient) -> None:
    certificate_id = zhejiang.issue()
    consent = zhejiang.consent(certificate_id)
    answer = _request(agency, certificate_id, consent["token"])
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["outcome"] == "verified"
    assert stored["verdict"] == "VALID", stored["report"]
    assert stored["endpoint"] == zhejiang.url
    fields = stored["certificate"]["content"]["fields"]
    assert "/holder/name" in fields and "/holder/id_number" not in fields
    assert "/holder/id_number" in stored["certificate"]["content"]["withheld"]

    download = agency.get(stored["report_url"], headers=CLERK_AUTH)
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert download.json()["verdict"] == "VALID"
    assert agency.get(f"/requests/{stored['id']}", headers=CLERK_AUTH).json() == stored

    # A retry returns the stored answer; it does not spend the (single-use) consent again.
    again = _request(agency, certificate_id, consent["token"])
    assert again.status_code == 200
    assert again.json()["id"] == stored["id"]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("withdrawn", "consent_withdrawn"),
        ("other_agency", "consent_wrong_agency"),
        ("other_certificate", "consent_wrong_certificate"),
        ("forged", "consent_invalid_signature"),
        ("exhausted", "consent_exhausted"),
    ],
)
def test_refused_consent_is_stored_as_refusal(
    zhejiang: Node, agency: TestClient, case: str, code: str
) -> None:
    certificate_id = zhejiang.issue()
    asked_for = certificate_id
    if case == "other_agency":
        token = zhejiang.consent(certificate_id, agency="sh-minzheng")["token"]
    else:
        consent = zhejiang.consent(certificate_id)
        token = consent["token"]
    if case == "withdrawn":
        gone = zhejiang.call("DELETE", f"/consents/{consent['consent_id']}", "portal")
        assert gone.status_code == 200, gone.text
    elif case == "other_certificate":
        asked_for = zhejiang.issue()
    elif case == "forged":
        payload, signature = token.split(".")
        token = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    elif case == "exhausted":
        direct = zhejiang.call(
            "GET", f"/certificates/{certificate_id}", AGENCY, headers={"Huren-Consent": token}
        )
        assert direct.status_code == 200, direct.text
    answer = _request(agency, asked_for, token)
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["outcome"] == "refused"
    assert stored["node_status"] == 403
    assert stored["node_error"] == code
    assert stored["report"] is None and stored["certificate"] is None
    assert stored["message"]
