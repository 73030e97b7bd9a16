"""The outbox as the task aggregate fills it (one transaction with the state, every row valid
against its contract), and its events on a real RabbitMQ: the tasks consumer's queue gets
what it binds and nothing else. Plus the Redis denylist the API consults."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pika
import pytest
import sqlalchemy as sa

from taskhive_shared.events.consumer import Outcome
from taskhive_shared.events.contracts import ContractRegistry, ContractViolation
from taskhive_shared.events.relay import envelope_of
from taskhive_shared.ids import uuid7
from taskhive_shared.messaging.rabbitmq import PikaPublisher
from tasks_service.application.integration import EMITTED_TYPES
from tasks_service.bootstrap import consumer_topology
from tasks_service.domain.model import Status, Task, TaskFields
from tasks_service.entrypoints.events import QUEUE, TASKS_EXCHANGE, USERS_EXCHANGE

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)


def outbox_of(admin_engine, task_id: uuid.UUID) -> list[Any]:
    with admin_engine.connect() as connection:
        return list(
            connection.execute(
                sa.text("SELECT * FROM tasks.outbox WHERE subject = :s ORDER BY seq"),
                {"s": str(task_id)},
            )
        )


def new_task(**fields: Any) -> Task:
    return Task.create(
        task_id=uuid7(),
        fields=TaskFields(**({"title": "Outboxed"} | fields)),
        created_by=uuid7(),
        at=NOW,
        assignee_ids=(uuid7(),),
    )


def test_a_whole_life_of_a_task_writes_every_type_each_valid(tasks_runtime, admin_engine) -> None:
    task, actor, later = new_task(due_date=NOW + timedelta(hours=1)), uuid7(), NOW
    blocker = new_task(title="Blocker")
    policy = uuid7()
    steps = [
        lambda t: t.link_dependency(t.id, blocker.id, by=actor, at=later),
        lambda t: t.unlink_dependency(t.id, blocker.id, by=actor, at=later),
        lambda t: t.update(TaskFields(title="Renamed"), ["title"], by=actor, at=later),
        lambda t: t.update(TaskFields(status=Status.IN_PROGRESS), ["status"], by=actor, at=later),
        lambda t: t.assign([uuid7()], by=actor, at=later),
        lambda t: t.unassign(t.assignee_ids[0], by=actor, at=later),
        lambda t: t.add_comment(comment_id=uuid7(), body="note", by=actor, at=later),
        lambda t: t.remind_due_soon(later),
        lambda t: t.mark_overdue(later + timedelta(hours=2)),
        lambda t: t.sla_at_risk(policy, later, later, later),
        lambda t: t.escalate_sla_breach(policy, later, later, [actor], later),
        lambda t: t.republish(later, [(NOW, "todo"), (later, "in_progress")]),
        lambda t: t.archive(by=actor, at=later),
        lambda t: t.restore(by=actor, at=later),
        lambda t: t.archive(by=actor, at=later),
        lambda t: t.purge(later),
    ]
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.add(task)
        uow.tasks.add(blocker)
        uow.commit()
    for step in steps:
        with tasks_runtime.unit_of_work() as uow:
            loaded = uow.tasks.get_for_update(task.id)
            result = step(loaded)
            if hasattr(result, "body"):
                uow.comments.add(result)
            uow.commit()
    rows = outbox_of(admin_engine, task.id)
    assert {row.type for row in rows} == set(EMITTED_TYPES)
    registry = ContractRegistry()
    for row in rows:
        registry.validate(row.type, row.data)
        assert (row.source, row.subject) == ("tasks", str(task.id))


def test_each_event_carries_the_version_the_change_left(tasks_runtime, admin_engine) -> None:
    task = new_task()
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.add(task)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(task.id).update(
            TaskFields(title="Two"), ["title"], by=uuid7(), at=NOW
        )
        uow.commit()
    versions = [(row.type, row.data["version"]) for row in outbox_of(admin_engine, task.id)]
    assert versions == [
        ("tasks.task.created.v1", 1),
        ("tasks.task.assigned.v1", 1),
        ("tasks.task.updated.v1", 2),
    ]


def test_a_unit_of_work_left_without_commit_writes_no_event(tasks_runtime, admin_engine) -> None:
    task = new_task()
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.add(task)
        from tasks_service.application.recording import record_changes

        record_changes(uow)
    assert outbox_of(admin_engine, task.id) == []


def test_the_writer_refuses_a_payload_its_contract_does_not_allow(
    tasks_runtime, admin_engine
) -> None:
    subject = str(uuid7())
    with tasks_runtime.unit_of_work() as uow, pytest.raises(ContractViolation):
        uow.outbox.add_event("tasks.task.archived.v1", subject, {"task_id": subject})
    with admin_engine.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM tasks.outbox WHERE subject = :s"), {"s": subject}
        ).scalar_one()
    assert count == 0


def test_events_carry_the_request_id_as_their_correlation_id(
    client, make_user, admin_engine
) -> None:
    ann = make_user()
    request_id = f"req-{uuid.uuid4().hex}"
    created = client.post(
        "/api/v1/tasks", json={"title": "Traced"}, headers=ann.headers(X_Request_ID=request_id)
    )
    assert created.headers["X-Request-ID"] == request_id
    [row] = outbox_of(admin_engine, uuid.UUID(created.get_json()["id"]))
    assert row.correlation_id == request_id


# --- RabbitMQ --------------------------------------------------------------------------------


@pytest.fixture
def broker(amqp_url):
    """The tasks consumer's queue declared (and emptied) on a vhost of this run's own."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    for exchange in consumer_topology().bindings:
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    consumer_topology().declare(channel)
    channel.queue_purge(QUEUE)
    publisher = PikaPublisher(amqp_url)
    yield channel, publisher
    publisher.close()
    connection.close()


