"""One beat per service: the scheduler runs only while it holds a lock in the service's Redis.

A second beat started by mistake (or as a warm standby) waits for the lock instead of
scheduling every job twice; if the holder stops renewing (crash, network split), the lock
expires after its TTL and the standby takes over. A holder that fails to renew stops itself.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

from celery import Celery
from redis import Redis
from redis.exceptions import LockError, LockNotOwnedError, RedisError
from redis.lock import Lock

from taskhive_shared.observability.metrics import job_metrics
from taskhive_shared.observability.probe import Progress

logger = logging.getLogger(__name__)


def beat_lock_name(service: str, key_prefix: str = "") -> str:
    return f"{key_prefix}taskhive:{service}:beat-leader"


class BeatLeadership:
    def __init__(self, redis: Redis, name: str, ttl_seconds: float = 30.0) -> None:
        self._lock = Lock(redis, name, timeout=ttl_seconds, sleep=1.0, thread_local=False)
        self._ttl = ttl_seconds
        self._lost = threading.Event()
        self.progress = Progress(max_silence=max(30.0, ttl_seconds * 2))
        """Going round: waiting as standby, or renewing the lock while leading."""

    def acquire(self, stop: threading.Event) -> bool:
        """Wait until this process leads (True) or `stop` is set (False)."""
        while not stop.is_set():
            self.progress.beat()
            try:
                if self._lock.acquire(blocking=False):
                    return True
            except RedisError:
                logger.warning("beat lock: Redis unreachable, retrying", exc_info=True)
            stop.wait(1.0)
        return False

    def keep(self, done: threading.Event) -> bool:
        """Renew the lock every third of its TTL until `done` is set (True) or the lock is
        lost (False): taken over, or not renewed for a whole TTL (Redis unreachable)."""
        renewed_at = time.monotonic()
        while not done.wait(self._ttl / 3):
            try:
                self._lock.reacquire()
                renewed_at = time.monotonic()
                self.progress.beat()
            except LockNotOwnedError:
                logger.error("beat lock taken over: this beat stops scheduling")
                return False
            except (LockError, RedisError):
                # A passing Redis error: the lock is still ours until its TTL runs out.
                if time.monotonic() - renewed_at >= self._ttl:
                    logger.error("beat lock not renewed for its TTL: this beat stops")
                    return False
                logger.warning("beat lock renewal failed; retrying", exc_info=True)
        return True

    def release(self) -> None:
        try:
            self._lock.release()
        except (LockError, RedisError):
            logger.info("beat lock already gone at release")


def run_beat(
    app: Celery,
    leadership: BeatLeadership,
    schedule_file: Path,
    loglevel: str = "INFO",
) -> None:
    """Block as standby until leading, then run Celery beat until SIGTERM or lock loss."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if not leadership.acquire(stop):
        return
    logger.info("beat lock held: scheduling")
    leader = job_metrics().beat_leader.labels(str(app.main))
    leader.set(1)
    finished = threading.Event()

    def _stop_when_lost() -> None:
        if not leadership.keep(finished) and not finished.is_set():
            # Beat runs in this process's main thread (it handles SIGTERM by exiting).
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=_stop_when_lost, name="beat-lock", daemon=True).start()
    schedule_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        app.Beat(schedule=str(schedule_file), loglevel=loglevel).run()
    finally:
        # Beat exits on SIGTERM with its own handler: stop the renewal first, then hand the
        # lock over at once (a standby need not wait for the TTL).
        finished.set()
        leader.set(0)
        leadership.release()
