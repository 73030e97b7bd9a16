"""Faults injected into a running stack (DESIGN §8): processes killed, the broker stopped.

First the supervision of `make stack`: each of the tasks relay, consumer, Celery worker and
gunicorn master is SIGKILLed in turn; it comes back, and the gateway answers all along (the tasks
API with a 503 problem+json while it has no live server, never a refused connection).

Then, under a bounded write load through the gateway (threads creating a task and assigning a
colleague, each assignment one event and one email), each fault in turn: SIGKILL of the tasks
relay, of the tasks consumer, of the tasks Celery worker's pool process (the job it was running
goes back to the queue), and RabbitMQ stopped for 10 s. Each time: every 201 is exactly one task,
the outboxes drain, every assignment gives exactly one notification row and exactly one email,
and the API answered only 2xx or 503 problem+json meanwhile. Recovery times are recorded
(docs/operations.md, "Fault suite")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pika
import psycopg
import pytest
import requests

from taskhive_infra.stack import BIN, StackConfig, service_env
from taskhive_shared.events.relay import relay_is_active
from tests.e2e.conftest import Stack
from tests.e2e.journeys import PROBLEM, bearer
from tests.e2e.processes import alive, children
from tests.faults.conftest import (
    FAULT_RESULTS,
    Database,
    Team,
    WriteLoad,
    current_pid,
    server_up,
    stack_events,
    until,
)

BROKER_DOWN_SECONDS = 10.0
WARM_UP_SECONDS = 2.0
LOAD_AFTER_FAULT_SECONDS = 3.0
RECOVERY_TIMEOUT = 120.0


# --- supervision ---------------------------------------------------------------------------------


@dataclass
class GatewayProbe:
    """Asks the gateway for a tasks page and the JWKS every 100 ms; keeps every answer."""

    stack: Stack
    team: Team
    answers: list[tuple[str, int | None, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> GatewayProbe:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _run(self) -> None:
        client = self.stack.client()
        paths = [
            ("/api/v1/tasks/?limit=1", bearer(self.team.token)),
            ("/api/v1/auth/jwks.json", {}),
        ]
        while not self._stop.is_set():
            for path, headers in paths:
                try:
                    response = client.get(path, headers=headers, timeout=40)
                except requests.RequestException as exc:
                    self.answers.append((path, None, repr(exc)))
                    continue
                self.answers.append(
                    (path, response.status_code, response.headers.get("Content-Type", ""))
                )
            self._stop.wait(0.1)

    def unexpected(self) -> list[tuple[str, int | None, str]]:
        return [
            answer
            for answer in self.answers
            if answer[1] is None
            or not (200 <= answer[1] < 300 or (answer[1] == 503 and PROBLEM in answer[2]))
        ]


def _relay_active(database: Database) -> bool:
    with psycopg.connect(database.url, autocommit=True) as connection:
        return relay_is_active(connection, "tasks")


def _consumers(stack: Stack, queue: str = "tasks.events-in") -> int:
    url = f"amqp://guest:guest@127.0.0.1:5672/{stack.vhost}"
    try:
        connection = pika.BlockingConnection(pika.URLParameters(url))
    except pika.exceptions.AMQPError:
        return 0
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.consumer_count)
    finally:
        connection.close()


def _serves_tasks(team: Team) -> bool:
    # A request that reaches the restarted gunicorn before its workers have booted waits in its
    # listen queue (up to the gateway's `timeout server`, then a 504 problem+json).
    response = team.client.get("/api/v1/tasks/?limit=1", headers=bearer(team.token), timeout=40)
    return response.status_code == 200


@pytest.mark.parametrize("name", ["tasks-relay", "tasks-consume", "tasks-worker", "tasks-api"])
def test_a_killed_process_comes_back_while_the_gateway_answers(
    stack: Stack, team: Team, database: Database, name: str
) -> None:
    ready: dict[str, Callable[[], bool]] = {
        "tasks-relay": lambda: _relay_active(database),
        "tasks-consume": lambda: _consumers(stack) >= 1,
        "tasks-worker": lambda: True,  # its jobs are proven by the event path test below
        # Served, and the gateway's health checks agree (a check that timed out while the
        # workers booted takes the server out of rotation until two checks pass again).
        "tasks-api": lambda: _serves_tasks(team) and server_up(stack, "be_tasks"),
    }
    before = current_pid(stack, name)
    probe = GatewayProbe(stack, team).start()
    time.sleep(0.5)
    killed_at = time.monotonic()
    os.kill(before, signal.SIGKILL)
    after = current_pid(stack, name, other_than=before)
    respawned_s = time.monotonic() - killed_at
    until(ready[name], RECOVERY_TIMEOUT, f"{name} ready again", interval=0.1)
    ready_s = time.monotonic() - killed_at
    time.sleep(0.5)
    probe.stop()

    assert probe.answers, "the probe reached the gateway"
    assert probe.unexpected() == [], f"the gateway answered otherwise: {probe.unexpected()[:5]}"
    assert not alive(before)
    [*_, exited] = stack_events(stack, "process exited", name)
    assert exited["pid"] == before
    assert exited["signal"] == "SIGKILL"
    assert exited["restart_in_s"] > 0
    [*_, restarted] = stack_events(stack, "process restarted", name)
    assert restarted["pid"] == after
    unavailable = sum(1 for _, status, _ in probe.answers if status == 503)
    FAULT_RESULTS[f"supervision {name}"] = {
        "respawned_s": round(respawned_s, 1),
        "ready_s": round(ready_s, 1),
        "gateway_answers": len(probe.answers),
        "gateway_503": unavailable,
    }


def test_after_the_kills_an_assignment_still_reaches_the_mailbox(stack: Stack, team: Team) -> None:
    until(lambda: server_up(stack, "be_tasks"), RECOVERY_TIMEOUT, "the tasks API in rotation")
    title = f"after-kills-{uuid.uuid4().hex[:8]}"
    created = team.create(title)
    assert created.status_code == 201, created.text
    assert team.assign(created.json()["id"]).status_code == 200
    until(lambda: team.emails().get(title) == 1, RECOVERY_TIMEOUT, "the assignment email")


# --- faults under load ---------------------------------------------------------------------------


def _kill(stack: Stack, name: str) -> Callable[[], None]:
    def inject() -> None:
        os.kill(current_pid(stack, name), signal.SIGKILL)

    return inject


def _kill_worker_pool_process(stack: Stack) -> None:
    worker = current_pid(stack, "tasks-worker")
    pool = until(lambda: children(worker), 60, "the Celery pool process")
    os.kill(pool[0].pid, signal.SIGKILL)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, timeout=120)


def _stop_broker() -> None:
    _rabbitmqctl("stop_app")


def _start_broker() -> None:
    _rabbitmqctl("start_app")
    _rabbitmqctl("await_startup")


FAULTS: dict[str, tuple[Callable[[Stack], Callable[[], None]], Callable[[], None] | None]] = {
    "relay killed": (lambda stack: _kill(stack, "tasks-relay"), None),
    "consumer killed": (lambda stack: _kill(stack, "tasks-consume"), None),
    "worker pool process killed": (lambda stack: lambda: _kill_worker_pool_process(stack), None),
    "broker stopped 10 s": (lambda stack: _stop_broker, _start_broker),
}


def _sent(database: Database, task_ids: list[str]) -> int:
    return int(
        database.scalar(
            "SELECT count(*) FROM tasks.notifications WHERE task_id = ANY(%s::uuid[])"
            " AND status = 'sent'",
            task_ids,
        )
    )


def _sweep_if_stranded(stack: Stack, database: Database, task_ids: list[str], expected: int) -> int:
    """Waits for every notification to be sent. A consumer killed between its commit (the
    notification rows and the inbox row) and the enqueue of the delivery job (in Redis) leaves
    rows `pending` that no job will deliver: the redelivered event is a duplicate for the inbox.
    The `tasks.retry_stale_notifications` sweeper hands them over after 10 minutes; this does
    what it would do, at once, with the operator's `jobs run`. Returns how many it handed over."""
    try:
        until(lambda: _sent(database, task_ids) >= expected, 30, "every notification sent")
        return 0
    except AssertionError:
        pass
    stranded = [
        row[0]
        for row in database.rows(
            "SELECT id::text FROM tasks.notifications WHERE task_id = ANY(%s::uuid[])"
            " AND status = 'pending' AND attempts = 0",
            task_ids,
        )
    ]
    env = service_env(StackConfig.from_env(stack.env), stack.env)
    kwargs = json.dumps({"notification_ids": stranded})
    subprocess.run(
        [str(BIN / "tasks-service"), "jobs", "run", "deliver_notifications", "--kwargs", kwargs],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    until(lambda: _sent(database, task_ids) >= expected, 30, "every notification sent")
    return len(stranded)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_under_load_nothing_is_lost_and_nothing_doubled(
    stack: Stack, team: Team, database: Database, fault: str
) -> None:
    inject, restore = FAULTS[fault]
    until(lambda: server_up(stack, "be_tasks"), RECOVERY_TIMEOUT, "the tasks API in rotation")
    label = f"f{uuid.uuid4().hex[:6]}"
    probe_title = f"{label}-probe"
    probe = team.create(probe_title)
    assert probe.status_code == 201, probe.text

    started = time.monotonic()
    load = WriteLoad(stack, team, label).start()
    injected = restored = False
    try:
        time.sleep(WARM_UP_SECONDS)
        injected = True
        inject(stack)()
        # An assignment made at the moment of the fault: its email measures the recovery.
        assigned = team.assign(probe.json()["id"])
        assert assigned.status_code == 200, assigned.text
        if restore is not None:
            time.sleep(BROKER_DOWN_SECONDS)
            restored = True
            restore()
        recovered_from = time.monotonic()
        time.sleep(LOAD_AFTER_FAULT_SECONDS)
    finally:
        if restore is not None and injected and not restored:
            restore()  # never leave the broker down, whatever failed
        load.stop()
    load_s = time.monotonic() - started

    until(lambda: team.emails().get(probe_title), RECOVERY_TIMEOUT, "the probe's email")
    recovery_s = time.monotonic() - recovered_from
    # Everything written has gone through: outboxes drained, every notification sent.
    created, assigned_titles = load.created(), load.assigned()
    task_ids = list(created.values())
    until(lambda: database.unpublished() == 0, RECOVERY_TIMEOUT, "outboxes drained")
    awaiting_sweeper = _sweep_if_stranded(stack, database, task_ids, len(assigned_titles))
    drained_s = time.monotonic() - recovered_from
    time.sleep(1.0)  # a duplicate would arrive within this

    # The API answered only 2xx or 503 problem+json.
    assert load.unexpected() == [], load.unexpected()[:5]
    # Every 201 is exactly one task, and nothing was created twice.
    rows = database.rows(
        "SELECT id::text, title FROM tasks.tasks WHERE title LIKE %s", f"{label}-%"
    )
    titles = [title for _, title in rows]
    assert len(titles) == len(set(titles)), "a task created twice"
    by_title = dict((title, task_id) for task_id, title in rows)
    assert {t: by_title.get(t) for t in created} == created, "a 201 without its task"
    assert len(rows) == len(created) + 1, "a task without its 201 (the probe aside)"
    # Each assignment event applied once: one notification row per assignment, all sent.
    notifications = database.rows(
        "SELECT task_id::text, count(*), min(status), max(status) FROM tasks.notifications"
        " WHERE task_id = ANY(%s::uuid[]) AND notification_type = 'task_assigned'"
        " GROUP BY task_id",
        task_ids,
    )
    per_task = {task_id: (count, low, high) for task_id, count, low, high in notifications}
    assert {created[t]: per_task.get(created[t]) for t in assigned_titles} == {
        created[t]: (1, "sent", "sent") for t in assigned_titles
    }
    assert set(per_task) == {created[t] for t in assigned_titles}
    # Each email once, as the colleague sees it: one Message-ID per assignment.
    emails = team.emails()
    assert {t: emails.get(t, 0) for t in assigned_titles} == dict.fromkeys(assigned_titles, 1)
    assert emails[probe_title] == 1
    # Delivery is at-least-once with a stable Message-ID (ADR 0014): a worker killed after
    # the SMTP server accepted a message and before its row turned `sent` hands that same
    # message over again. Only that fault may do so, and only once.
    # The mailbox is shared by the module's tests: count this test's titles only.
    ours = [*assigned_titles, probe_title]
    deliveries = {t: n for t, n in team.deliveries().items() if t in ours}
    handed_over_again = sum(deliveries.values()) - sum(emails.get(t, 0) for t in ours)
    doubled_handovers = {t: n for t, n in deliveries.items() if n > 1}
    assert handed_over_again <= (1 if fault == "worker pool process killed" else 0), (
        doubled_handovers
    )

    statuses: dict[str, int] = {}
    for outcome in load.outcomes:
        key = str(outcome.status)
        statuses[key] = statuses.get(key, 0) + 1
    FAULT_RESULTS[fault] = {
        "requests": len(load.outcomes),
        "statuses": statuses,
        "tasks_created": len(created),
        "assignments": len(assigned_titles),
        "emails": sum(emails.get(t, 0) for t in assigned_titles),
        "lost": 0,
        "doubled": 0,
        "handed_over_again": handed_over_again,
        "awaiting_sweeper": awaiting_sweeper,
        "recovery_s": round(recovery_s, 1),
        "drained_s": round(drained_s, 1),
        "load_s": round(load_s, 1),
    }
