"""Job fixtures: the outbox relayed straight into the consumer, as RabbitMQ would deliver it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.mail.local_server import LocalSmtpServer
from tasks_service.bootstrap import TasksRuntime, build_relay


class _ConsumerPublisher:
    """Publishes by handing the envelope to the tasks consumer (synchronously)."""

    def __init__(self, processor: EventProcessor) -> None:
        self._processor = processor

    def publish(self, exchange: str, envelope: EventEnvelope) -> None:
        if envelope.type in self._processor.handlers:
            self._processor.process(json.dumps(envelope.to_dict()).encode())

    def close(self) -> None:
        pass


@pytest.fixture
def relay(tasks_runtime: TasksRuntime, processor: EventProcessor) -> Callable[[], int]:
    """Relay every unpublished event to the consumer; returns how many went."""
    outbox_relay = build_relay(tasks_runtime, _ConsumerPublisher(processor))
    return outbox_relay.drain


@pytest.fixture
def mail(smtp: LocalSmtpServer) -> LocalSmtpServer:
    smtp.reply = "250 OK"
    smtp.before_accept = None
    return smtp