def received(channel, wanted: int, timeout: float = 5.0) -> list[bytes]:
    """The bodies waiting in the tasks queue, once `wanted` of them arrived (or the time is up)."""
    bodies: list[bytes] = []
    deadline = time.monotonic() + timeout
    while len(bodies) < wanted and time.monotonic() < deadline:
        method, _, body = channel.basic_get(QUEUE, auto_ack=True)
        if method is None:
            time.sleep(0.02)
            continue
        bodies.append(body)
    return bodies


def _stored_rows(tasks_runtime, admin_engine) -> tuple[Task, list[Any]]:
    task = new_task()
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.add(task)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(task.id).update(
            TaskFields(title="Edited"), ["title"], by=uuid7(), at=NOW
        )
        uow.commit()
    return task, outbox_of(admin_engine, task.id)


def test_outbox_events_the_consumer_binds_reach_its_queue_intact(
    broker, tasks_runtime, admin_engine
) -> None:
    channel, publisher = broker
    _, rows = _stored_rows(tasks_runtime, admin_engine)
    created = next(row for row in rows if row.type == "tasks.task.created.v1")
    publisher.publish(TASKS_EXCHANGE, envelope_of(created))
    [body] = received(channel, 1)
    message = json.loads(body)
    assert (message["id"], message["type"], message["subject"]) == (
        str(created.id),
        "tasks.task.created.v1",
        created.subject,
    )
    assert message["data"] == created.data


def test_events_the_consumer_does_not_bind_never_reach_its_queue(
    broker, tasks_runtime, admin_engine
) -> None:
    channel, publisher = broker
    _, rows = _stored_rows(tasks_runtime, admin_engine)
    # The unbound `updated` goes first: once the later ones are in, it would be too.
    ordered = sorted(rows, key=lambda row: row.type != "tasks.task.updated.v1")
    assert ordered[0].type == "tasks.task.updated.v1"
    for row in ordered:
        publisher.publish(TASKS_EXCHANGE, envelope_of(row))
    types = [json.loads(body)["type"] for body in received(channel, 2)]
    assert types == ["tasks.task.created.v1", "tasks.task.assigned.v1"]
    assert channel.basic_get(QUEUE, auto_ack=True)[0] is None


def test_a_users_event_through_the_broker_reaches_the_replica(
    broker, processor, build, tasks_runtime
) -> None:
    channel, publisher = broker
    user_id = uuid7()
    envelope = build.event("users.user.created.v1", str(user_id), build.user(user_id, "manager"))
    publisher.publish(USERS_EXCHANGE, envelope)
    [body] = received(channel, 1)
    assert processor.process(body).outcome is Outcome.APPLIED
    with tasks_runtime.unit_of_work() as uow:
        assert uow.replica.actor(user_id).role == "manager"


# --- Redis -----------------------------------------------------------------------------------


def test_a_token_denied_in_redis_opens_nothing(client, make_user, tasks_runtime) -> None:
    import jwt

    ann = make_user()
    assert client.get("/api/v1/tasks", headers=ann.auth).status_code == 200
    claims = jwt.decode(ann.token, options={"verify_signature": False})
    tasks_runtime.denylist.deny(claims["jti"], claims["exp"])
    response = client.get("/api/v1/tasks", headers=ann.auth)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
