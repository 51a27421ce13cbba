"""The library entry points: verify one sealed certificate, or thousands at once.

:func:`verify` reads the certificate (the format check), runs every check against the chain view
and gives the report with its verdict. :func:`verify_many` does the same for a batch but first
asks the chain, in bulk, everything the checks will ask (anchors, statuses, keys, provinces,
status histories), one JSON-RPC batch per thousand certificates instead of 5,000 calls.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from certificate.exceptions import CertificateError, CertificateJSONError, JSONLimitError
from certificate.json_input import read_json
from certificate.sealed_file import (
    SEALED_FORMAT,
    FullContent,
    SealedCertificate,
    parse_sealed,
    sealed_from_json,
)
from verifier.chain_view import (
    BulkChainView,
    ChainSnapshot,
    ChainView,
    FactsRequest,
    LedgerIdentity,
    UnavailableChain,
)
from verifier.checks import CHECKS, CheckContext, result
from verifier.exceptions import ChainUnavailableError
from verifier.reasons import Reason
from verifier.types import CheckResult, CheckStatus, CheckType, Report, Trust
from verifier.verdict import verdict

__all__ = ["SealedInput", "facts_for", "read_sealed", "verify", "verify_many"]

SealedInput = str | bytes | Mapping[str, Any] | SealedCertificate
"""A sealed certificate as file text or bytes, decoded JSON, or already parsed."""


def read_sealed(data: SealedInput) -> SealedCertificate | CheckResult:
    """The parsed certificate, or the INVALID format result saying why it cannot be read."""
    if isinstance(data, SealedCertificate):
        return data
    try:
        if isinstance(data, str | bytes):
            return parse_sealed(data)
        return sealed_from_json(data)
    except JSONLimitError as error:
        return result(
            CheckType.FORMAT, CheckStatus.INVALID, Reason.FORMAT_JSON_LIMIT, problem=str(error)
        )
    except CertificateJSONError as error:
        return result(
            CheckType.FORMAT, CheckStatus.INVALID, Reason.FORMAT_NOT_JSON, problem=str(error)
        )
    except CertificateError as error:
        version = _version_of(data)
        if version != SEALED_FORMAT:
            return result(
                CheckType.FORMAT,
                CheckStatus.INVALID,
                Reason.FORMAT_WRONG_VERSION,
                found=version,
                expected=SEALED_FORMAT,
            )
        return result(
            CheckType.FORMAT, CheckStatus.INVALID, Reason.FORMAT_SCHEMA, problem=str(error)
        )


def _version_of(data: str | bytes | Mapping[str, Any]) -> object:
    try:
        value = read_json(data) if isinstance(data, str | bytes) else data
    except CertificateJSONError:
        return None
    return value.get("version") if isinstance(value, Mapping) else None


def _format_passed(sealed: SealedCertificate) -> CheckResult:
    return result(
        CheckType.FORMAT,
        CheckStatus.VALID,
        Reason.OK,
        version=sealed.version,
        form="full" if isinstance(sealed.content, FullContent) else "disclosed",
        state=sealed.state.value,
    )


def _identity_or_none(chain: ChainView) -> LedgerIdentity | None:
    try:
        return chain.ledger()
    except ChainUnavailableError:
        return None


def _report(
    parsed: SealedCertificate | CheckResult,
    chain: ChainView,
    at: int,
    historic: bool,
    checked_at: int,
    identity: LedgerIdentity | None,
    trust: Trust | None,
) -> Report:
    report = functools.partial(
        Report,
        at=at,
        checked_at=checked_at,
        chain_id=identity.chain_id if identity else None,
        contract=identity.contract if identity else None,
        trust=trust,
    )
    if isinstance(parsed, CheckResult):
        skipped = [
            result(check_type, CheckStatus.SKIPPED, Reason.SKIPPED_FORMAT)
            for check_type, _ in CHECKS
        ]
        checks = (parsed, *skipped)
        return report(verdict=verdict(checks), checks=checks)
    context = CheckContext.of(parsed, chain, at, historic)
    checks = (_format_passed(parsed), *(check(context) for _, check in CHECKS))
    return report(
        verdict=verdict(checks),
        checks=checks,
        certificate_id=str(context.values.get("/identifier")),
        issuing_province=parsed.issuing_province,
        digest="0x" + parsed.digest.hex(),
    )


def verify(
    sealed: SealedInput, chain: ChainView, at: int | None = None, *, now: int | None = None
) -> Report:
    """Verify one sealed certificate against ``chain``.

    Args:
        sealed: the certificate (file text, bytes, decoded JSON or parsed).
        chain: the view of the ledger to check against.
        at: the time (Unix seconds) to ask status and validity about; None: now. A past time
            is answered from the status history as the chain knows it now.
        now: the current time (Unix seconds); defaults to the clock.

    Returns:
        The report; never raises for a bad certificate or an unreachable chain. A view that can
        prefetch (:class:`BulkChainView`) is asked everything in one round trip.
    """
    return verify_many([sealed], chain, at, now=now)[0]


def facts_for(certificates: Iterable[SealedCertificate], *, historic: bool) -> FactsRequest:
    """Everything the checks will ask the chain about these certificates."""
    key_ids: dict[bytes, None] = {}
    roots: dict[bytes, None] = {}
    provinces: dict[int, None] = {}
    statuses: dict[tuple[int, bytes], None] = {}
    histories: dict[tuple[int, bytes], None] = {}
    for sealed in certificates:
        key_ids[sealed.signature.key_id] = None
        provinces[sealed.issuing_province] = None
        key = (sealed.issuing_province, sealed.digest)
        statuses[key] = None
        if sealed.receipt is not None:
            roots[sealed.receipt.batch_root] = None
        if historic:
            histories[key] = None
    return FactsRequest(
        key_ids=list(key_ids),
        roots=list(roots),
        provinces=list(provinces),
        statuses=list(statuses),
        histories=list(histories),
    )


CHUNK = 1_000
"""Certificates verified per bulk fetch: one JSON-RPC batch for each chunk.

