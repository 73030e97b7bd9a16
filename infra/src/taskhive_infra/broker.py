"""RabbitMQ provisioning: a virtual host, every producer's exchange, one user per service.

Each service's user may configure and write only its own resources (`<svc>.events`,
`<svc>.retry`, queues `<svc>.*`) and read its own queues plus the exchanges it consumes
from (to bind to them) — so a service can publish only to its own exchange (DESIGN §6).
Users are managed with `rabbitmqctl` on a local broker, or with the management HTTP API
(`docker compose`, where the broker is another container).
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pika
import pika.exceptions

from taskhive_shared.events.publisher import exchange_of
from taskhive_shared.messaging.rabbitmq import (
    ConsumerTopology,
    declare_exchange,
    unrouted_of,
)


@dataclass(frozen=True, slots=True)
class BrokerPermissions:
    configure: str
    write: str
    read: str


def permissions_for(service: str, consumes_from: Iterable[str]) -> BrokerPermissions:
    own = rf"^{re.escape(service)}\..*"
    readable = [own, *(rf"^{re.escape(exchange_of(p))}$" for p in sorted(consumes_from))]
    return BrokerPermissions(configure=own, write=own, read="|".join(readable))


class BrokerAdmin(Protocol):
    def ensure_vhost(self, vhost: str) -> None: ...

    def ensure_user(self, user: str, password: str) -> None: ...

    def set_permissions(self, vhost: str, user: str, permissions: BrokerPermissions) -> None: ...


class RabbitmqctlAdmin:
    """For a broker on this machine (make stack, tests)."""

    def __init__(self, executable: str | None = None) -> None:
        found = executable or shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
        self._ctl = found

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self._ctl, "-q", *args], check=check, capture_output=True, text=True, timeout=60
        )

    def ensure_vhost(self, vhost: str) -> None:
        self._run("add_vhost", vhost, check=False)  # "already exists" is fine

    def ensure_user(self, user: str, password: str) -> None:
        if self._run("add_user", user, password, check=False).returncode != 0:
            self._run("change_password", user, password)

    def set_permissions(self, vhost: str, user: str, permissions: BrokerPermissions) -> None:
        self._run(
            "set_permissions",
            "-p",
            vhost,
            user,
            permissions.configure,
            permissions.write,
            permissions.read,
        )


class ManagementApiAdmin:
    """For a broker reached over its management HTTP API (docker compose)."""

    def __init__(self, base_url: str, user: str, password: str) -> None:
        self._base = base_url.rstrip("/")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._auth = f"Basic {token}"

    def _put(self, path: str, body: dict[str, str]) -> None:
        request = urllib.request.Request(  # noqa: S310 (operator-configured http URL)
            f"{self._base}/api/{path}",
            data=json.dumps(body).encode(),
            method="PUT",
            headers={"Authorization": self._auth, "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass

    def ensure_vhost(self, vhost: str) -> None:
        self._put(f"vhosts/{urllib.parse.quote(vhost, safe='')}", {})

    def ensure_user(self, user: str, password: str) -> None:
        self._put(f"users/{urllib.parse.quote(user)}", {"password": password, "tags": ""})

    def set_permissions(self, vhost: str, user: str, permissions: BrokerPermissions) -> None:
        self._put(
            f"permissions/{urllib.parse.quote(vhost, safe='')}/{urllib.parse.quote(user)}",
            {
                "configure": permissions.configure,
                "write": permissions.write,
                "read": permissions.read,
            },
        )


RETIRED_QUEUES = (
    "tasks.users-events",
    "tasks.users-events.retry.1",
    "tasks.users-events.retry.2",
    "tasks.users-events.retry.3",
    "tasks.users-events.dlq",
)
"""Queues an earlier version declared (renamed to `tasks.events-in` with issue 5)."""


def unconsumed_of(exchange: str) -> str:
    """Where a producer's types without a consumer yet are bound (a fanout exchange, no queue)."""
    return f"{exchange}.unconsumed"


@dataclass
class TopologyReport:
    kept: list[str] = field(default_factory=list)
    """Retired queues kept because messages still wait in them."""
    migrated: list[str] = field(default_factory=list)
    """Producer exchanges re-declared with their alternate exchange."""
    unrouted: dict[str, int] = field(default_factory=dict)
    """Depth of every producer's unrouted queue."""


def declare_topology(
    admin_amqp_url: str,
    producers: Iterable[str],
    consumers: Iterable[ConsumerTopology],
    unconsumed: Mapping[str, Sequence[str]] | None = None,
) -> TopologyReport:
    """Every producer's exchange (with its alternate exchange and unrouted queue), and every
    consumer's queues and bindings, before any process starts: an event published before its
    consumer first connected would otherwise find no queue and be dropped by the broker.
    `unconsumed` (producer → event types) binds the types published for consumers still to
    come to `<exchange>.unconsumed`. Retired queues go once empty (else they would fill up
    with nobody reading them)."""
    connection = pika.BlockingConnection(pika.URLParameters(admin_amqp_url))
    report = TopologyReport()
    unconsumed = unconsumed or {}
    try:
        channel = connection.channel()
        for producer in producers:
            exchange = exchange_of(producer)
            channel = _declare_producer_exchange(connection, channel, exchange, report)
            discard = unconsumed_of(exchange)
            channel.exchange_declare(discard, exchange_type="fanout", durable=True)
            for event_type in unconsumed.get(producer, ()):
                channel.exchange_bind(discard, exchange, routing_key=event_type)
        for topology in consumers:
            topology.declare(channel)
        for producer in producers:
            queue = unrouted_of(exchange_of(producer))
            depth = channel.queue_declare(queue, passive=True).method.message_count
            report.unrouted[queue] = int(depth)
        for queue in RETIRED_QUEUES:
            if not _delete_if_empty(connection, queue):
                report.kept.append(queue)
    finally:
        connection.close()
    return report


def _declare_producer_exchange(
    connection: pika.BlockingConnection,
    channel: pika.adapters.blocking_connection.BlockingChannel,
    exchange: str,
    report: TopologyReport,
) -> pika.adapters.blocking_connection.BlockingChannel:
    """An exchange declared before it had an alternate exchange cannot take one (RabbitMQ
    refuses a re-declaration with other arguments): it is deleted and declared again. Its
    bindings go with it, and come back with the consumer topologies declared next; an event
    published in between is refused (the relay retries it) or caught as unrouted."""
    try:
        declare_exchange(channel, exchange)
        return channel
    except pika.exceptions.ChannelClosedByBroker as refused:
        if refused.reply_code != 406:  # PRECONDITION_FAILED: other arguments
            raise
    channel = connection.channel()
    channel.exchange_delete(exchange)
    declare_exchange(channel, exchange)
    report.migrated.append(exchange)
    return channel


def _delete_if_empty(connection: pika.BlockingConnection, queue: str) -> bool:
    """True when the queue is gone (or never existed); a refusal closes only its channel."""
    channel = connection.channel()
    try:
        channel.queue_delete(queue, if_empty=True)
    except pika.exceptions.ChannelClosedByBroker as refused:
        return bool(refused.reply_code == 404)  # NOT_FOUND: nothing to retire
    channel.close()
    return True


def service_amqp_url(host_url: str, service: str, password: str, vhost: str) -> str:
    """The service user's URL on the same broker as `host_url` (e.g. amqp://guest@host:5672)."""
    parts = urllib.parse.urlsplit(host_url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 5672
    return (
        f"amqp://{urllib.parse.quote(service)}:{urllib.parse.quote(password, safe='')}@"
        f"{host}:{port}/{urllib.parse.quote(vhost, safe='')}"
    )
