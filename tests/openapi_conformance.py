"""Test support: a service's OpenAPI document checked against the service with schemathesis.

The service runs for real (uvicorn on a loopback port, in a thread of the test process); the
document is the one it serves, with examples of real resources added (a certificate that
exists, a stored request), so schemathesis reaches the answers that carry data and not only
refusals. Every generated request is sent once per credential and once without one; every
answer must be declared by the document (status, content type, headers, body), no answer may
be a server error, and a method the document does not give a path must be refused with 405 and
an ``Allow`` header that names the document's methods.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from service_process import free_port

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
]
"""What every answer is held to (schemathesis's checks that need no state across requests)."""

BOUNDED = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
"""Few examples per operation and phase: each is sent once per credential, and the suite runs
on every change."""


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free loopback port (its lifespan runs); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def with_examples(
    document: Mapping[str, Any],
    parameters: Mapping[str, object] | None = None,
    bodies: Mapping[tuple[str, str], object] | None = None,
) -> dict[str, Any]:
    """A copy of the OpenAPI ``document`` whose parameters named in ``parameters`` and whose
    request bodies of the (method, path) in ``bodies`` carry these examples."""
    result: dict[str, Any] = copy.deepcopy(dict(document))
    parameters = parameters or {}
    for path, operations in result["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["name"] in parameters:
                    parameter["example"] = parameters[parameter["name"]]
            body = (bodies or {}).get((method.upper(), path))
            if body is not None:
                content = operation["requestBody"]["content"]
                next(iter(content.values()))["example"] = body
    return result


def loaded(request: pytest.FixtureRequest, document: Mapping[str, Any]) -> Any:
    """The schemathesis schema of ``document``, for a fixture named by
    ``schemathesis.pytest.from_fixture``.

    schemathesis 4.32 renames the running test through ``Node._nodeid``, which pytest 9.2 no
    longer has; it is set here (schemathesis resolves the fixture before it reads the name).
    """
    request.node._nodeid = request.node.nodeid
    return schemathesis.openapi.from_dict(dict(document))


def call_as_everyone(case: Any, base_url: str, tokens: Mapping[str, str]) -> None:
    """Send ``case`` without a credential and with each of ``tokens``; check every answer."""
    for token in [None, *tokens.values()]:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
