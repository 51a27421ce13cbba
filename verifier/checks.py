"""The checks: each a pure function of the sealed certificate and what the chain view answers.

Every check is independent: it asks only the view and the certificate, and reports VALID,
INVALID (a definite failure), ERROR (the chain could not answer) or SKIPPED (it had nothing to
check against). A check never raises for a bad certificate or an unreachable chain; the only
chain failure it expects is :class:`~verifier.exceptions.ChainUnavailableError`, which becomes
ERROR.

What each check trusts: the cryptography, and the ledger contract's rules (only members anchor,
only a key's own province registers it, only the issuing province changes a status). Nothing
the issuing node says about the certificate beyond its signed content is taken on its word: the
receipt's claims are each compared with the chain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from certificate.exceptions import (
    CertificateError,
    CertificateFormatError,
)
from certificate.sealed_file import SealedCertificate
from certificate.types import SignatureAlgorithm
from certificate.verification import recompute_digest, verify_signature
from ledger.status_history import status_at
from ledger.types import AnchorRecord, CertificateState
from verifier.chain_view import ChainView
from verifier.exceptions import ChainDisagreementError, ChainUnavailableError
from verifier.reasons import Reason, describe, status_reason_words
from verifier.times import day_end, day_start, format_time
from verifier.types import CheckResult, CheckStatus, CheckType

__all__ = [
    "CHECKS",
    "CheckContext",
    "check_anchor",
    "check_integrity",
    "check_issuer_identity",
    "check_issuer_key",
    "check_signature",
    "check_status",
    "check_validity",
    "result",
]


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What every check receives: the parsed certificate, the chain, and the time asked about.

    ``at`` is the time status and validity are asked for (Unix seconds); ``historic`` says
    whether it was asked for explicitly (then status comes from the event history) or is now.
    ``values`` are the readable fields by path, in digest order (computed once, used by several
    checks).
    """

    sealed: SealedCertificate
    chain: ChainView
    at: int
    historic: bool
    values: Mapping[str, Any]

    @classmethod
    def of(
        cls, sealed: SealedCertificate, chain: ChainView, at: int, historic: bool
    ) -> CheckContext:
        """The context of ``sealed``, its readable fields flattened once."""
        return cls(sealed, chain, at, historic, sealed.disclosed_values())


Check = Callable[[CheckContext], CheckResult]

_NAMES: Mapping[CheckType, str] = {
    CheckType.FORMAT: "sealed_certificate_format",
    CheckType.INTEGRITY: "field_digest",
    CheckType.SIGNATURE: "issuer_signature",
    CheckType.ISSUER_KEY: "signing_key_on_chain",
    CheckType.ANCHOR: "batch_anchor",
    CheckType.STATUS: "revocation_status",
    CheckType.VALIDITY: "validity_period",
    CheckType.ISSUER_IDENTITY: "issuing_province_membership",
}


def result(check_type: CheckType, status: CheckStatus, reason: Reason, **data: Any) -> CheckResult:
    """A check result with its messages filled in from ``data``."""
    message, message_zh = describe(reason, data, check_type.value)
    return CheckResult(
        name=_NAMES[check_type],
        type=check_type,
        status=status,
        reason=reason,
        message=message,
        message_zh=message_zh,
        data=data,
    )


def _unavailable(check_type: CheckType, error: ChainUnavailableError) -> CheckResult:
    reason = Reason.CHAIN_UNAVAILABLE
    if isinstance(error, ChainDisagreementError):
        reason = Reason.CHAIN_DISAGREEMENT
    return result(check_type, CheckStatus.ERROR, reason, problem=str(error))


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


# --- integrity and signature: the cryptography alone ---------------------------------------------


