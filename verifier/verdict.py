"""The one function that turns check results into a verdict.

VALID only if every required check type has a VALID result and no result is INVALID or ERROR;
INVALID on any definite failure (even if another check could not be answered: a definite "no"
outranks "could not tell"); ERROR otherwise. So a missing or SKIPPED required check can never
yield VALID.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from verifier.types import CheckResult, CheckStatus, CheckType, Verdict

__all__ = ["REQUIRED_CHECKS", "verdict"]

REQUIRED_CHECKS: frozenset[CheckType] = frozenset(CheckType)
"""Every check type is required: a certificate is VALID only if all of them say so."""


def verdict(
    results: Iterable[CheckResult], required: Collection[CheckType] = REQUIRED_CHECKS
) -> Verdict:
    """The verdict on a certificate from its check results."""
    results = list(results)
    statuses = {r.status for r in results}
    if CheckStatus.INVALID in statuses:
        return Verdict.INVALID
    passed = {r.type for r in results if r.status is CheckStatus.VALID}
    if CheckStatus.ERROR in statuses or not set(required) <= passed:
        return Verdict.ERROR
    return Verdict.VALID
