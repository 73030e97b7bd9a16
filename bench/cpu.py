"""CPU accounting per process type during a bench run (issue 19): which process spent the
cores. Processes are grouped by their command line: each service's API, relay, consumer,
worker and beat (as `taskhive-stack` starts them), the PostgreSQL backends serving the bench's
database, HAProxy, RabbitMQ and Redis. A process that started during the run counts whole.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil

_SERVICE_PROCESS = re.compile(r"/([a-z]+)-service (relay|consume|jobs worker|jobs beat)\b")
_API = re.compile(r"--name ([a-z]+)-api\b")


def process_type(cmdline: str, database: str) -> str | None:
    """The group a process belongs to, or None when it is not part of the bench."""
    if match := _API.search(cmdline):
        return f"{match[1]} API"
    if match := _SERVICE_PROCESS.search(cmdline):
        return f"{match[1]} {match[2].removeprefix('jobs ')}"
    if "bench.yardstick" in cmdline:
        return "yardstick"
    if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
        return "PostgreSQL"
    if "haproxy" in cmdline.split(" ", 1)[0]:
        return "HAProxy"
    if "beam.smp" in cmdline and "rabbit" in cmdline:
        return "RabbitMQ"
    if cmdline.startswith("redis-server"):
        return "Redis"
    return None


def _cpu_seconds(database: str) -> dict[int, tuple[str, float]]:
    seen: dict[int, tuple[str, float]] = {}
    for process in psutil.process_iter(["cmdline", "cpu_times"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            group = process_type(cmdline, database)
            times = process.info["cpu_times"]
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if group is not None and times is not None:
            seen[process.pid] = (group, times.user + times.system)
    return seen


@dataclass
class CpuUse:
    """Cores used per process type over the run (1.0 = one core busy all the time)."""

    seconds: float = 0.0
    cores: dict[str, float] = field(default_factory=dict)

    def summary(self, top: int = 6) -> str:
        ranked = sorted(self.cores.items(), key=lambda item: -item[1])[:top]
        return ", ".join(f"{name} {cores:.2f}" for name, cores in ranked if cores >= 0.01)


@contextmanager
def cpu_use(database: str) -> Iterator[CpuUse]:
    """Measure the CPU each process type used while the block ran."""
    use = CpuUse()
    before = _cpu_seconds(database)
    started = time.monotonic()
    yield use
    after = _cpu_seconds(database)
    use.seconds = time.monotonic() - started
    spent: dict[str, float] = defaultdict(float)
    for pid, (group, seconds) in after.items():
        spent[group] += seconds - before.get(pid, (group, 0.0))[1]
    use.cores = {group: value / use.seconds for group, value in spent.items()}
