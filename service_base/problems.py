"""Problem bodies: every error a service answers is ``{"error", "message", "detail"}``.

:func:`install_error_handlers` answers, in one place for both services: a
:class:`~service_base.exceptions.ServiceError` with its branch's status and its code; a request
that does not validate with 422 (``malformed_json`` when the body is not JSON at all,
``invalid_input`` otherwise); a body the framework could not parse (it answers that with a bare
400) with 422 ``malformed_json`` too; the framework's own refusals (no such route, method not
allowed) with their status, named by its phrase (``not_found``, ``method_not_allowed``); a
database failure no unit of work caught with 503, as the service's own "unavailable" error.
Every 503 carries ``Retry-After``. Routes declare their error responses with :func:`responses`,
so the OpenAPI document lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from service_base.exceptions import ServiceError

__all__ = [
    "RETRY_AFTER_SECONDS",
    "Problem",
    "install_error_handlers",
    "problem_body",
    "problem_response",
    "responses",
]

RETRY_AFTER_SECONDS = 5
"""How long a client should wait before retrying a 503."""


class Problem(BaseModel):
    """An error: a stable machine code, a clerk-readable message and optional detail."""

    error: str = Field(examples=["consent_expired"])
    message: str = Field(examples=["the consent has expired; ask the holder for a new one"])
    detail: Any = None


_DESCRIPTIONS = {
    401: "No or unknown bearer token",
    403: "The caller's role or consent does not allow this",
    404: "No such resource here",
    409: "Conflicts with the stored state",
    413: "The request body is larger than this service accepts",
    422: "The request content is invalid",
    425: "Too early: this service cannot answer that yet; retry later",
    503: "Database, chain or peer unavailable; retry after Retry-After seconds",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of the problem responses a route can give."""
    return {code: {"model": Problem, "description": _DESCRIPTIONS[code]} for code in codes}


def problem_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    """The JSON body of a problem (for answers sent outside the handlers, e.g. by middleware)."""
    return Problem(error=code, message=message, detail=detail).model_dump()


def _answer(
    status: int,
    code: str,
    message: str,
    detail: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    headers = {
        **(headers or {}),
        **({"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}),
    }
    return JSONResponse(problem_body(code, message, detail), status_code=status, headers=headers)


def problem_response(error: ServiceError) -> JSONResponse:
    """The answer to ``error``: its branch's status and its problem body (an ASGI app too, for
    middleware that answers before the routes)."""
    return _answer(error.status, error.code, error.message, error.detail)


def _framework_refusal(error: HTTPException) -> JSONResponse:
    if error.status_code == 400 and error.__cause__ is not None:
        # FastAPI's answer when reading the body raised something other than a JSON syntax
        # error: bytes that are not UTF-8, an integer Python refuses to convert.
        return _answer(
            422,
            "malformed_json",
            "the request body is not valid UTF-8 JSON",
            {"problem": f"{type(error.__cause__).__name__}: {error.__cause__}"[:300]},
        )
    phrase = HTTPStatus(error.status_code).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    message = error.detail if isinstance(error.detail, str) else phrase
    return _answer(error.status_code, code, message, headers=error.headers)


def _invalid_request(error: RequestValidationError) -> JSONResponse:
    problems = [
        {"location": list(e.get("loc", ())), "problem": e.get("msg", "")} for e in error.errors()
    ]
    if any(e.get("type") == "json_invalid" for e in error.errors()):
        return _answer(422, "malformed_json", "the request body is not valid JSON", problems)
    return _answer(422, "invalid_input", "the request does not have the required form", problems)


def install_error_handlers(
    app: FastAPI, store_unavailable: Callable[[BaseException], ServiceError]
) -> None:
    """Answer every error of ours, invalid requests and database failures as problem bodies.

    Args:
        app: the service's app.
        store_unavailable: the service's own error for a database that cannot be reached or
            written (its status should be 503), built from the driver's exception.
    """

    async def service_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ServiceError)
        return problem_response(error)

    async def framework_refusal(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        return _framework_refusal(error)

    async def invalid_request(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return _invalid_request(error)

    async def database_failure(_request: Request, error: Exception) -> JSONResponse:
        return problem_response(store_unavailable(error))

    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(HTTPException, framework_refusal)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(OperationalError, database_failure)
