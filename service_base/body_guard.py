"""What it takes for a request body to be read at all: one pure ASGI middleware for both services.

FastAPI parses a JSON body before a route's dependencies run, so before the credential is
checked, and with a parser that recurses once per nesting level (see
:mod:`certificate.json_input`). :class:`BodyGuard` stands in front of every route and, as the
body streams in, before any of it is parsed:

1. **credential first**: a request that carries a body (any method but GET and HEAD) is
   refused with the service's own 401 unless its ``Authorization`` header passes the
   service's credential check; not one byte of its body is read. Roles stay the routes'
   business (their access dependency), this only keeps strangers' bodies out;
2. **size**: a declared ``Content-Length`` above the path's limit is refused at once, a
   streamed body as soon as it passes the limit (413 ``body_too_large``);
3. **shape**, for bodies the framework will parse as JSON (no content type, or a JSON one): not
   UTF-8 or holding a NUL byte (422 ``malformed_json``), arrays and objects nested too deep
   (422 ``json_too_deep``), a number too long (422 ``number_too_long``).

A path whose route reads its body itself (a bulk upload, a file to verify) is given a
:class:`BodyRule` with ``json=False``: it keeps steps 1 and 2 and reads the body with a bounded
reader of its own. A path whose body carries its own credential (a province node's cosign request
is signed with the requesting province's key on chain, and its sender has no bearer token of the
node's) is given ``credential=False``: it skips step 1 and keeps steps 2 and 3, so a stranger's
body is read only when small and shallow, and the route refuses it if its signature does not
count. A refusal is sent as a problem body; the app then sees the client disconnect
and stops reading, so a refused body is never held in memory.
"""

from __future__ import annotations

import codecs
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.message import Message as MediaType

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from certificate.exceptions import (
    CertificateJSONError,
    JSONNumberTooLongError,
    JSONTooDeepError,
)
from certificate.json_input import JSONShapeCheck
from service_base.exceptions import RequestBodyError, RequestBodyTooLargeError, ServiceError
from service_base.problems import problem_response

__all__ = ["BodyGuard", "BodyRule", "CredentialCheck", "body_error", "too_large"]

CredentialCheck = Callable[[str | None], Awaitable[None]]
"""A service's check of an ``Authorization`` header value (None if absent): returns if the
credential is valid, raises the service's own error (401, or 503 if it cannot tell) if not."""

_BODILESS_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class BodyRule:
    """What a path accepts as a body: at most ``max_bytes``; with ``json`` the guard checks the
    JSON shape, without it the route reads the body itself with a bounded reader; without
    ``credential`` the body is read without the service's credential (the route authenticates
    what the body holds)."""

    max_bytes: int
    json: bool = True
    credential: bool = True


def too_large(limit: int) -> RequestBodyTooLargeError:
    """The refusal of a body of more than ``limit`` bytes."""
    return RequestBodyTooLargeError(
        f"the request body is larger than this service accepts ({limit} bytes); split it into "
        f"smaller requests",
        detail={"limit": limit},
    )


def body_error(error: CertificateJSONError) -> RequestBodyError:
    """The refusal of a body the JSON reader refused, with the code a client can branch on."""
    if isinstance(error, JSONTooDeepError):
        return RequestBodyError(str(error), code="json_too_deep")
    if isinstance(error, JSONNumberTooLongError):
        return RequestBodyError(str(error), code="number_too_long")
    return RequestBodyError(f"the request body is not valid UTF-8 JSON: {error}")


class _BodyCheck:
    """The checks of one request's body, fed as it streams."""

    def __init__(self, rule: BodyRule, parsed_as_json: bool) -> None:
        self.limit = rule.max_bytes
        self.seen = 0
        self.shape = JSONShapeCheck() if rule.json and parsed_as_json else None
        self.utf8 = codecs.getincrementaldecoder("utf-8")()

    def feed(self, chunk: bytes, last: bool) -> None:
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise too_large(self.limit)
        if self.shape is None:
            return
        if b"\x00" in chunk:
            raise RequestBodyError("the request body holds a NUL byte; JSON is sent as UTF-8")
        try:
            self.utf8.decode(chunk, final=last)
        except UnicodeDecodeError as error:
            raise RequestBodyError(f"the request body is not UTF-8: {error}") from None
        try:
            self.shape.feed(chunk)
        except CertificateJSONError as error:
            raise body_error(error) from None


class BodyGuard:
    """The middleware; ``rule`` applies to every path not named in ``rules``.

    ``credential`` is the service's check of a caller's credential (None: every caller may send
    a body, as an agency in development mode without clerk tokens).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        rule: BodyRule,
        rules: Mapping[str, BodyRule] | None = None,
        credential: CredentialCheck | None = None,
    ) -> None:
        self.app = app
        self.rule = rule
        self.rules = dict(rules or {})
        self.credential = credential

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        rule = self.rules.get(scope["path"], self.rule)
        try:
            await self._admit(scope["method"], headers, rule)
        except ServiceError as error:
            await problem_response(error)(scope, receive, send)
            return
        check = _BodyCheck(rule, _parsed_as_json(headers.get("content-type")))
        await _guarded(self.app, scope, receive, send, check)

    async def _admit(self, method: str, headers: Headers, rule: BodyRule) -> None:
        """Refuse a request on its headers: no valid credential for a body, a declared size."""
        carries_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
        credential = self.credential if rule.credential else None
        if credential is not None and carries_body and method not in _BODILESS_METHODS:
            await credential(headers.get("authorization"))
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > rule.max_bytes:
            raise too_large(rule.max_bytes)


async def _guarded(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, check: _BodyCheck
) -> None:
    started = False
    refused = False

    async def checked() -> Message:
        nonlocal refused
        if refused:
            return {"type": "http.disconnect"}
        message = await receive()
        if message["type"] == "http.request":
            try:
                check.feed(message.get("body", b""), last=not message.get("more_body", False))
            except ServiceError as error:
                if not started:
                    await problem_response(error)(scope, receive, send)
                refused = True
                return {"type": "http.disconnect"}  # the app stops reading here
        return message

    async def tracked(message: Message) -> None:
        nonlocal started
        if refused:
            return  # the refusal has been sent; the app's own answer is dropped
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await app(scope, checked, tracked)
    except ClientDisconnect:
        if not refused:
            raise


def _parsed_as_json(content_type: str | None) -> bool:
    """Whether FastAPI reads a body of this content type as JSON (none given, or a JSON one)."""
    if not content_type:
        return True
    media = MediaType()
    media["content-type"] = content_type
    subtype = media.get_content_subtype()
    return media.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )
