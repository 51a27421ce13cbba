"""Every error the agency service raises on purpose.

Each branch declares its HTTP status once (the number in the drawing); the shared handlers
(:mod:`service_base.problems`) answer an error with that status and its stable ``error`` code.
The pure verifier's own errors (:mod:`verifier.exceptions`, e.g. a chain that cannot be asked)
are not here: a verification turns them into ERROR results, and a cross-province request
stores them as its outcome.

::

    AgencyError (ServiceError)                    status 500 unless a branch says otherwise
    ├── AgencyInputError (ValueError)             the request is not acceptable input (422)
    ├── AgencyNotFoundError (LookupError)         no such stored request, or no report (404)
    ├── AuthenticationError                       no clerk token or an unknown one (401)
    ├── StoreUnavailableError (ConnectionError)   the agency's database cannot be reached (503)
    └── PeerError                                 the issuing province's node did not deliver (502)
        ├── PeerUnavailableError (ConnectionError)  it, or the chain, could not be reached (503)
        └── PeerRefusedError                      it refused, with a problem body of its own
"""

from __future__ import annotations

from service_base.exceptions import ServiceError

__all__ = [
    "AgencyError",
    "AgencyInputError",
    "AgencyNotFoundError",
    "AuthenticationError",
    "PeerError",
    "PeerRefusedError",
    "PeerUnavailableError",
    "StoreUnavailableError",
]


class AgencyError(ServiceError):
    """Root of every error raised on purpose by :mod:`verifier.service`."""

    code = "agency_error"


class AgencyInputError(AgencyError, ValueError):
    """The request's content is not acceptable (a bad ``at`` time, an unreadable QR payload)."""

    status = 422
    code = "invalid_input"


class AgencyNotFoundError(AgencyError, LookupError):
    """No stored request has that id, or the request has no report."""

    status = 404
    code = "unknown_request"


class AuthenticationError(AgencyError):
    """The caller sent no bearer token, or one that is not a clerk's of this agency."""

    status = 401
    code = "unauthenticated"


class StoreUnavailableError(AgencyError, ConnectionError):
    """The agency's database cannot be reached or written; the cause is chained."""

    status = 503
    code = "database_unavailable"


class PeerError(AgencyError):
    """The issuing province's node did not deliver the certificate."""

    status = 502
    code = "peer_error"


class PeerUnavailableError(PeerError, ConnectionError):
    """The node (or the chain naming it) could not be reached, timed out, failed (5xx) or sent
    something unreadable; the request may be retried."""

    status = 503
    code = "peer_unavailable"


class PeerRefusedError(PeerError):
    """The node refused the request with a problem body (consent refused, unknown id, …).

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
