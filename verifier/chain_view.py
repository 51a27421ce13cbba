"""What the checks may ask the chain, and the two ways of answering: live and prefetched.

The checks are pure (Trillian style): they receive a :class:`ChainView` and never touch a network
client. :class:`Web3ChainView` answers over JSON-RPC from one ``HurenLedger`` deployment;
:class:`ChainSnapshot` answers from memory, filled by :meth:`Web3ChainView.snapshot` for a whole
batch of certificates in a handful of calls (``anchorsOf``, ``statusesOf`` per province, one key
read per distinct key, one filtered log query for status histories), or built by hand in tests.

Every failure to get an answer raises :class:`~verifier.exceptions.ChainUnavailableError`, which
the checks turn into ERROR, never into INVALID or VALID.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from ledger.artifact import CONTRACT_NAME, load_artifact
from ledger.calls import LedgerCalls
from ledger.chain import RpcCall, RpcClient
from ledger.deploy import Deployment
from ledger.events import EventDecoder
from ledger.exceptions import LedgerAnswerError, LedgerError
from ledger.quorum import public_url
from ledger.status_history import StatusChange
from ledger.types import (
    AnchorRecord,
    CertificateState,
    ProvinceRecord,
    SigningKeyRecord,
    StatusRecord,
)
from verifier.exceptions import ChainUnavailableError
from verifier.status_logs import StatusKey, read_status_changes
from verifier.ttl_cache import TtlCache
from verifier.types import BlockSource, Trust

if TYPE_CHECKING:  # the view reads through the raw client: web3.py is not imported to verify
    from web3 import Web3

__all__ = [
    "BulkChainView",
    "ChainSnapshot",
    "ChainView",
    "FactsRequest",
    "LedgerIdentity",
    "StatusKey",
    "UnavailableChain",
    "Web3ChainView",
]

T = TypeVar("T")

_CHUNK = 1000
"""Roots or digests per bulk ``eth_call`` (about 32 KB of call data)."""


@dataclass(frozen=True, slots=True)
class LedgerIdentity:
    """Which ledger a view answers for: the chain id and the contract address (checksummed)."""

    chain_id: int
    contract: str


class ChainView(Protocol):
    """The facts about one ledger the checks need; each method raises
    :class:`ChainUnavailableError` when it cannot answer."""

    def ledger(self) -> LedgerIdentity:
        """The chain and contract this view reads."""
        ...

    def signing_key(self, key_id: bytes) -> SigningKeyRecord | None:
        """A registered signing key, or None if no key has this id."""
        ...

    def anchor(self, root: bytes) -> AnchorRecord | None:
        """The anchor of a batch root, or None if it was never anchored."""
        ...

    def province(self, code: int) -> ProvinceRecord | None:
        """A province's record, or None if it never was a member."""
        ...

    def status(self, province: int, digest: bytes) -> StatusRecord:
        """A certificate's current status."""
        ...

    def status_history(self, province: int, digest: bytes, from_block: int) -> list[StatusChange]:
        """Every status change of a certificate since block ``from_block``, in chain order."""
        ...


@dataclass(frozen=True, slots=True)
class FactsRequest:
    """Everything a batch of verifications will ask, to be fetched in bulk.

    ``histories`` names the certificates whose status history is wanted; it is fetched only for
    those whose status shows they ever changed.
    """

    key_ids: Collection[bytes] = ()
    roots: Collection[bytes] = ()
    provinces: Collection[int] = ()
    statuses: Collection[StatusKey] = ()
    histories: Collection[StatusKey] = ()


@runtime_checkable
class BulkChainView(ChainView, Protocol):
    """A view that can prefetch a batch's facts into a :class:`ChainSnapshot`."""

    def snapshot(self, request: FactsRequest) -> ChainSnapshot:
        """The answers to ``request``, fetched in a few calls."""
        ...


