"""Consents (holder portal): grant, withdraw, and the holder's access history."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, status

from province_nodes.api.deps import NodeDep, PortalDep
from province_nodes.api.schemas import (
    AccessHistory,
    AccessLogEntryPublic,
    ConsentCreate,
    ConsentCreated,
    ConsentWithdrawn,
    HolderQuery,
    ServiceItem,
)
from province_nodes.consents import CONSENT_ID_PATTERN, grant_consent, withdraw_consent
from province_nodes.models import AccessLogRow
from province_nodes.reads import certificates_of_holder
from service_base.problems import responses

__all__ = ["entry_public", "router"]

router = APIRouter(tags=["consents"])


@router.post(
    "/consents",
    status_code=status.HTTP_201_CREATED,
    response_model=ConsentCreated,
    responses=responses(401, 403, 404, 413, 422, 503),
    summary="Record a holder's consent and sign its token",
)
def create_consent(node: NodeDep, _caller: PortalDep, body: ConsentCreate) -> ConsentCreated:
    """The token goes to the holder, who hands it to the agency.

    Every field named must exist in the certificate (or be always disclosed); otherwise 422
    ``consent_unknown_fields`` with the unknown paths in ``detail.unknown_fields``.
    """
    terms, token = grant_consent(
        node.engine,
        node.consents,
        node.province,
        master=node.master,
        certificate_id=body.certificate_id,
        agency_id=body.agency_id,
        fields=body.fields,
        purpose=body.purpose,
        service_item=(body.service_item.code, body.service_item.name),
        expires_at=int(body.expires_at.timestamp()),
        max_uses=body.max_uses,
    )
    return ConsentCreated(
        consent_id=terms.consent_id,
        token=token,
        certificate_id=terms.certificate_id,
        agency_id=terms.agency_id,
        fields=list(terms.fields),
        purpose=terms.purpose,
        service_item=ServiceItem(code=terms.service_item_code, name=terms.service_item_name),
        expires_at=terms.expires_at,
        max_uses=terms.max_uses,
    )


@router.delete(
    "/consents/{consent_id}",
    response_model=ConsentWithdrawn,
    responses=responses(401, 403, 404, 422, 503),
    summary="Withdraw a consent",
)
def delete_consent(
    node: NodeDep,
    _caller: PortalDep,
    consent_id: Annotated[str, Path(max_length=40, pattern=CONSENT_ID_PATTERN)],
) -> ConsentWithdrawn:
    """From now on the token is refused with ``consent_withdrawn``."""
    return ConsentWithdrawn(
        consent_id=consent_id, withdrawn_at=withdraw_consent(node.engine, consent_id)
    )


@router.post(
    "/holders/access-history",
    response_model=AccessHistory,
    responses=responses(401, 403, 422, 503),
    summary="Every access made to a holder's certificates",
)
def access_history(node: NodeDep, _caller: PortalDep, holder: HolderQuery) -> AccessHistory:
    """POST, so the holder's ID number never appears in a URL or an access log of a proxy."""
    ids = certificates_of_holder(node, holder.id_type, holder.id_number)
    rows = node.access_log.for_certificates(ids) if ids else []
    return AccessHistory(certificate_ids=ids, entries=[entry_public(r) for r in rows])


def entry_public(row: AccessLogRow) -> AccessLogEntryPublic:
    """An access-log row as the API shows it."""
    return AccessLogEntryPublic(
        index=row.index,
        hash="0x" + row.hash.hex(),
        prev_hash="0x" + row.prev_hash.hex(),
        entry=json.loads(row.entry),
    )
