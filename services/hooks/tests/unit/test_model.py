"""Webhook rules: patterns, back-off with jitter, disablement, secret rotation, visibility,
feed sentences."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hooks_service.domain.activity import sentence
from hooks_service.domain.events import Actor
from hooks_service.domain.model import RetryPolicy, Webhook, matches, new_secret, pattern_errors
from hooks_service.domain.visibility import Audience, Viewer, can_see

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
BY = Actor(uuid.uuid4(), "10.0.0.7")


def hook(**changes: object) -> Webhook:
    base = Webhook(
        id=uuid.uuid4(),
        owner_id=uuid.uuid4(),
        url="https://example.com/",
        event_types=("tasks.task.*",),
        description="",
        active=True,
        secret=new_secret(),
        created_at=NOW,
        updated_at=NOW,
    )
    return base.changed(NOW, BY, **changes) if changes else base


def test_patterns():
    assert matches(["tasks.task.*"], "tasks.task.assigned.v1")
    assert matches(["tasks.task.assigned"], "tasks.task.assigned.v1")
    assert matches(["*"], "users.team.created.v1")
    assert not matches(["tasks.task.assigned"], "tasks.task.assigned_to.v1")
    assert not matches(["users.*"], "tasks.task.created.v1")
    assert pattern_errors(["tasks.task.*", "*"]) == []
    assert pattern_errors([])
    assert pattern_errors(["Tasks"])
    assert pattern_errors(["a..b"])


def test_back_off_doubles_with_jitter_up_to_the_cap():
    policy = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(minutes=5))
    assert policy.delay(1, 0.0) == timedelta(seconds=5)
    assert policy.delay(1, 0.999) < timedelta(seconds=10)
    assert policy.delay(3, 0.0) == timedelta(seconds=20)
    assert policy.delay(40, 1.0) == timedelta(minutes=5)


def test_a_hook_failing_for_a_day_is_disabled_and_success_forgets_the_streak():
    policy = RetryPolicy()
    failing = hook().failed(NOW, policy)
    assert failing.active
    assert failing.failing_since == NOW
    assert failing.succeeded().failing_since is None
    later = failing.failed(NOW + timedelta(hours=23), policy)
    assert later.active
    gone = later.failed(NOW + timedelta(hours=24), policy)
    assert not gone.active
    assert gone.disabled_reason == "failing for 24 hours"
    again = gone.changed(NOW, BY, active=True)
    assert again.active
    assert again.failing_since is None
    assert again.disabled_reason is None


def test_rotation_keeps_the_old_secret_for_the_overlap():
    original = hook()
    rotated = original.rotated(NOW, timedelta(hours=1), BY)
    assert rotated.secret != original.secret
    assert rotated.signing_secrets(NOW) == [rotated.secret, original.secret]
    assert rotated.signing_secrets(NOW + timedelta(hours=1)) == [rotated.secret]
    assert rotated.version == original.version + 1


def test_visibility():
    me, other, team = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    member = Viewer(me, "member", True, frozenset({team}))
    task = Audience("task", created_by=other, team_id=None)
    assert not can_see(member, task)
    assert can_see(member, Audience("task", created_by=me))
    assert can_see(member, Audience("task", created_by=other, assignee_ids=frozenset({me})))
    assert can_see(member, Audience("task", created_by=other, team_id=team))
    assert can_see(Viewer(me, "manager", True, frozenset()), task)
    assert not can_see(Viewer(me, "admin", False, frozenset()), task)
    assert can_see(member, Audience("team"))
    assert not can_see(member, Audience("user", subject_user=other))
    assert can_see(member, Audience("user", subject_user=me))


def test_sentences():
    names = {"a": "ana", "b": "bo"}.get

    def name(user: str | None) -> str:
        return names(user or "", "someone") or "someone"

    data = {"actor_id": "a", "title": "Ship", "assignee_ids": ["b"], "status": "in_review"}
    assert sentence("tasks.task.assigned.v1", data, name) == "ana assigned “Ship” to bo"
    assert sentence("tasks.task.status_changed.v1", data, name) == "ana moved “Ship” to in review"
    assert sentence("tasks.task.commented.v1", data, name) == "ana commented on “Ship”"
    team = {"name": "Core", "user_id": "b", "changed_by": "a"}
    assert sentence("users.team.member_added.v1", team, name) == "ana added bo to team Core"


def test_changes_record_their_events():
    from hooks_service.domain import events as ev

    created = Webhook.create(uuid.uuid4(), BY, "https://example.com/", ("*",), "", True, NOW)
    stored, recorded = created.pull_events()
    assert [type(e) for e in recorded] == [ev.WebhookCreated]
    assert stored.events == ()
    off = stored.changed(NOW, BY, active=False, description="")
    assert [type(e) for e in off.events] == [ev.WebhookUpdated, ev.WebhookDisabled]
    assert off.events[0] == ev.WebhookUpdated(actor=BY, at=NOW, changed=("active",))
    failing = hook(failing_since=NOW - timedelta(hours=25)).pull_events()[0]
    auto = failing.failed(NOW, RetryPolicy())
    assert auto.events == (ev.WebhookDisabled(actor=None, at=NOW, reason="failing for 24 hours"),)
    assert auto.pull_events()[0].disabled(NOW, "again").events == ()
    assert [type(e) for e in stored.rotated(NOW, timedelta(hours=1), BY).events] == [
        ev.WebhookSecretRotated
    ]
    assert stored.deleted(NOW, BY).events == (ev.WebhookDeleted(actor=BY, at=NOW),)
