"""The chain view that takes no single node's word: an agreed block, state proofs, a quorum.

:class:`QuorumChainView` answers the checks' questions (a :class:`~verifier.chain_view.ChainView`
that prefetches, like :class:`~verifier.chain_view.Web3ChainView`) from one or several JSON-RPC
endpoints of the same chain:

1. **One block.** A quorum of the endpoints must hold the same final block (number, hash, state
   root: :func:`ledger.quorum.agree_on_block`, finality per :class:`ledger.finality.Finality`),
   or the block the view was told to read at (:meth:`QuorumChainView.at`: e.g. a checkpoint
   witnesses signed, :func:`ledger.quorum.confirm_block`).
2. **Proven values.** Every deciding value (anchor of a root, status of a certificate, signing
   key with its public key, province record) is read from storage with ``eth_getProof`` at that
   block, from each endpoint that holds it, and checked against the block's state root
   (:func:`ledger.proven_reads.read_proven`): an endpoint that lies about a value but not about
   the header is caught even alone.
3. **A quorum of identical answers.** The decoded answers must be identical at a quorum; a
   minority that disagreed or failed is named in the report's trust section, and no quorum is
   ERROR (:class:`~verifier.exceptions.ChainDisagreementError`), never VALID.

Status histories (for a status at a past time) exist only as event logs, which no proof covers:
they are read up to the agreed block from each endpoint and compared across the quorum, and each
must match the proven current status (as many changes as it counts, the last one its state).

What is still trusted: the header a quorum agreed on. ``quorum`` colluding endpoints that serve
a consistent forged chain (header, state and logs) are not caught here; witnessed checkpoints
are (docs/trust.md).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from eth_utils.address import to_checksum_address

from ledger.artifact import CONTRACT_NAME, load_artifact
from ledger.deploy import Deployment
from ledger.events import EventDecoder
from ledger.exceptions import LedgerAnswerError, LedgerNoQuorumError
from ledger.finality import DEFAULT_FINALITY, Finality
from ledger.ledger_storage import LedgerStorage, StorageRead
from ledger.proven_reads import ProvenValues, read_proven
from ledger.quorum import (
    Agreement,
    Endpoint,
    Endpoints,
    Fault,
    agree_on_block,
    agreed,
    confirm_block,
)
from ledger.status_history import StatusChange
from ledger.types import (
    AnchorRecord,
    BlockRef,
    ProvinceRecord,
    SigningKeyRecord,
    StatusRecord,
)
from verifier.chain_view import ChainSnapshot, FactsRequest, LedgerIdentity
from verifier.exceptions import ChainDisagreementError, ChainUnavailableError
from verifier.status_logs import StatusKey, read_status_changes
from verifier.ttl_cache import TtlCache
from verifier.types import BlockSource, Trust

__all__ = ["QuorumChainView"]

T = TypeVar("T")

_CHUNK = 1000
"""Digests per status-history log query (topics of one ``eth_getLogs``)."""


@dataclass(frozen=True, slots=True)
class _Facts:
    """What one endpoint proved (or, for histories, said) at the pinned block."""

    anchors: dict[bytes, AnchorRecord | None]
    statuses: dict[StatusKey, StatusRecord]
    keys: dict[bytes, SigningKeyRecord | None]
    provinces: dict[int, ProvinceRecord | None]


class QuorumChainView:
    """A :class:`~verifier.chain_view.BulkChainView` over ``endpoints`` (see the module).

    Args:
        endpoints: the chain's endpoints and how many must agree.
        address: the ledger contract.
        from_block: the deployment's block (status histories start there).
        finality: which block counts as final.
        block: read at this block instead of agreeing on one (see :meth:`at`).
        cache_ttl: seconds a proven signing key or province record is reused (0: never); a
            found anchor never changes and is kept.
        log_page_blocks: blocks per ``eth_getLogs`` request.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        address: str,
        *,
        from_block: int = 0,
        finality: Finality = DEFAULT_FINALITY,
        block: BlockRef | None = None,
        cache_ttl: float = 5.0,
        log_page_blocks: int = 10_000,
    ) -> None:
        self.endpoints = endpoints
        self.from_block = from_block
        self.finality = finality
        self.block = block
        artifact = load_artifact(CONTRACT_NAME)
        self._storage = LedgerStorage.of(artifact)
        self._decoder = EventDecoder(artifact.abi)
        self._address = str(to_checksum_address(address))
        self._cache_ttl = cache_ttl
        self._page = log_page_blocks
        self._identity: LedgerIdentity | None = None
        self._anchors: dict[bytes, AnchorRecord] = {}
        self._keys = TtlCache(cache_ttl)
        self._provinces = TtlCache(cache_ttl)

    @classmethod
    def for_deployment(
        cls,
        urls: Sequence[str],
        deployment: Deployment,
        *,
        quorum: int | None = None,
        **options: Any,
    ) -> QuorumChainView:
        """A view of ``deployment`` through the endpoints at ``urls`` (which need not be
        reachable yet), ``quorum`` of which must agree (default: all).

        Raises:
            LedgerValueError: no URL, a URL that is not http(s), a URL twice, a bad quorum.
        """
        return cls(
            Endpoints.of_urls(urls, quorum),
            deployment.address,
            from_block=deployment.block_number,
            **options,
        )

    @property
    def address(self) -> str:
        """The ledger contract's address (checksummed)."""
        return self._address

    def at(self, block: BlockRef) -> QuorumChainView:
        """The same endpoints read at ``block`` (e.g. a witnessed checkpoint) instead of a block
        they agree on; a quorum of them must still hold exactly this block. The view starts
        with empty caches: nothing read at another block leaks into it."""
        view = copy.copy(self)
        view.block = block
        view._anchors = {}
        view._keys = TtlCache(self._cache_ttl)
        view._provinces = TtlCache(self._cache_ttl)
        return view

    def close(self) -> None:
        """Close the endpoints' connections and worker threads."""
        self.endpoints.close()

    # --- the ChainView questions: each a one-question snapshot at its own pinned block ----------

    def ledger(self) -> LedgerIdentity:
        if self._identity is None:
            found = self._agreed(
                lambda: agreed(
                    self.endpoints.ask(lambda e: int(e.rpc.call("eth_chainId"), 16)),
                    self.endpoints.quorum,
                    "the chain id",
                )
            )
            self._identity = LedgerIdentity(found.value, self._address)
        return self._identity

    def signing_key(self, key_id: bytes) -> SigningKeyRecord | None:
        return self.snapshot(FactsRequest(key_ids=[key_id])).signing_key(key_id)

    def anchor(self, root: bytes) -> AnchorRecord | None:
        return self.snapshot(FactsRequest(roots=[root])).anchor(root)

    def province(self, code: int) -> ProvinceRecord | None:
        return self.snapshot(FactsRequest(provinces=[code])).province(code)

    def status(self, province: int, digest: bytes) -> StatusRecord:
        return self.snapshot(FactsRequest(statuses=[(province, digest)])).status(province, digest)

    def status_history(self, province: int, digest: bytes, from_block: int) -> list[StatusChange]:
        key = (province, digest)
        snapshot = self.snapshot(FactsRequest(statuses=[key], histories=[key]))
        return snapshot.status_history(province, digest, from_block)

    # --- the bulk read --------------------------------------------------------------------------

    def snapshot(self, request: FactsRequest) -> ChainSnapshot:
        """Everything ``request`` names, proven at one pinned block and agreed by a quorum.

        Raises:
            ChainUnavailableError: too few endpoints could be reached.
            ChainDisagreementError: they answered, but no quorum gave identical answers (or
                proofs that hold); the error's ``trust`` names who did what.
        """
        identity = self.ledger()
        pinned = self._agreed(self._pin)
        block = pinned.value
        now = time.monotonic()
        anchors: dict[bytes, AnchorRecord | None] = {
            r: self._anchors[r] for r in request.roots if r in self._anchors
        }
        keys: dict[bytes, SigningKeyRecord | None] = self._keys.fresh(request.key_ids, now)
        provinces: dict[int, ProvinceRecord | None] = self._provinces.fresh(request.provinces, now)
        wanted = _Wanted(
            roots=[r for r in dict.fromkeys(request.roots) if r not in anchors],
            statuses=list(dict.fromkeys(request.statuses)),
            key_ids=[k for k in dict.fromkeys(request.key_ids) if k not in keys],
            codes=[c for c in dict.fromkeys(request.provinces) if c not in provinces],
        )
        reads = wanted.reads(self._storage)
        proven = self._agreed(
            lambda: agreed(
                self.endpoints.ask(lambda e: self._prove(e, reads, block), among=pinned.agreeing),
                self.endpoints.quorum,
                f"{len(reads)} stored values at block {block.number}",
                faults=pinned.faults,
            ),
            block,
        )
        facts = wanted.facts(proven.value[0])
        anchors.update(facts.anchors)
        keys.update(facts.keys)
        provinces.update(facts.provinces)
        self._anchors.update((r, a) for r, a in facts.anchors.items() if a is not None)
        for key_id, key in facts.keys.items():
            self._keys.put(key_id, key, now)
        for code, province in facts.provinces.items():
            self._provinces.put(code, province, now)
        changed = [
            k for k in request.histories if k in facts.statuses and facts.statuses[k].changes
        ]
        histories: dict[StatusKey, list[StatusChange]] = {k: [] for k in request.histories}
        faults = proven.faults
        if changed:
            compared = self._agreed(
                lambda: agreed(
                    self.endpoints.ask(
                        lambda e: self._history(e, changed, facts.statuses, block),
                        among=proven.agreeing,
                    ),
                    self.endpoints.quorum,
                    f"the status histories of {len(changed)} certificates",
                    faults=proven.faults,
                ),
                block,
            )
            histories.update(compared.value)
            faults = compared.faults
        trust = self._trust(block, faults, proven.value[1], len(changed))
        return ChainSnapshot(
            identity,
            keys=keys,
            anchors=anchors,
            provinces=provinces,
            statuses=facts.statuses,
            histories=histories,
            fallback=self.at(block),
            trust=trust,
        )

    # --- internals ------------------------------------------------------------------------------

    def _pin(self) -> Agreement[BlockRef]:
        if self.block is not None:
            return confirm_block(self.endpoints, self.block)
        return agree_on_block(self.endpoints, self.finality)

    def _prove(
        self, endpoint: Endpoint, reads: Sequence[StorageRead[Any]], block: BlockRef
    ) -> tuple[tuple[Any, ...], int]:
        """The endpoint's proven values and the number of proofs checked (which follows from
        the values: identical values were read with identical proofs)."""
        found: ProvenValues = read_proven(endpoint.rpc, self._address, reads, block)
        return found.values, found.proofs

    def _history(
        self,
        endpoint: Endpoint,
        changed: Sequence[StatusKey],
        statuses: Mapping[StatusKey, StatusRecord],
        block: BlockRef,
    ) -> dict[StatusKey, list[StatusChange]]:
        """The endpoint's status histories of ``changed`` up to ``block``, each checked against
        the proven current status.

        Raises:
            LedgerAnswerError: a history does not end in the proven status, or counts another
                number of changes (logs dropped, added or altered).
        """
        codes = sorted({code for code, _ in changed})
        digests = sorted({digest for _, digest in changed})
        found: dict[StatusKey, list[StatusChange]] = {}
        for start in range(0, len(digests), _CHUNK):
            found.update(
                read_status_changes(
                    endpoint.rpc,
                    self._address,
                    self._decoder,
                    (codes, digests[start : start + _CHUNK]),
                    (self.from_block, block.number),
                    self._page,
                )
            )
        histories = {key: found.get(key, []) for key in changed}
        for key, history in histories.items():
            _check_history(key, history, statuses[key])
        return histories

    def _agreed(
        self, agree: Callable[[], Agreement[T]], block: BlockRef | None = None
    ) -> Agreement[T]:
        """``agree()``'s agreement; a failed quorum becomes the verifier's error, with the
        trust section saying who did what."""
        try:
            return agree()
        except LedgerNoQuorumError as error:
            trust = self._trust(block, error.faults, 0, 0)
            if error.unreachable_only:
                raise ChainUnavailableError(str(error), trust=trust) from error
            raise ChainDisagreementError(str(error), trust=trust) from error

    def _trust(
        self, block: BlockRef | None, faults: Mapping[str, Fault], proofs: int, histories: int
    ) -> Trust:
        return Trust(
            endpoints=self.endpoints.names,
            quorum=self.endpoints.quorum,
            block_source=BlockSource.AGREED if self.block is None else BlockSource.GIVEN,
            block_number=block.number if block is not None else None,
            block_hash="0x" + block.hash.hex() if block is not None else None,
            state_root="0x" + block.state_root.hex() if block is not None else None,
            proofs_checked=proofs,
            histories_compared=histories,
            disagreed={name: str(fault) for name, fault in faults.items()},
        )


