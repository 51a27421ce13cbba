"""Reading certificates out of the store: under consent for agencies, redacted for auditors,
whole for the issuing platform's operator.

:func:`fetch_under_consent` and :func:`export_copy` are the only ways personal data leaves the
node. Each decides, logs and answers in one place: every attempt (allowed or refused, for
whatever reason, even one that fails unexpectedly) is appended to the access log before the
answer is sent, and an allowed read's log entry commits in the same transaction as the consent
use it counts. A requested id
that is not a certificate identifier is refused (422) and logged in its escaped, bounded
:func:`~province_nodes.inputs.printable` form as ``requested_id``, with ``certificate_id`` null.

An agency names its request with an ``Idempotency-Key`` (``request_key`` in the log); asked
again for a request it answered, the node delivers the same copy again without counting a use
(outcome ``repeated``), so an answer lost on its way does not spend the holder's consent.
"""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import ValidationError
from sqlmodel import col, func, select

from certificate.disclosure import disclose
from certificate.exceptions import CertificateError
from certificate.receipts import attach_receipt
from certificate.sealed_file import ALWAYS_DISCLOSED, Receipt, SealedCertificate, parse_sealed
from province_nodes.auth import authenticate
from province_nodes.consents import check_consent, consented_copy
from province_nodes.db import unit_of_work
from province_nodes.envelope import MasterKey, open_envelope
from province_nodes.exceptions import (
    AccessDeniedError,
    NodeError,
    NodeInputError,
    NotAnchoredError,
    StoreIntegrityError,
)
from province_nodes.inputs import checked_certificate_id, checked_request_key, printable
from province_nodes.models import CertificateRow
from province_nodes.node import ProvinceNode
from province_nodes.types import Role

__all__ = [
    "EXPORT_PURPOSE",
    "certificates_of_holder",
    "export_copy",
    "fetch_under_consent",
    "load_sealed",
    "redacted_page",
]

UNEXPECTED = "internal_error"
"""The access log's ``error`` for a read that failed in a way the node did not foresee."""

EXPORT_PURPOSE = "export"
"""The access log's ``purpose`` of an export (:func:`export_copy`)."""


def load_sealed(master: MasterKey, row: CertificateRow) -> SealedCertificate:
    """Decrypt a stored certificate, with its receipt attached once anchored.

    Raises:
        EnvelopeError: the payload does not decrypt (altered, or another master key).
        StoreIntegrityError: it decrypts but is not a sealed certificate, or its stored receipt
            is malformed or does not prove it: the store contradicts itself.
    """
    plain = open_envelope(master, row.certificate_id, row.envelope)
    try:
        sealed = parse_sealed(plain)
        if row.receipt is not None:
            sealed = attach_receipt(sealed, Receipt.model_validate_json(row.receipt))
    except (CertificateError, ValidationError) as error:
        raise StoreIntegrityError(
            f"the stored copy of {row.certificate_id} is not a certificate with a valid receipt: "
            f"{printable(str(error), 300)}"
        ) from error
    return sealed


def _request_entry(node: ProvinceNode, requested: str) -> dict[str, Any]:
    """The access-log entry of a read of ``requested``, before anyone is known to ask."""
    entry: dict[str, Any] = {
        "time": int(time.time()),
        "province": node.province,
        "certificate_id": None,
        "caller_role": None,
        "credential": None,
        "agency_id": None,
        "consent_id": None,
        "request_key": None,
        "fields": [],
        "purpose": None,
        "service_item": None,
    }
    try:
        entry["certificate_id"] = checked_certificate_id(requested)
    except NodeInputError:
        entry["requested_id"] = printable(requested)
    return entry


