"""Request dependencies: the service's parts and the one access check, as ``Annotated`` aliases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from verifier.chain_view import ChainView
from verifier.service.clerks import Credential, authenticate
from verifier.service.requests_flow import CrossProvinceRequests
from verifier.service.settings import AgencySettings

__all__ = ["ClerkDep", "Services", "ServicesDep", "clerk_of"]


@dataclass(frozen=True, slots=True)
class Services:
    """What the routes use; one per app, kept in ``app.state.services``."""

    settings: AgencySettings
    chain: ChainView
    requests: CrossProvinceRequests
    engine: Engine


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


def clerk_of(services: Services, authorization: str | None) -> Credential | None:
    """The clerk behind an ``Authorization`` header value; 401 otherwise.

    In dev mode, while the agency has no clerk, everyone may call (returns None).
    """
    return authenticate(services.engine, authorization, dev=services.settings.mode == "dev")


def _clerk(request: Request, services: ServicesDep) -> Credential | None:
    """The calling clerk (see :func:`clerk_of`)."""
    return clerk_of(services, request.headers.get("Authorization"))


ClerkDep = Annotated[Credential | None, Depends(_clerk)]
