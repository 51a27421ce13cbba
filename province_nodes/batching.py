"""Cutting batches: the one place certificates are grouped under a Merkle root to be anchored.

A batch is recorded ``prepared`` with the RFC 6962 root of its members' digests in leaf order,
and each member gets its batch and leaf index, all in the caller's transaction. Two callers cut:
the bulk path (:mod:`province_nodes.issuance`) cuts its certificates as it stores them, and the
batcher (:mod:`province_nodes.batcher`) cuts what single issuances left queued, through
:func:`prepare_queued`. Sending the root and writing receipts is the batcher's job, not this
module's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from sqlalchemy import update
from sqlmodel import Session, col, select

from certificate.merkle import MerkleTree
from province_nodes.models import BatchRow, CertificateRow

__all__ = ["BatchPlace", "prepare_batch", "prepare_queued"]


class BatchPlace(TypedDict):
    """Where a certificate sits once batched: the columns its :class:`CertificateRow` gets."""

    batch_id: int
    leaf_index: int


def prepare_batch(session: Session, digests: Sequence[bytes], now: int) -> list[BatchPlace]:
    """Record a ``prepared`` batch of ``digests`` (in leaf order); each member's place, in order.

    The caller writes the places into the members' rows in the same transaction, so a batch is
    never recorded without its members, nor a member without its batch.
    """
    tree = MerkleTree.from_entries(digests)
    batch = BatchRow(root=tree.root, count=tree.size, created_at=now)
    session.add(batch)
    session.flush()
    assert batch.id is not None, "the flush assigns the batch its id"
    return [BatchPlace(batch_id=batch.id, leaf_index=leaf) for leaf in range(tree.size)]


def prepare_queued(
    session: Session, *, batch_size: int, max_wait: float, now: int, force: bool
) -> int | None:
    """Cut the oldest queued certificates (at most ``batch_size``) into a batch; its id.

    None if nothing is queued, or if the batch would be partial and its oldest certificate has
    queued for less than ``max_wait`` seconds (unless ``force``): waiting lets more certificates
    share one anchoring transaction.
    """
    queued = list(
        session.exec(
            select(CertificateRow.seq, CertificateRow.digest, CertificateRow.issued_at)
            .where(col(CertificateRow.batch_id).is_(None))
            .order_by(col(CertificateRow.seq))
            .limit(batch_size)
        )
    )
    if not queued:
        return None
    full = len(queued) >= batch_size
    old = now - min(issued_at for _, _, issued_at in queued) >= max_wait
    if not (full or old or force):
        return None
    places = prepare_batch(session, [digest for _, digest, _ in queued], now)
    session.execute(
        update(CertificateRow),
        [{"seq": seq, **place} for (seq, _, _), place in zip(queued, places, strict=True)],
    )
    return places[0]["batch_id"]
