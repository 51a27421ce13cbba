"""Durable batch anchoring: outbox → Merkle root → ``anchor(root, count)`` → receipts.

Each step is made durable before the next begins, and every step can be repeated safely:

1. **prepare** — cut up to ``batch_size`` queued certificates into a batch recorded
   ``prepared`` with its RFC 6962 root, each certificate with its batch and leaf index, in one
   transaction (:mod:`province_nodes.batching`, which the bulk path cuts its batches with too). A
   crash before this commit leaves them queued.
2. **send** — *ask the chain first* (``anchor_of(root)``); only if the root is not anchored,
   send ``anchor(root, count)``, then record the transaction as ``sent``. A crash after sending
   is found on restart by the same question, so nothing is anchored twice (the contract would
   refuse a second anchor with ``AnchorAlreadyAnchored`` anyway; the node does not rely on that).
3. **complete** — once the anchor's block has ``confirmations`` blocks on top, write every
   certificate's receipt and mark the batch ``anchored`` in one transaction.

A chain that is down leaves batches and the queue untouched; the loop retries with capped
exponential backoff while issuance goes on. The same loop anchors the access-log head now and
then. ``crash_point`` lets tests stop the batcher exactly between two steps.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, update
from sqlmodel import col, select

from certificate.merkle import MerkleTree
from certificate.receipts import batch_receipts
from ledger.contract_errors import AnchorAlreadyAnchored
from ledger.types import AnchorRecord
from province_nodes.access_log import AccessLog
from province_nodes.batching import prepare_queued
from province_nodes.chain import ChainGateway, chain_errors
from province_nodes.db import unit_of_work
from province_nodes.exceptions import (
    ChainUnavailableError,
    NodeError,
    StoreIntegrityError,
    StoreUnavailableError,
)
from province_nodes.keys import KeyRing
from province_nodes.models import BatchRow, CertificateRow, LogHeadRow
from province_nodes.types import BatchState

__all__ = ["Batcher", "BatcherConfig", "CrashPoint", "PassFailure", "no_crash"]

log = logging.getLogger(__name__)

CrashPoint = Callable[[str], None]
"""Called with ``"prepared"``, ``"sent"`` or ``"mined"`` right after that step; tests raise."""


@dataclass(frozen=True, slots=True)
class BatcherConfig:
    """How the batcher cuts and retries (from the node settings)."""

    province: int
    batch_size: int = 1024
    batch_interval: float = 2.0
    confirmations: int = 0
    retry_initial: float = 0.5
    retry_max: float = 30.0
    log_anchor_interval: float = 60.0


def no_crash(_point: str) -> None:
    """The production crash point: carry on."""
    return None


@dataclass(frozen=True, slots=True)
class PassFailure:
    """Why the loop's last pass failed, for ``/health``: a stable code and the message."""

    code: str
    """The error's code (``chain_unavailable``, ``store_integrity``…; ``internal_error``)."""
    message: str
    failing_since: int
    """Unix time of the first failed pass in this run of failures."""


