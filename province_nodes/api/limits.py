"""A pure ASGI middleware that refuses oversized bodies with 413 before a route reads them.

The declared ``Content-Length`` is checked first; a chunked body is counted as it streams: once
it passes the limit the 413 is sent and the app sees the client disconnect, so an oversized
upload is never held in memory. The bulk path has its own, larger limit.
"""

from __future__ import annotations

import json

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_base.problems import problem_body

__all__ = ["BodyLimit"]


class BodyLimit:
    """Refuse request bodies above ``limit`` bytes (``bulk_limit`` under ``bulk_prefix``)."""

    def __init__(self, app: ASGIApp, limit: int, bulk_limit: int, bulk_path: str) -> None:
        self.app = app
        self.limit = limit
        self.bulk_limit = bulk_limit
        self.bulk_path = bulk_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.bulk_limit if scope["path"] == self.bulk_path else self.limit
        headers = dict(scope.get("headers", ()))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        seen = 0
        started = False
        refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if not started:
                        await _refuse(send, limit)
                    refused = True
                    return {"type": "http.disconnect"}  # the app stops reading here
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent; the app's own answer is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except ClientDisconnect:
            if not refused:
                raise


async def _refuse(send: Send, limit: int) -> None:
    body = problem_body(
        "body_too_large",
        f"the request body is larger than this node accepts ({limit} bytes); "
        "split it into smaller requests",
        {"limit": limit},
    )
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