def fetch_under_consent(
    node: ProvinceNode,
    authorization: str | None,
    requested: str,
    token: str | None,
    request_key: str | None = None,
) -> SealedCertificate:
    """The consented fields of an anchored certificate, for the agency the consent names.

    ``request_key`` is the agency's key for its request (``Idempotency-Key``): a request
    answered before under the same consent is answered again as a repeat delivery, counting no
    use. Authentication happens here rather than in a route dependency so that even a call with
    no or a bad credential is logged. Raises 401, 422 ``malformed_identifier`` (``requested`` is
    not a certificate identifier) or ``malformed_request_key``, the precise
    :class:`~province_nodes.exceptions.ConsentError` (403, including a consent naming fields
    the certificate lacks), 404/409, or a 500 store-integrity error if the stored copy cannot be
    disclosed from; in every case, and for any unforeseen failure too, the attempt is in the
    access log first.
    """
    entry = _request_entry(node, requested)
    log = node.access_log
    with log.lock:
        try:
            caller = authenticate(node.engine, authorization)
            entry.update(
                caller_role=caller.role.value,
                credential=caller.credential_id,
                agency_id=caller.agency_id,
            )
            certificate_id = checked_certificate_id(requested)
            key = entry["request_key"] = checked_request_key(request_key)
            with unit_of_work(node.engine) as session:
                if caller.role is not Role.AGENCY:
                    raise AccessDeniedError(
                        f"only agencies read certificates; this credential is a "
                        f"{caller.role.value}",
                        code="forbidden_role",
                    )
                if caller.agency is None or caller.agency_id is None:
                    raise AccessDeniedError(
                        f"agency {caller.agency_id} is not registered with this node",
                        code="unknown_agency",
                    )
                permit = check_consent(
                    session,
                    node.consents,
                    token,
                    certificate_id=certificate_id,
                    agency_id=caller.agency_id,
                    delivered=lambda row: (
                        key is not None and log.delivered(session, certificate_id, row.id, key)
                    ),
                )
                consent = permit.row
                fields = json.loads(consent.fields)
                entry.update(
                    consent_id=consent.id,
                    fields=fields,
                    purpose=consent.purpose,
                    service_item={
                        "code": consent.service_item_code,
                        "name": consent.service_item_name,
                    },
                )
                row = CertificateRow.find(session, certificate_id)
                if row.receipt is None:
                    raise NotAnchoredError(
                        f"certificate {certificate_id} is not anchored yet; retry in a few "
                        "seconds (the consent was not used)"
                    )
                copy = consented_copy(load_sealed(node.master, row), fields)
                if not permit.repeat:
                    consent.uses += 1
                    session.add(consent)
                outcome = "repeated" if permit.repeat else "allowed"
                log.append(session, entry | {"outcome": outcome, "error": None})
            return copy
        except NodeError as error:
            log.record(entry | {"outcome": "refused", "error": error.code})
            raise
        except Exception:
            log.record(entry | {"outcome": "refused", "error": UNEXPECTED})
            raise


def export_copy(node: ProvinceNode, authorization: str | None, requested: str) -> SealedCertificate:
    """The sealed certificate file with its receipt: the whole certificate for an operator (the
    issuing platform, e.g. to hand it to its holder), the always-disclosed metadata and the
    leaf hashes of every other field for an auditor (no personal data; it still verifies).

    Every attempt is in the access log first, like a consented read's (purpose ``export``,
    ``fields`` the paths disclosed beyond the always-disclosed metadata), so the holder's
    access history shows who exported their certificate.

    Raises:
        AuthenticationError: no or an unknown credential (401).
        AccessDeniedError: ``forbidden_role`` (403): an agency or portal credential (agencies
            read under a holder's consent).
        NodeInputError: ``malformed_identifier`` (422).
        NodeNotFoundError: no such certificate here (404).
        NotAnchoredError: not anchored yet (409): the file would have no receipt.
    """
    entry = _request_entry(node, requested) | {"purpose": EXPORT_PURPOSE}
    log = node.access_log
    with log.lock:
        try:
            caller = authenticate(node.engine, authorization)
            entry.update(caller_role=caller.role.value, credential=caller.credential_id)
            if caller.role not in (Role.OPERATOR, Role.AUDITOR):
                raise AccessDeniedError(
                    "only the operator (the whole certificate) and auditors (without personal "
                    f"data) export certificates; this credential is a {caller.role.value}",
                    code="forbidden_role",
                )
            certificate_id = checked_certificate_id(requested)
            with unit_of_work(node.engine) as session:
                row = CertificateRow.find(session, certificate_id)
                if row.receipt is None:
                    raise NotAnchoredError(
                        f"certificate {certificate_id} is not anchored yet, so its file would "
                        "have no receipt; retry in a few seconds"
                    )
                sealed = load_sealed(node.master, row)
                copy = sealed if caller.role is Role.OPERATOR else disclose(sealed, [])
                fields = sorted(
                    path for path in copy.disclosed_values() if path not in ALWAYS_DISCLOSED
                )
                log.append(session, entry | {"fields": fields, "outcome": "allowed", "error": None})
            return copy
        except NodeError as error:
            log.record(entry | {"outcome": "refused", "error": error.code})
            raise
        except Exception:
            log.record(entry | {"outcome": "refused", "error": UNEXPECTED})
            raise


def redacted_page(
    node: ProvinceNode, offset: int, limit: int
) -> tuple[int, list[tuple[CertificateRow, SealedCertificate]]]:
    """A page of certificates with no personal field disclosed, for auditors."""
    with unit_of_work(node.engine) as session:
        total = int(session.exec(select(func.count()).select_from(CertificateRow)).one())
        rows = list(
            session.exec(
                select(CertificateRow).order_by(col(CertificateRow.seq)).offset(offset).limit(limit)
            )
        )
    return total, [(row, disclose(load_sealed(node.master, row), [])) for row in rows]


def certificates_of_holder(node: ProvinceNode, id_type: str, id_number: str) -> list[str]:
    """Identifiers of every certificate this node issued to the holder."""
    with unit_of_work(node.engine) as session:
        query = select(CertificateRow.certificate_id).where(
            CertificateRow.holder_ref == node.holder_ref(id_type, id_number)
        )
        return list(session.exec(query))
