"""Stored cross-province requests: one row per request, run by one call at a time.

The row is unique per (consent hash, certificate id), which makes it the request's idempotency
key, and its ``outcome`` is the request's state::

    (new) ─▶ pending ─▶ verified | refused | mismatch    final: a retry returns the stored answer
               ▲   │
               │   ▼
         unavailable | received                         retryable: a retry runs it again

A call that means to run a request *claims* its row: it inserts the row as ``pending``, or moves
it to ``pending`` with the next ``attempt`` number when the row is retryable or its run is dead
(``pending`` past ``claimed_until``: the process running it stopped). Each is one conditional
statement, so of any number of identical calls at once (threads or processes, SQLite or
PostgreSQL) exactly one wins; the others see a ``pending`` row and wait for its answer. Only the
run holding the current attempt can finish the row.

A certificate the node released is the one thing that cannot be counted on twice (the node
counted the consent's use; it delivers the same copy again for the same request only while the
consent stays valid), so it is written the moment it arrives, by whichever run received it, and
an answer without a certificate (a refusal, an outage) never replaces it; only its verification
finishes such a row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Engine, case, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from verifier.service.db import unit_of_work
from verifier.service.models import Outcome, VerificationRequest

__all__ = ["Answer", "Claim", "RequestStore"]

_RETRYABLE = (Outcome.UNAVAILABLE.value, Outcome.RECEIVED.value)


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to run a request: its row as claimed and the attempt number that holds it."""

    row: VerificationRequest
    attempt: int


@dataclass(frozen=True, slots=True)
class Answer:
    """What one run found out, as :meth:`RequestStore.finish` writes it over the row.

    ``certificate`` is set only for a certificate other than the one asked for (a mismatch);
    the certificate asked for is kept by :meth:`RequestStore.keep_certificate` as it arrives.
    """

    outcome: Outcome
    endpoint: str | None = None
    node_status: int | None = None
    node_error: str | None = None
    message: str | None = None
    verdict: str | None = None
    report: dict[str, Any] | None = None
    certificate: dict[str, Any] | None = None


class RequestStore:
    """The agency's requests in its database, with the claims that let one call run each."""

    def __init__(self, engine: Engine, lease: timedelta) -> None:
        self.engine = engine
        self.lease = lease

    def get(self, request_id: str) -> VerificationRequest | None:
        """A stored request by id."""
        with unit_of_work(self.engine) as session:
            return session.get(VerificationRequest, request_id)

    def claim(self, new: VerificationRequest) -> Claim | VerificationRequest:
        """Claim the request ``new`` describes: store ``new`` as its first run, or take over its
        stored row if that is retryable or its run is dead; otherwise its row as stored."""
        now = datetime.now(UTC)
        new.outcome, new.attempt, new.claimed_until = Outcome.PENDING, 1, now + self.lease
        try:
            with unit_of_work(self.engine) as session:
                session.add(new)
        except IntegrityError:  # the request is stored already
            return self._take_over(new.consent_sha256, new.certificate_id, retry=True)
        stored = self.get(new.id)
        assert stored is not None  # committed above; rows are never deleted
        return Claim(stored, 1)

    def take_over_dead(self, row: VerificationRequest) -> Claim | VerificationRequest:
        """Claim ``row``'s request if its run is dead; otherwise its row as stored now."""
        return self._take_over(row.consent_sha256, row.certificate_id, retry=False)

    def _take_over(
        self, consent_sha256: str, certificate_id: str, *, retry: bool
    ) -> Claim | VerificationRequest:
        now = datetime.now(UTC)
        dead = (col(VerificationRequest.outcome) == Outcome.PENDING.value) & (
            col(VerificationRequest.claimed_until) < now
        )
        takeable = (dead | col(VerificationRequest.outcome).in_(_RETRYABLE)) if retry else dead
        key = (col(VerificationRequest.consent_sha256) == consent_sha256) & (
            col(VerificationRequest.certificate_id) == certificate_id
        )
        with unit_of_work(self.engine) as session:
            statement = (
                update(VerificationRequest)
                .where(key & takeable)
                .values(
                    outcome=Outcome.PENDING.value,
                    attempt=col(VerificationRequest.attempt) + 1,
                    claimed_until=now + self.lease,
                )
            )
            taken = cast(CursorResult[Any], session.execute(statement))
            row = session.exec(select(VerificationRequest).where(key)).one()
        return Claim(row, row.attempt) if taken.rowcount == 1 else row

    def keep_certificate(
        self, request_id: str, certificate: dict[str, Any], endpoint: str
    ) -> VerificationRequest:
        """Store the certificate the node released for the request, unless the request holds
        one already; returns the row as stored.

        Whoever holds the claim: a run that outlived its lease still received the certificate,
        and the node may not release it again (the consent may be withdrawn or expire). If a
        later run finished the request without a certificate meanwhile, the request becomes
        ``received``, so a retry verifies it.
        """
        now = datetime.now(UTC)
        pending = col(VerificationRequest.outcome) == Outcome.PENDING.value
        with unit_of_work(self.engine) as session:
            session.execute(
                update(VerificationRequest)
                .where(
                    col(VerificationRequest.id) == request_id,
                    col(VerificationRequest.received_at).is_(None),
                )
                .values(
                    certificate=certificate,
                    received_at=now,
                    endpoint=endpoint,
                    node_status=200,
                    node_error=None,
                    message=None,
                    outcome=case((pending, Outcome.PENDING.value), else_=Outcome.RECEIVED.value),
                )
            )
        return self._stored(request_id)

    def finish(self, claim: Claim, answer: Answer) -> VerificationRequest:
        """Write ``answer`` if ``claim`` still holds the request (and, for an answer without the
        certificate asked for, no certificate was kept meanwhile); returns the row as stored."""
        values = asdict(answer) | {"outcome": answer.outcome.value, "claimed_until": None}
        conditions: list[ColumnElement[bool]] = [
            col(VerificationRequest.id) == claim.row.id,
            col(VerificationRequest.attempt) == claim.attempt,
            col(VerificationRequest.outcome) == Outcome.PENDING.value,
        ]
        if answer.outcome not in (Outcome.VERIFIED, Outcome.RECEIVED):
            conditions.append(col(VerificationRequest.received_at).is_(None))
        if answer.certificate is None:
            del values["certificate"]
        else:
            values["received_at"] = datetime.now(UTC)
        with unit_of_work(self.engine) as session:
            session.execute(update(VerificationRequest).where(*conditions).values(**values))
        return self._stored(claim.row.id)

    def _stored(self, request_id: str) -> VerificationRequest:
        row = self.get(request_id)
        assert row is not None  # rows are never deleted
        return row
