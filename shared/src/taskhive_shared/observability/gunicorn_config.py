"""gunicorn's settings module for the service APIs (`-c python:<this module>`): with
`PROMETHEUS_MULTIPROC_DIR` set, every worker writes its metrics there, and a worker that exits
stops counting in the live gauges."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from taskhive_shared.observability.metrics import (
    MULTIPROC_ENV,
    PROCESS_ROOT_ENV,
    mark_process_dead,
)


def child_exit(_server: Any, worker: Any) -> None:
    mark_process_dead(int(worker.pid))


def on_starting(_server: Any) -> None:
    """A fresh multiprocess directory: files of an earlier run's workers would count twice."""
    directory = os.environ.get(MULTIPROC_ENV)
    # The workers' scrapes measure the master and all its workers (process_* metrics).
    os.environ[PROCESS_ROOT_ENV] = str(os.getpid())
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
