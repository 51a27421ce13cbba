"""Cross-check a province's store against the rebuilt ledger, through the node's auditor API.

The store is the province's own database; the auditor trusts it no more than the chain's views.
Through ``GET /audit/certificates`` it receives every stored certificate with no field disclosed
(leaf hashes only: no personal data, yet enough to recompute the digest) and checks that:

* the leaf hashes still hash to the certificate's digest and the receipt's inclusion proof puts
  that digest under a batch root the *rebuilt* history says this province anchored, in the
  transaction and block the receipt names (``store_certificate_anchored``);
* the signature verifies with the key the province registered on chain, and that key's window
  contained the batch's anchoring time (``keys_registered_before_use``,
  ``keys_used_inside_window``);
* the store's status equals the replayed status history (``store_status_matches_chain``).

Through ``GET /audit/access-log`` it recomputes the hash chain ``SHA-256(prev ‖ JCS(entry))``
(``access_log_chain_intact``) and the RFC 6962 root over the entry hashes at every head the
province anchored on chain, and checks the node's consistency proofs between those heads
(``access_log_heads_match``).

The HTTP client is injected (``httpx2.Client``: a real one from :meth:`StoreClient.connect`, or a
test client over the node's ASGI app).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx2

from audit.exceptions import AuditStoreAnswerError, AuditStoreError
from audit.state import LedgerState
from audit.types import Invariant, Violation
from certificate.canonical import canonicalize
from certificate.exceptions import CertificateError, CertificateJSONError
from certificate.json_input import read_json
from certificate.merkle import MerkleTree, verify_consistency
from certificate.sealed_file import SealedCertificate, sealed_from_json
from certificate.types import SignatureAlgorithm
from certificate.verification import verify_digest, verify_receipt, verify_signature
from ledger.deploy import Deployment
from ledger.types import CertificateState

__all__ = ["PAGE_SIZE", "StoreClient", "StoreReport", "check_store"]

PAGE_SIZE = 500
"""Certificates or log entries per auditor-API request."""

_STATES = {"active": CertificateState.ACTIVE, "suspended": CertificateState.SUSPENDED,
           "revoked": CertificateState.REVOKED}  # fmt: skip
_GENESIS = bytes(32)


class StoreClient:
    """Reads one province node's auditor API (role ``auditor``)."""

    def __init__(self, http: httpx2.Client) -> None:
        self.http = http

    @classmethod
    def connect(cls, url: str, token: str, *, timeout: float = 30.0) -> StoreClient:
        """A client for the node at ``url`` with bearer ``token``."""
        headers = {"Authorization": f"Bearer {token}"}
        return cls(httpx2.Client(base_url=url, headers=headers, timeout=timeout))

    def _get(self, path: str, params: Mapping[str, int]) -> dict[str, Any]:
        try:
            response = self.http.get(path, params=dict(params))
        except httpx2.HTTPError as error:
            raise AuditStoreError(f"the store's auditor API does not answer: {error}") from error
        if response.status_code != 200:
            raise AuditStoreError(
                f"GET {path} answered HTTP {response.status_code}: {response.text[:300]}",
                response.status_code,
            )
        try:
            body = read_json(response.content)
        except CertificateJSONError as error:
            raise AuditStoreAnswerError(f"GET {path} did not answer JSON") from error
        if not isinstance(body, dict):
            raise AuditStoreAnswerError(f"GET {path} did not answer a JSON object")
        return body

    def certificates(self, page_size: int = PAGE_SIZE) -> tuple[int, Iterator[dict[str, Any]]]:
        """The store's province code and an iterator over every stored certificate's item."""
        first = self._get("/audit/certificates", {"offset": 0, "limit": page_size})
        province = _field(first, "province", int)

        def items() -> Iterator[dict[str, Any]]:
            page, offset = first, 0
            while True:
                batch = _field(page, "items", list)
                yield from batch
                offset += len(batch)
                if not batch or offset >= _field(page, "total", int):
                    return
                page = self._get("/audit/certificates", {"offset": offset, "limit": page_size})

        return province, items()

    def access_log(self, page_size: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], list[Any]]:
        """Every access-log entry, in index order, and the heads the node says it anchored."""
        first = self._get("/audit/access-log", {"start": 0, "end": page_size})
        size = _field(first, "size", int)
        entries = list(_field(first, "entries", list))
        while len(entries) < size:
            page = self._get(
                "/audit/access-log", {"start": len(entries), "end": len(entries) + page_size}
            )
            more = _field(page, "entries", list)
            if not more:
                break
            entries += more
        return entries, _field(first, "heads", list)

    def consistency(self, first: int, second: int) -> list[bytes]:
        """The node's RFC 6962 consistency proof between two tree sizes."""
        body = self._get("/audit/access-log/consistency", {"first": first, "second": second})
        return [_hex(h, "proof hash") for h in _field(body, "proof", list)]


