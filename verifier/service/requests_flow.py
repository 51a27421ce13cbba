"""The cross-province request (跨省通办), from consent to stored report.

1. Claim the request (:mod:`verifier.service.request_store`): one call runs it; identical calls
   wait for its answer, and a final answer stored earlier is returned as it is.
2. Find the issuing province's node in the on-chain registry (never from the caller).
3. Fetch the certificate from it with the agency's credential, the holder's consent and the
   request's id as its key, check that the answer is a sealed certificate and the one asked
   for, and keep it at once. The node counted the consent's use; asked again with the same key
   (the answer was lost on its way), it delivers the same copy again without counting another.
4. Verify the kept certificate ourselves and store the report.

Only definitive outcomes are final: the node refused for good, sent something else, or the
verifier decided (VALID or INVALID). Everything else spends nothing and is retryable: a node or
chain that is down and a node that says "not now" (asked again on retry), and a verification
the chain could not finish (verdict ERROR: the kept copy is verified again on retry).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from certificate.exceptions import CertificateError
from certificate.sealed_file import SealedCertificate, parse_sealed
from verifier.chain_view import ChainView
from verifier.exceptions import ChainUnavailableError
from verifier.service.clerks import Credential
from verifier.service.exceptions import PeerRefusedError, PeerUnavailableError
from verifier.service.models import Outcome, RequestCreate, VerificationRequest
from verifier.service.node_client import NodeClient
from verifier.service.request_store import Answer, Claim, RequestStore
from verifier.service.settings import AgencySettings
from verifier.types import Verdict
from verifier.verify import verify

__all__ = ["CrossProvinceRequests"]

_FIRST_PAUSE, _LONGEST_PAUSE = 0.02, 0.5
"""Seconds between looks at a request another call is running (doubling up to the longest)."""


class CrossProvinceRequests:
    """Runs and stores cross-province requests for one agency."""

    def __init__(
        self, settings: AgencySettings, engine: Engine, chain: ChainView, nodes: NodeClient
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.chain = chain
        self.nodes = nodes
        self.store = RequestStore(engine, timedelta(seconds=settings.request_lease_seconds))

    def submit(
        self, request: RequestCreate, clerk: Credential | None
    ) -> tuple[VerificationRequest, bool]:
        """Run ``request`` for ``clerk``, or wait for the call running it, or find its final
        answer.

        Returns the row as stored and whether this call ran it. The row may be left pending
        (another call still runs it after ``request_wait_seconds``) or retryable. A new row
        names ``clerk`` (None: dev mode without clerks); a stored one keeps the clerk who made it.
        """
        claimed = self.store.claim(
            VerificationRequest(
                id=uuid.uuid4().hex,
                created_at=datetime.now(UTC),
                agency_id=self.settings.agency_id,
                certificate_id=request.certificate_id,
                issuing_province=request.issuing_province,
                consent_sha256=hashlib.sha256(request.consent_token.encode("utf-8")).hexdigest(),
                outcome=Outcome.PENDING,
                clerk_id=clerk.clerk_id if clerk else None,
                clerk_name=clerk.name if clerk else None,
            )
        )
        deadline = time.monotonic() + self.settings.request_wait_seconds
        pause = _FIRST_PAUSE
        while isinstance(claimed, VerificationRequest):  # another call's, or answered
            left = deadline - time.monotonic()
            if claimed.outcome != Outcome.PENDING or left <= 0:
                return claimed, False
            time.sleep(min(pause, left))
            pause = min(pause * 2, _LONGEST_PAUSE)
            claimed = self.store.take_over_dead(claimed)
        return self._run(claimed, request), True

    def get(self, request_id: str) -> VerificationRequest | None:
        """A stored request by id."""
        return self.store.get(request_id)

    def _run(self, claim: Claim, request: RequestCreate) -> VerificationRequest:
        """Take the claimed request as far as it goes: fetch (unless a certificate is kept
        already), then verify; stops when the row is answered or no longer held by ``claim``."""
        row = claim.row
        while row.outcome == Outcome.PENDING and row.attempt == claim.attempt:
            if row.received_at is None:
                row = self._fetch(claim, request)
            else:
                row = self.store.finish(claim, self._verify(row))
        return row

    def _fetch(self, claim: Claim, request: RequestCreate) -> VerificationRequest:
        code = request.issuing_province
        try:
            province = self.chain.province(code)
        except ChainUnavailableError as error:
            message = f"the ledger could not be reached to find province {code}'s node: {error}"
            return self.store.finish(claim, Answer(Outcome.UNAVAILABLE, message=message))
        if province is None or not province.member:
            refusal = Answer(
                Outcome.REFUSED,
                node_error="unknown_province",
                message=f"province {code} is not a member of the ledger",
            )
            return self.store.finish(claim, refusal)
        endpoint = province.endpoint
        try:
            body = self.nodes.fetch(
                endpoint,
                request.certificate_id,
                request.consent_token,
                self.settings.token_for(code),
                request_key=claim.row.id,
            )
        except PeerRefusedError as refusal:
            answer = Answer(
                Outcome.REFUSED,
                endpoint=endpoint,
                node_status=refusal.peer_status,
                node_error=refusal.peer_code,
                message=refusal.peer_message,
            )
            return self.store.finish(claim, answer)
        except PeerUnavailableError as error:
            answer = Answer(
                Outcome.UNAVAILABLE,
                endpoint=endpoint,
                node_status=error.peer_status,
                node_error=error.peer_code,
                message=str(error),
            )
            return self.store.finish(claim, answer)
        return self._received(claim, request, endpoint, body)

    def _received(
        self, claim: Claim, request: RequestCreate, endpoint: str, body: bytes
    ) -> VerificationRequest:
        """Keep what the node sent if it is the sealed certificate asked for; anything else is a
        mismatch (another certificate is stored with its report, as evidence; a body that is not
        a sealed certificate is not stored at all)."""
        try:
            sealed = parse_sealed(body)
        except CertificateError as error:
            answer = Answer(
                Outcome.MISMATCH,
                endpoint=endpoint,
                node_status=200,
                message=f"the node's answer is not a sealed certificate: {error}",
            )
            return self.store.finish(claim, answer)
        certificate = json.loads(body)
        identifier = _identifier(sealed)
        if identifier == request.certificate_id and sealed.issuing_province == (
            request.issuing_province
        ):
            return self.store.keep_certificate(claim.row.id, certificate, endpoint)
        report = verify(sealed, self.chain)
        answer = Answer(
            Outcome.MISMATCH,
            endpoint=endpoint,
            node_status=200,
            message=f"the node sent certificate {identifier} of province "
            f"{sealed.issuing_province}, not the one asked for",
            verdict=report.verdict.value,
            report=report.to_json(),
            certificate=certificate,
        )
        return self.store.finish(claim, answer)

    def _verify(self, row: VerificationRequest) -> Answer:
        """The verifier's answer on the kept certificate: final unless a check gave ERROR."""
        assert row.certificate is not None  # kept with received_at
        report = verify(row.certificate, self.chain)
        if report.verdict is Verdict.ERROR:
            outcome = Outcome.RECEIVED
            message = (
                "the certificate was received and is kept, but its verification could not "
                "finish (a check gave ERROR, e.g. the ledger could not be reached); retry to "
                "verify the kept copy: the node is not asked again"
            )
        else:
            outcome, message = Outcome.VERIFIED, None
        return Answer(
            outcome,
            endpoint=row.endpoint,
            node_status=200,
            message=message,
            verdict=report.verdict.value,
            report=report.to_json(),
        )


def _identifier(sealed: SealedCertificate) -> str:
    """The certificate's 证照标识 (always disclosed)."""
    return str(sealed.disclosed_values().get("/identifier"))
