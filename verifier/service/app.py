"""The receiving agency's verification service: ``create_app(settings)``.

``POST /verify`` checks a sealed certificate file; ``POST /requests`` runs a cross-province
request (跨省通办) and stores it; ``GET /requests/{id}`` and ``/requests/{id}/report.json`` read
it back; ``/page/`` is the clerk's verification page (:mod:`verifier.service.page`). The chain
view and the HTTP transport to province nodes can be injected (tests pass a view of their chain
and the node's transport); by default they are built from the settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2 as httpx
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from ledger.deploy import Deployment
from ledger.finality import Finality
from ledger.recursion_limit import restore_recursion_limit
from service_base.body_guard import BodyGuard, BodyRule
from service_base.path_guard import PathGuard
from service_base.problems import install_error_handlers
from verifier.chain_view import ChainView
from verifier.quorum_view import QuorumChainView
from verifier.service.clerks import has_active_clerk, import_configured
from verifier.service.db import make_engine, migrate, unavailable
from verifier.service.deps import Services, clerk_of
from verifier.service.exceptions import AgencyConfigError
from verifier.service.node_client import NodeClient
from verifier.service.page import install_page
from verifier.service.requests_flow import CrossProvinceRequests
from verifier.service.routes import requests_router, verify_router
from verifier.service.settings import AgencySettings

__all__ = ["app_from_env", "create_app"]


def create_app(
    settings: AgencySettings,
    *,
    chain: ChainView | None = None,
    transport: httpx.BaseTransport | None = None,
) -> FastAPI:
    """The agency service for ``settings``.

    Args:
        settings: the agency's settings.
        chain: the ledger view; default: a :class:`QuorumChainView` through the settings'
            endpoints (``rpc_urls`` or ``rpc_url``, ``rpc_quorum`` of them agreeing, at the
            ``finality`` block) of ``deployment_file``; closed when the app stops.
        transport: the HTTP transport to province nodes; default: real HTTP.

    Every request passes the :class:`~service_base.path_guard.PathGuard` first (no encoded
    slash, a method the path offers), every request body then the
    :class:`~service_base.body_guard.BodyGuard`: a clerk's token, the size limit, a bounded
    JSON shape (``/verify`` and the QR route read their own bodies: a file that is not a
    certificate still gets its report).

    Raises:
        AgencyConfigError: outside dev mode, no clerk could call (none is stored and active,
            and the settings list no token hash to import).
        StoreUnavailableError: the database cannot be reached or written.
    """
    restore_recursion_limit()
    owned: QuorumChainView | None = None
    if chain is None:
        owned = QuorumChainView.for_deployment(
            settings.endpoints,
            Deployment.load(settings.deployment_file),
            quorum=settings.rpc_quorum,
            finality=Finality.parse(settings.finality),
            cache_ttl=settings.chain_cache_seconds,
        )
        chain = owned
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        _admit_clerks(settings, engine)
    except BaseException:
        engine.dispose()
        if owned is not None:
            owned.close()
        raise
    nodes = NodeClient(timeout=settings.node_timeout, transport=transport)
    services = Services(
        settings=settings,
        chain=chain,
        requests=CrossProvinceRequests(settings, engine, chain, nodes),
        engine=engine,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        nodes.close()
        engine.dispose()
        if owned is not None:
            owned.close()

    app = FastAPI(
        title=f"huren agency verifier ({settings.agency_id})",
        summary="Verify sealed e-certificates and request them from other provinces",
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app, unavailable)

    async def credential(authorization: str | None) -> None:
        await run_in_threadpool(clerk_of, services, authorization)

    raw = BodyRule(settings.max_body_bytes, json=False)
    app.add_middleware(
        BodyGuard,
        rule=BodyRule(settings.max_body_bytes),
        rules={"/verify": raw, "/qr/decode": raw},
        credential=credential,
    )
    app.add_middleware(PathGuard, openapi=app.openapi)
    app.include_router(verify_router)
    app.include_router(requests_router)
    install_page(app)
    return app


def _admit_clerks(settings: AgencySettings, engine: Engine) -> None:
    """Import the token hashes the settings still list (once: see :mod:`verifier.service.clerks`);
    outside dev mode, refuse to start when no clerk could call."""
    import_configured(engine, settings.clerk_token_hashes)
    if settings.mode != "dev" and not has_active_clerk(engine):
        raise AgencyConfigError(
            "no clerk can call this agency: create one with 'huren agency clerk create "
            "--config FILE --name NAME' (or list SHA-256 token hashes in "
            "HUREN_AGENCY_CLERK_TOKEN_HASHES, imported once), or set HUREN_AGENCY_MODE=dev"
        )


def app_from_env() -> FastAPI:
    """The service configured from ``HUREN_AGENCY_*`` variables, for
    ``uvicorn --factory verifier.service.app:app_from_env``."""
    return create_app(AgencySettings())  # type: ignore[call-arg]
