"""Every change of a subscription writes its `hooks.webhook.*.v1` event to the outbox in the
same transaction (valid against its contract, never a secret): who, from where, which request."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from hooks_service.adapters.persistence.tables import outbox
from taskhive_shared.events.contracts import ContractRegistry


def _events_of(runtime, hook_id: str) -> list[Any]:
    with runtime.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(outbox).where(outbox.c.subject == hook_id).order_by(outbox.c.seq)
            )
        )


def _check(rows: list[Any], secrets: list[str]) -> None:
    contracts = ContractRegistry()
    for row in rows:
        contracts.validate(row.type, row.data)
        text = json.dumps(row.data)
        assert all(secret not in text for secret in secrets)
        assert "/hook" not in text  # the host only, never the URL's path


def test_each_change_by_the_owner_writes_its_event(world, client, hooks_runtime, hook_receiver):
    member = world.user()
    headers = {**member.auth, "X-Forwarded-For": "203.0.113.9", "X-Request-ID": "req-hook-1"}
    created = client.post(
        "/api/v1/webhooks/",
        json={"url": hook_receiver.url(), "events": ["tasks.task.*"]},
        headers=headers,
    )
    assert created.status_code == 201
    hook = created.get_json()
    path = f"/api/v1/webhooks/{hook['id']}"
    off = client.patch(path, json={"active": False, "description": "paused"}, headers=headers)
    assert off.status_code == 200
    rotated = client.post(f"{path}/rotate-secret", headers=headers)
    assert rotated.status_code == 200
    assert client.delete(path, headers=headers).status_code == 204

    rows = _events_of(hooks_runtime, hook["id"])
    assert [row.type for row in rows] == [
        "hooks.webhook.created.v1",
        "hooks.webhook.updated.v1",
        "hooks.webhook.disabled.v1",
        "hooks.webhook.secret_rotated.v1",
        "hooks.webhook.deleted.v1",
    ]
    _check(rows, [hook["secret"], rotated.get_json()["secret"]])
    for row in rows:
        assert row.data["actor_id"] == str(member.id)
        assert row.data["source_ip"] == "203.0.113.9"
        assert row.correlation_id == "req-hook-1"
        assert row.data["host"] == "127.0.0.1"
    assert sorted(rows[1].data["changed"]) == ["active", "description"]
    assert rows[2].data["automatic"] is False
    assert [row.data["version"] for row in rows] == [1, 2, 2, 3, 3]


def _inactive_hook(client, user, url: str, headers: dict[str, str] | None = None) -> Any:
    """Created inactive: it must not receive the other tests' events at the shared receiver."""
    created = client.post(
        "/api/v1/webhooks/",
        json={"url": url, "events": ["*"], "active": False},
        headers={**user.auth, **(headers or {})},
    )
    assert created.status_code == 201
    return created.get_json()


def test_a_refused_change_writes_no_event(world, client, hooks_runtime, hook_receiver):
    member = world.user()
    hook = _inactive_hook(client, member, hook_receiver.url())
    answer = client.patch(
        f"/api/v1/webhooks/{hook['id']}",
        json={"description": "x"},
        headers={**member.auth, "If-Match": '"7"'},
    )
    assert answer.status_code == 412
    assert [row.type for row in _events_of(hooks_runtime, hook["id"])] == [
        "hooks.webhook.created.v1"
    ]


def test_hooks_disabling_a_hook_writes_an_automatic_event(
    world, client, create_hook, hooks_runtime, hook_receiver
):
    member = world.user()
    hook = create_hook(member, hook_receiver.url())
    hook_receiver.status = 410
    world.task("created", member)
    rows = _events_of(hooks_runtime, hook["id"])
    assert [row.type for row in rows] == ["hooks.webhook.created.v1", "hooks.webhook.disabled.v1"]
    _check(rows, [hook["secret"]])
    disabled = rows[1].data
    assert disabled["automatic"] is True
    assert disabled["actor_id"] is None
    assert disabled["source_ip"] is None
    assert "410" in disabled["reason"]


def test_a_hostile_forwarded_address_is_kept_short(world, client, hooks_runtime, hook_receiver):
    member = world.user()
    forwarded = {"X-Forwarded-For": "fe80::1%" + "a" * 300}
    hook = _inactive_hook(client, member, hook_receiver.url(), forwarded)
    [row] = _events_of(hooks_runtime, hook["id"])
    assert row.data["source_ip"] == "fe80::1"
