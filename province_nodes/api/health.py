"""Health for the two who ask: monitoring (``/health``), load balancers (``/health/ready``).

- ``GET /health``: is the node doing all of its work? 200 ``ok``. 503 ``anchoring_failing``
  (status ``degraded``) while the batcher's passes fail: the chain is down, or the store
  contradicts itself (``StoreIntegrityError``): certificates are issued but not anchored. 503
  ``database_unavailable`` (status ``unavailable``) when the store cannot be reached. Point
  alerting here: every non-200 needs an operator, though a chain outage heals by itself, so
  alert on ``anchoring_failing`` once it lasts (``detail.anchoring.failing_since``).
- ``GET /health/ready``: can the node take requests? 200 while the store answers, even while
  anchoring fails (issuance queues durably and anchored certificates stay readable, so taking a
  province's node out of rotation would only turn a delay into an outage); 503
  ``database_unavailable`` otherwise. Point load balancers and readiness probes here.

A 200 carries :class:`Health`; a 503 is a problem body (with ``Retry-After``) whose ``detail``
is the same :class:`Health`. Neither needs a credential, so neither says more than states, counts
and error codes: the batcher's last error message only to an operator or auditor credential, and
the database driver's reason (hosts, ports, database names) never; it is in the node's log.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from province_nodes.api.deps import NodeDep
from province_nodes.auth import authenticate
from province_nodes.exceptions import NodeError, StoreUnavailableError
from province_nodes.node import ProvinceNode
from province_nodes.types import Role
from service_base.problems import RETRY_AFTER_SECONDS, problem_body, responses

__all__ = ["AnchoringHealth", "Health", "router"]

router = APIRouter(tags=["health"])

_DETAILED = {Role.OPERATOR, Role.AUDITOR}
"""Roles shown the batcher's error message."""


class AnchoringHealth(BaseModel):
    """The batcher: whether it runs and why its last pass failed."""

    running: bool = Field(description="the anchoring loop runs in this node")
    failures: int = Field(description="consecutive failed passes (0 after a good one)")
    error: str | None = Field(description="code of the last failure, e.g. store_integrity")
    failing_since: int | None = Field(description="Unix time of the first failure of the run")
    message: str | None = Field(
        description="the last failure's message (only for operator or auditor credentials)"
    )


class Health(BaseModel):
    """The node's state: ``ok``, ``degraded`` (anchoring fails) or ``unavailable`` (store)."""

    province: int
    status: Literal["ok", "degraded", "unavailable"]
    pending: int | None = Field(
        description="certificates not anchored yet (queued or in an unfinished batch); "
        "null when the store cannot be reached"
    )
    anchoring: AnchoringHealth


@router.get(
    "/health",
    response_model=Health,
    responses=responses(422, 503),
    summary="Health for monitoring: 200 only when issuing, anchoring and the store all work",
)
def health(
    node: NodeDep,
    authorization: Annotated[
        str | None, Header(description="optional: an operator or auditor credential")
    ] = None,
) -> Health | JSONResponse:
    """503 ``anchoring_failing`` while anchoring fails, 503 ``database_unavailable`` without
    the store; ``detail`` is the health either way."""
    state = _health(node, authorization)
    if state.status == "ok":
        return state
    return _problem(state)


@router.get(
    "/health/ready",
    response_model=Health,
    responses=responses(503),
    summary="Readiness for load balancers: 200 while the node can take requests",
)
def ready(node: NodeDep) -> Health | JSONResponse:
    """200 even while anchoring fails (requests still succeed); 503 without the store."""
    state = _health(node, None)
    if state.status != "unavailable":
        return state
    return _problem(state)


def _health(node: ProvinceNode, authorization: str | None) -> Health:
    batcher = node.batcher
    failure = batcher.last_failure
    anchoring = AnchoringHealth(
        running=batcher.running,
        failures=batcher.failures,
        error=failure.code if failure else None,
        failing_since=failure.failing_since if failure else None,
        message=failure.message if failure and _detailed(node, authorization) else None,
    )
    try:
        pending: int | None = batcher.pending()
    except StoreUnavailableError:
        return Health(
            province=node.province, status="unavailable", pending=None, anchoring=anchoring
        )
    status: Literal["ok", "degraded"] = "degraded" if failure else "ok"
    return Health(province=node.province, status=status, pending=pending, anchoring=anchoring)


def _detailed(node: ProvinceNode, authorization: str | None) -> bool:
    """Whether the caller may read messages: a valid operator or auditor credential."""
    if not authorization:
        return False
    try:
        return authenticate(node.engine, authorization).role in _DETAILED
    except NodeError:
        return False  # a bad credential, or no store to check it in: the public view


def _problem(state: Health) -> JSONResponse:
    if state.status == "unavailable":
        code = "database_unavailable"
        message = "the certificate store cannot be reached; the node cannot take requests"
    else:
        code = "anchoring_failing"
        message = (
            f"anchoring has failed {state.anchoring.failures} time(s) in a row "
            f"({state.anchoring.error}); {state.pending} certificate(s) wait to be anchored"
        )
    return JSONResponse(
        problem_body(code, message, state.model_dump()),
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
