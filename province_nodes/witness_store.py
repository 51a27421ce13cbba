"""The witness's tables: checkpoints this node signed or cosigned, their signatures, and evidence.

Rows become :mod:`ledger.witness` types at this edge: a :class:`~ledger.witness.SignedCheckpoint`
per stored checkpoint with every signature stored for it (each was checked against the key on
chain before it was stored), and for the evidence the exact statement a peer signed. Only the
rows of this node's ledger (its deployment's chain id and contract) are read.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar
from web3 import Web3

from ledger.types import Address, Hash32
from ledger.witness import Checkpoint, Cosignature, SignedCheckpoint
from province_nodes.db import unit_of_work
from province_nodes.exceptions import StoreIntegrityError
from province_nodes.models import WitnessCheckpointRow, WitnessConflictRow, WitnessSignatureRow

__all__ = ["StoredConflict", "WitnessStore"]


@dataclass(frozen=True, slots=True)
class StoredConflict:
    """A peer's signed statement that contradicted this node's chain, as recorded."""

    id: int
    statement: bytes
    signature: bytes
    block_number: int
    recorded_at: int


class WitnessStore:
    """The witness tables of one node, for the ledger ``(chain id, contract)``."""

    def __init__(self, engine: Engine, ledger: tuple[int, Address]) -> None:
        self.engine = engine
        self.chain_id, self.contract = ledger

    # --- checkpoints ---------------------------------------------------------------------------

    def at(self, block_number: int) -> SignedCheckpoint | None:
        """The stored checkpoint at ``block_number``, with its signatures."""
        with unit_of_work(self.engine) as session:
            row = session.exec(
                self._rows().where(WitnessCheckpointRow.block_number == block_number)
            ).first()
            return None if row is None else self._signed(session, [row])[0]

    def latest(
        self, *, signed_by: int | None = None, at_most: int | None = None
    ) -> SignedCheckpoint | None:
        """The highest stored checkpoint (of those ``signed_by`` that province, at or below
        height ``at_most``, when given)."""
        query = self._rows()
        if at_most is not None:
            query = query.where(WitnessCheckpointRow.block_number <= at_most)
        if signed_by is not None:
            query = query.where(
                col(WitnessCheckpointRow.id).in_(
                    select(WitnessSignatureRow.checkpoint_id).where(
                        WitnessSignatureRow.province == signed_by
                    )
                )
            )
        with unit_of_work(self.engine) as session:
            row = session.exec(
                query.order_by(col(WitnessCheckpointRow.block_number).desc())
            ).first()
            return None if row is None else self._signed(session, [row])[0]

    def page(self, after: int, limit: int) -> tuple[list[SignedCheckpoint], int | None]:
        """Checkpoints above height ``after``, ascending, at most ``limit``; and the height to
        continue after (None at the end)."""
        query = (
            self._rows()
            .where(WitnessCheckpointRow.block_number > after)
            .order_by(col(WitnessCheckpointRow.block_number))
            .limit(limit + 1)
        )
        with unit_of_work(self.engine) as session:
            rows = list(session.exec(query))
            items = self._signed(session, rows[:limit])
        more = len(rows) > limit
        return items, items[-1].checkpoint.block_number if more else None

    def record(self, checkpoint: Checkpoint, signatures: Sequence[Cosignature]) -> None:
        """Store ``checkpoint`` (if new) and those of ``signatures`` not stored yet (one per key).

        The caller has checked the signatures, and that no other checkpoint is stored at that
        height (the witness holds its lock around both).

        Raises:
            StoreIntegrityError: another checkpoint is stored at that height.
        """
        now = int(time.time())
        with unit_of_work(self.engine) as session:
            row = session.exec(
                self._rows().where(WitnessCheckpointRow.block_number == checkpoint.block_number)
            ).first()
            if row is None:
                row = WitnessCheckpointRow(
                    chain_id=checkpoint.chain_id,
                    contract=checkpoint.contract,
                    block_number=checkpoint.block_number,
                    block_hash=checkpoint.block_hash,
                    state_root=checkpoint.state_root,
                    block_time=checkpoint.block_time,
                    recorded_at=now,
                )
                session.add(row)
                session.flush()
            elif _checkpoint(row) != checkpoint:
                raise StoreIntegrityError(
                    f"another checkpoint is stored at block {checkpoint.block_number}; a witness "
                    "signs one block per height"
                )
            assert row.id is not None
            stored = set(
                session.exec(
                    select(WitnessSignatureRow.key_id).where(
                        WitnessSignatureRow.checkpoint_id == row.id
                    )
                )
            )
            for signature in signatures:
                if signature.key_id not in stored:
                    stored.add(signature.key_id)
                    session.add(
                        WitnessSignatureRow(
                            checkpoint_id=row.id,
                            key_id=signature.key_id,
                            province=signature.province,
                            signature=signature.signature,
                            recorded_at=now,
                        )
                    )

    def _rows(self) -> SelectOfScalar[WitnessCheckpointRow]:
        """The checkpoint rows of this node's ledger."""
        return select(WitnessCheckpointRow).where(
            WitnessCheckpointRow.chain_id == self.chain_id,
            WitnessCheckpointRow.contract == self.contract,
        )

    @staticmethod
    def _signed(session: Session, rows: Sequence[WitnessCheckpointRow]) -> list[SignedCheckpoint]:
        ids = [row.id for row in rows]
        found: dict[int, list[Cosignature]] = {i: [] for i in ids if i is not None}
        query = (
            select(WitnessSignatureRow)
            .where(col(WitnessSignatureRow.checkpoint_id).in_(ids))
            .order_by(col(WitnessSignatureRow.province), col(WitnessSignatureRow.key_id))
        )
        for signature in session.exec(query):
            found[signature.checkpoint_id].append(
                Cosignature(signature.province, signature.key_id, signature.signature)
            )
        return [
            SignedCheckpoint(_checkpoint(row), tuple(found[row.id]))
            for row in rows
            if row.id is not None
        ]

    # --- evidence ------------------------------------------------------------------------------

    def record_conflict(self, statement: bytes, signature: bytes, block_number: int) -> None:
        """Keep a peer's signed statement that contradicts this node's chain (once per
        statement)."""
        try:
            with unit_of_work(self.engine) as session:
                known = session.exec(
                    select(WitnessConflictRow.id).where(WitnessConflictRow.statement == statement)
                ).first()
                if known is None:
                    session.add(
                        WitnessConflictRow(
                            statement=statement,
                            signature=signature,
                            block_number=block_number,
                            recorded_at=int(time.time()),
                        )
                    )
        except IntegrityError:
            pass  # recorded meanwhile by another request: once is enough

    def conflicts(self, after: int, limit: int) -> tuple[list[StoredConflict], int | None]:
        """Recorded evidence with ids above ``after``, in order, at most ``limit``; and the id
        to continue after (None at the end)."""
        query = (
            select(WitnessConflictRow)
            .where(col(WitnessConflictRow.id) > after)
            .order_by(col(WitnessConflictRow.id))
            .limit(limit + 1)
        )
        with unit_of_work(self.engine) as session:
            rows = list(session.exec(query))
        items = [
            StoredConflict(r.id, r.statement, r.signature, r.block_number, r.recorded_at)
            for r in rows[:limit]
            if r.id is not None
        ]
        return items, items[-1].id if len(rows) > limit else None


def _checkpoint(row: WitnessCheckpointRow) -> Checkpoint:
    return Checkpoint(
        chain_id=row.chain_id,
        contract=Web3.to_checksum_address(row.contract),
        block_number=row.block_number,
        block_hash=Hash32(row.block_hash),
        state_root=Hash32(row.state_root),
        block_time=row.block_time,
    )