def check_integrity(ctx: CheckContext) -> CheckResult:
    """The digest recomputed from the revealed fields and the withheld leaf hashes."""
    sealed = ctx.sealed
    try:
        computed = recompute_digest(sealed, values=ctx.values)  # flattened once, in ctx
    except CertificateFormatError as error:
        return result(
            CheckType.INTEGRITY, CheckStatus.INVALID, Reason.DIGEST_MISMATCH, problem=str(error)
        )
    if computed != sealed.digest:
        return result(
            CheckType.INTEGRITY,
            CheckStatus.INVALID,
            Reason.DIGEST_MISMATCH,
            stated=_hex(sealed.digest),
            computed=_hex(computed),
        )
    return result(CheckType.INTEGRITY, CheckStatus.VALID, Reason.OK, digest=_hex(computed))


def check_signature(ctx: CheckContext) -> CheckResult:
    """The signature over the digest, under the public key the chain holds for the key id."""
    sealed = ctx.sealed
    key_id = sealed.signature.key_id
    try:
        key = ctx.chain.signing_key(key_id)
    except ChainUnavailableError as error:
        return _unavailable(CheckType.SIGNATURE, error)
    if key is None:
        return result(
            CheckType.SIGNATURE,
            CheckStatus.INVALID,
            Reason.SIGNATURE_KEY_UNKNOWN,
            key_id=_hex(key_id),
        )
    algorithm = sealed.algorithm
    if key.algorithm != algorithm:
        return result(
            CheckType.SIGNATURE,
            CheckStatus.INVALID,
            Reason.SIGNATURE_ALGORITHM_MISMATCH,
            key_id=_hex(key_id),
            document_algorithm=algorithm.label,
            key_algorithm=_algorithm_label(key.algorithm),
        )
    try:
        verify_signature(sealed, key.public_key, algorithm)
    except CertificateError as error:
        return result(
            CheckType.SIGNATURE,
            CheckStatus.INVALID,
            Reason.SIGNATURE_INVALID,
            key_id=_hex(key_id),
            problem=str(error),
        )
    return result(
        CheckType.SIGNATURE,
        CheckStatus.VALID,
        Reason.OK,
        key_id=_hex(key_id),
        algorithm=algorithm.label,
    )


def _algorithm_label(code: int) -> str:
    try:
        return SignatureAlgorithm(code).label
    except ValueError:
        return f"algorithm code {code}"


# --- anchor, and the checks that need the anchor time --------------------------------------------


def _own_anchor(ctx: CheckContext) -> AnchorRecord | None:
    """The chain's anchor of the receipt's root if the issuing province anchored it, else None.

    Raises ChainUnavailableError. Whether the proof leads to that root is the anchor check's
    question; the others only need to know when the issuing province anchored the batch.
    """
    receipt = ctx.sealed.receipt
    if receipt is None:
        return None
    anchor = ctx.chain.anchor(receipt.batch_root)
    if anchor is None or anchor.province != ctx.sealed.issuing_province:
        return None
    return anchor