class ChainSnapshot:
    """A :class:`ChainView` answering from memory.

    A question the snapshot was not filled for is passed to ``fallback`` when one is given (a
    batch asks the live view for what it did not foresee), else answered as "not on chain".
    ``trust`` says what the answers rest on (for the reports), when the view that filled the
    snapshot says.
    """

    def __init__(
        self,
        identity: LedgerIdentity,
        *,
        keys: Mapping[bytes, SigningKeyRecord | None] | None = None,
        anchors: Mapping[bytes, AnchorRecord | None] | None = None,
        provinces: Mapping[int, ProvinceRecord | None] | None = None,
        statuses: Mapping[StatusKey, StatusRecord] | None = None,
        histories: Mapping[StatusKey, Sequence[StatusChange]] | None = None,
        fallback: ChainView | None = None,
        trust: Trust | None = None,
    ) -> None:
        self._identity = identity
        self.trust = trust
        self.keys: dict[bytes, SigningKeyRecord | None] = dict(keys or {})
        self.anchors: dict[bytes, AnchorRecord | None] = dict(anchors or {})
        self.provinces: dict[int, ProvinceRecord | None] = dict(provinces or {})
        self.statuses: dict[StatusKey, StatusRecord] = dict(statuses or {})
        self.histories: dict[StatusKey, list[StatusChange]] = {
            k: list(v) for k, v in (histories or {}).items()
        }
        self._fallback = fallback

    def ledger(self) -> LedgerIdentity:
        return self._identity

    def signing_key(self, key_id: bytes) -> SigningKeyRecord | None:
        if key_id in self.keys or self._fallback is None:
            return self.keys.get(key_id)
        return self._fallback.signing_key(key_id)

    def anchor(self, root: bytes) -> AnchorRecord | None:
        if root in self.anchors or self._fallback is None:
            return self.anchors.get(root)
        return self._fallback.anchor(root)

    def province(self, code: int) -> ProvinceRecord | None:
        if code in self.provinces or self._fallback is None:
            return self.provinces.get(code)
        return self._fallback.province(code)

    def status(self, province: int, digest: bytes) -> StatusRecord:
        found = self.statuses.get((province, digest))
        if found is not None:
            return found
        if self._fallback is not None:
            return self._fallback.status(province, digest)
        return _NEVER_CHANGED

    def status_history(self, province: int, digest: bytes, from_block: int) -> list[StatusChange]:
        key = (province, digest)
        if key in self.histories or self._fallback is None:
            return [c for c in self.histories.get(key, ()) if c.block_number >= from_block]
        return self._fallback.status_history(province, digest, from_block)


_NEVER_CHANGED = StatusRecord(
    state=CertificateState.ACTIVE, reason=0, effective_at=0, recorded_at=0, changes=0
)


class UnavailableChain:
    """A :class:`ChainView` that cannot answer anything: the chain could not be reached.

    Every question raises the error it was built with, so every check that needs the chain
    reports ERROR with that cause while the others (format, integrity, validity) still run.
    """

    def __init__(self, error: ChainUnavailableError) -> None:
        self.error = error

    def ledger(self) -> LedgerIdentity:
        raise self.error

    def signing_key(self, key_id: bytes) -> SigningKeyRecord | None:
        raise self.error

    def anchor(self, root: bytes) -> AnchorRecord | None:
        raise self.error

    def province(self, code: int) -> ProvinceRecord | None:
        raise self.error

    def status(self, province: int, digest: bytes) -> StatusRecord:
        raise self.error

    def status_history(self, province: int, digest: bytes, from_block: int) -> list[StatusChange]:
        raise self.error


@contextmanager
def _answering(what: str) -> Iterator[None]:
    """Turn every way a chain read can fail into :class:`ChainUnavailableError`."""
    try:
        yield
    except LedgerAnswerError as error:  # a view call's answer that does not decode
        raise ChainUnavailableError(f"unreadable answer reading {what}: {error}") from error
    except (OSError, LedgerError) as error:
        problem = f"could not read {what}: {type(error).__name__}: {error}"
        raise ChainUnavailableError(problem) from error
    except (ValueError, TypeError, KeyError) as error:  # a malformed answer from the node
        raise ChainUnavailableError(f"unreadable answer reading {what}: {error}") from error


