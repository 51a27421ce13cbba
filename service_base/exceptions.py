"""The root of both services' error trees, and what every error says when it is answered.

Each service draws its own tree under :class:`ServiceError` (:mod:`province_nodes.exceptions`,
:mod:`verifier.service.exceptions`); each branch declares its HTTP status once, and the shared
handlers (:mod:`service_base.problems`) answer any of them as a problem body. Errors that are also
a built-in kind inherit it in the service's tree, so ``except ValueError`` still works there.

::

    ServiceError                     code, message, detail; status 500 unless a branch says
    ├── NodeError                    the province node's tree (province_nodes.exceptions)
    ├── AgencyError                  the agency service's tree (verifier.service.exceptions)
    ├── RequestBodyError             a body refused before it is parsed: not UTF-8 JSON, nested
    │   │                            too deep, a number too long (422)
    │   └── RequestBodyTooLargeError more bytes or items than accepted (413)
    ├── RequestPathError             a path refused before routing: an encoded slash (404)
    └── MethodNotAllowedError        a method the path does not offer (405)
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "MethodNotAllowedError",
    "RequestBodyError",
    "RequestBodyTooLargeError",
    "RequestPathError",
    "ServiceError",
]


class ServiceError(Exception):
    """Root of every error a service raises on purpose.

    ``status`` is the HTTP status its branch is answered with, declared once on the branch's
    class. ``code`` is the stable machine-readable name served as the problem body's ``error``:
    the class names its default, an instance may name a precise one (``consent_expired``).
    ``message`` is a clerk-readable text, ``detail`` optional JSON evidence.
    """

    status: ClassVar[int] = 500
    code = "service_error"

    def __init__(self, message: str, *, code: str | None = None, detail: object = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.detail = detail


class RequestBodyError(ServiceError):
    """A request body refused before anything parses it (:mod:`service_base.body_guard`):
    not UTF-8 JSON (``malformed_json``), nested too deep (``json_too_deep``) or holding a
    number too long (``number_too_long``)."""

    status = 422
    code = "malformed_json"


class RequestBodyTooLargeError(RequestBodyError):
    """A request body with more bytes (``body_too_large``) or items (``too_many_items``) than
    the service accepts."""

    status = 413
    code = "body_too_large"


class RequestPathError(ServiceError):
    """A path refused before routing (:mod:`service_base.path_guard`): a segment holds an
    encoded slash (``encoded_slash``), so the decoded path would name another resource."""

    status = 404
    code = "not_found"


class MethodNotAllowedError(ServiceError):
    """A method the path's operations do not offer (:mod:`service_base.path_guard`); the answer
    carries ``Allow``."""

    status = 405
    code = "method_not_allowed"
