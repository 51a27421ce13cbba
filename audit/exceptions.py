"""Errors the auditor raises on purpose.

An auditor's *findings* (a broken invariant, a view that disagrees with the replayed history, a
store row that does not match the chain) are never exceptions: they are data in the report. The
exceptions below mean the audit could not be run as asked: a bad argument, a checkpoint that
cannot be used, a store that cannot be read. They derive from :class:`AuditError` and from the
matching built-in where one fits; a chain that cannot be read surfaces as the ledger's own
:class:`~ledger.exceptions.LedgerError`.

::

    AuditError                          the audit could not be run
    ├── AuditValueError (ValueError)    an argument is out of range (block range, sample size)
    ├── AuditCheckpointError            a checkpoint is unreadable, altered, for another
    │                                   deployment, or below a reorganised block
    └── AuditStoreError                 a province store's auditor API cannot be read
        └── AuditStoreAnswerError       it answered, but not in the agreed shape
"""

from __future__ import annotations

__all__ = [
    "AuditCheckpointError",
    "AuditError",
    "AuditStoreAnswerError",
    "AuditStoreError",
    "AuditValueError",
]


class AuditError(Exception):
    """Root of every error the auditor raises on purpose: the audit could not be run."""


class AuditValueError(AuditError, ValueError):
    """An argument is out of range, e.g. a block range that ends before the deployment."""


class AuditCheckpointError(AuditError):
    """A checkpoint cannot be used: unreadable, its state hash does not match its state, it was
    written for another deployment, or the chain reorganised below its block. Delete it and replay
    from the deployment block."""


class AuditStoreError(AuditError):
    """A province store's auditor API cannot be read (unreachable, refused the token, 5xx).

    ``status`` is the HTTP status when there was one.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AuditStoreAnswerError(AuditStoreError):
    """The store answered, but not in the shape of the auditor API (missing or mistyped field)."""
