"""The platform's Prometheus metrics, one family per concern, labelled by service.

Families are built on first use, not on import: a process that turns on multiprocess mode
(gunicorn's workers, Celery's prefork children) must do so before any value exists. In that
mode (`PROMETHEUS_MULTIPROC_DIR` set) each process writes its values to files in the directory
and a scrape of any of them adds them up; otherwise values live in the process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
PROCESS_ROOT_ENV = "TASKHIVE_METRICS_ROOT_PID"
"""The process whose tree a multiprocess scrape measures (gunicorn's master, Celery's main)."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def enable_multiprocess(directory: Path) -> None:
    """Values of this process and of its forked children go to files in `directory` (which
    must hold no stale files of an earlier run). Call before the first value is recorded."""
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory)
    os.environ[PROCESS_ROOT_ENV] = str(os.getpid())
    values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


def ensure_multiprocess_directory() -> None:
    """The directory `PROMETHEUS_MULTIPROC_DIR` names must exist before the first value is
    written (a container's fresh /tmp)."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)


def mark_process_dead(pid: int) -> None:
    """A worker process exited: its live gauges stop counting (gunicorn's `child_exit`)."""
    if os.environ.get(MULTIPROC_ENV):
        prometheus_multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric of this process (of all of them, in multiprocess
    mode) and its content type."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(ProcessTreeCollector())
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class ProcessTreeCollector(Collector):
    """CPU and memory of a multiprocess target (prometheus-client's process collector sees only
    the process that answers the scrape): the root process and all its descendants, read
    from /proc at scrape time, under the standard `process_*` names. A worker that exited takes
    its CPU seconds along (the counter then drops, which `rate()` treats as a reset)."""

    def collect(self) -> Iterator[Metric]:
        root = int(os.environ.get(PROCESS_ROOT_ENV) or os.getpid())
        stats = _proc_stats()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _cpu, _rss) in stats.items():
            children.setdefault(ppid, []).append(pid)
        tree, frontier = {root}, [root]
        while frontier:
            for child in children.get(frontier.pop(), []):
                if child not in tree:
                    tree.add(child)
                    frontier.append(child)
        counted = [stats[pid] for pid in tree if pid in stats]
        cpu = CounterMetricFamily(
            "process_cpu_seconds", "User and system CPU time of the target's processes."
        )
        cpu.add_metric([], sum(entry[1] for entry in counted))
        yield cpu
        yield GaugeMetricFamily(
            "process_resident_memory_bytes",
            "Resident memory of the target's processes.",
            value=sum(entry[2] for entry in counted),
        )
        yield GaugeMetricFamily(
            "taskhive_processes", "Processes of the target (root and descendants).", len(counted)
        )


