"""Webhooks end to end over real PostgreSQL and a real HTTP receiver on 127.0.0.1: signed
per Standard Webhooks (verified with the reference library), exactly one delivery per event,
retries with a controllable clock, disablement, 410, redelivery, order per task, visibility."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from hooks_service.application.delivery import AttemptOutcome


def deliveries(client, user, hook_id):
    answer = client.get(f"/api/v1/webhooks/{hook_id}/deliveries/", headers=user.auth)
    assert answer.status_code == 200
    return answer.get_json()["items"]


def test_a_visible_event_is_delivered_signed_and_verifiable(
    world, client, create_hook, hook_receiver
):
    member = world.user()
    hook = create_hook(member, hook_receiver.url())
    assert hook["secret"].startswith("whsec_")
    envelope = world.task("created", member)

    assert len(hook_receiver.requests) == 1
    request = hook_receiver.requests[0]
    body = Webhook(hook["secret"]).verify(request.body, request.headers)
    assert body["id"] == str(envelope.id)
    assert body["type"] == "tasks.task.created.v1"
    assert body["data"]["task_id"] == envelope.data["task_id"]
    # A captured delivery replayed later is refused by the receiver's library (timestamp).
    replayed = dict(request.headers)
    old = datetime.now(UTC) - timedelta(minutes=10)
    delivery_id = request.headers["webhook-id"]
    signer = Webhook(hook["secret"])
    replayed["webhook-timestamp"] = str(int(old.timestamp()))
    replayed["webhook-signature"] = signer.sign(delivery_id, old, request.body)
    with pytest.raises(WebhookVerificationError):
        signer.verify(request.body, replayed)

    [logged] = deliveries(client, member, hook["id"])
    assert logged["status"] == "succeeded"
    assert logged["id"] == delivery_id
    assert logged["response_code"] == 200
    assert logged["attempts"] == 1
    assert (
        "secret" not in client.get(f"/api/v1/webhooks/{hook['id']}", headers=member.auth).get_json()
    )


def test_the_same_event_twice_makes_one_delivery(world, client, create_hook, hook_receiver):
    member = world.user()
    hook = create_hook(member, hook_receiver.url())
    envelope = world.task("created", member)
    assert world.deliver(envelope) == "duplicate"
    assert len(deliveries(client, member, hook["id"])) == 1
    assert len(hook_receiver.requests) == 1


def test_a_member_gets_no_event_of_a_task_they_cannot_see_even_after_leaving_the_team(
    world, client, create_hook, hook_receiver
):
    owner, member, stranger = world.user(), world.user(), world.user()
    hook = create_hook(member, hook_receiver.url())
    create_hook(stranger, hook_receiver.url("/stranger"))
    team_id = world.team([owner, member])
    task = world.task("created", owner, team_id=team_id)
    assert [r.headers.get("webhook-id") for r in hook_receiver.requests]
    paths_before = len(hook_receiver.requests)
    assert paths_before == 1  # the member's hook only, never the stranger's

    world.team_event(team_id, [owner], "member_removed", user=member)
    world.task("updated", owner, task_id=task.data["task_id"], team_id=team_id)
    assert len(hook_receiver.requests) == paths_before
    assert len(deliveries(client, member, hook["id"])) == 1


def test_retries_back_off_then_the_delivery_fails_and_the_hook_is_disabled(
    world, client, create_hook, hook_receiver, hooks_runtime, clock, smtp_server
):
    member = world.user()
    hook = create_hook(member, hook_receiver.url())
    hook_receiver.status = 500
    world.task("created", member)
    [delivery] = deliveries(client, member, hook["id"])
    assert delivery["status"] == "pending"
    assert delivery["attempts"] == 1
    deliver = hooks_runtime.jobs.deliver
    delivery_id = uuid.UUID(delivery["id"])
    assert deliver(delivery_id) is AttemptOutcome.SKIPPED  # not due yet
    clock.offset = timedelta(seconds=2)
    assert deliver(delivery_id) is AttemptOutcome.RETRYING
    clock.offset = timedelta(hours=25)
    assert deliver(delivery_id) is AttemptOutcome.FAILED
    assert len(hook_receiver.requests) == 3
    [delivery] = deliveries(client, member, hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["response_code"]) == (
        "failed",
        3,
        500,
    )
    state = client.get(f"/api/v1/webhooks/{hook['id']}", headers=member.auth).get_json()
    assert state["active"] is False
    assert state["disabled_reason"] == "failing for 24 hours"
    assert smtp_server.messages_to(member.email)

    # Re-enabled, then redelivered by hand: same webhook-id, succeeds.
    clock.offset = timedelta()
    hook_receiver.status = 200
    enabled = client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"active": True}, headers=member.auth
    )
    assert enabled.status_code == 200
    assert enabled.get_json()["failing_since"] is None
    answer = client.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver",
        headers=member.auth,
    )
    assert answer.status_code == 202
    assert hook_receiver.requests[-1].headers["webhook-id"] == delivery["id"]
    Webhook(hook["secret"]).verify(
        hook_receiver.requests[-1].body, hook_receiver.requests[-1].headers
    )
    assert deliveries(client, member, hook["id"])[0]["status"] == "succeeded"


def test_410_gone_disables_the_hook_at_once(world, client, create_hook, hook_receiver):
    member = world.user()
    hook = create_hook(member, hook_receiver.url())
    hook_receiver.status = 410
    world.task("created", member)
    state = client.get(f"/api/v1/webhooks/{hook['id']}", headers=member.auth).get_json()
    assert state["active"] is False
    assert "410" in state["disabled_reason"]
    world.task("created", member)
    assert len(hook_receiver.requests) == 1


def test_deliveries_of_one_task_keep_their_order(
    world, client, create_hook, hook_receiver, hooks_runtime, clock
):
    member = world.user()
    hook = create_hook(member, hook_receiver.url())
    hook_receiver.status = 503
    first = world.task("created", member)
    task_id = first.data["task_id"]
    hook_receiver.status = 200
    second = world.task("updated", member, task_id=task_id)
    other = world.task("created", member)  # another task is not held up
    received = [json.loads(r.body)["id"] for r in hook_receiver.requests]
    assert received == [str(first.id), str(other.id)]

    pending = [d for d in deliveries(client, member, hook["id"]) if d["status"] == "pending"]
    assert {d["event_id"] for d in pending} == {str(first.id), str(second.id)}
    waiting = next(d for d in pending if d["event_id"] == str(second.id))
    assert hooks_runtime.jobs.deliver(uuid.UUID(waiting["id"])) is AttemptOutcome.WAITING
    clock.offset = timedelta(seconds=2)
    retried = next(d for d in pending if d["event_id"] == str(first.id))
    assert hooks_runtime.jobs.deliver(uuid.UUID(retried["id"])) is AttemptOutcome.SUCCEEDED
    # The success enqueued the next one of the same task (in-process: sent at once).
    received = [json.loads(r.body)["id"] for r in hook_receiver.requests]
    assert received[-2:] == [str(first.id), str(second.id)]


def test_secret_rotation_signs_with_both_secrets_during_the_overlap(
    world, client, create_hook, hook_receiver
):
    member = world.user()
    hook = create_hook(member, hook_receiver.url())
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=member.auth)
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["secret"]
    assert new_secret != hook["secret"]
    answer = client.post(f"/api/v1/webhooks/{hook['id']}/ping", headers=member.auth)
    assert answer.status_code == 202
    request = hook_receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(new_secret).verify(request.body, request.headers)
    Webhook(hook["secret"]).verify(request.body, request.headers)
    assert json.loads(request.body)["type"] == "hooks.webhook.ping.v1"


def test_dns_rebinding_is_refused_at_send_time(
    hooks_settings, token_keys, clock, world, hook_receiver
):
    """The host resolves to a public address at creation, to loopback at delivery."""
    from hooks_service.bootstrap import build_http_app, build_runtime
    from taskhive_shared.security.denylist import InMemoryTokenDenylist
    from taskhive_shared.security.tokens import LocalKeyResolver

    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    class RebindingResolver:
        def resolve(self, host, port):
            import ipaddress

            return [ipaddress.ip_address(a) for a in next(answers)]

    strict = hooks_settings.model_copy(update={"allowed_networks": ""})
    runtime = build_runtime(
        strict,
        key_resolver=LocalKeyResolver(token_keys.jwks),
        denylist=InMemoryTokenDenylist(),
        clock=clock,
        resolver=RebindingResolver(),
    )
    try:
        member = world.user()
        client = build_http_app(runtime).test_client()
        created = client.post(
            "/api/v1/webhooks/",
            json={"url": f"https://rebind.example:{hook_receiver.port}/", "events": ["*"]},
            headers=member.auth,
        )
        assert created.status_code == 201, created.get_json()
        hook_id = created.get_json()["id"]
        delivery = client.post(f"/api/v1/webhooks/{hook_id}/ping", headers=member.auth)
        assert delivery.status_code == 202
        [logged] = client.get(
            f"/api/v1/webhooks/{hook_id}/deliveries", headers=member.auth
        ).get_json()["items"]
        assert logged["response_code"] is None
        assert "loopback" in logged["last_error"]
        assert hook_receiver.requests == []
    finally:
        runtime.engine.dispose()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.com/", "https"),
        ("http://example.com/", "https"),
        ("https://user:pw@example.com/", "credentials"),
        ("https://10.0.0.5/", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::ffff:10.1.2.3]/", "private"),
        ("https://[::1]/", "loopback"),
        ("https://[::]/", "unspecified"),
        ("https://\x00.example/", "NUL"),
    ],
)
def test_refused_urls_are_422_naming_the_field(client, world, url, why, hooks_runtime):
    member = world.user()
    answer = client.post(
        "/api/v1/webhooks/",
        json={"url": url, "events": ["*"]},
        headers=member.auth,
    )
    assert answer.status_code == 422, answer.get_json()
    assert why in " ".join(answer.get_json()["errors"]["url"])


def test_bad_bodies_are_422(client, world):
    member = world.user()
    for body in (
        {"url": "https://example.com/", "events": []},
        {"url": "https://example.com/", "events": ["Tasks!"]},
        {"url": "https://example.com/", "events": ["*"], "secret": "mine"},
        {"url": "https://example.com/", "events": ["*"], "active": "yes"},
    ):
        answer = client.post("/api/v1/webhooks/", json=body, headers=member.auth)
        assert answer.status_code == 422, body


def test_hooks_are_their_owners(client, world, create_hook, hook_receiver):
    member, other, admin = world.user(), world.user(), world.user("admin")
    hook = create_hook(member, hook_receiver.url())
    assert client.get(f"/api/v1/webhooks/{hook['id']}", headers=other.auth).status_code == 404
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=other.auth).status_code == 404
    ids = [h["id"] for h in client.get("/api/v1/webhooks/", headers=admin.auth).get_json()["items"]]
    assert hook["id"] in ids
    assert client.delete(f"/api/v1/webhooks/{hook['id']}", headers=member.auth).status_code == 204
    assert client.get("/api/v1/webhooks/").status_code == 401
