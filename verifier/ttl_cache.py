"""A small thread-safe cache whose entries expire: chain facts that may change, kept briefly."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = ["TtlCache"]

T = TypeVar("T")


class TtlCache:
    """Entries expire ``ttl`` seconds after they were stored (0: nothing is kept)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._items: dict[Any, tuple[float, Any]] = {}

    def fresh(self, keys: Iterable[Any], now: float) -> dict[Any, Any]:
        """The unexpired values of those of ``keys`` that have one at monotonic time ``now``."""
        with self._lock:
            hits = {key: self._items.get(key) for key in keys}
        return {key: hit[1] for key, hit in hits.items() if hit is not None and hit[0] > now}

    def put(self, key: Any, value: Any, now: float) -> None:
        """Store ``value``, stored at monotonic time ``now``."""
        with self._lock:
            if len(self._items) > 10_000:
                self._items.clear()
            self._items[key] = (now + self._ttl, value)

    def get(self, key: Any, load: Callable[[], T]) -> T:
        """The unexpired value of ``key``, else ``load()`` (then stored)."""
        now = self._clock()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            value: T = hit[1]
            return value
        value = load()
        self.put(key, value, now)
        return value