class Batcher:
    """Anchors one province's queued certificates; run :meth:`run_once` or :meth:`start`."""

    def __init__(
        self,
        engine: Engine,
        chain: ChainGateway,
        keys: KeyRing,
        access_log: AccessLog,
        config: BatcherConfig,
        *,
        crash_point: CrashPoint = no_crash,
    ) -> None:
        self.engine = engine
        self.chain = chain
        self.keys = keys
        self.access_log = access_log
        self.config = config
        self._crash = crash_point
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_log_anchor = 0.0
        self.failures = 0
        """Consecutive failed passes of the loop (0 after a good one)."""
        self.retry_delay = config.retry_initial
        """Seconds the loop waits after its next failure."""
        self.last_failure: PassFailure | None = None
        """Why the last pass failed; None after a good one."""

    # --- the loop ------------------------------------------------------------------------------

    def start(self) -> None:
        """Run the loop in a daemon thread until :meth:`stop`."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, name=f"batcher-{self.config.province}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop after its current step."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        """Whether the loop's thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        """Ask the loop to look at the queue now (after an issuance filled a batch)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = self.config.batch_interval
            try:
                self.run_once()
                self.anchor_log_head()
                self.failures, self.retry_delay = 0, self.config.retry_initial
                self.last_failure = None
            except (ChainUnavailableError, StoreUnavailableError) as error:
                self.chain.reset()
                wait = self._backoff(error)
                log.warning("anchoring paused, retrying in %.1fs: %s", wait, error)
            except Exception as error:  # the loop must outlive any one failure; logged in full
                wait = self._backoff(error)
                log.exception("batcher pass failed; retrying in %.1fs", wait)
            self._wake.wait(wait)
            self._wake.clear()

    def _backoff(self, error: Exception) -> float:
        """Count a failure; the wait before the next try (doubling, capped at retry_max)."""
        since = self.last_failure.failing_since if self.last_failure else int(time.time())
        if isinstance(error, NodeError):
            self.last_failure = PassFailure(error.code, error.message, since)
        else:
            self.last_failure = PassFailure(
                "internal_error", f"{type(error).__name__}: {error}", since
            )
        self.failures += 1
        wait = self.retry_delay
        self.retry_delay = min(self.retry_delay * 2, self.config.retry_max)
        return wait

    # --- one pass ------------------------------------------------------------------------------

    def run_once(self, *, force: bool = False) -> int:
        """Finish unfinished batches, then cut and anchor new ones; returns batches anchored.

        Without ``force`` a partial batch waits until its oldest certificate has queued for
        ``batch_interval`` seconds.
        """
        with self._lock:
            self.keys.ensure_registered(self.chain)
            done = 0
            for unfinished in self._unfinished():
                done += self._complete(unfinished)
            while (prepared := self._prepare(force=force)) is not None:
                done += self._complete(prepared)
            return done

    def flush(self) -> None:
        """Anchor everything queued now; raises if the chain is down."""
        self.run_once(force=True)
        if self.pending():
            raise ChainUnavailableError("some batches are still waiting for confirmations")

    def pending(self) -> int:
        """Certificates not anchored yet: queued, or in a batch that is prepared or sent."""
        with unit_of_work(self.engine) as session:
            queued = session.exec(
                select(func.count())
                .select_from(CertificateRow)
                .where(col(CertificateRow.batch_id).is_(None))
            ).one()
            batched = session.exec(
                select(func.coalesce(func.sum(BatchRow.count), 0)).where(
                    BatchRow.state != BatchState.ANCHORED
                )
            ).one()
        return int(queued) + int(batched)

    def _unfinished(self) -> list[int]:
        with unit_of_work(self.engine) as session:
            query = select(BatchRow.id).where(BatchRow.state != BatchState.ANCHORED)
            return [i for i in session.exec(query.order_by(col(BatchRow.id))) if i is not None]

    def _prepare(self, *, force: bool) -> int | None:
        """Cut the next batch from the queue if one is due; its id (see :func:`prepare_queued`)."""
        with unit_of_work(self.engine) as session:
            batch_id = prepare_queued(
                session,
                batch_size=self.config.batch_size,
                max_wait=self.config.batch_interval,
                now=int(time.time()),
                force=force,
            )
        if batch_id is not None:
            self._crash("prepared")
        return batch_id

    def _complete(self, batch_id: int) -> int:
        """Send (if the chain lacks it) and finish one batch; 1 if it is now anchored."""
        with unit_of_work(self.engine) as session:
            batch = session.get(BatchRow, batch_id)
            assert batch is not None
        ledger = self.chain.client()
        with chain_errors("anchor a batch"):
            anchor = ledger.anchor_of(batch.root)
            tx_hash = batch.tx_hash
            if anchor is None:
                try:
                    receipt = ledger.anchor(batch.root, batch.count)
                    tx_hash = bytes(receipt["transactionHash"])
                except AnchorAlreadyAnchored:
                    pass  # a send we lost track of got mined meanwhile: the chain has it
                anchor = ledger.anchor_of(batch.root)
                if anchor is None:
                    raise ChainUnavailableError("the anchor transaction is not visible yet")
                self._crash("sent")
            if anchor.province != self.config.province:
                raise StoreIntegrityError(
                    f"batch {batch_id}'s root 0x{batch.root.hex()} is anchored by province "
                    f"{anchor.province}, not {self.config.province}"
                )
            if tx_hash is None:
                tx_hash = self._find_transaction(anchor)
            self._mark_sent(batch_id, tx_hash, anchor)
            head = ledger.block_number()
        if anchor.block_number + self.config.confirmations > head:
            return 0
        self._crash("mined")
        self._write_receipts(batch_id, batch.root, tx_hash, anchor)
        return 1

    def _find_transaction(self, anchor: AnchorRecord) -> bytes:
        """The transaction that anchored ``anchor.root``, from its ``RootAnchored`` event."""
        ledger = self.chain.client()
        events = ledger.events(anchor.block_number, anchor.block_number, names={"RootAnchored"})
        for event in events:
            if bytes(event.args["root"]) == anchor.root:
                return bytes(event.transaction_hash)
        raise ChainUnavailableError(
            f"root 0x{anchor.root.hex()} is anchored in block {anchor.block_number} but its "
            "event is not visible; retrying"
        )

    def _mark_sent(self, batch_id: int, tx_hash: bytes, anchor: AnchorRecord) -> None:
        with unit_of_work(self.engine) as session:
            batch = session.get(BatchRow, batch_id)
            assert batch is not None
            if batch.state == BatchState.PREPARED:
                batch.state = BatchState.SENT
                batch.tx_hash = tx_hash
                batch.block_number = anchor.block_number
                batch.anchored_at = anchor.anchored_at
                batch.attempts += 1
                session.add(batch)

    def _write_receipts(
        self, batch_id: int, root: bytes, tx_hash: bytes, anchor: AnchorRecord
    ) -> None:
        with unit_of_work(self.engine) as session:
            members = list(
                session.exec(
                    select(CertificateRow.seq, CertificateRow.digest)
                    .where(CertificateRow.batch_id == batch_id)
                    .order_by(col(CertificateRow.leaf_index))
                )
            )
            tree = MerkleTree.from_entries(digest for _, digest in members)
            if tree.root != root:
                raise StoreIntegrityError(
                    f"batch {batch_id}: the stored certificates do not hash to its anchored root "
                    f"0x{root.hex()}; receipts are withheld until this is investigated"
                )
            receipts = batch_receipts(
                tree,
                chain_id=self.chain.chain_id,
                contract_address=self.chain.deployment.address,
                transaction_hash=tx_hash,
                block_number=anchor.block_number,
            )
            session.execute(
                update(CertificateRow),
                [
                    {"seq": seq, "receipt": receipt.model_dump_json()}
                    for (seq, _), receipt in zip(members, receipts, strict=True)
                ],
            )
            batch = session.get(BatchRow, batch_id)
            assert batch is not None
            batch.state = BatchState.ANCHORED
            batch.tx_hash = tx_hash
            batch.block_number = anchor.block_number
            batch.anchored_at = anchor.anchored_at
            session.add(batch)

    # --- access-log heads ----------------------------------------------------------------------

    def anchor_log_head(self, *, force: bool = False) -> LogHeadRow | None:
        """Anchor the access log's head if it grew and the interval passed; returns the new head.

        Asks the chain first: a head anchored before a crash is recorded, not sent again. A head
        on chain that is not a prefix of this log (another log anchored under this province)
        stops anchoring with :class:`StoreIntegrityError` instead of being adopted.
        """
        now = time.monotonic()
        if not force and now - self._last_log_anchor < self.config.log_anchor_interval:
            return None
        tree = self.access_log.tree()
        heads = self.access_log.anchored_heads()
        if tree.size == 0 or (heads and heads[-1].size >= tree.size):
            self._last_log_anchor = now
            return None
        ledger = self.chain.client()
        with chain_errors("anchor the access-log head"):
            on_chain = ledger.access_log_head(self.config.province)
            if on_chain is not None and (
                on_chain.size > tree.size or tree.root_at(on_chain.size) != on_chain.root
            ):
                raise StoreIntegrityError(
                    f"the chain holds an access-log head of province {self.config.province} "
                    f"(size {on_chain.size}, root 0x{on_chain.root.hex()}) that is not a prefix "
                    f"of this node's log of {tree.size} entries"
                )
            if on_chain is None or on_chain.size < tree.size:
                receipt = ledger.anchor_access_log(tree.root, tree.size)
                tx_hash, block = bytes(receipt["transactionHash"]), int(receipt["blockNumber"])
                size, root = tree.size, bytes(tree.root)
            else:
                size, root = on_chain.size, on_chain.root
                tx_hash, block = self._find_log_transaction(size, root)
        row = LogHeadRow(size=size, root=root, tx_hash=tx_hash, block_number=block)
        with unit_of_work(self.engine) as session:
            if session.get(LogHeadRow, size) is None:
                session.add(row)
        self._last_log_anchor = now
        return row

    def _find_log_transaction(self, size: int, root: bytes) -> tuple[bytes, int]:
        ledger = self.chain.client()
        for event in ledger.events(
            self.chain.deployment.block_number, ledger.block_number(), names={"AccessLogAnchored"}
        ):
            if (
                event.args["code"] == self.config.province
                and event.args["size"] == size
                and bytes(event.args["root"]) == root
            ):
                return bytes(event.transaction_hash), event.block_number
        raise ChainUnavailableError("the anchored access-log head's event is not visible yet")
