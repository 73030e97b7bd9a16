"""RabbitMQ provisioning on the real broker: per-service users may publish only to their own
exchange, consumer queues exist before the first event is published, and an event no queue is
bound for is kept in its producer's unrouted queue."""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import pika.exceptions
import pytest

from taskhive_infra.broker import RabbitmqctlAdmin, declare_topology, service_amqp_url
from taskhive_infra.provision import DEFAULT_AMQP_ADMIN_URL, amqp_password, provision_broker
from taskhive_infra.services import SERVICES
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.messaging.rabbitmq import unrouted_events

CONTRACTS = Path(__file__).resolve().parents[2] / "shared/contracts"


@pytest.fixture(scope="module")
def vhost() -> Iterator[str]:
    name = f"taskhive_prov_{uuid.uuid4().hex[:8]}"
    provision_broker(DEFAULT_AMQP_ADMIN_URL, name, RabbitmqctlAdmin())
    yield name
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False, timeout=60)


def _channel(vhost: str, service: str) -> pika.adapters.blocking_connection.BlockingChannel:
    url = service_amqp_url(DEFAULT_AMQP_ADMIN_URL, service, amqp_password(service), vhost)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    return channel


def _registered() -> bytes:
    envelope = EventEnvelope("auth.user.registered.v1", "auth", "u1", {"user_id": "u1"})
    return json.dumps(envelope.to_dict()).encode()


def test_a_service_publishes_to_its_own_exchange_and_the_consumer_queue_already_exists(vhost):
    channel = _channel(vhost, "auth")
    channel.basic_publish("auth.events", "auth.user.registered.v1", _registered())
    users = _channel(vhost, "users")
    queue = users.queue_declare("users.auth-events", passive=True)
    assert queue.method.message_count == 1


def test_a_service_cannot_publish_to_another_services_exchange(vhost):
    channel = _channel(vhost, "users")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        channel.basic_publish("auth.events", "auth.user.registered.v1", _registered())
    assert refused.value.reply_code == 403


def test_a_service_cannot_read_another_services_queue(vhost):
    channel = _channel(vhost, "auth")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        channel.basic_get("users.auth-events")
    assert refused.value.reply_code == 403


def test_provisioning_is_idempotent(vhost):
    provision_broker(DEFAULT_AMQP_ADMIN_URL, vhost, RabbitmqctlAdmin())
    channel = _channel(vhost, "auth")
    assert channel.queue_declare("auth.users-events", passive=True).method.message_count == 0


def test_a_retired_queue_goes_when_empty_and_stays_while_messages_wait(vhost):
    admin = pika.BlockingConnection(pika.URLParameters(f"{DEFAULT_AMQP_ADMIN_URL}/{vhost}"))
    channel = admin.channel()
    channel.queue_declare("tasks.users-events", durable=True)
    channel.queue_declare("tasks.users-events.dlq", durable=True)
    channel.basic_publish("", "tasks.users-events.dlq", b"unfinished business")
    provision_broker(DEFAULT_AMQP_ADMIN_URL, vhost, RabbitmqctlAdmin())
    probe = admin.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        probe.queue_declare("tasks.users-events", passive=True)
    kept = admin.channel().queue_declare("tasks.users-events.dlq", passive=True)
    assert kept.method.message_count == 1
    admin.channel().queue_delete("tasks.users-events.dlq")
    admin.close()


def _envelope(event_type: str) -> tuple[str, bytes]:
    envelope = EventEnvelope(event_type, event_type.split(".")[0], "t1", {"task_id": "t1"})
    return envelope.type, json.dumps(envelope.to_dict()).encode()


