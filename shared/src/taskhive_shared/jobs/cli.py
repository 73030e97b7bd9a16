"""`<service>-service jobs worker|beat|run|list`: the job processes and the operator's trigger."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from celery import Celery, signals
from redis import Redis

from taskhive_shared.jobs.app import job_queue, service_jobs
from taskhive_shared.jobs.beat import BeatLeadership, beat_lock_name, run_beat
from taskhive_shared.observability.jobs import mark_beat_process
from taskhive_shared.observability.metrics import (
    MULTIPROC_ENV,
    enable_multiprocess,
    job_metrics,
    mark_process_dead,
)
from taskhive_shared.observability.probe import NotReady, start_probe
from taskhive_shared.settings import CommonSettings


@dataclass(frozen=True)
class JobsWiring:
    service: str
    app: Celery
    broker_url: str | None
    key_prefix: str = ""

    @classmethod
    def of(cls, service: str, app: Celery, settings: CommonSettings) -> JobsWiring:
        return cls(service, app, settings.jobs_broker_url, settings.jobs_key_prefix)


def job_commands(load: Callable[[], JobsWiring]) -> click.Group:
    @click.group()
    def jobs() -> None:
        """Background jobs: the worker, the beat (one per service) and manual runs."""

    @jobs.command()
    @click.option("--concurrency", type=click.IntRange(1, 64), default=None)
    @click.option("--loglevel", default="INFO", show_default=True)
    def worker(concurrency: int | None, loglevel: str) -> None:
        """Run a Celery worker on this service's queue (SIGTERM: finish the job, then stop)."""
        wiring = _require_broker(load())
        _start_worker_probe(wiring)
        argv = ["worker", "-Q", job_queue(wiring.service), f"--loglevel={loglevel}"]
        argv += ["-n", f"{wiring.service}@%h", "--without-gossip", "--without-mingle"]
        if concurrency is not None:
            argv.append(f"--concurrency={concurrency}")
        wiring.app.worker_main(argv)

    @jobs.command()
    @click.option(
        "--schedule-file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path(".data/beat/schedule.db"),
        show_default=True,
        help="Where beat remembers the last run of each entry.",
    )
    @click.option("--lock-ttl", type=click.FloatRange(3, 600), default=30.0, show_default=True)
    @click.option("--loglevel", default="INFO", show_default=True)
    def beat(schedule_file: Path, lock_ttl: float, loglevel: str) -> None:
        """Run the scheduler; a second one waits as standby until the first stops."""
        wiring = _require_broker(load())
        assert wiring.broker_url is not None
        redis = Redis.from_url(wiring.broker_url)
        leadership = BeatLeadership(
            redis, beat_lock_name(wiring.service, wiring.key_prefix), lock_ttl
        )
        mark_beat_process()
        start_probe({"redis": lambda: _ping(redis), "beat": leadership.progress.check})
        run_beat(wiring.app, leadership, schedule_file, loglevel)

    @jobs.command("list")
    def list_jobs() -> None:
        """The jobs this service offers, and their schedules."""
        wiring = load()
        schedules = {
            entry["task"]: str(entry["schedule"])
            for entry in wiring.app.conf.beat_schedule.values()
        }
        for short, full in service_jobs(wiring.app, wiring.service).items():
            click.echo(f"{short}\t{schedules.get(full, 'on demand')}")

    @jobs.command("run")
    @click.argument("name")
    @click.option("--kwargs", "kwargs_json", default="{}", help="JSON object of arguments.")
    @click.option(
        "--enqueue", is_flag=True, help="Hand the job to the workers instead of running it here."
    )
    def run(name: str, kwargs_json: str, enqueue: bool) -> None:
        """Run one job now, in this process (or --enqueue it for the workers)."""
        wiring = load()
        known = service_jobs(wiring.app, wiring.service)
        if name not in known:
            raise click.BadParameter(f"unknown job; one of: {', '.join(known)}", param_hint="NAME")
        try:
            kwargs = json.loads(kwargs_json)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="--kwargs") from exc
        if not isinstance(kwargs, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--kwargs")
        task = wiring.app.tasks[known[name]]
        if enqueue:
            _require_broker(wiring)
            click.echo(f"{name}: enqueued as {task.apply_async(kwargs=kwargs).id}")
            return
        result = task.apply(kwargs=kwargs, throw=True)
        click.echo(f"{name}: {json.dumps(result.result, default=str)}")

    return jobs


def _ping(redis: Redis) -> None:
    redis.ping()


def _start_worker_probe(wiring: JobsWiring) -> None:
    """The worker's probe: ready once Celery says so and while its Redis answers; `/metrics`
    adds up the prefork children's job metrics (multiprocess mode, a fresh directory unless
    PROMETHEUS_MULTIPROC_DIR names one) and reads the queue's depth."""
    directory = os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="taskhive-metrics-")
    enable_multiprocess(Path(directory))
    assert wiring.broker_url is not None
    redis = Redis.from_url(wiring.broker_url)
    ready = threading.Event()
    signals.worker_ready.connect(lambda **_: ready.set(), weak=False)
    signals.worker_shutting_down.connect(lambda **_: ready.clear(), weak=False)
    signals.worker_process_shutdown.connect(
        lambda pid=None, **_: mark_process_dead(pid or os.getpid()), weak=False
    )
    queue_key = f"{wiring.key_prefix}{job_queue(wiring.service)}"

    def worker_ready() -> None:
        if not ready.is_set():
            raise NotReady("worker not started")

    def queue_depth() -> None:
        depth = int(redis.llen(queue_key))
        job_metrics().queue_depth.labels(wiring.service).set(depth)

    start_probe({"worker": worker_ready, "redis": lambda: _ping(redis)}, collect=queue_depth)


def _require_broker(wiring: JobsWiring) -> JobsWiring:
    if wiring.broker_url is None:
        raise click.UsageError("set <SERVICE>_JOBS_BROKER_URL (a Redis database) first")
    return wiring
