"""Request dependencies: the service's parts and the one access check, as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from verifier.chain_view import ChainView
from verifier.service.exceptions import AuthenticationError
from verifier.service.requests_flow import CrossProvinceRequests
from verifier.service.settings import AgencySettings, hash_token

__all__ = ["ClerkDep", "Services", "ServicesDep", "clerk_token"]


@dataclass(frozen=True, slots=True)
class Services:
    """What the routes use; one per app, kept in ``app.state.services``."""

    settings: AgencySettings
    chain: ChainView
    requests: CrossProvinceRequests


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(_services)]


def clerk_token(settings: AgencySettings, authorization: str | None) -> str | None:
    """The token hash of the clerk behind an ``Authorization`` header value; 401 otherwise.

    In dev mode with no tokens configured, everyone may call (returns None).
    """
    allowed = settings.clerk_token_hashes
    if not allowed and settings.mode == "dev":
        return None
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("send Authorization: Bearer <token>")
    digest = hash_token(token.strip())
    if not any(hmac.compare_digest(digest, known) for known in allowed):
        raise AuthenticationError("the bearer token is not known here")
    return digest


def _clerk(request: Request, services: ServicesDep) -> str | None:
    """The caller's token hash if it is one of the agency's clerks (see :func:`clerk_token`)."""
    return clerk_token(services.settings, request.headers.get("Authorization"))


ClerkDep = Annotated[str | None, Depends(_clerk)]
