"""Report schedules over HTTP: who may manage them (the team's managers and admins), who may
receive them, validation, conditional updates."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.analytics.tests.events import team_event, user_event
from taskhive_shared.events.consumer import Outcome
from taskhive_shared.ids import uuid7

SCHEDULES = "/api/v1/analytics/report-schedules/"


@pytest.fixture(scope="module")
def crew(processor: Any) -> dict[str, uuid.UUID]:
    def deliver(envelope: Any) -> None:
        result = processor.process(json.dumps(envelope.to_dict()).encode())
        assert result.outcome is Outcome.APPLIED, result.reason

    people = {
        "lead": ("manager", True),
        "outsider_manager": ("manager", False),
        "admin": ("admin", False),
        "member": ("member", True),
        "stranger": ("member", False),
    }
    ids = {name: uuid7() for name in people}
    for name, (role, _) in people.items():
        deliver(user_event(ids[name], role=role, timezone="Europe/Paris"))
    team = uuid7()
    deliver(team_event(team, [ids[n] for n, (_, inside) in people.items() if inside]))
    return ids | {"team": team}


def body(crew: dict[str, uuid.UUID], **extra: Any) -> dict[str, Any]:
    return (
        {"team_id": str(crew["team"]), "kind": "team_performance", "format": "pdf"}
        | {"weekday": 1}
        | extra
    )


def test_a_team_manager_schedules_reads_changes_and_deletes(
    client: FlaskClient, crew: dict[str, uuid.UUID], token_for: Callable[..., dict[str, str]]
) -> None:
    auth = token_for(crew["lead"], "manager")
    created = client.post(SCHEDULES, json=body(crew, hour=7), headers=auth)
    assert created.status_code == 201, created.get_json()
    schedule = created.get_json()
    assert schedule["timezone"] == "Europe/Paris"  # the creator's, by default
    assert schedule["recipient_ids"] is None  # the team's managers
    assert (schedule["weekday"], schedule["hour"], schedule["version"]) == (1, 7, 1)
    url = f"{SCHEDULES}{schedule['id']}/"
    read = client.get(url, headers=auth)
    assert read.status_code == 200
    assert read.headers["ETag"] == '"v1"'
    assert schedule["id"] in [s["id"] for s in client.get(SCHEDULES, headers=auth).json["items"]]

    changed = client.patch(
        url,
        json={"format": "csv", "recipient_ids": [str(crew["member"])]},
        headers=auth | {"If-Match": '"v1"'},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["recipient_ids"] == [str(crew["member"])]
    stale = client.patch(url, json={"hour": 9}, headers=auth | {"If-Match": '"v1"'})
    assert stale.status_code == 412
    assert client.delete(url, headers=auth | {"If-Match": '"v2"'}).status_code == 204
    assert client.get(url, headers=auth).status_code == 404


def test_admins_schedule_any_team_and_see_every_schedule(
    client: FlaskClient, crew: dict[str, uuid.UUID], token_for: Callable[..., dict[str, str]]
) -> None:
    admin = token_for(crew["admin"], "admin")
    created = client.post(SCHEDULES, json=body(crew, kind="tasks"), headers=admin)
    assert created.status_code == 201, created.get_json()
    lead = token_for(crew["lead"], "manager")
    assert client.get(f"{SCHEDULES}{created.json['id']}/", headers=lead).status_code == 200


def test_only_the_team_s_managers_and_admins_manage_its_schedules(
    client: FlaskClient, crew: dict[str, uuid.UUID], token_for: Callable[..., dict[str, str]]
) -> None:
    lead = token_for(crew["lead"], "manager")
    created = client.post(SCHEDULES, json=body(crew), headers=lead).get_json()
    url = f"{SCHEDULES}{created['id']}/"
    member = token_for(crew["member"])
    assert client.post(SCHEDULES, json=body(crew), headers=member).status_code == 403
    assert client.get(SCHEDULES, headers=member).status_code == 403
    assert client.get(url, headers=member).status_code == 403
    outsider = token_for(crew["outsider_manager"], "manager")
    assert client.post(SCHEDULES, json=body(crew), headers=outsider).status_code == 403
    # Another team's schedule is not theirs to see: 404, and absent from their list.
    assert client.get(url, headers=outsider).status_code == 404
    assert client.patch(url, json={"hour": 1}, headers=outsider).status_code == 404
    assert client.delete(url, headers=outsider).status_code == 404
    assert created["id"] not in [
        s["id"] for s in client.get(SCHEDULES, headers=outsider).json["items"]
    ]
    unknown_team = body(crew, team_id=str(uuid7()))
    assert client.post(SCHEDULES, json=unknown_team, headers=lead).status_code == 404
    assert client.get(SCHEDULES).status_code == 401


def test_recipients_must_be_people_who_may_see_the_team(
    client: FlaskClient, crew: dict[str, uuid.UUID], token_for: Callable[..., dict[str, str]]
) -> None:
    lead = token_for(crew["lead"], "manager")
    allowed = [str(crew[n]) for n in ("member", "outsider_manager", "admin")]
    ok = client.post(SCHEDULES, json=body(crew, recipient_ids=allowed), headers=lead)
    assert ok.status_code == 201, ok.get_json()
    for refused in (crew["stranger"], uuid7()):  # not in the team; not a known user
        answer = client.post(SCHEDULES, json=body(crew, recipient_ids=[str(refused)]), headers=lead)
        assert answer.status_code == 422
        assert str(refused) in answer.get_json()["errors"]["recipient_ids"][0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekday": 0}, "weekday"),
        ({"weekday": 8}, "weekday"),
        ({"weekday": "1"}, "weekday"),
        ({"hour": 24}, "hour"),
        ({"kind": "user_activity"}, "kind"),
        ({"format": "docx"}, "format"),
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"timezone": "Etc"}, "timezone"),
        ({"recipient_ids": []}, "recipient_ids"),
        ({"recipient_ids": ["nope"]}, "recipient_ids"),
        ({"team_id": "nope"}, "team_id"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_schedules_are_422_naming_the_field(
    client: FlaskClient,
    crew: dict[str, uuid.UUID],
    token_for: Callable[..., dict[str, str]],
    change: dict[str, Any],
    field: str,
) -> None:
    answer = client.post(SCHEDULES, json=body(crew, **change), headers=token_for(crew["lead"]))
    assert answer.status_code == 422, answer.get_json()
    errors = answer.get_json()["errors"]
    assert any(name.split(".")[0] == field for name in errors), errors


def test_a_patch_is_validated_like_a_create(
    client: FlaskClient, crew: dict[str, uuid.UUID], token_for: Callable[..., dict[str, str]]
) -> None:
    lead = token_for(crew["lead"], "manager")
    url = f"{SCHEDULES}{client.post(SCHEDULES, json=body(crew), headers=lead).json['id']}/"
    for change, field in (
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"recipient_ids": [str(crew["stranger"])]}, "recipient_ids"),
        ({"team_id": str(uuid7())}, "team_id"),
        ({"timezone": None}, "timezone"),
    ):
        answer = client.patch(url, json=change, headers=lead)
        assert answer.status_code == 422, (change, answer.get_json())
        assert field in answer.get_json()["errors"]
    assert client.get(url, headers=lead).json["version"] == 1


def test_the_list_pages_by_cursor(
    client: FlaskClient, crew: dict[str, uuid.UUID], token_for: Callable[..., dict[str, str]]
) -> None:
    admin = token_for(crew["admin"], "admin")
    for _ in range(3):
        client.post(SCHEDULES, json=body(crew), headers=admin)
    first = client.get(f"{SCHEDULES}?limit=2", headers=admin)
    assert len(first.json["items"]) == 2
    assert first.headers["Link"].endswith('rel="next"')
    second = client.get(f"{SCHEDULES}?limit=2&cursor={first.json['next_cursor']}", headers=admin)
    assert second.status_code == 200
    assert {s["id"] for s in first.json["items"]}.isdisjoint(s["id"] for s in second.json["items"])
    assert client.get(f"{SCHEDULES}?cursor=junk", headers=admin).status_code == 422