def check_anchor(ctx: CheckContext) -> CheckResult:
    """The inclusion proof leads to a root the issuing province anchored on the named ledger."""
    sealed = ctx.sealed
    receipt = sealed.receipt
    if receipt is None:
        return result(CheckType.ANCHOR, CheckStatus.INVALID, Reason.ANCHOR_NO_RECEIPT)
    try:
        ledger = ctx.chain.ledger()
    except ChainUnavailableError as error:
        return _unavailable(CheckType.ANCHOR, error)
    if receipt.chain_id != ledger.chain_id:
        return result(
            CheckType.ANCHOR,
            CheckStatus.ERROR,
            Reason.ANCHOR_WRONG_CHAIN,
            receipt_chain_id=receipt.chain_id,
            chain_id=ledger.chain_id,
        )
    if receipt.contract_address.lower() != ledger.contract.lower():
        return result(
            CheckType.ANCHOR,
            CheckStatus.ERROR,
            Reason.ANCHOR_WRONG_CONTRACT,
            receipt_contract=receipt.contract_address,
            contract=ledger.contract,
        )
    root = receipt.batch_root
    try:
        receipt.verify_proof(sealed.digest)
    except CertificateError as error:
        return result(
            CheckType.ANCHOR,
            CheckStatus.INVALID,
            Reason.ANCHOR_PROOF_INVALID,
            batch_root=_hex(root),
            problem=str(error),
        )
    try:
        anchor = ctx.chain.anchor(root)
    except ChainUnavailableError as error:
        return _unavailable(CheckType.ANCHOR, error)
    if anchor is None:
        return result(
            CheckType.ANCHOR,
            CheckStatus.INVALID,
            Reason.ANCHOR_ROOT_NOT_ANCHORED,
            batch_root=_hex(root),
        )
    if anchor.province != sealed.issuing_province:
        return result(
            CheckType.ANCHOR,
            CheckStatus.INVALID,
            Reason.ANCHOR_OTHER_PROVINCE,
            batch_root=_hex(root),
            anchor_province=anchor.province,
            province=sealed.issuing_province,
        )
    if anchor.block_number != receipt.block_number or anchor.count != receipt.tree_size:
        return result(
            CheckType.ANCHOR,
            CheckStatus.INVALID,
            Reason.ANCHOR_RECEIPT_MISMATCH,
            batch_root=_hex(root),
            receipt_block=receipt.block_number,
            block_number=anchor.block_number,
            receipt_tree_size=receipt.tree_size,
            anchored_count=anchor.count,
        )
    return result(
        CheckType.ANCHOR,
        CheckStatus.VALID,
        Reason.OK,
        batch_root=_hex(root),
        block_number=anchor.block_number,
        anchored_at=anchor.anchored_at,
        anchored_at_text=format_time(anchor.anchored_at),
        transaction_hash=_hex(receipt.transaction_hash),
    )


def check_issuer_key(ctx: CheckContext) -> CheckResult:
    """The key is the issuing province's and was inside its window when the batch was anchored.

    The window on chain already reflects a revocation as compromised (it closes at the
    compromise time), so a key revoked after the anchor leaves earlier certificates valid.
    """
    sealed = ctx.sealed
    key_id = sealed.signature.key_id
    try:
        key = ctx.chain.signing_key(key_id)
        anchor = _own_anchor(ctx) if key is not None else None
    except ChainUnavailableError as error:
        return _unavailable(CheckType.ISSUER_KEY, error)
    if key is None:
        return result(
            CheckType.ISSUER_KEY, CheckStatus.INVALID, Reason.KEY_UNKNOWN, key_id=_hex(key_id)
        )
    facts: dict[str, Any] = {
        "key_id": _hex(key_id),
        "key_province": key.province,
        "province": sealed.issuing_province,
        "valid_from": key.valid_from,
        "valid_until": key.valid_until,
        "revoked": key.revoked,
    }
    if key.province != sealed.issuing_province:
        return result(CheckType.ISSUER_KEY, CheckStatus.INVALID, Reason.KEY_OTHER_PROVINCE, **facts)
    if anchor is None:
        return result(CheckType.ISSUER_KEY, CheckStatus.SKIPPED, Reason.KEY_NEEDS_ANCHOR, **facts)
    when = anchor.anchored_at
    facts["anchored_at"] = when
    if when < key.valid_from:
        return result(
            CheckType.ISSUER_KEY, CheckStatus.INVALID, Reason.KEY_NOT_YET_REGISTERED, **facts
        )
    if key.valid_until is not None and when >= key.valid_until:
        reason = (
            Reason.KEY_REVOKED_BEFORE_ANCHOR if key.revoked else Reason.KEY_CLOSED_BEFORE_ANCHOR
        )
        return result(CheckType.ISSUER_KEY, CheckStatus.INVALID, reason, **facts)
    return result(CheckType.ISSUER_KEY, CheckStatus.VALID, Reason.OK, **facts)


# --- status, validity, membership ----------------------------------------------------------------