class Web3ChainView:
    """A :class:`ChainView` over one ``HurenLedger`` deployment, read through raw JSON-RPC.

    Reads are the ledger's view calls (:mod:`ledger.calls`) sent as plain ``eth_call``s;
    :meth:`snapshot` sends all of a batch's reads as one JSON-RPC batch. Status is never
    cached. A found anchor never changes, so it is kept; signing keys and province records can
    change (a key revoked as compromised, a member removed), so they are kept only
    ``cache_ttl`` seconds (0 disables): a verification may see such a change that much later.
    Status histories are read with ``eth_getLogs`` over explicit block ranges, never before
    ``from_block`` (the deployment's block) and never before the certificate's anchor block
    when a check names it, ``log_page_blocks`` blocks per request.

    Every answer is the endpoint's word, at its latest block: no quorum, no state proof (the
    snapshots' trust section says so). :class:`~verifier.quorum_view.QuorumChainView` reads the
    same facts with proofs, from one or several endpoints.
    """

    def __init__(
        self,
        rpc: RpcClient,
        address: str,
        *,
        from_block: int = 0,
        cache_ttl: float = 5.0,
        log_page_blocks: int = 10_000,
    ) -> None:
        self.rpc = rpc
        self.from_block = from_block
        abi = load_artifact(CONTRACT_NAME).abi
        self._calls = LedgerCalls(address, abi)
        self._decoder = EventDecoder(abi)
        self._page = log_page_blocks
        self._identity: LedgerIdentity | None = None
        self._anchors: dict[bytes, AnchorRecord] = {}
        self._keys = TtlCache(cache_ttl)
        self._provinces = TtlCache(cache_ttl)

    @classmethod
    def for_deployment(cls, w3: Web3, deployment: Deployment, **options: Any) -> Web3ChainView:
        """A view of ``deployment`` at ``w3``'s endpoint (which need not be reachable yet)."""
        return cls(
            RpcClient.for_web3(w3),
            deployment.address,
            from_block=deployment.block_number,
            **options,
        )

    @property
    def address(self) -> str:
        """The ledger contract's address (checksummed)."""
        return self._calls.address

    def ledger(self) -> LedgerIdentity:
        if self._identity is None:
            with _answering("the chain id"):
                chain_id = int(self.rpc.call("eth_chainId"), 16)
            self._identity = LedgerIdentity(chain_id, self._calls.address)
        return self._identity

    def signing_key(self, key_id: bytes) -> SigningKeyRecord | None:
        def load() -> SigningKeyRecord | None:
            with _answering(f"signing key 0x{key_id.hex()}"):
                call = self._calls.signing_key(key_id)
                return call.decode(self.rpc.call(*call.request()))

        return self._keys.get(key_id, load)

    def anchor(self, root: bytes) -> AnchorRecord | None:
        found = self._anchors.get(root)
        if found is not None:
            return found
        with _answering(f"the anchor of root 0x{root.hex()}"):
            call = self._calls.anchors_of([root])
            (record,) = call.decode(self.rpc.call(*call.request()))
        if record is not None:
            self._anchors[root] = record
        return record

    def province(self, code: int) -> ProvinceRecord | None:
        def load() -> ProvinceRecord | None:
            with _answering(f"province {code}"):
                call = self._calls.province(code)
                return call.decode(self.rpc.call(*call.request()))

        return self._provinces.get(code, load)

    def status(self, province: int, digest: bytes) -> StatusRecord:
        with _answering(f"the status of certificate 0x{digest.hex()}"):
            call = self._calls.statuses_of(province, [digest])
            (record,) = call.decode(self.rpc.call(*call.request()))
        return record

    def status_history(self, province: int, digest: bytes, from_block: int) -> list[StatusChange]:
        changes = self._status_changes([province], [digest], from_block)
        return changes.get((province, digest), [])

    def snapshot(self, request: FactsRequest) -> ChainSnapshot:
        """Everything ``request`` names, in one JSON-RPC batch (plus one log query when status
        histories are asked for and some certificate ever changed status); the snapshot falls
        back to this view for anything else."""
        self.ledger()
        now = time.monotonic()
        roots = [r for r in dict.fromkeys(request.roots) if r not in self._anchors]
        keys: dict[bytes, SigningKeyRecord | None] = self._keys.fresh(request.key_ids, now)
        provinces: dict[int, ProvinceRecord | None] = self._provinces.fresh(request.provinces, now)
        key_ids = [k for k in dict.fromkeys(request.key_ids) if k not in keys]
        codes = [c for c in dict.fromkeys(request.provinces) if c not in provinces]
        by_province: dict[int, list[bytes]] = {}
        for code, digest in dict.fromkeys(request.statuses):
            by_province.setdefault(code, []).append(digest)
        root_chunks = [(chunk, self._calls.anchors_of(chunk)) for chunk in _chunks(roots, _CHUNK)]
        status_chunks = [
            (code, chunk, self._calls.statuses_of(code, chunk))
            for code, digests in by_province.items()
            for chunk in _chunks(digests, _CHUNK)
        ]
        key_calls = [(k, self._calls.signing_key(k)) for k in key_ids]
        province_calls = [(c, self._calls.province(c)) for c in codes]
        calls: list[RpcCall] = [
            *(call.request() for _, call in root_chunks),
            *(call.request() for _, _, call in status_chunks),
            *(call.request() for _, call in key_calls),
            *(call.request() for _, call in province_calls),
        ]
        with _answering(f"{len(calls)} ledger reads"):
            answers = iter(self.rpc.batch(calls) if calls else [])
            anchors: dict[bytes, AnchorRecord | None] = {
                r: self._anchors[r] for r in request.roots if r in self._anchors
            }
            for chunk, anchors_call in root_chunks:
                anchors.update(zip(chunk, anchors_call.decode(next(answers)), strict=True))
            statuses: dict[StatusKey, StatusRecord] = {}
            for code, chunk, statuses_call in status_chunks:
                found = statuses_call.decode(next(answers))
                statuses.update(((code, d), s) for d, s in zip(chunk, found, strict=True))
            for key_id, key_call in key_calls:
                keys[key_id] = key_call.decode(next(answers))
                self._keys.put(key_id, keys[key_id], now)
            for code, province_call in province_calls:
                provinces[code] = province_call.decode(next(answers))
                self._provinces.put(code, provinces[code], now)
        self._anchors.update((r, a) for r, a in anchors.items() if a is not None)
        histories = self._histories(request.histories, statuses)
        return ChainSnapshot(
            self.ledger(),
            keys=keys,
            anchors=anchors,
            provinces=provinces,
            statuses=statuses,
            histories=histories,
            fallback=self,
            trust=Trust((public_url(self.rpc.url),), 1, BlockSource.LATEST),
        )

    def _histories(
        self, wanted: Collection[StatusKey], statuses: Mapping[StatusKey, StatusRecord]
    ) -> dict[StatusKey, list[StatusChange]]:
        """Status histories of the wanted certificates; only those that ever changed are read
        (from the deployment block: the snapshot filters by anchor block when asked)."""
        histories: dict[StatusKey, list[StatusChange]] = {key: [] for key in wanted}
        changed = [key for key in wanted if key in statuses and statuses[key].changes > 0]
        if changed:
            codes = sorted({code for code, _ in changed})
            digests = sorted({digest for _, digest in changed})
            for chunk in _chunks(digests, _CHUNK):
                found = self._status_changes(codes, chunk, self.from_block)
                for key in changed:
                    if key in found:
                        histories[key] = found[key]
        return histories

    def _status_changes(
        self, codes: Sequence[int], digests: Sequence[bytes], from_block: int
    ) -> dict[StatusKey, list[StatusChange]]:
        """StatusChanged events of these provinces and digests since ``from_block``, grouped."""
        with _answering("status history"):
            head = int(self.rpc.call("eth_blockNumber"), 16)
            start = max(self.from_block, from_block)
            return read_status_changes(
                self.rpc, self.address, self._decoder, (codes, digests), (start, head), self._page
            )


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
