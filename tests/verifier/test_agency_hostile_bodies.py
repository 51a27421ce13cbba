"""Hostile request bodies against the agency service run as a real process (uvicorn with
``verifier.service.app:app_from_env``): each is refused or reported, and it still answers.

Before: a sealed-certificate file nested 100,000 deep, uploaded by a clerk, killed the process
(segmentation fault), and a 5,000-digit integer gave HTTP 500 on ``POST /verify``, whose body
always gets a report.
"""

from __future__ import annotations

import json
import struct
import sys
import zlib
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx
import pytest
from service_process import DEEP, LONG_NUMBER, NOT_UTF8, Served, free_port, serving

from certificate.base45 import b45encode
from certificate.qr import QR_PREFIX
from ledger.anvil import LocalChain
from ledger.deploy import Deployment
from verifier.service.settings import hash_token

TOKEN = "clerk-token-for-hostile-bodies"


@pytest.fixture(scope="module")
def agency(
    tmp_path_factory: pytest.TempPathFactory, local_chain: LocalChain, deployment: Deployment
) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("hostile-agency")
    deployment.save(home / "deployment.json")
    port = free_port()
    env = {
        "HUREN_AGENCY_AGENCY_ID": "js-gongan-hukou",
        "HUREN_AGENCY_RPC_URL": local_chain.url,
        "HUREN_AGENCY_DEPLOYMENT_FILE": str(home / "deployment.json"),
        "HUREN_AGENCY_DATABASE_URL": f"sqlite:///{home / 'agency.db'}",
        "HUREN_AGENCY_CLERK_TOKEN_HASHES": json.dumps([hash_token(TOKEN)]),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "verifier.service.app:app_from_env"]
    with serving([*command, "--port", str(port), "--log-level", "warning"], port, env) as served:
        yield served


def _format_check(answer: Any) -> tuple[str, str]:
    assert answer.status_code == 200, answer.text
    report = answer.json()
    return report["verdict"], report["checks"][0]["reason_name"]


def test_a_deep_file_gets_a_report_and_the_agency_lives(agency: Served) -> None:
    stranger = agency.post("/verify", DEEP)
    assert (stranger.status_code, stranger.json()["error"]) == (401, "unauthenticated")
    assert _format_check(agency.post("/verify", DEEP, TOKEN)) == ("INVALID", "FORMAT_JSON_LIMIT")
    assert _format_check(agency.post("/verify", LONG_NUMBER, TOKEN)) == (
        "INVALID",
        "FORMAT_JSON_LIMIT",
    )
    assert _format_check(agency.post("/verify", NOT_UTF8, TOKEN)) == ("INVALID", "FORMAT_NOT_JSON")
    assert agency.answers(), agency.output()


def test_every_body_route_refuses_hostile_bodies_with_a_problem(agency: Served) -> None:
    routes = agency.body_routes()
    assert {("POST", "/verify"), ("POST", "/requests"), ("POST", "/qr/decode")} <= set(routes)
    for method, path in routes:
        for body in (DEEP, LONG_NUMBER, NOT_UTF8):
            answer = httpx.request(
                method,
                f"{agency.url}{path}",
                content=body,
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                timeout=30,
            )
            assert answer.status_code < 500, (method, path, body[:12], answer.text)
    assert agency.answers(), agency.output()
    for body, code in ((DEEP, "json_too_deep"), (LONG_NUMBER, "number_too_long")):
        answer = agency.post("/requests", body, TOKEN)
        assert (answer.status_code, answer.json()["error"]) == (422, code)
    text = agency.post("/requests", NOT_UTF8, TOKEN)
    assert (text.status_code, text.json()["error"]) == (422, "malformed_json")


def test_a_qr_payload_that_unpacks_to_deep_json_is_refused(agency: Served) -> None:
    skeleton = b"[" * 100_000
    payload = QR_PREFIX + b45encode(zlib.compress(struct.pack(">I", len(skeleton)) + skeleton))
    answer = agency.post("/qr/decode", payload.encode(), TOKEN, **{"Content-Type": "text/plain"})
    assert (answer.status_code, answer.json()["error"]) == (422, "invalid_qr_payload")
    assert "nested more than 32 deep" in answer.json()["message"]
    assert agency.answers(), agency.output()
