"""Issuing certificates: validate → seal → encrypt → store and queue in one transaction → answer.

The answer is sent only after the transaction that stores the encrypted certificate and queues it
for anchoring has committed, so an acknowledged certificate survives any crash and will be
anchored. The bulk path does the same for many certificates with one Core ``executemany`` and
cuts the queue into batches right away (each ≤ the batch size, recorded ``prepared`` with its
root), so the batcher only has to send them.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from ledger.certificate.document import CertificateDocument, build_document
from ledger.certificate.exceptions import (
    CertificateError,
    CheckCharacterError,
    UnknownCertificateTypeError,
)
from ledger.certificate.issuance import seal
from ledger.certificate.merkle import MerkleTree
from ledger.certificate.registry import TypeRegistry
from ledger.certificate.sealed import SealedCertificate
from ledger.certificate.signing import SigningKey
from province_nodes.db import unit_of_work
from province_nodes.envelope import MasterKey, seal_envelope
from province_nodes.exceptions import NodeConflictError, NodeInputError
from province_nodes.keys import KeyRing
from province_nodes.models import BatchRow, CertificateRow

__all__ = ["BulkResult", "Issuer", "Sealer", "holder_reference"]

_MAX_REPORTED_ERRORS = 20


def holder_reference(key: bytes, id_type: str, id_number: str) -> bytes:
    """A keyed hash of a holder's identity: finds their certificates, reveals nothing alone."""
    return hmac.new(key, f"{id_type}\x00{id_number}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk issuance stored: certificate ids in input order and the batches it cut."""

    certificate_ids: list[str]
    batches: int


class Sealer:
    """The pure part of issuing: validate a document, seal it, make its encrypted row.

    No store and no lock, so it can be tested, and moved to other processes, on its own.
    """

    def __init__(
        self, master: MasterKey, province: int, registry: TypeRegistry | None = None
    ) -> None:
        self._master = master
        self._holder_key = master.derive(b"holder-reference")
        self.province = province
        self.registry = registry

    def document(self, data: object) -> CertificateDocument:
        """The validated document; raises :class:`NodeInputError` naming the problem."""
        if not isinstance(data, Mapping):
            raise NodeInputError("a certificate document must be a JSON object")
        try:
            document = build_document(data, registry=self.registry)
        except CertificateError as error:
            raise NodeInputError(str(error), code=_input_code(error)) from error
        if document.issuing_province != self.province:
            raise NodeInputError(
                f"the issuer's division {document.issuer.division_code} is not in province "
                f"{self.province}; this node issues for {self.province} only",
                code="wrong_province",
            )
        return document

    def row(
        self, document: CertificateDocument, key: SigningKey, now: int
    ) -> tuple[SealedCertificate, dict[str, Any]]:
        """Seal ``document`` with ``key``; the certificate and its table row (encrypted)."""
        sealed = seal(document, key)
        return sealed, {
            "certificate_id": document.identifier,
            "type_code": document.type.code,
            "digest": sealed.digest,
            "key_id": sealed.signature.key_id,
            "holder_ref": holder_reference(
                self._holder_key, document.holder.id_type.value, document.holder.id_number
            ),
            "envelope": seal_envelope(self._master, document.identifier, sealed.to_json().encode()),
            "issued_at": now,
            "state": "active",
        }


Problem = tuple[int, str, str]
"""A refused bulk item: its position, error code and message."""


class Issuer:
    """Validates, seals and stores certificates of one province."""

    def __init__(
        self,
        engine: Engine,
        master: MasterKey,
        keys: KeyRing,
        province: int,
        registry: TypeRegistry | None = None,
    ) -> None:
        self.engine = engine
        self.keys = keys
        self.sealer = Sealer(master, province, registry)

    def issue(self, data: Mapping[str, Any]) -> SealedCertificate:
        """Issue one certificate; returns it sealed (its receipt follows once anchored).

        Raises:
            NodeInputError: the document is invalid (the message names the field).
            NodeConflictError: a certificate with this identifier already exists.
            StoreUnavailableError: the database is down; nothing was stored.
        """
        document = self.sealer.document(data)
        with self.keys.issuing:
            sealed, row = self.sealer.row(document, self.keys.active, int(time.time()))
            try:
                with unit_of_work(self.engine) as session:
                    session.add(CertificateRow(**row))
            except IntegrityError:
                raise _duplicate([document.identifier]) from None
        return sealed

    def _seal_all(self, items: Sequence[Any], now: int) -> list[dict[str, Any] | Problem]:
        key = self.keys.active
        out: list[dict[str, Any] | Problem] = []
        for index, data in enumerate(items):
            try:
                out.append(self.sealer.row(self.sealer.document(data), key, now)[1])
            except NodeInputError as error:
                out.append((index, error.code, error.message))
        return out

    def issue_bulk(self, items: Sequence[Any], batch_size: int) -> BulkResult:
        """Issue many certificates atomically: all are stored and batched, or none.

        Every document is validated before anything is written; the error lists the failing
        items by position.
        """
        if not items:
            raise NodeInputError("the bulk request holds no certificates", code="empty_bulk")
        now = int(time.time())
        with self.keys.issuing:
            sealed = self._seal_all(items, now)
            problems = [p for p in sealed if isinstance(p, tuple)]
            if problems:
                raise NodeInputError(
                    f"{len(problems)} of {len(items)} certificates are invalid; nothing was issued",
                    detail=[
                        {"index": i, "error": code, "message": message}
                        for i, code, message in problems[:_MAX_REPORTED_ERRORS]
                    ],
                )
            rows = [r for r in sealed if isinstance(r, dict)]
            ids = [r["certificate_id"] for r in rows]
            if len(set(ids)) != len(ids):
                counts = Counter(ids)
                raise _duplicate(sorted(i for i, n in counts.items() if n > 1))
            try:
                with unit_of_work(self.engine) as session:
                    batches = 0
                    for start in range(0, len(rows), batch_size):
                        chunk = rows[start : start + batch_size]
                        tree = MerkleTree.from_entries(r["digest"] for r in chunk)
                        batch = BatchRow(root=tree.root, count=len(chunk), created_at=now)
                        session.add(batch)
                        session.flush()
                        for leaf, row in enumerate(chunk):
                            row["batch_id"] = batch.id
                            row["leaf_index"] = leaf
                        session.execute(insert(CertificateRow), chunk)
                        batches += 1
            except IntegrityError:
                raise NodeConflictError(
                    "at least one of these certificate identifiers already exists on this node; "
                    "nothing was issued",
                    code="duplicate_certificate",
                ) from None
        return BulkResult(certificate_ids=ids, batches=batches)


def _input_code(error: CertificateError) -> str:
    if isinstance(error, UnknownCertificateTypeError):
        return "unknown_type"
    if isinstance(error, CheckCharacterError):
        return "check_character"
    return "schema_violation"


def _duplicate(ids: Sequence[str]) -> NodeConflictError:
    shown = ", ".join(ids[:5])
    return NodeConflictError(
        f"a certificate with identifier {shown} already exists on this node; issue a new "
        "version (identifier version +1) instead",
        code="duplicate_certificate",
    )
