"""The agency's OpenAPI document against the agency (schemathesis), as a clerk and as nobody,
with Zhejiang's real node and chain behind it.

Before: ``POST /verify`` declared a required JSON object as its body, but answers any body, or
none, with a report (format INVALID), as its documentation promises.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import schemathesis
from openapi_conformance import BOUNDED, call_as_everyone, loaded, serving, with_examples
from province_node_support import AGENCY, ZHEJIANG, Node
from web3 import Web3

from certificate.qr import reference_payload
from certificate.sealed_file import sealed_from_json
from ledger.deploy import Deployment
from verifier.chain_view import Web3ChainView
from verifier.service import AgencySettings, create_app, hash_token

CLERK = secrets.token_urlsafe(32)


@dataclass
class ServedAgency:
    """The agency's base URL and its OpenAPI document with examples."""

    url: str
    document: dict[str, Any]


@pytest.fixture
def served_agency(
    tmp_path: Path, w3: Web3, zhejiang_deployment: tuple[Deployment, Path, int], zhejiang: Node
) -> Iterator[ServedAgency]:
    """The agency over HTTP with one stored request; the document's examples name it, its
    certificate (as a file to verify and as a QR payload)."""
    deployment, _, _ = zhejiang_deployment
    settings = AgencySettings(
        agency_id=AGENCY,
        database_url=f"sqlite:///{tmp_path / 'agency.db'}",
        clerk_token_hashes=(hash_token(CLERK),),
        node_tokens={ZHEJIANG: zhejiang.tokens[AGENCY]},
    )
    view = Web3ChainView.for_deployment(w3, deployment, cache_ttl=0)
    app = create_app(settings, chain=view)
    with serving(app) as url:
        certificate_id = zhejiang.issue()
        consent = zhejiang.consent(certificate_id)
        body = {
            "certificate_id": certificate_id,
            "issuing_province": ZHEJIANG,
            "consent_token": consent["token"],
        }
        answer = httpx.post(
            f"{url}/requests", json=body, headers={"Authorization": f"Bearer {CLERK}"}, timeout=30
        )
        assert answer.status_code == 201, answer.text
        stored = answer.json()
        document = with_examples(
            app.openapi(),
            parameters={"request_id": stored["id"], "at": "2026-05-01"},
            bodies={
                ("POST", "/verify"): stored["certificate"],
                ("POST", "/requests"): body,
                ("POST", "/qr/decode"): reference_payload(sealed_from_json(stored["certificate"])),
            },
        )
        yield ServedAgency(url, document)


@pytest.fixture
def agency_schema(request: pytest.FixtureRequest, served_agency: ServedAgency) -> Any:
    return loaded(request, served_agency.document)


schema = schemathesis.pytest.from_fixture("agency_schema")


@schema.parametrize()
@BOUNDED
def test_every_answer_of_the_agency_is_declared(case: Any, served_agency: ServedAgency) -> None:
    call_as_everyone(case, served_agency.url, {"clerk": CLERK})
