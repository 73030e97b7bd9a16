"""Sessions in this process's memory: `make run` and tests (one process, nothing to share)."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class InMemorySessionStore:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._items: dict[str, tuple[float, dict[str, Any]]] = {}
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        with self._guard:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= self._clock():
                del self._items[key]
                return None
            # A copy, as from Redis: a caller's later edits must not leak into the store.
            return copy.deepcopy(item[1])

    def set(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None:
        with self._guard:
            if len(self._items) > 50_000:
                now = self._clock()
                self._items = {k: v for k, v in self._items.items() if v[0] > now}
            self._items[key] = (self._clock() + ttl_seconds, copy.deepcopy(value))

    def delete(self, key: str) -> None:
        with self._guard:
            self._items.pop(key, None)

    @contextmanager
    def lock(self, key: str, timeout_seconds: float) -> Iterator[bool]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        held = lock.acquire(timeout=timeout_seconds)
        try:
            yield held
        finally:
            if held:
                lock.release()
            with self._guard:
                if not lock.locked():
                    self._locks.pop(key, None)

    def ping(self) -> None:
        return None
