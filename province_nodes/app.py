"""``create_app(settings)``: one FastAPI app per province node.

The app owns a :class:`~province_nodes.node.ProvinceNode`; its lifespan migrates the store,
checks it is this province's, loads and registers the signing key and starts the batcher (unless
the node was started before, as ``huren node serve`` does to report a failure in one line), and
stops it on shutdown. Nothing is module-level, so several provinces run side by side in one
process. ``/health`` and ``/health/ready`` are in :mod:`province_nodes.api.health`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from web3 import Web3

from ledger.chain import connect
from ledger.recursion_limit import restore_recursion_limit
from ledger.witness_api import COSIGN_PATH
from province_nodes.api import admin, audit, certificates, consents, health, witness
from province_nodes.auth import authenticate
from province_nodes.batcher import CrashPoint, no_crash
from province_nodes.db import unavailable
from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings
from service_base.body_guard import BodyGuard, BodyRule
from service_base.problems import install_error_handlers

__all__ = ["create_app"]

_COSIGN_MAX_BYTES = 4096
"""A cosign request is a checkpoint and one signature: well under 1 KB."""


def create_app(
    settings: NodeSettings,
    *,
    connector: Callable[[str], Web3] = connect,
    crash_point: CrashPoint = no_crash,
) -> FastAPI:
    """The HTTP app of the province node described by ``settings``.

    ``connector`` builds the chain connection and ``crash_point`` stops the batcher between
    steps; both exist for tests and keep their production defaults otherwise. Every request body
    passes the :class:`~service_base.body_guard.BodyGuard` first: a credential this node knows,
    the size limits, a bounded JSON shape (the bulk route reads its own body, as a stream; a
    peer's cosign request, signed with its province key, needs no credential of this node).
    """
    restore_recursion_limit()
    node = ProvinceNode(settings, connector=connector, crash_point=crash_point)

    async def credential(authorization: str | None) -> None:
        await run_in_threadpool(authenticate, node.engine, authorization)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(node.start)
        try:
            yield
        finally:
            await run_in_threadpool(node.stop)

    app = FastAPI(
        title=f"huren province node {settings.province}",
        version="1",
        description="Issues, anchors and serves the e-certificates (电子证照) of one province.",
        lifespan=lifespan,
    )
    app.state.node = node
    install_error_handlers(app, unavailable)
    app.add_middleware(
        BodyGuard,
        rule=BodyRule(settings.max_body_bytes),
        rules={
            "/certificates/bulk": BodyRule(settings.max_bulk_bytes, json=False),
            COSIGN_PATH: BodyRule(_COSIGN_MAX_BYTES, credential=False),
        },
        credential=credential,
    )
    for module in (certificates, consents, audit, admin, health, witness):
        app.include_router(module.router)
    return app
