"""SQLAlchemy's connection pool, observed: its size, connections lent out, overflow, open
connections, checkout time and timeouts as Prometheus metrics (`pool_metrics`).

Every engine of `create_db_engine` uses `ObservedQueuePool`, so every process type of every
service has these without code of its own. The gauges move when the pool does (after each
checkout, return, overflow change, disposal), never at scrape time: in multiprocess mode a
scrape reaches one process, and each process must keep its own values current.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from taskhive_shared.observability.metrics import pool_metrics

_State = tuple[int, int, int, int]
"""size, checked out, overflow, open connections."""
_ZERO: _State = (0, 0, 0, 0)
_observed: weakref.WeakSet[ObservedQueuePool] = weakref.WeakSet()


@dataclass(frozen=True)
class _Series:
    """A pool's labelled series, looked up once (a `labels()` lookup per checkout costs more
    than the update itself)."""

    gauges: tuple[Any, Any, Any, Any]
    """In the order of `_State`."""
    checkout: Any
    timeouts: Any

    @classmethod
    def of(cls, name: str) -> _Series:
        metrics = pool_metrics()
        gauges = (metrics.size, metrics.checked_out, metrics.overflow, metrics.connections)
        return cls(
            gauges=tuple(gauge.labels(name) for gauge in gauges),  # type: ignore[arg-type]
            checkout=metrics.checkout.labels(name),
            timeouts=metrics.timeouts.labels(name),  # shown from the start, at 0
        )


class ObservedQueuePool(QueuePool):
    """A QueuePool that reports itself under `name` once `observe(name)` is called (the
    engine's factory calls it; a pool `recreate`d by `Engine.dispose()` keeps the name)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._series: _Series | None = None
        """Where it reports; None before `observe` and once retired."""
        self._pool_name: str | None = None
        self._observed_lock = threading.Lock()
        self._reported: _State = _ZERO

    def observe(self, name: str) -> None:
        self._pool_name = name
        self._series = _Series.of(name)
        _observed.add(self)
        self._sync()

    def _state(self) -> _State:
        size = self.size()
        opened = size + self._overflow if size else self.checkedout() + self.checkedin()
        return size, self.checkedout(), max(0, self._overflow), opened

    def _sync(self, state: _State | None = None) -> None:
        """Move the gauges by the change since the last report. The state is read under the
        lock, so the last report always reads the newest state."""
        series = self._series
        if series is None:
            return
        with self._observed_lock:
            now = self._state() if state is None else state
            before, self._reported = self._reported, now
        for gauge, new, old in zip(series.gauges, now, before, strict=True):
            if new != old:
                gauge.inc(new - old)

    def _do_get(self) -> ConnectionPoolEntry:
        started = time.perf_counter()
        try:
            return super()._do_get()
        except exc.TimeoutError:
            if self._series is not None:
                self._series.timeouts.inc()
            raise
        finally:
            if self._series is not None:
                self._series.checkout.observe(time.perf_counter() - started)
                self._sync()

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        try:
            super()._do_return_conn(record)
        finally:
            self._sync()

    def _dec_overflow(self) -> Any:
        try:
            return super()._dec_overflow()
        finally:
            self._sync()

    def dispose(self) -> None:
        super().dispose()
        self._retire()

    def recreate(self) -> QueuePool:
        fresh = super().recreate()
        name = self._pool_name
        self._retire()
        if name is not None and isinstance(fresh, ObservedQueuePool):
            fresh.observe(name)
        return fresh

    def _retire(self) -> None:
        # A disposed pool is replaced (`Engine.dispose()` recreates it): it stops counting.
        # Connections still lent out of it are forgotten; SQLAlchemy's own counters lose
        # them too.
        if self._series is None:
            return
        self._sync(_ZERO)
        self._series = None
        _observed.discard(self)

    def _forked(self) -> None:
        # A forked child (Celery's prefork) starts with empty metric files of its own: it
        # reports its copy of the pool from zero.
        self._observed_lock = threading.Lock()
        self._reported = _ZERO
        self._sync()


def _after_fork_in_child() -> None:
    for pool in list(_observed):
        pool._forked()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
