"""Dependencies: the node of this app, and the one access-control check every route uses.

A request with a body was authenticated by the app's body guard before its body was read; the
check reuses the caller the guard found for the same ``Authorization`` header rather than look
the credential up again. Any other request (GET, or no body) is authenticated here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Path, Request

from province_nodes.auth import Caller, authenticate
from province_nodes.exceptions import AccessDeniedError
from province_nodes.inputs import checked_certificate_id
from province_nodes.node import ProvinceNode
from province_nodes.types import CertificateId, Role
from service_base.body_guard import guarded_caller

__all__ = [
    "AgencyCallerDep",
    "AnyCallerDep",
    "AuditorDep",
    "CertificateIdDep",
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
        request: Request,
        node: NodeDep,
        authorization: Annotated[
            str | None, Header(description="Bearer token: 'Bearer <token>'")
        ] = None,
    ) -> Caller:
        caller = guarded_caller(request.scope, authorization)
        if not isinstance(caller, Caller):
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


def certificate_id_path(
    certificate_id: Annotated[str, Path(description="The certificate's identifier (证照标识)")],
) -> CertificateId:
    """The path's certificate identifier, checked (422 ``malformed_identifier`` otherwise).

    A dependency rather than a pattern on the parameter, so the check and its message are the
    ones the logged read (:func:`~province_nodes.reads.fetch_under_consent`) applies, and so it
    runs after the credential check declared before it.
    """
    return checked_certificate_id(certificate_id)


CertificateIdDep = Annotated[CertificateId, Depends(certificate_id_path)]
