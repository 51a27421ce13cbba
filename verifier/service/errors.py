"""Problem bodies ``{"error", "message", "detail"}`` for every error the service answers.

A 503 carries ``Retry-After``. Route handlers raise :class:`ServiceProblem`; validation errors
and unexpected database failures are mapped here once.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError

__all__ = ["Problem", "ServiceProblem", "install_error_handlers", "problem_response"]

RETRY_AFTER_SECONDS = 5


class Problem(BaseModel):
    """An error: a stable code, a clerk-readable message, optional detail."""

    error: str
    message: str
    detail: Any = None


class ServiceProblem(Exception):
    """An error answer a route gives: HTTP status, problem code, message, optional detail."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail


def problem_response(status: int, code: str, message: str, detail: Any = None) -> JSONResponse:
    """The JSON problem response, with ``Retry-After`` on 503."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else None
    body = Problem(error=code, message=message, detail=detail).model_dump()
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Answer our problems, invalid input and an unavailable database as problem bodies."""

    @app.exception_handler(ServiceProblem)
    async def _problem(_: Request, error: ServiceProblem) -> JSONResponse:
        return problem_response(error.status, error.code, error.message, error.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        detail = [{"location": list(e["loc"]), "problem": e["msg"]} for e in error.errors()]
        return problem_response(422, "invalid_input", "the request is not valid", detail)

    @app.exception_handler(OperationalError)
    async def _database(_: Request, error: OperationalError) -> JSONResponse:
        return problem_response(
            503, "database_unavailable", "the agency's database is unavailable; retry shortly"
        )