@dataclass(frozen=True, slots=True)
class _Wanted:
    """The values a snapshot must read, in the order their reads are made."""

    roots: list[bytes]
    statuses: list[StatusKey]
    key_ids: list[bytes]
    codes: list[int]

    def reads(self, storage: LedgerStorage) -> list[StorageRead[Any]]:
        return [
            *(storage.anchor(r) for r in self.roots),
            *(storage.status(code, digest) for code, digest in self.statuses),
            *(storage.signing_key(k) for k in self.key_ids),
            *(storage.province(c) for c in self.codes),
        ]

    def facts(self, values: Collection[Any]) -> _Facts:
        found = iter(values)
        return _Facts(
            anchors={r: next(found) for r in self.roots},
            statuses={k: next(found) for k in self.statuses},
            keys={k: next(found) for k in self.key_ids},
            provinces={c: next(found) for c in self.codes},
        )


def _check_history(key: StatusKey, history: Sequence[StatusChange], status: StatusRecord) -> None:
    code, digest = key
    what = f"the status history of certificate 0x{digest.hex()} of province {code}"
    if len(history) != status.changes:
        raise LedgerAnswerError(
            f"{what} has {len(history)} changes, but the proven status counts {status.changes}"
        )
    last = history[-1]
    said = (last.state, last.reason, last.effective_at, last.recorded_at)
    if said != (status.state, status.reason, status.effective_at, status.recorded_at):
        raise LedgerAnswerError(f"{what} does not end in the proven status")
