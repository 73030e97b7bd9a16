"""RabbitMQ provisioning on the real broker: per-service users may publish only to their own
exchange, and consumer queues exist before the first event is published."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator

import pika
import pika.exceptions
import pytest

from taskhive_infra.broker import RabbitmqctlAdmin, service_amqp_url
from taskhive_infra.provision import DEFAULT_AMQP_ADMIN_URL, amqp_password, provision_broker
from taskhive_shared.events.envelope import EventEnvelope


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
