"""The append-only access log: every read attempt, hash-chained, with RFC 6962 heads on chain.

Entry ``i`` stores ``hash_i = SHA-256(hash_{i-1} ‖ JCS(entry_i))`` with ``hash_{-1}`` = 32 zero
bytes, so altering or dropping any entry breaks every later hash. On top, an RFC 6962 tree over
the entry hashes gives a head ``(size, root)`` that the node anchors on chain with
``anchorAccessLog``; an auditor checks that each later head extends the earlier one with a
consistency proof, so the log cannot be rewritten between anchors either.

Appends are serialised by a lock per log (one node process owns its store) and by the primary key
on ``index`` as a safety net. An append happens inside the caller's unit of work, so a read's
entry commits together with the consent use it records, or not at all.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from certificate.canonical import canonicalize
from certificate.merkle import MerkleTree
from province_nodes.db import unit_of_work
from province_nodes.exceptions import NodeInputError
from province_nodes.models import AccessLogRow, LogHeadRow

__all__ = ["GENESIS_HASH", "AccessLog", "chain_hash"]

GENESIS_HASH = bytes(32)
"""The ``prev_hash`` of entry 0."""


def chain_hash(prev_hash: bytes, entry: Mapping[str, Any]) -> bytes:
    """``SHA-256(prev_hash ‖ JCS(entry))``: the hash that links an entry to the log."""
    return hashlib.sha256(prev_hash + canonicalize(dict(entry))).digest()


class AccessLog:
    """One province's access log in its store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.RLock()

    def append(self, session: Session, entry: Mapping[str, Any]) -> int:
        """Add ``entry`` in ``session``'s transaction; returns its index.

        The caller holds :attr:`lock` from before this call until its transaction commits.
        """
        last = session.exec(
            select(AccessLogRow).order_by(col(AccessLogRow.index).desc()).limit(1)
        ).first()
        index = 0 if last is None else last.index + 1
        prev = GENESIS_HASH if last is None else last.hash
        text = json.dumps(dict(entry), ensure_ascii=False, sort_keys=True)
        session.add(
            AccessLogRow(
                index=index,
                prev_hash=prev,
                hash=chain_hash(prev, entry),
                entry=text,
                certificate_id=entry.get("certificate_id"),
            )
        )
        session.flush()
        return index

    def delivered(
        self, session: Session, certificate_id: str, consent_id: str, request_key: str
    ) -> bool:
        """Whether a read under ``consent_id`` with ``request_key`` was answered with
        ``certificate_id`` before (an ``allowed`` entry): the log is the record of deliveries.

        The caller holds :attr:`lock`, so no delivery is appended meanwhile.
        """
        entries = session.exec(
            select(AccessLogRow.entry).where(AccessLogRow.certificate_id == certificate_id)
        )
        for text in entries:
            entry = json.loads(text)
            if (entry.get("outcome"), entry.get("consent_id"), entry.get("request_key")) == (
                "allowed",
                consent_id,
                request_key,
            ):
                return True
        return False

    def record(self, entry: Mapping[str, Any]) -> int:
        """Append ``entry`` in a transaction of its own (a refused attempt); returns its index."""
        with self.lock, unit_of_work(self.engine) as session:
            return self.append(session, entry)

    def size(self) -> int:
        """Number of entries."""
        with unit_of_work(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(AccessLogRow)).one())

    def entries(self, start: int, end: int | None = None) -> list[AccessLogRow]:
        """Entries ``[start, end)`` in order (``end`` None: to the last)."""
        if start < 0 or (end is not None and end < start):
            raise NodeInputError(f"need 0 <= start <= end, got start={start} end={end}")
        query = select(AccessLogRow).where(AccessLogRow.index >= start)
        if end is not None:
            query = query.where(AccessLogRow.index < end)
        with unit_of_work(self.engine) as session:
            return list(session.exec(query.order_by(col(AccessLogRow.index))).all())

    def for_certificates(self, certificate_ids: list[str]) -> list[AccessLogRow]:
        """Every entry about the given certificates, in log order (a holder's history)."""
        query = select(AccessLogRow).where(col(AccessLogRow.certificate_id).in_(certificate_ids))
        with unit_of_work(self.engine) as session:
            return list(session.exec(query.order_by(col(AccessLogRow.index))).all())

    def tree(self, size: int | None = None) -> MerkleTree:
        """The RFC 6962 tree over the first ``size`` entry hashes (default: all)."""
        query = select(AccessLogRow.hash).order_by(col(AccessLogRow.index))
        if size is not None:
            query = query.where(AccessLogRow.index < size)
        with unit_of_work(self.engine) as session:
            hashes = list(session.exec(query).all())
        if size is not None and len(hashes) != size:
            raise NodeInputError(f"the log has {len(hashes)} entries, fewer than {size}")
        return MerkleTree.from_entries(hashes)

    def consistency(self, first: int, second: int) -> list[bytes]:
        """RFC 6962 consistency proof from the tree of ``first`` entries to ``second``."""
        if not 0 < first <= second:
            raise NodeInputError(f"need 0 < first <= second, got first={first} second={second}")
        return list(self.tree(second).consistency_proof(first, second))

    def anchored_heads(self) -> list[LogHeadRow]:
        """Heads anchored on chain so far, oldest first."""
        with unit_of_work(self.engine) as session:
            return list(session.exec(select(LogHeadRow).order_by(col(LogHeadRow.size))).all())
