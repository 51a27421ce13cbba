"""Exceptions raised by the ``verifier`` package.

A verification never raises because a certificate is bad or the chain is down: those are
results (INVALID, ERROR) in the report. These exceptions are for callers that misuse the API and
for the chain view, whose failures the checks turn into ERROR results. The agency service's own
errors are in :mod:`verifier.service.exceptions`.

Exception tree::

    VerifierError
    ├── VerifierValueError (ValueError)            an argument is unusable (a bad --at time)
    └── ChainUnavailableError (ConnectionError)    the chain could not be asked or answered badly
        └── ChainDisagreementError                 endpoints disagree, or a state proof fails
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from verifier.types import Trust

__all__ = [
    "ChainDisagreementError",
    "ChainUnavailableError",
    "VerifierError",
    "VerifierValueError",
]


class VerifierError(Exception):
    """Root of every exception raised on purpose by the ``verifier`` package."""


class VerifierValueError(VerifierError, ValueError):
    """An argument is unusable, e.g. a time that is neither Unix seconds nor RFC 3339."""


class ChainUnavailableError(VerifierError, ConnectionError):
    """The chain could not be asked, or its answer could not be read; the cause is chained.

    A check that meets it reports ERROR: no answer is not a negative answer. ``trust`` says,
    when known, which endpoints were asked and what each did (for the report).
    """

    def __init__(self, message: str, *, trust: Trust | None = None) -> None:
        super().__init__(message)
        self.trust = trust


class ChainDisagreementError(ChainUnavailableError):
    """The endpoints answered, but not with one trustworthy answer: fewer than the quorum gave
    identical answers, or an answer failed its state proof. ERROR, and a matter for the
    ledger's operators: some endpoint is broken or lying."""
