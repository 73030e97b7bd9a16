"""The `make stack` runner as a process manager, on real child processes: a child that exits is
restarted with capped exponential back-off, each exit and restart is one JSON log line, the
other children keep running, and nothing outlives the runner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from taskhive_infra.stack import RestartPolicy, Supervisor

PYTHON = sys.executable
FAST = RestartPolicy(initial=0.1, maximum=0.4, reset_after=1.5)


def _events(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _until(condition: Callable[[], bool], supervisor: Supervisor | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if supervisor is not None:
            supervisor.poll()
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def supervisor() -> Iterator[Supervisor]:
    running = Supervisor(FAST)
    yield running
    running.stop(timeout=5)


def test_policy_doubles_up_to_the_cap_and_resets_after_a_long_run() -> None:
    policy = RestartPolicy(initial=0.5, maximum=30, reset_after=60)
    delays: list[float] = []
    delay = None
    for _ in range(9):
        delay = policy.next_delay(delay, uptime=1.0)
        delays.append(delay)
    assert delays == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]
    assert policy.next_delay(30, uptime=61.0) == 0.5


def test_a_crashing_child_is_restarted_with_growing_delays_and_logged(
    supervisor: Supervisor, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor.start("crasher", [PYTHON, "-c", "raise SystemExit(3)"], os.environ)
    _until(lambda: supervisor.children["crasher"].restarts >= 4, supervisor, timeout=10)
    events = _events(capsys)
    exits = [e for e in events if e["message"] == "process exited"]
    restarts = [e for e in events if e["message"] == "process restarted"]
    assert [e["restart_in_s"] for e in exits[:4]] == [0.1, 0.2, 0.4, 0.4]
    assert all(e["exit_code"] == 3 and e["signal"] is None for e in exits)
    assert all(e["process"] == "crasher" and e["logger"] == "taskhive-stack" for e in exits)
    assert [e["restarts"] for e in restarts[:4]] == [1, 2, 3, 4]
    assert all(isinstance(e["pid"], int) for e in restarts)


def test_a_killed_child_comes_back_and_the_others_keep_running(
    supervisor: Supervisor, capsys: pytest.CaptureFixture[str]
) -> None:
    sleeper = [PYTHON, "-c", "import time; time.sleep(60)"]
    supervisor.start("victim", sleeper, os.environ)
    supervisor.start("bystander", sleeper, os.environ)
    victim, bystander = supervisor.pid("victim"), supervisor.pid("bystander")
    assert victim is not None
    assert bystander is not None
    os.kill(victim, signal.SIGKILL)
    _until(lambda: supervisor.pid("victim") not in (None, victim), supervisor, timeout=5)
    assert supervisor.pid("bystander") == bystander
    assert _alive(bystander)
    [exited] = [e for e in _events(capsys) if e["message"] == "process exited"]
    assert exited["process"] == "victim"
    assert exited["signal"] == "SIGKILL"
    assert exited["exit_code"] is None
    assert exited["restart_in_s"] == FAST.initial


def test_the_back_off_starts_again_once_a_child_stayed_up(
    supervisor: Supervisor, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Exits at once twice (delays 0.1, 0.2), then stays up past reset_after and exits again.
    marker = tmp_path / "runs"
    script = textwrap.dedent(
        f"""
        import pathlib, time
        marker = pathlib.Path({str(marker)!r})
        runs = int(marker.read_text()) if marker.exists() else 0
        marker.write_text(str(runs + 1))
        if runs == 2:
            time.sleep({FAST.reset_after + 0.3})
        raise SystemExit(1)
        """
    )
    supervisor.start("flappy", [PYTHON, "-c", script], os.environ)
    _until(lambda: supervisor.children["flappy"].restarts >= 3, supervisor, timeout=15)
    delays = [e["restart_in_s"] for e in _events(capsys) if e["message"] == "process exited"]
    assert delays[:3] == [0.1, 0.2, 0.1]


def test_what_a_dead_child_leaves_behind_dies_with_it(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    """Like gunicorn's workers after their master was SIGKILLed: they would hold its port."""
    pid_file = tmp_path / "worker.pid"
    script = (
        "import pathlib, subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"pathlib.Path({str(pid_file)!r}).write_text(str(p.pid)); time.sleep(60)"
    )
    supervisor.start("master", [PYTHON, "-c", script], os.environ)
    _until(lambda: pid_file.exists() and pid_file.read_text() != "", None, timeout=5)
    worker = int(pid_file.read_text())
    master = supervisor.pid("master")
    assert master is not None
    assert _alive(worker)
    os.kill(master, signal.SIGKILL)
    _until(lambda: not _alive(worker), supervisor, timeout=5)


def test_stop_ends_every_child_and_cancels_pending_restarts(supervisor: Supervisor) -> None:
    supervisor.start("sleeper", [PYTHON, "-c", "import time; time.sleep(60)"], os.environ)
    supervisor.start("crasher", [PYTHON, "-c", "raise SystemExit(1)"], os.environ)
    _until(lambda: supervisor.children["crasher"].exits != [], supervisor, timeout=5)
    sleeper = supervisor.pid("sleeper")
    assert sleeper is not None
    supervisor.stop(timeout=5)
    assert not _alive(sleeper)
    restarts = supervisor.children["crasher"].restarts
    time.sleep(FAST.initial * 3)
    supervisor.poll()
    assert supervisor.children["crasher"].restarts == restarts


def test_no_child_outlives_a_runner_killed_with_sigkill() -> None:
    runner = textwrap.dedent(
        """
        import os, sys
        from taskhive_infra.stack import Supervisor
        supervisor = Supervisor()
        sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
        supervisor.start("sleeper", sleeper, os.environ)
        print(supervisor.pid("sleeper"), flush=True)
        supervisor.supervise()
        """
    )
    process = subprocess.Popen([PYTHON, "-c", runner], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        child = next(int(line) for line in process.stdout if line.strip().isdigit())
        assert _alive(child)
        process.kill()
        process.wait()
        _until(lambda: not _alive(child), None, timeout=5)
    finally:
        process.kill()
        process.wait()
