"""Certificates: issue (one or bulk), receipt, status (one or a bulk revocation), the consented
read by agencies and the export of the sealed file."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlmodel import select

from certificate.sealed_file import Receipt
from certificate.standalone_schemas import document_input_schema
from province_nodes.api.bulk_body import read_bulk_documents
from province_nodes.api.deps import AnyCallerDep, CertificateIdDep, NodeDep, OperatorDep
from province_nodes.api.schemas import (
    BulkIssued,
    BulkRevocation,
    BulkRevoked,
    DocumentJSON,
    Issued,
    SealedJSON,
    StatusChange,
    StatusPublic,
)
from province_nodes.db import unit_of_work
from province_nodes.exceptions import NodeNotFoundError, NotAnchoredError
from province_nodes.inputs import REQUEST_KEY_PATTERN
from province_nodes.models import CertificateRow
from province_nodes.reads import export_copy, fetch_under_consent
from province_nodes.status import StatusView
from service_base.problems import responses

__all__ = ["router"]

router = APIRouter(prefix="/certificates", tags=["certificates"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Issued,
    responses=responses(401, 403, 409, 413, 422, 503),
    summary="Issue one certificate",
)
def issue(
    node: NodeDep,
    _caller: OperatorDep,
    document: Annotated[
        DocumentJSON, Body(description="A certificate document (huren/certificate/1)")
    ],
) -> Issued:
    """Validate, seal, encrypt and queue for anchoring; answers once durably stored."""
    sealed = node.issuer.issue(document)
    node.batcher.wake()
    return Issued(
        certificate_id=str(sealed.disclosed_values()["/identifier"]),
        digest="0x" + sealed.digest.hex(),
        sealed=json.loads(sealed.to_json()),
    )


@router.post(
    "/bulk",
    status_code=status.HTTP_201_CREATED,
    response_model=BulkIssued,
    responses=responses(401, 403, 409, 413, 422, 503),
    summary="Issue many certificates (JSON array or NDJSON)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "minItems": 1, "items": document_input_schema()}
                },
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def issue_bulk(request: Request, node: NodeDep, _caller: OperatorDep) -> BulkIssued:
    """All certificates are validated first; then all are stored and batched, or none.

    The body is read as it streams and refused at the first document past
    ``max_bulk_items`` (413 ``too_many_items``) or the first that is not an object.
    """
    items = await read_bulk_documents(
        request.stream(),
        ndjson="ndjson" in request.headers.get("content-type", ""),
        max_items=node.settings.max_bulk_items,
    )
    result = await run_in_threadpool(node.issuer.issue_bulk, items, node.settings.batch_size)
    node.batcher.wake()
    return BulkIssued(
        count=len(result.certificate_ids),
        batches=result.batches,
        certificate_ids=result.certificate_ids,
    )


@router.post(
    "/revocations",
    response_model=BulkRevoked,
    responses=responses(401, 403, 404, 409, 413, 422, 503),
    summary="Revoke many certificates (the contract's batch revocation)",
)
def revoke_many(node: NodeDep, _caller: OperatorDep, body: BulkRevocation) -> BulkRevoked:
    """Every certificate named must be this node's and anchored, or nothing is revoked (404,
    409). Those the chain revoked before are left out and listed; the rest are revoked in
    ``revokeBatch`` transactions of up to 200, each recorded as soon as it is mined. Sending
    the same request again after a failure (503, or 409 from the ledger) finishes it."""
    result = node.status.revoke_many(body.certificate_ids, body.reason, body.effective_at)
    return BulkRevoked(
        revoked=result.revoked,
        already_revoked=result.already_revoked,
        transactions=result.transactions,
    )


@router.get(
    "/{certificate_id}/receipt",
    response_model=Receipt,
    responses=responses(401, 404, 409, 422, 503),
    summary="The anchoring receipt of a certificate",
)
def receipt(node: NodeDep, _caller: AnyCallerDep, certificate_id: CertificateIdDep) -> Receipt:
    """Batch root, leaf index, inclusion proof and transaction; 409 until anchored."""
    with unit_of_work(node.engine) as session:
        found = session.exec(
            select(CertificateRow.seq, CertificateRow.receipt).where(
                CertificateRow.certificate_id == certificate_id
            )
        ).first()
    if found is None:
        raise NodeNotFoundError.certificate(certificate_id)
    if found[1] is None:
        raise NotAnchoredError(
            f"certificate {certificate_id} is not anchored yet; retry in a few seconds"
        )
    return Receipt.model_validate_json(found[1])


@router.get(
    "/{certificate_id}",
    response_model=SealedJSON,
    responses=responses(401, 403, 404, 409, 422, 503),
    summary="Read a certificate's consented fields (agencies, with the holder's consent)",
)
def fetch(
    node: NodeDep,
    certificate_id: str,
    authorization: Annotated[
        str | None, Header(description="An agency credential: 'Bearer <token>'")
    ] = None,
    huren_consent: Annotated[str | None, Header(description="The holder's consent token")] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="The agency's key for this request, e.g. its request id: asked again "
            "with the same key and consent, the node delivers the same copy again and counts "
            "no further use (a lost answer does not spend the consent)",
            json_schema_extra={"pattern": REQUEST_KEY_PATTERN},
        ),
    ] = None,
) -> dict[str, Any]:
    """A sealed, selectively disclosed certificate with its receipt.

    Every attempt is logged, even one without a valid credential, so the credential (and the
    key's form) is checked inside the logged read rather than by the usual dependency.
    """
    copy = fetch_under_consent(node, authorization, certificate_id, huren_consent, idempotency_key)
    result: dict[str, Any] = json.loads(copy.to_json())
    return result


@router.get(
    "/{certificate_id}/sealed",
    response_model=SealedJSON,
    responses=responses(401, 403, 404, 409, 422, 503),
    summary="Export the sealed certificate file with its receipt (operator, or auditor redacted)",
)
def export(
    node: NodeDep,
    certificate_id: str,
    authorization: Annotated[
        str | None, Header(description="An operator or auditor credential: 'Bearer <token>'")
    ] = None,
) -> dict[str, Any]:
    """The whole certificate for an operator; for an auditor every field but the metadata
    withheld (leaf hashes only). 409 until anchored. Every attempt is in the access log
    (purpose ``export``), so the credential is checked inside the logged read."""
    copy = export_copy(node, authorization, certificate_id)
    result: dict[str, Any] = json.loads(copy.to_json())
    return result


@router.get(
    "/{certificate_id}/status",
    response_model=StatusPublic,
    responses=responses(401, 404, 409, 422, 503),
    summary="A certificate's status as the chain reports it",
)
def get_status(
    node: NodeDep, _caller: AnyCallerDep, certificate_id: CertificateIdDep
) -> StatusPublic:
    """Read from the chain (the authority); the store is repaired if it lags."""
    return _status(node.status.current(certificate_id))


@router.post(
    "/{certificate_id}/status",
    response_model=StatusPublic,
    responses=responses(401, 403, 404, 409, 422, 503),
    summary="Revoke, suspend or reinstate a certificate",
)
def change_status(
    node: NodeDep, _caller: OperatorDep, certificate_id: CertificateIdDep, change: StatusChange
) -> StatusPublic:
    """On chain first, then in the store."""
    view = node.status.change(certificate_id, change.action, change.reason, change.effective_at)
    return _status(view)


def _status(view: StatusView) -> StatusPublic:
    return StatusPublic(
        certificate_id=view.certificate_id,
        state=view.state.value,
        reason=view.reason,
        effective_at=view.effective_at,
        changes=view.changes,
    )