def check_status(ctx: CheckContext) -> CheckResult:
    """Not revoked or suspended now, or at the time asked (from the StatusChanged history)."""
    sealed = ctx.sealed
    province, digest = sealed.issuing_province, sealed.digest
    try:
        current = ctx.chain.status(province, digest)
        if not ctx.historic or current.changes == 0:
            state, reason, effective = current.state, current.reason, current.effective_at
        else:
            anchor = _own_anchor(ctx)
            history = ctx.chain.status_history(
                province, digest, anchor.block_number if anchor is not None else 0
            )
            found = status_at(history, ctx.at)
            state = found.state
            reason = found.change.reason if found.change is not None else 0
            effective = found.change.effective_at if found.change is not None else 0
    except ChainUnavailableError as error:
        return _unavailable(CheckType.STATUS, error)
    words, words_zh = status_reason_words(reason)
    data: dict[str, Any] = {
        "state": state.name.lower(),
        "status_reason_code": reason,
        "status_reason": words,
        "status_reason_zh": words_zh,
        "effective_at": effective or None,
        "when": format_time(effective) if effective else "",
        "at": ctx.at,
        "changes": current.changes,
    }
    if state is CertificateState.REVOKED:
        return result(CheckType.STATUS, CheckStatus.INVALID, Reason.STATUS_REVOKED, **data)
    if state is CertificateState.SUSPENDED:
        return result(CheckType.STATUS, CheckStatus.INVALID, Reason.STATUS_SUSPENDED, **data)
    if effective:
        return result(CheckType.STATUS, CheckStatus.VALID, Reason.STATUS_REINSTATED, **data)
    return result(CheckType.STATUS, CheckStatus.VALID, Reason.OK, **data)


def check_validity(ctx: CheckContext) -> CheckResult:
    """Inside validFrom (00:00) to validUntil (24:00), China time, at the time asked."""
    values = ctx.values
    valid_from, valid_until = values["/valid_from"], values["/valid_until"]
    data = {"valid_from": valid_from, "valid_until": valid_until or "(no end)", "at": ctx.at}
    try:
        start = day_start(date.fromisoformat(str(valid_from)))
        end = day_end(date.fromisoformat(str(valid_until))) if valid_until is not None else None
    except ValueError:
        return result(CheckType.VALIDITY, CheckStatus.INVALID, Reason.VALIDITY_UNREADABLE, **data)
    if ctx.at < start:
        return result(
            CheckType.VALIDITY, CheckStatus.INVALID, Reason.VALIDITY_NOT_YET_VALID, **data
        )
    if end is not None and ctx.at >= end:
        return result(CheckType.VALIDITY, CheckStatus.INVALID, Reason.VALIDITY_EXPIRED, **data)
    return result(CheckType.VALIDITY, CheckStatus.VALID, Reason.OK, **data)


def check_issuer_identity(ctx: CheckContext) -> CheckResult:
    """The issuing province is a current member.

    That it was one when the batch was anchored needs no further question: the contract lets
    only members anchor, so a root anchored by the province (the anchor check) proves it.
    """
    code = ctx.sealed.issuing_province
    try:
        province = ctx.chain.province(code)
    except ChainUnavailableError as error:
        return _unavailable(CheckType.ISSUER_IDENTITY, error)
    if province is None:
        return result(
            CheckType.ISSUER_IDENTITY, CheckStatus.INVALID, Reason.PROVINCE_UNKNOWN, province=code
        )
    data = {
        "province": code,
        "account": province.account,
        "endpoint": province.endpoint,
        "joined_at": province.joined_at,
    }
    if not province.member:
        return result(
            CheckType.ISSUER_IDENTITY, CheckStatus.INVALID, Reason.PROVINCE_NOT_MEMBER, **data
        )
    return result(CheckType.ISSUER_IDENTITY, CheckStatus.VALID, Reason.OK, **data)


CHECKS: tuple[tuple[CheckType, Check], ...] = (
    (CheckType.INTEGRITY, check_integrity),
    (CheckType.SIGNATURE, check_signature),
    (CheckType.ISSUER_KEY, check_issuer_key),
    (CheckType.ANCHOR, check_anchor),
    (CheckType.STATUS, check_status),
    (CheckType.VALIDITY, check_validity),
    (CheckType.ISSUER_IDENTITY, check_issuer_identity),
)
"""The checks run on every readable certificate, in report order (after the format check)."""
