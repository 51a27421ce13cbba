"""The cross-province request (跨省通办), from consent to stored report.

1. Find the issuing province's node in the on-chain registry (never from the caller).
2. Fetch the certificate from it with the agency's credential and the holder's consent.
3. Verify it ourselves, and check that it is the certificate that was asked for.
4. Store the request and its outcome (committed before answering); a retry with the same
   consent and certificate returns the stored answer without spending the consent again,
   unless the first attempt could not reach the node or the chain, or the node said "not now"
   (not anchored yet, credential not accepted): that used no consent.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from verifier.chain_view import ChainView
from verifier.exceptions import ChainUnavailableError
from verifier.service.db import unit_of_work
from verifier.service.exceptions import PeerRefusedError, PeerUnavailableError
from verifier.service.models import Outcome, RequestCreate, VerificationRequest
from verifier.service.node_client import NodeClient
from verifier.service.settings import AgencySettings
from verifier.verify import verify

__all__ = ["CrossProvinceRequests"]


class CrossProvinceRequests:
    """Runs and stores cross-province requests for one agency."""

    def __init__(
        self, settings: AgencySettings, engine: Engine, chain: ChainView, nodes: NodeClient
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.chain = chain
        self.nodes = nodes

    def submit(self, request: RequestCreate) -> tuple[VerificationRequest, bool]:
        """Run ``request`` (or find its earlier answer); returns the row and whether it is new."""
        consent_sha256 = hashlib.sha256(request.consent_token.encode("utf-8")).hexdigest()
        earlier = self._find(consent_sha256, request.certificate_id)
        if earlier is not None and earlier.outcome != Outcome.UNAVAILABLE:
            return earlier, False
        row = self._run(request, consent_sha256)
        return self._store(row, earlier), True

    def get(self, request_id: str) -> VerificationRequest | None:
        """A stored request by id."""
        with unit_of_work(self.engine) as session:
            return session.get(VerificationRequest, request_id)

    def _find(self, consent_sha256: str, certificate_id: str) -> VerificationRequest | None:
        with unit_of_work(self.engine) as session:
            query = select(VerificationRequest).where(
                VerificationRequest.consent_sha256 == consent_sha256,
                VerificationRequest.certificate_id == certificate_id,
            )
            return session.exec(query).first()

    def _run(self, request: RequestCreate, consent_sha256: str) -> VerificationRequest:
        row = VerificationRequest(
            id=uuid.uuid4().hex,
            created_at=datetime.now(UTC),
            agency_id=self.settings.agency_id,
            certificate_id=request.certificate_id,
            issuing_province=request.issuing_province,
            consent_sha256=consent_sha256,
            outcome=Outcome.UNAVAILABLE,
        )
        code = request.issuing_province
        try:
            province = self.chain.province(code)
        except ChainUnavailableError as error:
            row.message = f"the ledger could not be reached to find province {code}'s node: {error}"
            return row
        if province is None or not province.member:
            row.outcome = Outcome.REFUSED
            row.node_error = "unknown_province"
            row.message = f"province {code} is not a member of the ledger"
            return row
        row.endpoint = province.endpoint
        try:
            body = self.nodes.fetch(
                province.endpoint,
                request.certificate_id,
                request.consent_token,
                self.settings.token_for(code),
            )
        except PeerRefusedError as refusal:
            row.outcome = Outcome.REFUSED
            row.node_status, row.node_error, row.message = (
                refusal.peer_status,
                refusal.peer_code,
                refusal.peer_message,
            )
            return row
        except PeerUnavailableError as error:
            row.message = str(error)
            row.node_status, row.node_error = error.peer_status, error.peer_code
            return row
        report = verify(body, self.chain)
        row.report = report.to_json()
        row.verdict = report.verdict.value
        row.node_status = 200
        try:
            row.certificate = json.loads(body)
        except ValueError:
            row.certificate = None
        if report.certificate_id is not None and (
            report.certificate_id != request.certificate_id
            or report.issuing_province != request.issuing_province
        ):
            row.outcome = Outcome.MISMATCH
            row.message = (
                f"the node sent certificate {report.certificate_id} of province "
                f"{report.issuing_province}, not the one asked for"
            )
        else:
            row.outcome = Outcome.VERIFIED
        return row

    def _store(
        self, row: VerificationRequest, earlier: VerificationRequest | None
    ) -> VerificationRequest:
        try:
            with unit_of_work(self.engine) as session:
                if earlier is not None:  # a retry after the node or chain was down: same request
                    row.id, row.created_at = earlier.id, earlier.created_at
                    row = session.merge(row)
                else:
                    session.add(row)
                session.flush()
                session.refresh(row)  # the row as stored (times as the database keeps them)
        except IntegrityError:  # a concurrent retry stored it first: answer with that one
            found = self._find(row.consent_sha256, row.certificate_id)
            if found is None:
                raise
            return found
        return row
