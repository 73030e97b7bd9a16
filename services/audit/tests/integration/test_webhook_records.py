"""Webhook changes (hooks.webhook.*.v1) become one audit record each: who, what, which
webhook, when, the request id and the source IP; a redelivery adds nothing."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from audit_service.bootstrap import build_event_processor
from taskhive_shared.events.consumer import Outcome

OWNER = str(uuid.uuid4())


def _data(**extra):
    return {
        "webhook_id": str(uuid.uuid4()),
        "owner_id": OWNER,
        "host": "hooks.example.com",
        "events": ["tasks.task.*"],
        "active": True,
        "version": 2,
        "actor_id": OWNER,
        "source_ip": "203.0.113.9",
        "at": "2026-12-07T12:00:00+00:00",
        **extra,
    }


CASES = [
    ("hooks.webhook.created.v1", "webhook.created", _data(version=1), OWNER),
    ("hooks.webhook.updated.v1", "webhook.updated", _data(changed=["url"]), OWNER),
    ("hooks.webhook.deleted.v1", "webhook.deleted", _data(), OWNER),
    ("hooks.webhook.secret_rotated.v1", "webhook.secret_rotated", _data(), OWNER),
    (
        "hooks.webhook.disabled.v1",
        "webhook.disabled",
        _data(active=False, reason="owner", automatic=False),
        OWNER,
    ),
    (
        "hooks.webhook.disabled.v1",
        "webhook.disabled",
        _data(
            active=False,
            reason="failing for 24 hours",
            automatic=True,
            actor_id=None,
            source_ip=None,
        ),
        None,
    ),
]


@pytest.mark.parametrize(("event_type", "action", "data", "actor"), CASES)
def test_each_webhook_change_is_one_record(runtime, deliver, event_type, action, data, actor):
    request_id = f"req-{uuid.uuid4().hex[:8]}"
    event = deliver(event_type, data, correlationid=request_id)
    again = build_event_processor(runtime).process(json.dumps(event.to_dict()).encode())
    assert again.outcome is Outcome.DUPLICATE
    with runtime.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT * FROM audit.records WHERE event_id = :id"), {"id": event.id}
        ).all()
    assert len(rows) == 1
    row = rows[0]._mapping
    assert (row["action"], row["resource_type"], row["resource_id"]) == (
        action,
        "webhook",
        data["webhook_id"],
    )
    assert row["actor_id"] == actor
    assert row["request_id"] == request_id
    assert row["source_ip"] == data["source_ip"]
    assert row["occurred_at"] == event.time
    assert row["details"]["owner_id"] == OWNER
    assert "secret" not in json.dumps(row["details"])