@dataclass(slots=True)
class StoreReport:
    """What the store cross-check read and what it found."""

    province: int
    certificates: int = 0
    anchored: int = 0
    log_entries: int = 0
    heads_checked: int = 0
    violations: list[Violation] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "province": self.province,
            "certificates": self.certificates,
            "anchored": self.anchored,
            "log_entries": self.log_entries,
            "heads_checked": self.heads_checked,
            "violations": [v.to_json() for v in self.violations],
        }


def check_store(store: StoreClient, state: LedgerState, deployment: Deployment) -> StoreReport:
    """Cross-check one province's store with the rebuilt ``state`` of ``deployment``.

    Raises:
        AuditStoreError: the auditor API cannot be read or answers in another shape.
    """
    province, items = store.certificates()
    report = StoreReport(province)
    for item in items:
        report.certificates += 1
        report.violations += _check_certificate(item, province, state, deployment, report)
    entries, _ = store.access_log()
    report.log_entries = len(entries)
    hashes, found = _check_chain(entries)
    report.violations += found
    report.violations += _check_heads(store, state, province, hashes, report)
    return report


def _check_certificate(
    item: Any, province: int, state: LedgerState, deployment: Deployment, report: StoreReport
) -> list[Violation]:
    if not isinstance(item, dict):
        raise AuditStoreAnswerError("a certificates item is not an object")
    subject = f"certificate {item.get('certificate_id')}"

    def violation(invariant: Invariant, message: str) -> Violation:
        return Violation(invariant, message, subject=subject)

    try:
        sealed = sealed_from_json(_field(item, "sealed", dict))
        verify_digest(sealed)
    except CertificateError as error:
        return [violation(Invariant.STORE_CERTIFICATE_ANCHORED, str(error))]
    found = [violation(i, m) for i, m in _status_problems(item, sealed, state, province)]
    if sealed.issuing_province != province:
        found.append(
            violation(
                Invariant.STORE_CERTIFICATE_ANCHORED,
                f"stored by {province} but issued by {sealed.issuing_province}",
            )
        )
    if sealed.receipt is None:
        return found  # not anchored yet: nothing on chain to hold it to
    report.anchored += 1
    found += [violation(i, m) for i, m in _anchor_problems(sealed, state, deployment, province)]
    return found


def _anchor_problems(
    sealed: SealedCertificate, state: LedgerState, deployment: Deployment, province: int
) -> list[tuple[Invariant, str]]:
    receipt = sealed.receipt
    assert receipt is not None
    anchored = Invariant.STORE_CERTIFICATE_ANCHORED
    try:
        verify_receipt(sealed)
    except CertificateError as error:
        return [(anchored, str(error))]
    anchor = state.anchors.get(receipt.batch_root)
    if anchor is None or anchor.province != province:
        owner = "nobody" if anchor is None else str(anchor.province)
        return [(anchored, f"batch root 0x{receipt.batch_root.hex()} was anchored by {owner}")]
    problems = []
    if receipt.tree_size != anchor.count:
        problems.append((anchored, f"batch of {receipt.tree_size}, anchored with {anchor.count}"))
    if (receipt.transaction_hash, receipt.block_number) != (
        anchor.transaction_hash,
        anchor.block_number,
    ):
        problems.append((anchored, "the receipt names another transaction than the anchor's"))
    if (receipt.chain_id, receipt.contract_address.lower()) != (
        deployment.chain_id,
        deployment.address.lower(),
    ):
        problems.append((anchored, "the receipt names another chain or contract"))
    key = state.keys.get(sealed.signature.key_id)
    if key is None or key.province != province:
        problems.append(
            (
                Invariant.KEYS_REGISTERED_BEFORE_USE,
                f"signed with key 0x{sealed.signature.key_id.hex()}, not registered by {province}",
            )
        )
        return problems
    if not key.active_at(anchor.anchored_at):
        problems.append(
            (
                Invariant.KEYS_USED_INSIDE_WINDOW,
                f"key 0x{key.key_id.hex()} was not active when the batch was anchored "
                f"({anchor.anchored_at})",
            )
        )
    try:
        verify_signature(sealed, key.public_key, SignatureAlgorithm(key.algorithm))
    except (CertificateError, ValueError) as error:
        problems.append((anchored, f"signature: {error}"))
    return problems


