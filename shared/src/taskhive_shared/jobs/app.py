"""The Celery app of one service: its own Redis database, queue and reliability settings.

Every job is acknowledged only when it has finished (`acks_late`) and is handed back to the
queue if its worker process dies (`task_reject_on_worker_lost`), so a job must be idempotent:
the services make a second run harmless with a unique row in their database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from celery import Celery

from taskhive_shared.observability.jobs import install_job_observability
from taskhive_shared.settings import CommonSettings

JobFunction = TypeVar("JobFunction", bound=Callable[..., Any])


def job(app: Celery, name: str, **options: Any) -> Callable[[JobFunction], JobFunction]:
    """`@job(app, "tasks.x")`: registers the function as a Celery task, keeping its type
    (Celery's own decorator is untyped)."""
    # shared=False: a second app in the same process (tests, embedded) keeps its own function.
    options.setdefault("shared", False)
    register_task: Callable[[Callable[..., Any]], Any] = app.task(name=name, **options)

    def decorator(function: JobFunction) -> JobFunction:
        register_task(function)
        return function

    return decorator


T = TypeVar("T")


def once_per_process(build: Callable[[], T]) -> Callable[[], T]:
    """`build()` on the first call in each process: a prefork worker child never inherits the
    parent's database connections, and importing the app connects to nothing."""
    built: dict[int, T] = {}
    lock = threading.Lock()

    def get() -> T:
        pid = os.getpid()
        with lock:
            if pid not in built:
                built.clear()
                built[pid] = build()
            return built[pid]

    return get


def job_queue(service: str) -> str:
    return f"{service}.jobs"


def create_jobs_app(
    service: str, settings: CommonSettings, schedule: Mapping[str, Mapping[str, Any]]
) -> Celery:
    """Without JOBS_BROKER_URL the app runs every job eagerly, in the calling process
    (`make run`, where an in-process beat drives the schedules)."""
    install_job_observability()
    app = Celery(service, set_as_current=False)
    eager = settings.jobs_broker_url is None
    hard_limit = settings.jobs_time_limit_seconds
    transport_options: dict[str, Any] = {
        "visibility_timeout": settings.jobs_visibility_timeout_seconds
    }
    if settings.jobs_key_prefix:
        transport_options["global_keyprefix"] = settings.jobs_key_prefix
    app.conf.update(
        broker_url=settings.jobs_broker_url or "memory://",
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        task_always_eager=eager,
        task_eager_propagates=True,
        task_default_queue=job_queue(service),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_time_limit=hard_limit,
        task_soft_time_limit=max(1, int(hard_limit * 0.9)),
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # One job at a time per process: a long job never holds others it prefetched.
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=dict(schedule),
    )
    return app


def short_name(service: str, task_name: str) -> str:
    prefix = f"{service}."
    return task_name[len(prefix) :] if task_name.startswith(prefix) else task_name


def service_jobs(app: Celery, service: str) -> dict[str, str]:
    """Short job name (`check_overdue_tasks`) → Celery task name (`tasks.check_overdue_tasks`)."""
    return {
        short_name(service, name): name
        for name in sorted(app.tasks)
        if name.startswith(f"{service}.")
    }
