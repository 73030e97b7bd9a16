"""Memory per process type during a bench run (issue 19), grouped as bench.cpu groups CPU.

Two figures per type: RSS (what `ps` shows; pages a gunicorn worker shares with its master, or a
PostgreSQL backend with the shared buffers, count in every process) and PSS (each shared page
divided among the processes sharing it: the sum over a type is what the type really costs).
`snapshot` is one look (at rest); `peak_memory` samples in a thread while its block runs and keeps
each type's highest total. Reading PSS needs the processes' smaps: run as their owner or root;
without it the PSS column stays empty.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psutil

from bench.cpu import process_type

MIB = 1024 * 1024


@dataclass
class TypeMemory:
    processes: int = 0
    rss: int = 0
    pss: int = 0
    largest_rss: int = 0

    def add(self, rss: int, pss: int) -> None:
        self.processes += 1
        self.rss += rss
        self.pss += pss
        self.largest_rss = max(self.largest_rss, rss)


@dataclass
class MemoryUse:
    """Per process type: the snapshot's figures, or the highest seen by a sampler."""

    types: dict[str, TypeMemory] = field(default_factory=dict)
    samples: int = 0

    def merge_peak(self, other: dict[str, TypeMemory]) -> None:
        for name, now in other.items():
            peak = self.types.setdefault(name, TypeMemory())
            peak.processes = max(peak.processes, now.processes)
            peak.rss = max(peak.rss, now.rss)
            peak.pss = max(peak.pss, now.pss)
            peak.largest_rss = max(peak.largest_rss, now.largest_rss)
        self.samples += 1


def snapshot(database: str) -> dict[str, TypeMemory]:
    """Memory of every process of the bench right now, summed per type."""
    types: dict[str, TypeMemory] = {}
    for process in psutil.process_iter(["cmdline"]):
        try:
            group = process_type(" ".join(process.info["cmdline"] or []), database)
            if group is None:
                continue
            try:
                full = process.memory_full_info()
                rss, pss = full.rss, getattr(full, "pss", 0)
            except psutil.AccessDenied:
                rss, pss = process.memory_info().rss, 0
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        types.setdefault(group, TypeMemory()).add(rss, pss)
    return types


@contextmanager
def peak_memory(database: str, every_s: float = 2.0) -> Iterator[MemoryUse]:
    """The highest memory per type seen while the block ran (a sample every `every_s`)."""
    use = MemoryUse()
    stop = threading.Event()

    def sample() -> None:
        while True:
            use.merge_peak(snapshot(database))
            if stop.wait(every_s):
                return

    sampler = threading.Thread(target=sample, name="memory-sampler", daemon=True)
    sampler.start()
    try:
        yield use
    finally:
        stop.set()
        sampler.join()
        use.merge_peak(snapshot(database))


def table(at_rest: dict[str, TypeMemory], peak: MemoryUse) -> list[str]:
    """Markdown: processes, RSS and PSS per type at rest and at the peak under load (MiB)."""
    rows = [
        "| process type | processes | RSS at rest | PSS at rest | largest process at rest "
        "| peak RSS | peak PSS | largest process peak |",
        "|---|---|---|---|---|---|---|---|",
    ]
    names = sorted(
        set(at_rest) | set(peak.types), key=lambda n: -peak.types.get(n, TypeMemory()).pss
    )
    for name in names:
        rest, top = at_rest.get(name, TypeMemory()), peak.types.get(name, TypeMemory())
        rows.append(
            f"| {name} | {rest.processes} → {top.processes} | {rest.rss / MIB:,.0f} | "
            f"{rest.pss / MIB:,.0f} | {rest.largest_rss / MIB:,.0f} | {top.rss / MIB:,.0f} | "
            f"{top.pss / MIB:,.0f} | {top.largest_rss / MIB:,.0f} |"
        )
    total_rest = sum(m.pss for m in at_rest.values())
    total_peak = sum(m.pss for m in peak.types.values())
    rows.append(
        f"| **all (PSS)** | | | **{total_rest / MIB:,.0f}** | | | **{total_peak / MIB:,.0f}** | |"
    )
    return rows