def _status_problems(
    item: Mapping[str, Any], sealed: SealedCertificate, state: LedgerState, province: int
) -> list[tuple[Invariant, str]]:
    stored = _STATES.get(str(item.get("state")))
    if stored is None:
        raise AuditStoreAnswerError(f"unknown certificate state {item.get('state')!r}")
    history = state.statuses.get((province, bytes(sealed.digest)))
    last = history.changes[-1] if history is not None and history.changes else None
    chain = (
        (last.state, last.reason, last.effective_at)
        if last is not None
        else (CertificateState.ACTIVE, None, None)
    )
    store = (stored, item.get("reason"), item.get("effective_at"))
    if store == chain:
        return []
    return [
        (
            Invariant.STORE_STATUS_MATCHES_CHAIN,
            f"the store says {stored.name} (reason {store[1]}, effective {store[2]}), the chain "
            f"says {chain[0].name} (reason {chain[1]}, effective {chain[2]})",
        )
    ]


def _check_chain(entries: list[dict[str, Any]]) -> tuple[list[bytes], list[Violation]]:
    """The entries' stated hashes, and where the hash chain breaks.

    Each entry must link to the stated hash of the one before it and hash, with that link, to its
    own stated hash; judging each link on its own names the edited or missing entry instead of
    every entry after it. The heads are then checked over the stated hashes.
    """
    hashes: list[bytes] = []
    found: list[Violation] = []
    prev = _GENESIS
    for position, item in enumerate(entries):
        index = _field(item, "index", int)
        subject = f"access-log entry {index}"
        stated_prev = _hex(item.get("prev_hash"), "prev_hash")
        stated = _hex(item.get("hash"), "hash")
        computed = hashlib.sha256(stated_prev + canonicalize(_field(item, "entry", dict))).digest()
        problems = []
        if index != position:
            problems.append(f"is at position {position}: entries before it are missing")
        if stated_prev != prev:
            problems.append("does not link to the entry before it")
        if stated != computed:
            problems.append("does not hash to its stated hash: it was edited")
        found += [
            Violation(Invariant.ACCESS_LOG_CHAIN_INTACT, f"{subject} {p}", subject=subject)
            for p in problems
        ]
        hashes.append(stated)
        prev = stated
    return hashes, found


def _check_heads(
    store: StoreClient, state: LedgerState, province: int, hashes: list[bytes], report: StoreReport
) -> list[Violation]:
    """Each head the province anchored must be the root of the log's first ``size`` entries,
    and the node's consistency proofs must link consecutive heads."""
    tree = MerkleTree.from_entries(hashes)  # RFC 6962 leaves: H(0x00 ‖ entry hash)
    found: list[Violation] = []
    previous = None
    for head in state.log_heads.get(province, []):
        report.heads_checked += 1
        evidence = (head.event(),)
        if head.size > len(hashes):
            found.append(
                Violation(
                    Invariant.ACCESS_LOG_HEADS_MATCH,
                    f"a head of {head.size} entries is anchored, the store holds {len(hashes)}",
                    evidence,
                )
            )
            continue
        if tree.root_at(head.size) != head.root:
            found.append(
                Violation(
                    Invariant.ACCESS_LOG_HEADS_MATCH,
                    f"the store's first {head.size} entries do not give the anchored root "
                    f"0x{head.root.hex()}",
                    evidence,
                )
            )
        elif previous is not None:
            proof = store.consistency(previous.size, head.size)
            try:
                verify_consistency(previous.size, head.size, proof, previous.root, head.root)
            except CertificateError as error:
                found.append(
                    Violation(
                        Invariant.ACCESS_LOG_HEADS_MATCH,
                        f"the node's consistency proof {previous.size}→{head.size}: {error}",
                        (previous.event(), head.event()),
                    )
                )
        previous = head
    return found


def _field(body: Mapping[str, Any], name: str, kind: type[Any]) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise AuditStoreAnswerError(f"the auditor API's {name!r} is not a {kind.__name__}")
    return value


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise AuditStoreAnswerError(f"the auditor API's {what} is not a hex string")
    text = value[2:] if value.startswith("0x") else value
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise AuditStoreAnswerError(f"the auditor API's {what} is not hex: {value!r}") from None
