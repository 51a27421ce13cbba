"""Exceptions raised by the ``verifier`` package.

A verification never raises because a certificate is bad or the chain is down: those are
results (INVALID, ERROR) in the report. These exceptions are for callers that misuse the API and
for the parts that fetch (the chain view, the node client), whose failures the checks and the
agency service turn into ERROR results or problem responses.

Exception tree::

    VerifierError
    ├── VerifierValueError (ValueError)            an argument is unusable (a bad --at time)
    ├── ChainUnavailableError (ConnectionError)    the chain could not be asked or answered badly
    ├── StoreUnavailableError (ConnectionError)    the agency's database could not be reached
    └── NodeError                                  the issuing province's node did not deliver
        ├── NodeUnavailableError (ConnectionError) it could not be reached or failed (5xx)
        └── NodeRefusedError                       it refused the request (problem body given)
"""

from __future__ import annotations

__all__ = [
    "ChainUnavailableError",
    "NodeError",
    "NodeRefusedError",
    "NodeUnavailableError",
    "StoreUnavailableError",
    "VerifierError",
    "VerifierValueError",
]


class VerifierError(Exception):
    """Root of every exception raised on purpose by the ``verifier`` package."""


class VerifierValueError(VerifierError, ValueError):
    """An argument is unusable, e.g. a time that is neither Unix seconds nor RFC 3339."""


class ChainUnavailableError(VerifierError, ConnectionError):
    """The chain could not be asked, or its answer could not be read; the cause is chained.

    A check that meets it reports ERROR: no answer is not a negative answer.
    """


class StoreUnavailableError(VerifierError, ConnectionError):
    """The agency service's database could not be reached or written; the cause is chained."""


class NodeError(VerifierError):
    """The issuing province's node did not deliver the certificate."""


class NodeUnavailableError(NodeError, ConnectionError):
    """The node could not be reached, timed out, failed (5xx) or sent something unreadable."""


class NodeRefusedError(NodeError):
    """The node refused the request with a problem body (consent refused, unknown id, …).

    ``status`` is the HTTP status, ``code`` the problem's ``error`` code and ``message`` its
    clerk-readable text.
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message} (HTTP {status})")
        self.status = status
        self.code = code
        self.message = message
