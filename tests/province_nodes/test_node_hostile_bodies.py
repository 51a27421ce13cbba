"""Hostile request bodies against a province node run as a real process (``huren node serve``):
it refuses each with a problem body and still answers afterwards.

Before: 100,000 nested brackets sent to ``POST /certificates`` without any credential killed the
process (segmentation fault); a 5,000-digit integer gave HTTP 500 on the bulk route; invalid UTF-8
gave FastAPI's bare ``{"detail": ...}``; a million empty bulk items took 84 s to refuse.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import httpx2 as httpx
import pytest
from node_helpers import CHAIN_KEYS
from service_process import DEEP, LONG_NUMBER, NOT_UTF8, Served, free_port, serving

from ledger.anvil import LocalChain
from ledger.deploy import Deployment
from province_nodes.auth import create_credential
from province_nodes.db import make_engine, migrate
from province_nodes.types import Role

PROVINCE = 320000


@pytest.fixture(scope="module")
def node(
    tmp_path_factory: pytest.TempPathFactory, local_chain: LocalChain, deployment: Deployment
) -> Iterator[tuple[Served, str]]:
    """The node process and an operator's token."""
    home = tmp_path_factory.mktemp("hostile-node")
    deployment.save(home / "deployment.json")
    database = f"sqlite:///{home / 'node.sqlite3'}"
    config = home / "node.env"
    config.write_text(
        "\n".join(
            [
                "HUREN_NODE_MODE=dev",
                f"HUREN_NODE_DATABASE_URL={database}",
                f"HUREN_NODE_RPC_URL={local_chain.url}",
                f"HUREN_NODE_DEPLOYMENT_FILE={home / 'deployment.json'}",
                f"HUREN_NODE_CHAIN_KEY={CHAIN_KEYS[PROVINCE]}",
                "HUREN_NODE_SEALING_WORKERS=1",
            ]
        )
    )
    engine = make_engine(database)
    migrate(engine)
    token = create_credential(engine, Role.OPERATOR)
    engine.dispose()
    port = free_port()
    command = [sys.executable, "-m", "huren", "node", "serve", "--province", str(PROVINCE)]
    with serving([*command, "--config", str(config), "--port", str(port)], port) as served:
        yield served, token


def test_a_deep_body_without_a_credential_is_refused_unread(node: tuple[Served, str]) -> None:
    served, _token = node
    answer = served.post("/certificates", DEEP)
    assert (answer.status_code, answer.json()["error"]) == (401, "unauthenticated")
    assert served.answers(), served.output()


def test_every_body_route_refuses_hostile_bodies_with_a_problem(node: tuple[Served, str]) -> None:
    served, token = node
    routes = served.body_routes()
    assert ("POST", "/certificates/bulk") in routes and ("POST", "/consents") in routes
    for method, path in routes:
        for body in (DEEP, LONG_NUMBER, NOT_UTF8):
            answer = httpx.request(
                method,
                f"{served.url}{path}",
                content=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=30,
            )
            assert 400 <= answer.status_code < 500, (method, path, body[:12], answer.text)
            assert answer.json()["error"], (method, path)
    assert served.answers(), served.output()
    deep = served.post("/certificates", DEEP, token)
    assert (deep.status_code, deep.json()["error"]) == (422, "json_too_deep")
    number = served.post("/certificates/bulk", b"[" + LONG_NUMBER + b"]", token)
    assert (number.status_code, number.json()["error"]) == (422, "number_too_long")
    text = served.post("/consents", NOT_UTF8, token)
    assert (text.status_code, text.json()["error"]) == (422, "malformed_json")


@pytest.mark.parametrize("ndjson", [False, True])
def test_a_million_empty_bulk_items_are_refused_early(
    node: tuple[Served, str], ndjson: bool
) -> None:
    served, token = node
    body = b"{}\n" * 1_000_000 if ndjson else b"[" + b"{}," * 999_999 + b"{}]"
    kind = "application/x-ndjson" if ndjson else "application/json"
    answer = served.post("/certificates/bulk", body, token, **{"Content-Type": kind})
    assert (answer.status_code, answer.json()["error"]) == (413, "too_many_items")
    assert answer.json()["detail"] == {"max_items": 100_000}
    assert served.answers(), served.output()