def _depth(vhost: str, queue: str) -> int:
    admin = pika.BlockingConnection(pika.URLParameters(f"{DEFAULT_AMQP_ADMIN_URL}/{vhost}"))
    try:
        return int(admin.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        admin.close()


def _wait_depth(vhost: str, queue: str, expected: int) -> int:
    # Quorum queues count a confirmed message a moment after the confirm.
    deadline = time.monotonic() + 5
    while (depth := _depth(vhost, queue)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return depth


def test_an_event_no_queue_is_bound_for_lands_in_the_producers_unrouted_queue(vhost):
    before = _depth(vhost, "tasks.events.unrouted")
    routing_key, body = _envelope("tasks.task.nobody_binds_this.v1")
    channel = _channel(vhost, "tasks")  # as the relay publishes: the service's own user
    channel.basic_publish("tasks.events", routing_key, body)  # confirmed, as before
    assert _wait_depth(vhost, "tasks.events.unrouted", before + 1) == before + 1
    # The operator reads it through the service's own user, routing key and all.
    url = service_amqp_url(DEFAULT_AMQP_ADMIN_URL, "tasks", amqp_password("tasks"), vhost)
    [event] = [
        e for e in unrouted_events(url, "tasks.events", 100) if e["routing_key"] == routing_key
    ]
    assert json.loads(event["body"])["type"] == routing_key


def test_bound_and_declared_unconsumed_types_do_not_land_there(vhost):
    before = _depth(vhost, "tasks.events.unrouted")
    channel = _channel(vhost, "tasks")
    for event_type in ("tasks.task.assigned.v1", *SERVICES[2].unconsumed):
        routing_key, body = _envelope(event_type)
        channel.basic_publish("tasks.events", routing_key, body)
    # The consumed one reaching its queue (published after the others) means all were routed.
    deadline = time.monotonic() + 15
    while _depth(vhost, "tasks.events-in") < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _depth(vhost, "tasks.events-in") >= 1
    assert _depth(vhost, "tasks.events.unrouted") == before


def test_every_published_type_is_consumed_or_declared_without_consumer():
    """A new event type needs a decision: a consumer binds it, or the producer's `unconsumed`
    says it waits for consumers to come; otherwise it collects as unrouted."""
    bound = {
        t for s in SERVICES if s.topology for types in s.topology().bindings.values() for t in types
    }
    declared = {t for s in SERVICES for t in s.unconsumed}
    # Event types only (`<producer>.<aggregate>.<event>.v<N>`), not the shared pieces they
    # reference (such as `tasks.task-summary.json`).
    contracts = {
        p.name.removesuffix(".json")
        for p in CONTRACTS.glob("*.json")
        if re.fullmatch(r"[a-z]+\.[a-z_]+\.[a-z_]+\.v\d+", p.name.removesuffix(".json"))
    }
    assert len(contracts) >= 20
    assert contracts - bound - declared == set()
    assert bound & declared == set(), "a consumed type is no longer 'without consumer'"
    for spec in SERVICES:
        assert all(t.startswith(f"{spec.name}.") for t in spec.unconsumed)


def _declare_topology(vhost: str):
    """What provision_broker does over AMQP, without the slow rabbitmqctl steps."""
    return declare_topology(
        f"{DEFAULT_AMQP_ADMIN_URL}/{vhost}",
        [s.name for s in SERVICES],
        [s.topology() for s in SERVICES if s.topology is not None],
        {s.name: s.unconsumed for s in SERVICES},
    )


def test_an_exchange_provisioned_before_alternate_exchanges_is_migrated(vhost):
    admin = pika.BlockingConnection(pika.URLParameters(f"{DEFAULT_AMQP_ADMIN_URL}/{vhost}"))
    channel = admin.channel()
    channel.exchange_delete("tasks.events")  # as an earlier version declared it
    channel.exchange_declare("tasks.events", exchange_type="topic", durable=True)
    channel.queue_purge("tasks.events-in")
    channel.queue_purge("tasks.events.unrouted")
    admin.close()
    report = _declare_topology(vhost)
    assert report.migrated == ["tasks.events"]
    # Its consumer's binding came back, and what no one binds is caught.
    channel = _channel(vhost, "tasks")
    channel.basic_publish("tasks.events", *_envelope("tasks.task.assigned.v1"))
    channel.basic_publish("tasks.events", *_envelope("tasks.task.nobody_binds_this.v1"))
    assert _wait_depth(vhost, "tasks.events-in", 1) == 1
    assert _wait_depth(vhost, "tasks.events.unrouted", 1) == 1
    # Declaring again changes nothing, and reports the waiting event.
    again = _declare_topology(vhost)
    assert again.migrated == []
    assert again.unrouted["tasks.events.unrouted"] == 1
