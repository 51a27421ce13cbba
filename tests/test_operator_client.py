"""The operator's client of a node's API facing a node that answers what its API never promises:
every answer is our error (unreadable: exit 3; a refusal: exit 1), never a crash or a KeyError."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx
import pytest

from huren.operator import NodeClient, NodeRefusedError, NodeUnreachableError

Answer = Callable[[httpx.Request], httpx.Response]


def _client(answer: Answer) -> NodeClient:
    return NodeClient("http://node.test", "t" * 43, transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"not json", "is not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested more than 32 deep"),
        (b'{"count": ' + b"9" * 5_000 + b"}", "more than 100 characters"),
        (b"\xff\xfe", "is not JSON"),
        (b'{"count": 1, "batches": 1}', "certificate_ids: Field required"),
        (b'{"count": "1", "batches": 1, "certificate_ids": []}', "count: Input should be"),
        (b'{"count": 1, "batches": 1, "certificate_ids": [1]}', "certificate_ids/0"),
        (b"[]", "not what its API promises"),
    ],
)
def test_an_answer_that_is_not_the_apis_is_unreadable(body: bytes, said: str) -> None:
    client = _client(lambda _: httpx.Response(201, content=body))
    with pytest.raises(NodeUnreachableError, match="the node's answer to") as error:
        client.issue_bulk(b"{}\n")
    assert said in str(error.value)


def test_an_endless_answer_is_cut_off() -> None:
    def endless(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b" " * 1_048_576] * 100))

    with pytest.raises(NodeUnreachableError, match="the answer is too large"):
        _client(endless).export("1.2.156.3005.2.x")


@pytest.mark.parametrize(
    ("status", "body", "error", "said"),
    [
        (
            404,
            b'{"error": "unknown_certificate", "message": "no such"}',
            NodeRefusedError,
            "no such",
        ),
        (409, b"<html>", NodeRefusedError, "no problem body"),
        (403, b'{"error": 7, "message": "x"}', NodeRefusedError, "no problem body"),
        (503, b'{"error": "chain_unavailable", "message": "down"}', NodeUnreachableError, "down"),
        (500, b"", NodeUnreachableError, "answered HTTP 500"),
    ],
)
def test_refusals_and_failures(status: int, body: bytes, error: type[Exception], said: str) -> None:
    client = _client(lambda _: httpx.Response(status, content=body))
    with pytest.raises(error, match=said):
        client.change_status("1.2.156.3005.2.x", "revoke", 1)


def test_an_identifier_is_one_path_segment() -> None:
    seen: list[str] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(404, json={"error": "unknown_certificate", "message": "no"})

    with pytest.raises(NodeRefusedError):
        _client(record).export("../audit/access-log?x=1")
    assert seen == ["/certificates/..%2Faudit%2Faccess-log%3Fx%3D1/sealed"]
