"""A client of a province node's HTTP API for its operator (and auditors): typed calls, our errors.

One method per call the commands make: :meth:`NodeClient.issue`, :meth:`~NodeClient.issue_bulk`,
:meth:`~NodeClient.change_status`, :meth:`~NodeClient.revoke_many`, :meth:`~NodeClient.export`.
Each answer is read with the bounded JSON reader and checked against the shape the node's API
promises (the models below, named as the node's response models), so a node that sends
something else is an error of ours, never an ``AttributeError`` later. A test holds these shapes
against the node's OpenAPI document.

The transport is injectable (tests may pass an ASGI or mock transport); by default real HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx2 as httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from certificate.exceptions import CertificateJSONError
from certificate.json_input import read_json
from huren.operator.exceptions import NodeRefusedError, NodeUnreachableError

__all__ = [
    "BulkIssued",
    "BulkRevoked",
    "Issued",
    "NodeClient",
    "StatusAction",
    "StatusPublic",
]

StatusAction = Literal["revoke", "suspend", "reinstate"]

_LONGEST_ANSWER = 64 * 1_048_576
"""Bytes of an answer read at most (a bulk issuance of 100,000 lists their ids: ~6 MB)."""


class _Answered(BaseModel):
    """An answer of the node: its fields checked strictly, any further field ignored (a newer
    node may say more)."""

    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)


T = TypeVar("T", bound=_Answered)


class Issued(_Answered):
    """``POST /certificates``: the certificate sealed and queued for anchoring."""

    certificate_id: str
    digest: str
    state: str
    sealed: dict[str, Any]


class BulkIssued(_Answered):
    """``POST /certificates/bulk``: every certificate stored and batched, in input order."""

    count: int
    batches: int
    certificate_ids: list[str]


class StatusPublic(_Answered):
    """``POST /certificates/{id}/status``: the status on chain after the change."""

    certificate_id: str
    state: str
    reason: int | None
    effective_at: int | None
    changes: int


class BulkRevoked(_Answered):
    """``POST /certificates/revocations``: what a bulk revocation did."""

    revoked: list[str]
    already_revoked: list[str]
    transactions: list[str]


@dataclass(frozen=True, slots=True)
class _Answer:
    """A node's answer, read whole (up to :data:`_LONGEST_ANSWER`)."""

    status: int
    body: bytes


class NodeClient:
    """Calls one province node's API with one bearer token over a pooled HTTP client."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 300.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise NodeUnreachableError(f"{url!r} is not a node URL (http://host:port)")
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=10.0),
            transport=transport,
            follow_redirects=False,
        )

    def issue(self, document: Mapping[str, Any]) -> Issued:
        """Issue one certificate (``document`` as the node's JSON body)."""
        answer = self._call("POST", "/certificates", json=dict(document))
        return _shaped(Issued, answer, "the issuance")

    def issue_bulk(self, ndjson: bytes) -> BulkIssued:
        """Issue the documents of ``ndjson`` (one JSON object a line) atomically."""
        answer = self._call(
            "POST",
            "/certificates/bulk",
            content=ndjson,
            headers={"Content-Type": "application/x-ndjson"},
        )
        return _shaped(BulkIssued, answer, "the bulk issuance")

    def change_status(
        self, certificate_id: str, action: StatusAction, reason: int, effective_at: int = 0
    ) -> StatusPublic:
        """Revoke, suspend or reinstate one certificate."""
        body = {"action": action, "reason": reason, "effective_at": effective_at}
        answer = self._call("POST", f"/certificates/{_segment(certificate_id)}/status", json=body)
        return _shaped(StatusPublic, answer, f"the {action} of {certificate_id}")

    def revoke_many(
        self, certificate_ids: list[str], reason: int, effective_at: int = 0
    ) -> BulkRevoked:
        """Revoke many certificates through the contract's batch revocation."""
        body = {"certificate_ids": certificate_ids, "reason": reason, "effective_at": effective_at}
        answer = self._call("POST", "/certificates/revocations", json=body)
        return _shaped(BulkRevoked, answer, "the bulk revocation")

    def export(self, certificate_id: str) -> bytes:
        """The sealed certificate file with its receipt, as the node sent it (JSON text)."""
        answer = self._request("GET", f"/certificates/{_segment(certificate_id)}/sealed")
        self._raise_unless_ok(answer)
        return answer.body

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _call(self, method: str, path: str, **options: Any) -> Any:
        """The decoded JSON answer of a successful call; our error otherwise."""
        answer = self._request(method, path, **options)
        self._raise_unless_ok(answer)
        return _decoded(answer, f"{method} {path}")

    def _request(self, method: str, path: str, **options: Any) -> _Answer:
        try:
            with self._http.stream(method, path, **options) as response:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > _LONGEST_ANSWER:
                    raise NodeUnreachableError(f"{self.url}{path}: the answer is too large")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > _LONGEST_ANSWER:
                        raise NodeUnreachableError(f"{self.url}{path}: the answer is too large")
                return _Answer(response.status_code, bytes(body))
        except httpx.InvalidURL as error:
            raise NodeUnreachableError(f"{self.url} is not a usable URL: {error}") from None
        except httpx.HTTPError as error:
            raise NodeUnreachableError(
                f"the node at {self.url} could not be reached ({type(error).__name__}: "
                f"{error or 'no reason given'}); {method} {path} may or may not have been done"
            ) from error

    def _raise_unless_ok(self, answer: _Answer) -> None:
        if 200 <= answer.status < 300:
            return
        problem = _problem(answer)
        if answer.status >= 500:
            said = f": {problem[1]} ({problem[0]})" if problem else ""
            raise NodeUnreachableError(
                f"the node at {self.url} answered HTTP {answer.status}{said}"
            )
        if problem is None:
            raise NodeRefusedError(
                answer.status,
                "unreadable_problem",
                f"the node refused with HTTP {answer.status} and no problem body",
            )
        raise NodeRefusedError(answer.status, *problem)


def _segment(certificate_id: str) -> str:
    """The identifier as one path segment (quoted: never a path of its own)."""
    return quote(certificate_id, safe="")


def _decoded(answer: _Answer, what: str) -> Any:
    try:
        return read_json(answer.body)
    except CertificateJSONError as error:
        raise NodeUnreachableError(f"the node's answer to {what} is not JSON: {error}") from None


def _problem(answer: _Answer) -> tuple[str, str, object] | None:
    """``(code, message, detail)`` of a problem body, or None if the body is none."""
    try:
        body = read_json(answer.body)
    except CertificateJSONError:
        return None
    if not isinstance(body, dict):
        return None
    code, message = body.get("error"), body.get("message")
    if not isinstance(code, str) or not isinstance(message, str):
        return None
    return code[:100], message[:2000], body.get("detail")


def _shaped(shape: type[T], value: Any, what: str) -> T:
    """``value`` if it has ``shape``; an unreadable answer otherwise."""
    try:
        return shape.model_validate(value)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = "/".join(str(part) for part in first["loc"]) or "the answer"
        raise NodeUnreachableError(
            f"the node's answer to {what} is not what its API promises: {where}: {first['msg']}"
        ) from None
