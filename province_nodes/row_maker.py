"""The pure part of issuing: validate a document, seal it, make its encrypted table row.

No store and no lock, so it can be tested, and run in worker processes
(:mod:`province_nodes.sealing_pool`), on its own; :mod:`province_nodes.issuance` stores the rows.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from certificate.document import CertificateDocument, build_document
from certificate.exceptions import (
    CertificateError,
    CertificateFormatError,
    CheckCharacterError,
    UnknownCertificateTypeError,
)
from certificate.registry import TypeRegistry
from certificate.sealed_file import SealedCertificate
from certificate.sealing import seal
from certificate.signing import SigningKey
from province_nodes.envelope import MasterKey, seal_envelope
from province_nodes.exceptions import NodeInputError

__all__ = ["RefusedItem", "RowMaker", "RowOutcome", "RowValues", "holder_reference", "make_rows"]


def holder_reference(key: bytes, id_type: str, id_number: str) -> bytes:
    """A keyed hash of a holder's identity: finds their certificates, reveals nothing alone."""
    return hmac.new(key, f"{id_type}\x00{id_number}".encode(), hashlib.sha256).digest()


RowValues = dict[str, Any]
"""The column values of a new :class:`~province_nodes.models.CertificateRow` (payload encrypted),
without its batch and leaf index: those come when it is batched."""

RefusedItem = tuple[int, str, str]
"""A refused bulk item: its position, error code and message."""

RowOutcome = RowValues | RefusedItem
"""A bulk item's outcome: its table row, or why it was refused."""


class RowMaker:
    """Validates documents of one province and seals them into encrypted table rows."""

    def __init__(
        self, master: MasterKey, province: int, registry: TypeRegistry | None = None
    ) -> None:
        self.master = master
        self._holder_key = master.derive(b"holder-reference")
        self.province = province
        self.registry = registry

    def holder_ref(self, id_type: str, id_number: str) -> bytes:
        """The keyed reference stored with a holder's certificates, to find them again."""
        return holder_reference(self._holder_key, id_type, id_number)

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
    ) -> tuple[SealedCertificate, RowValues]:
        """Seal ``document`` with ``key``; the certificate and its table row (encrypted).

        Raises:
            NodeInputError: the document names another signature algorithm than the node's key
                (``wrong_algorithm``), or a value the model accepted cannot be sealed (a string
                with a lone surrogate has no canonical form): the caller's input, not the node,
                is at fault.
        """
        if document.signature_algorithm is not key.algorithm:
            raise NodeInputError(
                f"the document names signature algorithm {document.signature_algorithm.label}, "
                f"but this node signs with {key.algorithm.label}",
                code="wrong_algorithm",
            )
        try:
            sealed = seal(document, key)
        except CertificateFormatError as error:
            raise NodeInputError(str(error), code=_input_code(error)) from error
        return sealed, {
            "certificate_id": document.identifier,
            "type_code": document.type.code,
            "digest": sealed.digest,
            "key_id": sealed.signature.key_id,
            "holder_ref": self.holder_ref(document.holder.id_type.value, document.holder.id_number),
            "envelope": seal_envelope(self.master, document.identifier, sealed.to_json().encode()),
            "issued_at": now,
            "state": "active",
        }


def make_rows(
    maker: RowMaker, key: SigningKey, items: Sequence[Any], now: int, *, offset: int = 0
) -> list[RowOutcome]:
    """Each item's row, or why it was refused (position counted from ``offset``), in order."""
    out: list[RowOutcome] = []
    for index, data in enumerate(items, start=offset):
        try:
            out.append(maker.row(maker.document(data), key, now)[1])
        except NodeInputError as error:
            out.append((index, error.code, error.message))
    return out


def _input_code(error: CertificateError) -> str:
    if isinstance(error, UnknownCertificateTypeError):
        return "unknown_type"
    if isinstance(error, CheckCharacterError):
        return "check_character"
    return "schema_violation"
