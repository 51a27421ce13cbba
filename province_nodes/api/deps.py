"""Dependencies: the node of this app, and the one access-control check every route uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request

from province_nodes.auth import Caller, authenticate
from province_nodes.exceptions import AccessDeniedError
from province_nodes.node import ProvinceNode
from province_nodes.types import Role

__all__ = [
    "AgencyCallerDep",
    "AnyCallerDep",
    "AuditorDep",
    "NodeDep",
    "OperatorDep",
    "PortalDep",
    "authorize",
]


def get_node(request: Request) -> ProvinceNode:
    """The province node this app serves."""
    node: ProvinceNode = request.app.state.node
    return node


NodeDep = Annotated[ProvinceNode, Depends(get_node)]


def authorize(*roles: Role) -> Callable[..., Caller]:
    """A dependency admitting callers whose credential has one of ``roles`` (any if none)."""

    def dependency(
        node: NodeDep,
        authorization: Annotated[
            str | None, Header(description="Bearer token: 'Bearer <token>'")
        ] = None,
    ) -> Caller:
        caller = authenticate(node.engine, authorization)
        if roles and caller.role not in roles:
            allowed = " or ".join(r.value for r in roles)
            raise AccessDeniedError(
                f"this needs a {allowed} credential; yours is {caller.role.value}",
                code="forbidden_role",
            )
        return caller

    return dependency


OperatorDep = Annotated[Caller, Depends(authorize(Role.OPERATOR))]
PortalDep = Annotated[Caller, Depends(authorize(Role.PORTAL))]
AuditorDep = Annotated[Caller, Depends(authorize(Role.AUDITOR))]
AgencyCallerDep = Annotated[Caller, Depends(authorize(Role.AGENCY))]
AnyCallerDep = Annotated[Caller, Depends(authorize())]
