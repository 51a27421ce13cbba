"""The witness API: checkpoints of the chain this node signed or cosigned, the evidence of
contradicted ones, and cosigning a peer's checkpoint.

Public: a checkpoint holds nothing personal, and a cosign request carries its own credential (the
requesting province's signature, checked against its key on chain), so no route here asks for a
bearer token. Lists are paginated and bounded. The wire form is :mod:`ledger.witness_api`'s.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ledger.witness import MAX_HEIGHT, Cosignature, SignedCheckpoint, decode_statement
from ledger.witness_api import (
    MAX_PAGE,
    CheckpointPage,
    ConflictModel,
    ConflictPage,
    CosignatureModel,
    CosignRequest,
    SignedCheckpointModel,
)
from province_nodes.api.deps import NodeDep
from province_nodes.exceptions import NodeNotFoundError
from service_base.problems import responses

__all__ = ["router"]

router = APIRouter(prefix="/witness", tags=["witness"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="most items in the page")]


def _model(signed: SignedCheckpoint | None, where: str) -> SignedCheckpointModel:
    if signed is None:
        raise NodeNotFoundError(f"this node holds no checkpoint {where}", code="no_checkpoint")
    return SignedCheckpointModel.of(signed)


@router.get(
    "/checkpoints/latest",
    response_model=SignedCheckpointModel,
    responses=responses(404, 503),
    summary="The newest checkpoint of the chain this node signed, with every signature",
)
def latest(node: NodeDep) -> SignedCheckpointModel:
    """Check each signature against the signer's key on chain before trusting it."""
    return _model(node.witness.store.latest(), "yet")


@router.get(
    "/checkpoints/{block_number}",
    response_model=SignedCheckpointModel,
    responses=responses(404, 422, 503),
    summary="The checkpoint at one block height",
)
def at(
    node: NodeDep, block_number: Annotated[int, Path(ge=0, le=MAX_HEIGHT)]
) -> SignedCheckpointModel:
    """404 ``no_checkpoint`` when this node signed no checkpoint at that height."""
    return _model(node.witness.store.at(block_number), f"at block {block_number}")


@router.get(
    "/checkpoints",
    response_model=CheckpointPage,
    responses=responses(422, 503),
    summary="Checkpoints above a height, ascending",
)
def checkpoints(
    node: NodeDep,
    limit: Limit = MAX_PAGE,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_HEIGHT, description="list heights above this one")
    ] = None,
) -> CheckpointPage:
    """Continue with ``after=next_after`` until ``next_after`` is null."""
    items, next_after = node.witness.store.page(-1 if after is None else after, limit)
    return CheckpointPage(items=[SignedCheckpointModel.of(s) for s in items], next_after=next_after)


@router.get(
    "/conflicts",
    response_model=ConflictPage,
    responses=responses(422, 503),
    summary="Signed checkpoints of other provinces that contradicted this node's chain",
)
def conflicts(
    node: NodeDep,
    limit: Limit = MAX_PAGE,
    after: Annotated[int, Query(ge=0, le=MAX_HEIGHT, description="list ids above this one")] = 0,
) -> ConflictPage:
    """Each with this node's own signed view of the same height: a fork of the chain, or a lie
    on one side. Continue with ``after=next_after`` until ``next_after`` is null."""
    store = node.witness.store
    items, next_after = store.conflicts(after, limit)
    found = []
    for item in items:
        checkpoint, province, key_id = decode_statement(item.statement)
        claimed = SignedCheckpoint(checkpoint, (Cosignature(province, key_id, item.signature),))
        ours = store.at(item.block_number)
        found.append(
            ConflictModel(
                id=item.id,
                claimed=SignedCheckpointModel.of(claimed),
                ours=None if ours is None else SignedCheckpointModel.of(ours),
                recorded_at=item.recorded_at,
            )
        )
    return ConflictPage(items=found, next_after=next_after)


@router.post(
    "/cosign",
    response_model=CosignatureModel,
    responses=responses(401, 403, 409, 413, 422, 425, 503),
    summary="Cosign a peer province's checkpoint, once this node's own chain holds that block",
)
def cosign(node: NodeDep, body: CosignRequest) -> CosignatureModel:
    """The requester's signature is its credential: 401 ``witness_<reason>`` unless it counts
    for a member province (403 ``witness_not_member``). 425 ``witness_not_final`` while the
    block is not final here. 409 ``witness_mismatch`` when this node's chain holds another block
    at that height; its ``detail`` is this node's own signed view of that height."""
    mine = node.witness.cosign(body.checkpoint.to_checkpoint(), body.signature.to_cosignature())
    return CosignatureModel.of(mine)
