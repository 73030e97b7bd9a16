"""The single-process broker binds a consumer from the same `ConsumerTopology` as RabbitMQ."""

from __future__ import annotations

import json
import time

from taskhive_shared.events.consumer import Outcome, ProcessResult
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.messaging.inmemory import InMemoryBroker
from taskhive_shared.service import consumer_topology_of


class RecordingProcessor:
    """Stands in for an EventProcessor: applies everything, remembers the types it saw."""

    def __init__(self, event_types: list[str]) -> None:
        self.event_types = event_types
        self.seen: list[str] = []

    def process(self, body: bytes) -> ProcessResult:
        self.seen.append(EventEnvelope.from_dict(json.loads(body)).type)
        return ProcessResult(Outcome.APPLIED)


def _event(event_type: str) -> EventEnvelope:
    return EventEnvelope(type=event_type, source=event_type.split(".")[0], subject="s", data={})


def test_only_the_bound_types_of_each_exchange_reach_the_queue() -> None:
    topology = consumer_topology_of(
        "tasks",
        "tasks.events-in",
        {"users.events": ["users.user.created.v1"], "tasks.events": ["tasks.task.assigned.v1"]},
    )
    # The processor knows more types than the topology binds: the topology decides, as in RabbitMQ.
    processor = RecordingProcessor(
        ["tasks.task.assigned.v1", "tasks.task.created.v1", "users.user.created.v1"]
    )
    broker = InMemoryBroker()
    try:
        broker.bind_topology(topology, processor)
        broker.publish("tasks.events", _event("tasks.task.created.v1"))
        broker.publish("users.events", _event("tasks.task.assigned.v1"))
        broker.publish("tasks.events", _event("tasks.task.assigned.v1"))
        broker.publish("users.events", _event("users.user.created.v1"))
        deadline = time.monotonic() + 5
        while len(processor.seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
    finally:
        broker.stop()
    assert processor.seen == ["tasks.task.assigned.v1", "users.user.created.v1"]
