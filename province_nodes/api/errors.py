"""Problem bodies: every error is ``{"error": code, "message": text, "detail": optional}``.

One table maps each exception branch to its status; a 503 carries ``Retry-After``. Routes
declare their error responses with :func:`responses`, so the OpenAPI document lists them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError

from province_nodes.db import unavailable
from province_nodes.exceptions import (
    AccessDeniedError,
    AuthenticationError,
    ChainUnavailableError,
    EnvelopeError,
    NodeConflictError,
    NodeError,
    NodeInputError,
    NodeNotFoundError,
    StoreIntegrityError,
    StoreUnavailableError,
)

__all__ = ["Problem", "install_error_handlers", "problem_response", "responses"]

RETRY_AFTER_SECONDS = 5


class Problem(BaseModel):
    """An error: a stable machine code, a clerk-readable message and optional detail."""

    error: str = Field(examples=["consent_expired"])
    message: str = Field(examples=["the consent has expired; ask the holder for a new one"])
    detail: Any = None


_STATUS: tuple[tuple[type[NodeError], int], ...] = (
    (AuthenticationError, 401),
    (AccessDeniedError, 403),
    (NodeNotFoundError, 404),
    (NodeConflictError, 409),
    (NodeInputError, 422),
    (StoreUnavailableError, 503),
    (ChainUnavailableError, 503),
    (EnvelopeError, 500),
    (StoreIntegrityError, 500),
)

_DESCRIPTIONS = {
    401: "No or unknown bearer token",
    403: "The caller's role or consent does not allow this",
    404: "No such resource on this node",
    409: "Conflicts with the stored state",
    413: "The request body is larger than this node accepts",
    422: "The request content is invalid",
    503: "Database or chain unavailable; retry after Retry-After seconds",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem responses a route can give."""
    return {code: {"model": Problem, "description": _DESCRIPTIONS[code]} for code in codes}


def status_of(error: NodeError) -> int:
    """The HTTP status for a node error."""
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 500


def problem_response(status: int, code: str, message: str, detail: Any = None) -> JSONResponse:
    """A problem body with the right headers (``Retry-After`` on 503)."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    body = Problem(error=code, message=message, detail=detail).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


async def _node_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NodeError)
    return problem_response(status_of(error), error.code, error.message, error.detail)


async def _database_error(_request: Request, error: Exception) -> JSONResponse:
    wrapped = unavailable(error)
    return problem_response(503, wrapped.code, wrapped.message, wrapped.detail)


async def _validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"location": list(e.get("loc", ())), "problem": e.get("msg", "")} for e in error.errors()
    ]
    if any(e.get("type") == "json_invalid" for e in error.errors()):
        return problem_response(
            422, "malformed_json", "the request body is not valid JSON", problems
        )
    return problem_response(
        422, "invalid_input", "the request does not have the required form", problems
    )


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as a problem body."""
    app.add_exception_handler(NodeError, _node_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
