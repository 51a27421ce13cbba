"""Domain types of the verifier: check results, the verdict and the report.

A report is plain data: it converts to JSON (:meth:`Report.to_json`) for the CLI, the agency
service and storage, and back (:meth:`Report.from_json`) for reading stored reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from verifier.reasons import Reason

__all__ = ["BlockSource", "CheckResult", "CheckStatus", "CheckType", "Report", "Trust", "Verdict"]


class CheckStatus(StrEnum):
    """The outcome of one check (after OpenAttestation's verifier)."""

    VALID = "VALID"
    """The check established what it asks."""
    INVALID = "INVALID"
    """A definite answer: the certificate fails this check."""
    ERROR = "ERROR"
    """No answer could be had (chain unreachable, ledger not ours)."""
    SKIPPED = "SKIPPED"
    """Not checked, because a check it depends on could not pass."""


class CheckType(StrEnum):
    """What a check is about; the verdict needs a VALID result of every type."""

    FORMAT = "format"
    INTEGRITY = "integrity"
    SIGNATURE = "signature"
    ISSUER_KEY = "issuer_key"
    ANCHOR = "anchor"
    STATUS = "status"
    VALIDITY = "validity"
    ISSUER_IDENTITY = "issuer_identity"


class Verdict(StrEnum):
    """The overall answer for one certificate."""

    VALID = "VALID"
    INVALID = "INVALID"
    ERROR = "ERROR"

    @property
    def exit_code(self) -> int:
        """The CLI's exit code: 0 VALID, 1 INVALID, 2 ERROR."""
        return {Verdict.VALID: 0, Verdict.INVALID: 1, Verdict.ERROR: 2}[self]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's result: what was checked, the outcome, why, in words, and the evidence."""

    name: str
    type: CheckType
    status: CheckStatus
    reason: Reason
    message: str
    message_zh: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "name": self.name,
            "type": self.type.value,
            "status": self.status.value,
            "reason": int(self.reason),
            "reason_name": self.reason.name,
            "message": self.message,
            "message_zh": self.message_zh,
            "data": dict(self.data),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        """A result read back from :meth:`to_json`."""
        return cls(
            name=str(data["name"]),
            type=CheckType(data["type"]),
            status=CheckStatus(data["status"]),
            reason=Reason(data["reason"]),
            message=str(data["message"]),
            message_zh=str(data["message_zh"]),
            data=dict(data.get("data") or {}),
        )


class BlockSource(StrEnum):
    """How the block a report's chain answers were read at was chosen."""

    AGREED = "agreed"
    """The final block a quorum of the endpoints agreed on (number, hash and state root)."""
    GIVEN = "given"
    """A block the verifier was told to read at (e.g. a checkpoint witnesses signed), which a
    quorum of the endpoints hold."""
    LATEST = "latest"
    """No block was pinned: each answer is the endpoint's at its latest block."""


@dataclass(frozen=True, slots=True)
class Trust:
    """What a report's chain answers rest on.

    ``endpoints`` were asked and ``quorum`` of them had to give identical answers; the answers
    were read at block ``block_number`` (``block_hash``, ``state_root``), chosen as
    ``block_source`` says; ``proofs_checked`` storage values were proven against that state
    root (0: the answers are the endpoints' word); ``histories_compared`` status histories
    (event logs, which have no state proof) were compared across the quorum; ``disagreed``
    names each endpoint that disagreed, failed (a bad proof, an error) or did not answer, and
    what it did. :func:`verifier.render.describe_trust` says it in words.
    """

    endpoints: tuple[str, ...]
    quorum: int
    block_source: BlockSource
    block_number: int | None = None
    block_hash: str | None = None
    state_root: str | None = None
    proofs_checked: int = 0
    histories_compared: int = 0
    disagreed: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The trust section as JSON-ready data."""
        return {
            "endpoints": list(self.endpoints),
            "quorum": self.quorum,
            "block_source": self.block_source.value,
            "block_number": self.block_number,
            "block_hash": self.block_hash,
            "state_root": self.state_root,
            "proofs_checked": self.proofs_checked,
            "histories_compared": self.histories_compared,
            "disagreed": dict(self.disagreed),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trust:
        """A trust section read back from :meth:`to_json`."""
        return cls(
            endpoints=tuple(str(e) for e in data["endpoints"]),
            quorum=int(data["quorum"]),
            block_source=BlockSource(data["block_source"]),
            block_number=data.get("block_number"),
            block_hash=data.get("block_hash"),
            state_root=data.get("state_root"),
            proofs_checked=int(data.get("proofs_checked") or 0),
            histories_compared=int(data.get("histories_compared") or 0),
            disagreed=dict(data.get("disagreed") or {}),
        )


@dataclass(frozen=True, slots=True)
class Report:
    """The verification report of one sealed certificate.

    ``at`` is the time the status and validity were asked about (Unix seconds); ``checked_at``
    when the verification ran; ``chain_id`` and ``contract`` name the ledger it was checked
    against, ``trust`` what those answers rest on (None when the chain view does not say).
    ``certificate_id``, ``issuing_province`` and ``digest`` are None when the file could not be
    read.
    """

    verdict: Verdict
    checks: tuple[CheckResult, ...]
    at: int
    checked_at: int
    chain_id: int | None
    contract: str | None
    certificate_id: str | None = None
    issuing_province: int | None = None
    digest: str | None = None
    trust: Trust | None = None

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        """The checks that did not pass (INVALID or ERROR), in check order."""
        return tuple(c for c in self.checks if c.status in (CheckStatus.INVALID, CheckStatus.ERROR))

    def check(self, check_type: CheckType) -> CheckResult:
        """The result of the check of ``check_type``."""
        for result in self.checks:
            if result.type is check_type:
                return result
        raise KeyError(check_type)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "verdict": self.verdict.value,
            "certificate_id": self.certificate_id,
            "issuing_province": self.issuing_province,
            "digest": self.digest,
            "at": self.at,
            "checked_at": self.checked_at,
            "chain_id": self.chain_id,
            "contract": self.contract,
            "checks": [c.to_json() for c in self.checks],
            "trust": self.trust.to_json() if self.trust is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        """A report read back from :meth:`to_json`."""
        return cls(
            verdict=Verdict(data["verdict"]),
            checks=tuple(CheckResult.from_json(c) for c in data["checks"]),
            at=int(data["at"]),
            checked_at=int(data["checked_at"]),
            chain_id=data.get("chain_id"),
            contract=data.get("contract"),
            certificate_id=data.get("certificate_id"),
            issuing_province=data.get("issuing_province"),
            digest=data.get("digest"),
            trust=Trust.from_json(data["trust"]) if data.get("trust") else None,
        )
