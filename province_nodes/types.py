"""Domain types of the province node: roles, credential, batch and certificate states."""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

__all__ = ["AgencyId", "BatchState", "CertificateId", "CredentialState", "Role", "StoredState"]

AgencyId = NewType("AgencyId", str)
"""An agency's id, lowercase words joined by hyphens, e.g. ``sh-gongan-hukou``."""

CertificateId = NewType("CertificateId", str)
"""A certificate identifier (GB/T 36904), validated by :mod:`certificate`."""


class Role(StrEnum):
    """What a credential may do; one role per credential."""

    OPERATOR = "operator"
    """The issuing platform: issues certificates, changes their status, rotates keys."""
    AGENCY = "agency"
    """A government agency of any province: reads certificates under a holder's consent."""
    AUDITOR = "auditor"
    """Reads the redacted certificate list and the access log, never personal data."""
    PORTAL = "portal"
    """The holder-facing portal: creates and withdraws consents, lists a holder's accesses."""


class CredentialState(StrEnum):
    """Whether a credential is accepted now."""

    ACTIVE = "active"
    EXPIRED = "expired"
    """Past its ``expires_at``: refused with ``credential_expired``."""
    REVOKED = "revoked"
    """Revoked by the operator: refused with ``credential_revoked``."""


class BatchState(StrEnum):
    """Where a batch is on its way to the chain; each step is durable before the next starts.

    ``prepared`` (root and members stored) → ``sent`` (transaction hash stored) → ``anchored``
    (mined with enough confirmations, every receipt written).
    """

    PREPARED = "prepared"
    SENT = "sent"
    ANCHORED = "anchored"


class StoredState(StrEnum):
    """A certificate's status as the store mirrors it (the chain is authoritative)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
