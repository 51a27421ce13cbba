"""The auditor API: certificates without personal data, the access log and its proofs."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query

from province_nodes.api.consents import entry_public
from province_nodes.api.deps import AuditorDep, NodeDep
from province_nodes.api.schemas import (
    MAX_LOG_INDEX,
    MAX_OFFSET,
    AccessLogPage,
    AuditCertificate,
    AuditCertificatePage,
    ConsistencyProof,
    HeadPublic,
)
from province_nodes.reads import redacted_page
from service_base.problems import responses

__all__ = ["router"]

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get(
    "/certificates",
    response_model=AuditCertificatePage,
    responses=responses(401, 403, 422, 503),
    summary="Every certificate, redacted to leaf hashes, with status and receipt",
)
def certificates(
    node: NodeDep,
    _caller: AuditorDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditCertificatePage:
    """Only the always-disclosed metadata is readable; the digest still recomputes."""
    total, page = redacted_page(node, offset, limit)
    return AuditCertificatePage(
        province=node.province,
        total=total,
        items=[
            AuditCertificate(
                certificate_id=row.certificate_id,
                state=row.state,  # type: ignore[arg-type]
                reason=row.reason,
                effective_at=row.effective_at,
                sealed=json.loads(sealed.to_json()),
            )
            for row, sealed in page
        ],
    )


@router.get(
    "/access-log",
    response_model=AccessLogPage,
    responses=responses(401, 403, 422, 503),
    summary="Access-log entries [start, end) and the heads anchored on chain",
)
def access_log(
    node: NodeDep,
    _caller: AuditorDep,
    start: Annotated[int, Query(ge=0, le=MAX_LOG_INDEX)] = 0,
    end: Annotated[int | None, Query(ge=0, le=MAX_LOG_INDEX)] = None,
) -> AccessLogPage:
    """Each entry's hash is SHA-256(prev_hash ‖ JCS(entry)); heads are RFC 6962 roots."""
    rows = node.access_log.entries(start, end)
    return AccessLogPage(
        size=node.access_log.size(),
        entries=[entry_public(r) for r in rows],
        heads=[
            HeadPublic(
                size=h.size,
                root="0x" + h.root.hex(),
                transaction_hash="0x" + h.tx_hash.hex(),
                block_number=h.block_number,
            )
            for h in node.access_log.anchored_heads()
        ],
    )


@router.get(
    "/access-log/consistency",
    response_model=ConsistencyProof,
    responses=responses(401, 403, 422, 503),
    summary="RFC 6962 consistency proof between two sizes of the access log",
)
def consistency(
    node: NodeDep,
    _caller: AuditorDep,
    first: Annotated[int, Query(ge=1, le=MAX_LOG_INDEX)],
    second: Annotated[int, Query(ge=1, le=MAX_LOG_INDEX)],
) -> ConsistencyProof:
    """Shows that the log of ``first`` entries is a prefix of the log of ``second``."""
    proof = node.access_log.consistency(first, second)
    return ConsistencyProof(first=first, second=second, proof=["0x" + h.hex() for h in proof])
