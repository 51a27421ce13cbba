"""What the agency asks a province node for, and what it stores, against Zhejiang's real node.

The agency asks only for certificates named by a well-formed 证照标识, so no identifier can make
it fetch another route of the node. A node that says "not now" (the certificate is not anchored
yet, the agency's credential is not accepted) used no consent: the request is retried, not
stored as refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from province_node_support import AGENCY, ZHEJIANG, Node
from web3 import Web3

from ledger.deploy import Deployment
from verifier.chain_view import Web3ChainView
from verifier.service import AgencySettings, create_app, hash_token

CLERK = "clerk-" + uuid.uuid4().hex
CLERK_AUTH = {"Authorization": f"Bearer {CLERK}"}

AgencyFactory = Callable[..., TestClient]


@pytest.fixture
def make_agency(
    tmp_path: Path, w3: Web3, zhejiang_deployment: tuple[Deployment, Path, int], zhejiang: Node
) -> Iterator[AgencyFactory]:
    """``make_agency(**options)``: a running agency; by default on a SQLite file of this test,
    with a chain view that caches nothing and the agency's credential at Zhejiang's node.

    Options: ``chain``, ``transport`` (for :func:`create_app`) and any settings field.
    """
    deployment, _, _ = zhejiang_deployment
    with ExitStack() as running:

        def make(
            *, chain: Web3ChainView | None = None, transport: Any = None, **options: Any
        ) -> TestClient:
            fields: dict[str, Any] = {
                "agency_id": AGENCY,
                "database_url": f"sqlite:///{tmp_path / 'agency.db'}",
                "clerk_token_hashes": (hash_token(CLERK),),
                "node_tokens": {ZHEJIANG: zhejiang.tokens[AGENCY]},
                **options,
            }
            view = chain or Web3ChainView.for_deployment(w3, deployment, cache_ttl=0)
            app = create_app(AgencySettings(**fields), chain=view, transport=transport)
            return running.enter_context(TestClient(app))

        yield make


def _post(agency: TestClient, certificate_id: str, token: str) -> httpx.Response:
    body = {"certificate_id": certificate_id, "issuing_province": ZHEJIANG, "consent_token": token}
    return agency.post("/requests", json=body, headers=CLERK_AUTH)


def _stored(agency: TestClient, request_id: str) -> dict[str, Any]:
    answer = agency.get(f"/requests/{request_id}", headers=CLERK_AUTH)
    assert answer.status_code == 200, answer.text
    stored: dict[str, Any] = answer.json()
    return stored


# --- identifiers: the agency asks only for 证照标识 ------------------------------------------


@pytest.mark.parametrize(
    "shape",
    ["status route", "receipt route", "encoded slash", "200 characters", "NUL byte", "check"],
)
def test_an_identifier_outside_the_grammar_is_refused_before_any_node_is_asked(
    zhejiang: Node, make_agency: AgencyFactory, shape: str
) -> None:
    agency = make_agency()
    certificate_id = zhejiang.issue()
    token = zhejiang.consent(certificate_id)["token"]
    wrong_check = "A" if certificate_id[-1] != "A" else "B"
    asked = {
        "status route": f"{certificate_id}/status",
        "receipt route": f"{certificate_id}/receipt",
        "encoded slash": f"{certificate_id}%2Fstatus",
        "200 characters": certificate_id + "0" * (200 - len(certificate_id)),
        "NUL byte": certificate_id + "\x00",
        "check": certificate_id[:-1] + wrong_check,
    }[shape]
    answer = _post(agency, asked, token)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["error"] == "invalid_input"
    assert problem["detail"][0]["location"] == ["body", "certificate_id"]
    assert zhejiang.reads(certificate_id) == []
    # the consent is intact: asked properly, the certificate comes
    assert _post(agency, certificate_id, token).json()["verdict"] == "VALID"


# --- temporary answers are retried and spend nothing --------------------------------------------


def test_not_anchored_yet_is_retryable_and_the_consent_still_works(
    zhejiang: Node, make_agency: AgencyFactory
) -> None:
    agency = make_agency()
    certificate_id = zhejiang.issue(anchor=False)
    token = zhejiang.consent(certificate_id)["token"]
    first = _post(agency, certificate_id, token)
    assert first.status_code == 503, first.text
    problem = first.json()
    assert problem["error"] == "peer_unavailable"
    assert (problem["detail"]["node_status"], problem["detail"]["node_error"]) == (
        409,
        "not_anchored",
    )
    request_id = problem["detail"]["request_id"]
    assert _stored(agency, request_id)["outcome"] == "unavailable"

    zhejiang.node.batcher.flush()
    again = _post(agency, certificate_id, token)
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["outcome"]) == (request_id, "verified")
    assert again.json()["verdict"] == "VALID"
    assert zhejiang.reads(certificate_id) == [("refused", "not_anchored"), ("allowed", None)]


def test_a_credential_the_node_refuses_is_retryable_once_the_agency_is_configured(
    zhejiang: Node, make_agency: AgencyFactory
) -> None:
    misconfigured = make_agency(node_tokens={ZHEJIANG: "not-a-token-of-that-node"})
    certificate_id = zhejiang.issue()
    token = zhejiang.consent(certificate_id)["token"]
    first = _post(misconfigured, certificate_id, token)
    assert first.status_code == 503, first.text
    assert first.json()["detail"]["node_error"] == "unauthenticated"

    fixed = make_agency()  # the same store, now with the agency's real credential
    again = _post(fixed, certificate_id, token)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["detail"]["request_id"]
    assert again.json()["verdict"] == "VALID"