Only one chunk's parsed certificates (~14 KiB each, four times the file) are alive at a time,
so memory does not grow with the batch beyond its files and reports, and the garbage
collector's full passes, which visit every live object, stay short.
"""


def verify_many(
    sealed: Sequence[SealedInput],
    chain: ChainView,
    at: int | None = None,
    *,
    now: int | None = None,
) -> list[Report]:
    """Verify many certificates, fetching the chain's facts in bulk first when ``chain`` can.

    Same arguments and reports as :func:`verify`, one report per input in order. The facts are
    fetched once per :data:`CHUNK` certificates; if a fetch fails, every chain-dependent check
    of that chunk reports ERROR.
    """
    checked_at = int(time.time()) if now is None else now
    reports: list[Report] = []
    for start in range(0, len(sealed), CHUNK):
        reports += _verify_chunk(sealed[start : start + CHUNK], chain, at, checked_at)
    return reports


def _verify_chunk(
    sealed: Sequence[SealedInput], chain: ChainView, at: int | None, checked_at: int
) -> list[Report]:
    historic = at is not None
    when = checked_at if at is None else at
    parsed = [read_sealed(item) for item in sealed]
    view: ChainView = chain
    trust: Trust | None = None
    if isinstance(chain, BulkChainView):
        readable = [p for p in parsed if isinstance(p, SealedCertificate)]
        try:
            view = chain.snapshot(facts_for(readable, historic=historic))
        except ChainUnavailableError as error:
            view = UnavailableChain(error)
            trust = error.trust
    if isinstance(view, ChainSnapshot):
        trust = view.trust
    identity = _identity_or_none(view)
    return [_report(p, view, when, historic, checked_at, identity, trust) for p in parsed]
