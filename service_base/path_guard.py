"""What it takes for a request to reach a route: one pure ASGI middleware for both services.

The framework routes on the decoded path, so ``/certificates/<id>%2Fstatus`` reached the status
route of certificate ``<id>``, past the route the client named; and it dispatches on the first
route whose template matches, so ``GET /certificates/bulk`` reached the read of a certificate
named ``bulk`` although the OpenAPI document gives that path POST only. :class:`PathGuard`
stands in front of everything else (the body guard and its credential check included) and
refuses, before any route or dependency runs:

1. a path whose raw form holds an encoded slash (``%2F``) in a segment: 404 ``encoded_slash``.
   An identifier never holds a slash, so no resource is named that way;
2. a method the path does not offer: 405 ``method_not_allowed`` with an ``Allow`` header that
   lists exactly the methods of the path's operations in the app's OpenAPI document (the
   framework named only those of the first route it found). As in OpenAPI, a path matches its
   most specific template: literal segments before parameters, from the left
   (``/certificates/bulk`` before ``/certificates/{certificate_id}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from service_base.exceptions import MethodNotAllowedError, RequestPathError
from service_base.problems import problem_response

__all__ = ["PathGuard", "allowed_methods"]

OpenAPIDocument = Callable[[], Mapping[str, Any]]
"""The app's OpenAPI document (FastAPI's ``app.openapi``, built once and cached)."""

_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


class PathGuard:
    """The middleware; ``openapi`` gives the app's OpenAPI document, whose paths and methods
    are what a request may name (paths it does not describe, such as a mounted page, pass)."""

    def __init__(self, app: ASGIApp, *, openapi: OpenAPIDocument) -> None:
        self.app = app
        self.openapi = openapi

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if b"%2f" in raw_path.partition(b"?")[0].lower():
            refusal = RequestPathError(
                "a path segment holds an encoded slash (%2F); no resource here is named so",
                code="encoded_slash",
            )
            await problem_response(refusal)(scope, receive, send)
            return
        allowed = allowed_methods(self.openapi().get("paths", {}), _route_path(scope))
        if allowed is not None and scope["method"] not in allowed:
            listed = ", ".join(sorted(allowed))
            error = MethodNotAllowedError(
                f"{scope['method']} is not offered here; this path offers {listed}",
                detail={"allow": sorted(allowed)},
            )
            await problem_response(error, headers={"Allow": listed})(scope, receive, send)
            return
        await self.app(scope, receive, send)


def allowed_methods(paths: Mapping[str, Mapping[str, Any]], path: str) -> frozenset[str] | None:
    """The methods (upper case) the OpenAPI ``paths`` offer at the request path ``path``: those
    of its most specific matching template; None if no template matches."""
    segments = path.split("/")
    matching = [template for template in paths if _matches(template.split("/"), segments)]
    if not matching:
        return None
    best = min(matching, key=_specificity)
    return frozenset(method.upper() for method in paths[best] if method in _METHODS)


def _matches(template: list[str], segments: list[str]) -> bool:
    return len(template) == len(segments) and all(
        (part.startswith("{") and segment != "") or part == segment
        for part, segment in zip(template, segments, strict=True)
    )


def _specificity(template: str) -> tuple[bool, ...]:
    """Sorts a template before another that has a parameter where it has a literal segment."""
    return tuple(part.startswith("{") for part in template.split("/"))


def _route_path(scope: Scope) -> str:
    """The path the router matches: without the app's mount point, if any."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
