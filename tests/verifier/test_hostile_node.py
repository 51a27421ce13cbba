"""A province node's answer is data, not truth, and may be hostile: the agency's client reads it
with the bounded JSON reader, so a problem body nested 100,000 deep is an unreadable refusal, not
a crash of the agency."""

from __future__ import annotations

import httpx2 as httpx
import pytest

from verifier.service.exceptions import PeerRefusedError
from verifier.service.node_client import NodeClient


def test_a_deep_problem_body_is_a_refusal_without_a_readable_code() -> None:
    def node(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, content=b"[" * 100_000 + b"]" * 100_000)

    client = NodeClient(timeout=5, transport=httpx.MockTransport(node))
    with pytest.raises(PeerRefusedError) as refused:
        client.fetch("http://node.invalid", "id", "consent", "token", "request-1")
    assert (refused.value.peer_status, refused.value.peer_code) == (404, "http_404")