def _proc_stats() -> dict[int, tuple[int, float, int]]:
    """pid → (parent pid, CPU seconds, resident bytes) of every process /proc shows."""
    ticks, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    found: dict[int, tuple[int, float, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        # After the command: state, ppid, … utime (12th), stime (13th), … rss (22nd).
        cpu = (int(fields[11]) + int(fields[12])) / ticks
        found[int(entry.name)] = (int(fields[1]), cpu, int(fields[21]) * page)
    return found


@dataclass(frozen=True)
class HttpMetrics:
    requests: Counter
    duration: Histogram
    database_failures: Counter


@cache
def http_metrics() -> HttpMetrics:
    """RED per route: rate and errors from the counter's `status`, duration from the histogram."""
    return HttpMetrics(
        requests=Counter(
            "taskhive_http_requests_total",
            "HTTP requests answered, by route template and status.",
            ["service", "method", "route", "status"],
        ),
        duration=Histogram(
            "taskhive_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["service", "method", "route"],
            buckets=LATENCY_BUCKETS,
        ),
        database_failures=Counter(
            "taskhive_http_database_failures_total",
            "Requests answered 503 because of the database, by route and cause: "
            "statement_timeout (a statement cancelled at its time limit) or connection_lost.",
            ["service", "method", "route", "cause"],
        ),
    )


@dataclass(frozen=True)
class RelayMetrics:
    published: Counter
    failures: Counter
    backlog: Gauge
    oldest_age: Gauge
    active: Gauge


@cache
def relay_metrics() -> RelayMetrics:
    return RelayMetrics(
        published=Counter(
            "taskhive_outbox_published_total", "Outbox events confirmed by the broker.", ["service"]
        ),
        failures=Counter(
            "taskhive_outbox_publish_failures_total",
            "Publishes the broker did not confirm (retried later).",
            ["service"],
        ),
        backlog=Gauge(
            "taskhive_outbox_backlog",
            "Outbox rows not yet published.",
            ["service"],
            multiprocess_mode="mostrecent",
        ),
        oldest_age=Gauge(
            "taskhive_outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none).",
            ["service"],
            multiprocess_mode="mostrecent",
        ),
        active=Gauge(
            "taskhive_relay_active",
            "1 while this relay holds the service's relay lock (0: hot standby).",
            ["service"],
            multiprocess_mode="mostrecent",
        ),
    )


@dataclass(frozen=True)
class ConsumerMetrics:
    handled: Counter
    duration: Histogram


@cache
def consumer_metrics() -> ConsumerMetrics:
    """`outcome` is applied, duplicate, retry or dead_letter (ProcessResult's outcomes)."""
    return ConsumerMetrics(
        handled=Counter(
            "taskhive_events_handled_total",
            "Events received by a consumer, by type and outcome.",
            ["consumer", "type", "outcome"],
        ),
        duration=Histogram(
            "taskhive_event_handler_duration_seconds",
            "Time to validate, apply and record one event.",
            ["consumer", "type"],
            buckets=LATENCY_BUCKETS,
        ),
    )


@dataclass(frozen=True)
class JobMetrics:
    runs: Counter
    duration: Histogram
    queue_depth: Gauge
    beat_last_run: Gauge
    beat_leader: Gauge


@cache
def job_metrics() -> JobMetrics:
    """`outcome` is Celery's end state of a run: SUCCESS, FAILURE, RETRY …"""
    return JobMetrics(
        runs=Counter(
            "taskhive_jobs_total", "Job runs, by job and end state.", ["service", "job", "outcome"]
        ),
        duration=Histogram(
            "taskhive_job_duration_seconds",
            "Time a job ran.",
            ["service", "job"],
            buckets=(*LATENCY_BUCKETS, 60.0, 300.0),
        ),
        queue_depth=Gauge(
            "taskhive_jobs_queue_depth",
            "Jobs waiting in the service's queue (read at scrape time).",
            ["service"],
            multiprocess_mode="mostrecent",
        ),
        beat_last_run=Gauge(
            "taskhive_beat_last_run_timestamp_seconds",
            "When the beat last sent each scheduled job (Unix time).",
            ["service", "job"],
            multiprocess_mode="mostrecent",
        ),
        beat_leader=Gauge(
            "taskhive_beat_leader",
            "1 while this beat holds the service's beat lock.",
            ["service"],
            multiprocess_mode="mostrecent",
        ),
    )


@dataclass(frozen=True)
class PoolMetrics:
    size: Gauge
    checked_out: Gauge
    overflow: Gauge
    connections: Gauge
    checkout: Histogram
    timeouts: Counter


@cache
def pool_metrics() -> PoolMetrics:
    """SQLAlchemy pools of the process, by pool name (the database role by default). In
    multiprocess mode the gauges add up over the live processes of one target (gunicorn's
    workers, Celery's children): the target's share of the database's connections."""
    return PoolMetrics(
        size=Gauge(
            "taskhive_db_pool_size",
            "Connections a pool keeps (its configured size; overflow comes on top).",
            ["pool"],
            multiprocess_mode="livesum",
        ),
        checked_out=Gauge(
            "taskhive_db_pool_checked_out",
            "Connections lent out by the pool right now.",
            ["pool"],
            multiprocess_mode="livesum",
        ),
        overflow=Gauge(
            "taskhive_db_pool_overflow",
            "Connections open beyond the pool's size (closed again when returned).",
            ["pool"],
            multiprocess_mode="livesum",
        ),
        connections=Gauge(
            "taskhive_db_connections_open",
            "Database connections the pool holds open (lent out or idle in it).",
            ["pool"],
            multiprocess_mode="livesum",
        ),
        checkout=Histogram(
            "taskhive_db_pool_checkout_seconds",
            "Time to get a connection from the pool: an idle one, a new one, or waiting.",
            ["pool"],
            buckets=(0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0),
        ),
        timeouts=Counter(
            "taskhive_db_pool_timeouts_total",
            "Checkouts that gave up waiting for a free connection (pool and overflow in use).",
            ["pool"],
        ),
    )
