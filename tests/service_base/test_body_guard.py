"""The shared body guard: no body is read without a valid credential, none beyond the size limit,
and none the framework would parse as JSON unless it is UTF-8, shallow and without huge numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel
from starlette.types import Message

from service_base.body_guard import BodyGuard, BodyRule
from service_base.exceptions import ServiceError
from service_base.problems import install_error_handlers

TOKEN = "Bearer good"
DEEP = b"[" * 100_000 + b"]" * 100_000


class _StrangerError(ServiceError):
    """The small service's 401."""

    status = 401
    code = "unauthenticated"


class _Order(BaseModel):
    item: object
    count: int


async def _credential(authorization: str | None) -> None:
    if authorization != TOKEN:
        raise _StrangerError("who are you?")


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app, lambda error: ServiceError(str(error)))
    app.add_middleware(
        BodyGuard,
        rule=BodyRule(64 * 1024),
        rules={
            "/upload": BodyRule(512 * 1024, json=False),
            "/signed": BodyRule(1024, credential=False),
        },
        credential=_credential,
    )

    @app.post("/orders")
    def order(body: _Order) -> _Order:
        return body

    @app.post("/upload")
    async def upload(request: Request) -> int:
        return len(await request.body())

    @app.get("/orders")
    def orders() -> list[str]:
        return []

    @app.post("/signed")
    def signed(body: _Order) -> _Order:
        return body

    return app


def _client() -> TestClient:
    return TestClient(_app())


AUTH = {"Authorization": TOKEN, "Content-Type": "application/json"}


def test_a_strangers_body_is_not_read_at_all() -> None:
    guard = _app()
    reads: list[str] = []
    sent: list[Message] = []

    async def receive() -> Message:
        reads.append("read")
        return {"type": "http.request", "body": DEEP, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/orders",
        "raw_path": b"/orders",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-length", str(len(DEEP)).encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    asyncio.run(guard(scope, receive, send))
    assert sent[0]["status"] == 401
    assert b'"unauthenticated"' in sent[1]["body"]
    assert reads == []


def test_without_a_body_the_route_decides() -> None:
    client = _client()
    assert client.get("/orders").status_code == 200
    assert client.post("/orders").json()["error"] == "invalid_input"  # no body to guard


def test_sizes_are_refused_declared_or_streamed() -> None:
    client = _client()
    declared = client.post("/orders", content=b" " * (65 * 1024), headers=AUTH)
    assert (declared.status_code, declared.json()["error"]) == (413, "body_too_large")
    assert declared.json()["detail"] == {"limit": 64 * 1024}

    def chunks() -> Iterator[bytes]:
        yield b"[" + b" " * 40_000
        yield b" " * 40_000 + b"]"

    streamed = client.post("/orders", content=chunks(), headers=AUTH)
    assert (streamed.status_code, streamed.json()["error"]) == (413, "body_too_large")


def test_json_bodies_are_checked_before_the_framework_parses_them() -> None:
    client = _client()
    cases = {
        DEEP[:1000] + DEEP[-1000:]: "json_too_deep",
        b'{"item": 1, "count": ' + b"9" * 5_000 + b"}": "number_too_long",
        b'{"item": "\xff", "count": 1}': "malformed_json",
        b'{"item": "\x00", "count": 1}': "malformed_json",
    }
    for body, code in cases.items():
        for headers in (AUTH, {"Authorization": TOKEN}):  # no content type: parsed as JSON too
            answer = client.post("/orders", content=body, headers=headers)
            assert (answer.status_code, answer.json()["error"]) == (422, code), body[:30]
    fine = client.post("/orders", json={"item": "茶", "count": 2}, headers=AUTH)
    assert fine.json() == {"item": "茶", "count": 2}


def test_a_body_its_route_reads_itself_is_only_counted() -> None:
    client = _client()
    assert client.post("/upload", content=DEEP, headers=AUTH).json() == len(DEEP)
    too_big = client.post("/upload", content=b" " * (513 * 1024), headers=AUTH)
    assert (too_big.status_code, too_big.json()["error"]) == (413, "body_too_large")
    stranger = client.post("/upload", content=DEEP)
    assert (stranger.status_code, stranger.json()["error"]) == (401, "unauthenticated")


def test_other_content_types_are_not_parsed_so_not_scanned() -> None:
    answer = _client().post(
        "/orders", content=b"[" * 30_000, headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert (answer.status_code, answer.json()["error"]) == (422, "invalid_input")


def test_a_body_that_carries_its_own_credential_is_read_from_strangers_but_guarded() -> None:
    """A path whose route authenticates the body itself: no token needed, the shape and size
    limits hold all the same."""
    client = _client()
    stranger = client.post("/signed", json={"item": "signed", "count": 1})
    assert stranger.json() == {"item": "signed", "count": 1}
    deep = client.post("/signed", content=DEEP[:200] + DEEP[-200:])
    assert (deep.status_code, deep.json()["error"]) == (422, "json_too_deep")
    nul = client.post("/signed", content=b'{"item": "\x00", "count": 1}')
    assert (nul.status_code, nul.json()["error"]) == (422, "malformed_json")
    big = client.post("/signed", content=b" " * 2048)
    assert (big.status_code, big.json()["error"]) == (413, "body_too_large")
