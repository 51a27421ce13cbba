"""Sealing a bulk request on every core: worker processes that validate, seal and encrypt.

Validating and sealing a certificate is pure CPU work in Python (~250 µs), so one process seals
at most ~4,000 per second whatever the store can take. A bulk request is cut into chunks that
worker processes seal in parallel; the parent keeps the store, the Merkle trees and the answer.

Secrets: each worker gets the node's master key (to encrypt the rows) and the active signing key
as encrypted PKCS#8 PEM with a one-time passphrase, through its initializer, i.e. over the pipe
that starts it. Nothing is written to disk. Workers are forked from a clean ``forkserver``
process (never from the node, whose threads may hold locks), which has the certificate code
imported already; the node starts them in the background when it starts.

A pool serves one signing key: after a rotation the next request starts fresh workers. If a
worker dies, the request is sealed in the node's own process and the next one starts new workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import repeat
from typing import Any

from certificate.registry import TypeRegistry, default_registry
from certificate.signing import SigningKey
from province_nodes.envelope import MasterKey
from province_nodes.row_maker import RowMaker, RowOutcome, make_rows

__all__ = ["SealingPool"]

log = logging.getLogger(__name__)

_PRELOAD = ["certificate", "province_nodes.sealing_pool"]
_WATCH_INTERVAL = 0.2

# The worker's state, set once by _start_worker in each worker process (never in the node).
_worker_row_maker: RowMaker | None = None
_worker_key: SigningKey | None = None


def _start_worker(
    node: int,
    master: MasterKey,
    province: int,
    schemas: list[dict[str, Any]] | None,
    pem: bytes,
    passphrase: bytes,
) -> None:
    global _worker_row_maker, _worker_key
    threading.Thread(target=_exit_with_node, args=(node,), daemon=True).start()
    registry = TypeRegistry.from_schemas(schemas) if schemas is not None else None
    if registry is None:
        default_registry()  # compiled now, not while the first request waits
    _worker_row_maker = RowMaker(master, province, registry)
    _worker_key = SigningKey.from_pem(pem, passphrase)


def _exit_with_node(node: int) -> None:
    """End this worker once the node is gone. Its parent is the fork server, which lives as
    long as any worker does, and a worker waits for work forever: a node killed mid-request
    must not leave processes holding its keys."""
    while _alive(node):
        time.sleep(_WATCH_INTERVAL)
    os._exit(0)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a killed node may stay a zombie until it is reaped)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel (a zombie then counts as alive)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _ready() -> bool:
    return _worker_row_maker is not None


def _seal_chunk(offset: int, items: list[Any], now: int) -> list[RowOutcome]:
    assert _worker_row_maker is not None and _worker_key is not None, "worker not initialised"
    return make_rows(_worker_row_maker, _worker_key, items, now, offset=offset)


def _forkserver_context() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


class SealingPool:
    """Seals large bulk requests in ``workers`` processes; small ones in the calling process.

    Args:
        row_maker: the node's row maker (its master key, province and registry go to the
            workers).
        workers: processes to use; ``None``: one per core. 1 seals everything in-process.
        min_items: requests with fewer items are sealed in-process (a pool round trip costs
            more than it saves on a few hundred certificates).
    """

    def __init__(
        self, row_maker: RowMaker, workers: int | None = None, min_items: int = 512
    ) -> None:
        self.row_maker = row_maker
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.min_items = min_items
        self._executor: ProcessPoolExecutor | None = None
        self._key_id: bytes | None = None
        self._lock = threading.Lock()

    def seal(self, items: Sequence[Any], key: SigningKey, now: int) -> list[RowOutcome]:
        """Each item sealed into its row, or the problem that refused it, in input order."""
        return list(self.stream(items, key, now))

    def stream(self, items: Sequence[Any], key: SigningKey, now: int) -> Iterator[RowOutcome]:
        """The same as :meth:`seal`, each chunk yielded as soon as it and those before it are
        sealed, so the caller can store while the workers go on."""
        if self.workers < 2 or len(items) < self.min_items:
            yield from make_rows(self.row_maker, key, items, now)
            return
        executor = self._executor_for(key)
        size = max(64, -(-len(items) // (self.workers * 16)))  # small: the store keeps pace
        starts = range(0, len(items), size)
        chunks = [list(items[start : start + size]) for start in starts]
        done = 0
        try:
            for chunk in executor.map(_seal_chunk, starts, chunks, repeat(now)):
                yield from chunk
                done += len(chunk)
        except BrokenProcessPool:
            log.warning("a sealing worker died; sealing the rest of this request in-process")
            self.close()
            yield from make_rows(self.row_maker, key, items[done:], now, offset=done)

    def prepare(self, key: SigningKey) -> None:
        """Start the workers for ``key`` in the background, so that the first large request
        does not wait for them (the first pool of a process starts the fork server: ~2 s of
        imports; later ones fork in ~0.1 s)."""
        if self.workers >= 2:
            threading.Thread(
                target=self._start, args=(key,), name="huren-sealing-pool", daemon=True
            ).start()

    def _start(self, key: SigningKey) -> None:
        try:
            executor = self._executor_for(key)
            for started in [executor.submit(_ready) for _ in range(self.workers)]:
                started.result()
        except (RuntimeError, BrokenProcessPool):  # closed meanwhile: the node is stopping
            log.debug("sealing workers closed while starting")

    def _executor_for(self, key: SigningKey) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None or self._key_id != key.key_id:
                self._close()
                self._executor = self._new_executor(key)
                self._key_id = key.key_id
            return self._executor

    def _new_executor(self, key: SigningKey) -> ProcessPoolExecutor:
        passphrase = os.urandom(32)
        registry = self.row_maker.registry
        schemas = [dict(kind.face_schema) for kind in registry] if registry is not None else None
        return ProcessPoolExecutor(
            self.workers,
            mp_context=_forkserver_context(),
            initializer=_start_worker,
            initargs=(
                os.getpid(),
                self.row_maker.master,
                self.row_maker.province,
                schemas,
                key.to_pem(passphrase),
                passphrase,
            ),
        )

    def close(self) -> None:
        """Stop the workers (a later large request starts new ones)."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        self._executor = None
        self._key_id = None
