"""Operator administration: agencies allowed to read, and signing-key rotation."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from province_nodes.api.deps import NodeDep, OperatorDep
from province_nodes.api.schemas import KeyRotated
from province_nodes.db import unit_of_work
from province_nodes.exceptions import NodeConflictError
from province_nodes.models import Agency, AgencyCreate, AgencyPublic
from service_base.problems import responses

__all__ = ["router"]

router = APIRouter(tags=["administration"])


@router.post(
    "/agencies",
    status_code=status.HTTP_201_CREATED,
    response_model=AgencyPublic,
    responses=responses(401, 403, 409, 422, 503),
    summary="Register an agency (of any province)",
)
def create_agency(node: NodeDep, _caller: OperatorDep, body: AgencyCreate) -> Agency:
    """Consents can name the agency from now on."""
    agency = Agency.model_validate(body)
    try:
        with unit_of_work(node.engine) as session:
            session.add(agency)
    except IntegrityError:
        raise NodeConflictError(
            f"agency {body.id} is already registered", code="duplicate_agency"
        ) from None
    return agency


@router.get(
    "/agencies",
    response_model=list[AgencyPublic],
    responses=responses(401, 403, 422, 503),
    summary="Agencies registered with this node",
)
def list_agencies(node: NodeDep, _caller: OperatorDep) -> list[Agency]:
    """In id order."""
    with unit_of_work(node.engine) as session:
        return list(session.exec(select(Agency).order_by(col(Agency.id))))


@router.post(
    "/keys/rotate",
    response_model=KeyRotated,
    responses=responses(401, 403, 422, 503),
    summary="Rotate the signing key",
)
async def rotate_key(node: NodeDep, _caller: OperatorDep) -> KeyRotated:
    """Register a new key, switch to it, anchor the queue, retire the old key on chain."""
    previous = node.keys.active.key_id
    new = await run_in_threadpool(node.keys.rotate, node.chain, node.batcher.flush)
    return KeyRotated(key_id="0x" + new.key_id.hex(), previous_key_id="0x" + previous.hex())
