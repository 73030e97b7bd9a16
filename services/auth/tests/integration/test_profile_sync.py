"""Auth's consumer of users events on real PostgreSQL: role and status replica, via the inbox."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import jwt
import pytest

from auth_service.bootstrap import build_event_processor
from taskhive_shared.events.consumer import Outcome
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.security.tokens import InvalidAccessToken

PREFERENCES = dict.fromkeys(
    [
        "task_assigned",
        "task_unassigned",
        "task_status_changed",
        "task_commented",
        "task_created",
        "task_overdue",
        "task_due_soon",
        "daily_summary",
    ],
    True,
)


@pytest.fixture
def processor(auth_runtime):
    return build_event_processor(auth_runtime)


@pytest.fixture
def member(client, new_user):
    body = new_user()
    tokens = client.post("/api/v1/auth/register", json=body).get_json()
    return body, tokens


def updated(user: dict, *, role: str, is_active: bool, version: int) -> bytes:
    now = datetime.now(UTC).isoformat()
    data = {
        "user_id": user["id"],
        "username": user["username"],
        "email": user["email"],
        "first_name": "",
        "last_name": "",
        "display_name": user["username"],
        "role": role,
        "is_active": is_active,
        "timezone": "UTC",
        "team_ids": [],
        "notification_preferences": PREFERENCES,
        "version": version,
        "created_at": now,
        "updated_at": now,
    }
    envelope = EventEnvelope("users.user.updated.v1", "users", user["id"], data)
    return json.dumps(envelope.to_dict()).encode()


def deactivated(user_id: str, version: int) -> bytes:
    data = {
        "user_id": user_id,
        "deactivated_by": str(uuid.uuid4()),
        "deactivated_at": datetime.now(UTC).isoformat(),
        "version": version,
    }
    envelope = EventEnvelope("users.user.deactivated.v1", "users", user_id, data)
    return json.dumps(envelope.to_dict()).encode()


def login(client, body):
    return client.post(
        "/api/v1/auth/login", json={"username": body["username"], "password": body["password"]}
    )


def test_a_new_role_reaches_the_next_token(client, processor, member):
    body, tokens = member
    result = processor.process(updated(tokens["user"], role="manager", is_active=True, version=2))
    assert result.outcome is Outcome.APPLIED
    fresh = login(client, body).get_json()
    assert (
        jwt.decode(fresh["access_token"], options={"verify_signature": False})["role"] == "manager"
    )
    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    claims = jwt.decode(refreshed.get_json()["access_token"], options={"verify_signature": False})
    assert claims["role"] == "manager"


def test_a_stale_version_does_not_undo_a_newer_one(client, processor, member):
    body, tokens = member
    user = tokens["user"]
    assert processor.process(updated(user, role="admin", is_active=True, version=5)).outcome is (
        Outcome.APPLIED
    )
    processor.process(updated(user, role="member", is_active=True, version=4))
    claims = jwt.decode(
        login(client, body).get_json()["access_token"], options={"verify_signature": False}
    )
    assert claims["role"] == "admin"


def test_the_same_event_twice_has_one_effect(processor, member):
    _, tokens = member
    message = updated(tokens["user"], role="manager", is_active=True, version=2)
    assert processor.process(message).outcome is Outcome.APPLIED
    assert processor.process(message).outcome is Outcome.DUPLICATE


def test_deactivation_ends_every_session_and_refuses_login(client, processor, member, auth_runtime):
    body, tokens = member
    other = login(client, body).get_json()

    result = processor.process(deactivated(tokens["user"]["id"], version=2))

    assert result.outcome is Outcome.APPLIED
    for session in (tokens, other):
        refresh = client.post(
            "/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]}
        )
        assert refresh.status_code == 401
        # Its access tokens are refused at once by every verifier, not when they expire.
        with pytest.raises(InvalidAccessToken, match="revoked"):
            auth_runtime.services.verifier.verify(session["access_token"])
    assert login(client, body).status_code == 401


def test_reactivation_allows_login_again(client, processor, member):
    body, tokens = member
    processor.process(deactivated(tokens["user"]["id"], version=2))
    processor.process(updated(tokens["user"], role="member", is_active=True, version=3))
    assert login(client, body).status_code == 200


def test_events_for_unknown_users_are_applied_without_effect(processor):
    user = {"id": str(uuid.uuid4()), "username": "ghost", "email": "ghost@example.org"}
    assert processor.process(updated(user, role="admin", is_active=True, version=1)).outcome is (
        Outcome.APPLIED
    )


def test_an_event_breaking_its_contract_is_dead_lettered(processor, member):
    _, tokens = member
    message = json.loads(updated(tokens["user"], role="overlord", is_active=True, version=2))
    assert processor.process(json.dumps(message).encode()).outcome is Outcome.DEAD_LETTER


def test_the_queue_binds_exactly_the_handled_types(processor):
    from auth_service.bootstrap import consumer_topology

    assert sorted(consumer_topology().bindings["users.events"]) == processor.event_types


def test_a_password_change_and_a_role_change_do_not_overwrite_each_other(client, processor, member):
    """Each write touches only its own columns: neither can undo the other."""
    body, tokens = member
    processor.process(updated(tokens["user"], role="manager", is_active=True, version=2))
    new_password = body["password"] + "-new"
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": body["password"], "new_password": new_password},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert changed.status_code == 204
    fresh = client.post(
        "/api/v1/auth/login", json={"username": body["username"], "password": new_password}
    ).get_json()
    assert jwt.decode(fresh["access_token"], options={"verify_signature": False})["role"] == (
        "manager"
    )


def test_a_deactivation_arriving_before_its_profile_update_does_not_hide_it(
    processor, member, admin_engine
):
    """One change emits `updated` and `deactivated` with the same version, in either order."""
    import sqlalchemy as sa

    _, tokens = member
    user = tokens["user"]
    processor.process(deactivated(user["id"], version=2))
    processor.process(updated(user, role="manager", is_active=False, version=2))
    with admin_engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT role, is_active, profile_version FROM auth.accounts WHERE id = :id"),
            {"id": user["id"]},
        ).one()
    assert (row.role, row.is_active, row.profile_version) == ("manager", False, 2)
