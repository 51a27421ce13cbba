"""Issuing certificates: validate → seal → encrypt → store and queue in one transaction → answer.

The answer is sent only after the transaction that stores the encrypted certificate and queues it
for anchoring has committed, so an acknowledged certificate survives any crash and will be
anchored. The bulk path does the same for many certificates with one Core ``executemany`` and
cuts them into batches as it stores them (each ≤ the batch size, through
:mod:`province_nodes.batching` as the batcher does for single issuances), so the batcher only has
to send them; it seals large requests on every core (:mod:`province_nodes.sealing_pool`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from certificate.registry import TypeRegistry
from certificate.sealed_file import SealedCertificate
from province_nodes.batching import prepare_batch
from province_nodes.db import unit_of_work
from province_nodes.envelope import MasterKey
from province_nodes.exceptions import NodeConflictError, NodeInputError
from province_nodes.keys import KeyRing
from province_nodes.models import CertificateRow
from province_nodes.row_maker import RefusedItem, RowMaker, RowOutcome, RowValues
from province_nodes.sealing_pool import SealingPool

__all__ = ["BulkResult", "Issuer"]

_MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk issuance stored: certificate ids in input order and the batches it cut."""

    certificate_ids: list[str]
    batches: int


class Issuer:
    """Validates, seals and stores certificates of one province."""

    def __init__(
        self,
        engine: Engine,
        master: MasterKey,
        keys: KeyRing,
        province: int,
        registry: TypeRegistry | None = None,
        *,
        workers: int | None = None,
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.row_maker = RowMaker(master, province, registry)
        self.pool = SealingPool(self.row_maker, workers)

    def close(self) -> None:
        """Stop the bulk path's worker processes, if any were started."""
        self.pool.close()

    def issue(self, data: Mapping[str, Any]) -> SealedCertificate:
        """Issue one certificate; returns it sealed (its receipt follows once anchored).

        Raises:
            NodeInputError: the document is invalid (the message names the field).
            NodeConflictError: a certificate with this identifier already exists.
            StoreUnavailableError: the database is down; nothing was stored.
        """
        document = self.row_maker.document(data)
        with self.keys.issuing:
            sealed, row = self.row_maker.row(document, self.keys.active, int(time.time()))
            try:
                with unit_of_work(self.engine) as session:
                    session.add(CertificateRow(**row))
            except IntegrityError:
                raise _duplicate([document.identifier]) from None
        return sealed

    def issue_bulk(self, items: Sequence[Any], batch_size: int) -> BulkResult:
        """Issue many certificates atomically: all are stored and batched, or none.

        Every document is validated; the error lists the failing items by position. Rows are
        written, one batch at a time, while later items are still being sealed, all in one
        transaction that commits only if every item passed (else it is rolled back).
        """
        if not items:
            raise NodeInputError("the bulk request holds no certificates", code="empty_bulk")
        now = int(time.time())
        with self.keys.issuing, unit_of_work(self.engine) as session:
            outcomes = self.pool.stream(items, self.keys.active, now)
            return _store_bulk(session, outcomes, len(items), batch_size, now)


def _store_bulk(
    session: Session, outcomes: Iterable[RowOutcome], total: int, batch_size: int, now: int
) -> BulkResult:
    """Write the rows in batches as they come; raise, for the rollback, if any item failed.

    Invalid items are reported before identifiers repeated in the request, and those before
    identifiers the node already has, whatever order they come in.
    """
    problems: list[RefusedItem] = []
    ids: list[str] = []
    seen: set[str] = set()
    repeated: set[str] = set()
    pending: list[RowValues] = []
    batches = 0
    conflict = False
    for outcome in outcomes:
        if isinstance(outcome, tuple):
            problems.append(outcome)
            continue
        certificate_id = outcome["certificate_id"]
        if certificate_id in seen:
            repeated.add(certificate_id)
        seen.add(certificate_id)
        ids.append(certificate_id)
        pending.append(outcome)
        if len(pending) == batch_size and not (problems or repeated or conflict):
            conflict = not _store_batch(session, pending, now)
            batches += 1
            pending = []
    if problems:
        raise NodeInputError(
            f"{len(problems)} of {total} certificates are invalid; nothing was issued",
            detail=[
                {"index": i, "error": code, "message": message}
                for i, code, message in problems[:_MAX_REPORTED_ERRORS]
            ],
        )
    if repeated:
        raise _duplicate(sorted(repeated))
    if pending and not conflict:
        conflict = not _store_batch(session, pending, now)
        batches += 1
    if conflict:
        raise NodeConflictError(
            "at least one of these certificate identifiers already exists on this node; "
            "nothing was issued",
            code="duplicate_certificate",
        )
    return BulkResult(certificate_ids=ids, batches=batches)


def _store_batch(session: Session, rows: list[RowValues], now: int) -> bool:
    """One batch: prepared with its Merkle root, its rows inserted with their leaf positions.

    False if an identifier is already stored (the transaction must then be rolled back).
    """
    places = prepare_batch(session, [row["digest"] for row in rows], now)
    for row, place in zip(rows, places, strict=True):
        row.update(place)
    try:
        session.execute(insert(CertificateRow), rows)
    except IntegrityError:
        return False
    return True


def _duplicate(ids: Sequence[str]) -> NodeConflictError:
    shown = ", ".join(ids[:5])
    return NodeConflictError(
        f"a certificate with identifier {shown} already exists on this node; issue a new "
        "version (identifier version +1) instead",
        code="duplicate_certificate",
    )
