"""Every error the agency service raises on purpose.

Each branch declares its HTTP status once (the number in the drawing); the shared handlers
(:mod:`service_base.problems`) answer an error with that status and its stable ``error`` code.
The pure verifier's own errors (:mod:`verifier.exceptions`, e.g. a chain that cannot be asked)
are not here: a verification turns them into ERROR results, and a cross-province request
stores them as its outcome.

::

    AgencyError (ServiceError)                    status 500 unless a branch says otherwise
    ├── AgencyConfigError (ValueError)            the agency cannot start as configured
    ├── AgencyInputError (ValueError)             the request is not acceptable input (422)
    ├── AgencyNotFoundError (LookupError)         no such stored request, report or clerk (404)
    ├── AuthenticationError                       no clerk token, an unknown, revoked or
    │                                             expired one (401)
    ├── RequestInProgressError                    an identical request is still being run (409)
    ├── StoreUnavailableError (ConnectionError)   the agency's database cannot be reached (503)
    ├── VerificationIncompleteError               a received certificate awaits the chain (503)
    └── PeerError                                 the issuing province's node did not deliver (502)
        ├── PeerUnavailableError (ConnectionError)  it, or the chain, could not be reached, or
        │                                           it said "not now" (503)
        └── PeerRefusedError                      it refused for good, with a problem body
"""

from __future__ import annotations

from service_base.exceptions import ServiceError

__all__ = [
    "AgencyConfigError",
    "AgencyError",
    "AgencyInputError",
    "AgencyNotFoundError",
    "AuthenticationError",
    "PeerError",
    "PeerRefusedError",
    "PeerUnavailableError",
    "RequestInProgressError",
    "StoreUnavailableError",
    "VerificationIncompleteError",
]


class AgencyError(ServiceError):
    """Root of every error raised on purpose by :mod:`verifier.service`."""

    code = "agency_error"


class AgencyConfigError(AgencyError, ValueError):
    """The settings or the store do not allow the service to start (no clerk could call it)."""

    code = "agency_config_error"


class AgencyInputError(AgencyError, ValueError):
    """The request's content is not acceptable (a bad ``at`` time, an unreadable QR payload)."""

    status = 422
    code = "invalid_input"


class AgencyNotFoundError(AgencyError, LookupError):
    """No stored request has that id, the request has no report, or no clerk has that id."""

    status = 404
    code = "unknown_request"


class AuthenticationError(AgencyError):
    """The caller sent no bearer token, one that is not a clerk's of this agency, or a clerk's
    that was revoked (``credential_revoked``) or expired (``credential_expired``)."""

    status = 401
    code = "unauthenticated"


class RequestInProgressError(AgencyError):
    """An identical request (same consent, same certificate) is being run by another call and
    did not finish while this one waited; retrying shortly returns its answer."""

    status = 409
    code = "request_in_progress"


class StoreUnavailableError(AgencyError, ConnectionError):
    """The agency's database cannot be reached or written; the cause is chained."""

    status = 503
    code = "database_unavailable"


class VerificationIncompleteError(AgencyError):
    """The node delivered the certificate and the agency kept it, but its verification could not
    finish (a check gave ERROR: the chain could not be asked); a retry verifies the kept copy
    and does not ask the node, or spend the consent, again."""

    status = 503
    code = "verification_incomplete"


class PeerError(AgencyError):
    """The issuing province's node did not deliver the certificate."""

    status = 502
    code = "peer_error"


class PeerUnavailableError(PeerError, ConnectionError):
    """The node (or the chain naming it) could not be reached, timed out, failed (5xx) or sent
    something unreadable, or answered "not now" without using the consent (the certificate is
    not anchored yet, the node does not accept this agency's credential); the request may be
    retried.

    ``peer_status`` and ``peer_code`` are the node's HTTP status and problem code when it
    answered, None when it could not be reached.
    """

    status = 503
    code = "peer_unavailable"

    def __init__(
        self,
        message: str,
        *,
        peer_status: int | None = None,
        peer_code: str | None = None,
        detail: object = None,
    ) -> None:
        super().__init__(message, detail=detail)
        self.peer_status = peer_status
        self.peer_code = peer_code


class PeerRefusedError(PeerError):
    """The node refused the request for good with a problem body (the consent is refused, the
    certificate unknown): a retry would get the same answer.

    ``peer_status`` is the node's HTTP status, ``peer_code`` its problem's ``error`` code and
    ``peer_message`` its clerk-readable text.
    """

    code = "peer_refused"

    def __init__(self, peer_status: int, peer_code: str, peer_message: str) -> None:
        super().__init__(
            f"{peer_code}: {peer_message} (HTTP {peer_status})",
            detail={"status": peer_status, "error": peer_code},
        )
        self.peer_status = peer_status
        self.peer_code = peer_code
        self.peer_message = peer_message
