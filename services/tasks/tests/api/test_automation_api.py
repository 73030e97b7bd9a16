"""Working calendars and team settings: CRUD, permissions, hostile input."""

from __future__ import annotations

import threading
import uuid

from taskhive_shared.events.contracts import ContractRegistry

CALENDARS = "/api/v1/calendars"
SETTINGS = "/api/v1/team-settings"


def _calendar(client, user, **body):
    payload = {
        "name": f"Berlin {uuid.uuid4().hex[:6]}",
        "timezone": "Europe/Berlin",
        "working_days": [1, 2, 3, 4],
        "day_start": "08:30",
        "day_end": "16:00",
        "holidays": ["2026-12-25", "2026-12-24"],
    } | body
    return client.post(CALENDARS, json=payload, headers=user.auth)


def test_managers_keep_calendars_members_read_them(client, make_user) -> None:
    boss, ann = make_user("manager"), make_user()
    created = _calendar(client, boss)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["holidays"] == ["2026-12-24", "2026-12-25"]
    assert (body["day_start"], body["day_end"], body["version"]) == ("08:30", "16:00", 1)
    url = f"{CALENDARS}/{body['id']}"
    assert client.get(url, headers=ann.auth).get_json()["timezone"] == "Europe/Berlin"
    assert _calendar(client, ann).status_code == 403
    assert client.patch(url, json={"name": "x"}, headers=ann.auth).status_code == 403
    assert client.delete(url, headers=ann.auth).status_code == 403

    patched = client.patch(url, json={"working_days": [5], "day_end": "18:00"}, headers=boss.auth)
    assert patched.status_code == 200
    assert patched.get_json()["working_days"] == [5]
    assert patched.headers["ETag"] == '"v2"'
    stale = client.patch(url, json={"name": "y"}, headers=boss.headers(If_Match='"v1"'))
    assert stale.status_code == 412
    listed = client.get(CALENDARS, query_string={"limit": 100}, headers=ann.auth).get_json()
    assert body["id"] in [item["id"] for item in listed["items"]]
    assert client.delete(url, headers=boss.auth).status_code == 204
    assert client.get(url, headers=boss.auth).status_code == 404


def test_the_defaults_fill_what_a_calendar_omits(client, make_user) -> None:
    boss = make_user("admin")
    body = client.post(
        CALENDARS, json={"name": "UTC days", "timezone": "UTC"}, headers=boss.auth
    ).get_json()
    assert body["working_days"] == [1, 2, 3, 4, 5]
    assert (body["day_start"], body["day_end"], body["holidays"]) == ("09:00", "17:00", [])


def test_hostile_calendars_are_refused_naming_the_field(client, make_user) -> None:
    boss = make_user("manager")
    cases = {
        "timezone": ["Mars/Olympus", "../../etc/passwd", "Europe/Berlin\x00", 7],
        "working_days": [[], [0], [8], [True], "1"],
        "day_start": ["9:00", "24:00", "09:00\x00", None],
        "holidays": [["2026-02-30"], ["99999-01-01"], "2026-01-01"],
        "name": ["", "\x00", "a" * 101, "\ud800"],
        "id": [str(uuid.uuid4())],
    }
    for field, values in cases.items():
        for value in values:
            response = _calendar(client, boss, **{field: value})
            assert response.status_code == 422, (field, value, response.get_json())
            named = {key.split(".")[0] for key in response.get_json()["errors"]}
            assert field in named, (field, value)
    backwards = _calendar(client, boss, day_start="17:00", day_end="09:00")
    assert backwards.status_code == 422
    assert "day_end" in backwards.get_json()["errors"]


def test_team_settings_default_then_set_by_staff(client, make_user, make_team) -> None:
    boss, ann = make_user("manager"), make_user()
    team = make_team(ann)
    url = f"{SETTINGS}/{team}"
    defaults = client.get(url, headers=ann.auth)
    assert defaults.status_code == 200
    assert defaults.get_json() | {"updated_at": None} == {
        "team_id": str(team),
        "calendar_id": None,
        "auto_assign": "off",
        "updated_at": None,
        "version": 0,
    }
    calendar_id = _calendar(client, boss).get_json()["id"]
    wanted = {"calendar_id": calendar_id, "auto_assign": "least_loaded"}
    assert client.put(url, json=wanted, headers=ann.auth).status_code == 403
    saved = client.put(url, json=wanted, headers=boss.auth)
    assert saved.status_code == 200
    assert saved.get_json()["version"] == 1
    assert client.get(url, headers=ann.auth).get_json()["calendar_id"] == calendar_id
    in_use = client.delete(f"{CALENDARS}/{calendar_id}", headers=boss.auth)
    assert in_use.status_code == 409
    unknown = client.put(
        url, json={"calendar_id": str(uuid.uuid4()), "auto_assign": "off"}, headers=boss.auth
    )
    assert unknown.status_code == 422
    assert "calendar_id" in unknown.get_json()["errors"]
    for bad in ({"calendar_id": None}, {"calendar_id": None, "auto_assign": "sometimes"}):
        assert client.put(url, json=bad, headers=boss.auth).status_code == 422
    missing_team = client.get(f"{SETTINGS}/{uuid.uuid4()}", headers=boss.auth)
    assert missing_team.status_code == 404


POLICIES = "/api/v1/sla-policies"


def test_sla_policies_are_kept_by_staff_and_read_by_everyone(client, make_user, make_team) -> None:
    boss, ann = make_user("admin"), make_user()
    team = make_team(ann)
    body = {
        "name": "Urgent bugs",
        "priorities": ["urgent", "high"],
        "team_id": str(team),
        "tag": "Bug",
        "response_hours": "0.5",
        "resolution_hours": 8,
    }
    assert client.post(POLICIES, json=body, headers=ann.auth).status_code == 403
    created = client.post(POLICIES, json=body, headers=boss.auth)
    assert created.status_code == 201, created.get_json()
    policy = created.get_json()
    assert policy["priorities"] == ["high", "urgent"]
    assert (policy["response_hours"], policy["resolution_hours"]) == ("0.50", "8.00")
    url = f"{POLICIES}/{policy['id']}"
    assert client.get(url, headers=ann.auth).get_json()["tag"] == "Bug"
    listed = client.get(POLICIES, query_string={"limit": 100}, headers=ann.auth).get_json()
    assert policy["id"] in [item["id"] for item in listed["items"]]
    assert client.patch(url, json={"tag": None}, headers=ann.auth).status_code == 403
    patched = client.patch(url, json={"tag": None}, headers=boss.headers(If_Match='"v1"'))
    assert patched.status_code == 200
    assert patched.get_json()["tag"] is None
    stale = client.delete(url, headers=boss.headers(If_Match='"v1"'))
    assert stale.status_code == 412
    assert client.delete(url, headers=boss.auth).status_code == 204
    assert client.get(url, headers=boss.auth).status_code == 404


def test_hostile_sla_policies_are_refused_naming_the_field(client, make_user) -> None:
    boss = make_user("manager")
    base = {"name": "P", "priorities": ["low"], "response_hours": 1, "resolution_hours": 2}
    cases = {
        "priorities": [[], ["soon"], "low", [None]],
        "response_hours": [0, -1, "1e400", 10001, "0.001", True, "NaN"],
        "resolution_hours": ["Infinity", 99999999999999999999],
        "team_id": ["nope", str(uuid.uuid4())],
        "tag": ["", "a" * 1000, "bad\x00tag"],
        "name": ["\x00", ""],
        "policy_id": ["x"],
    }
    for field, values in cases.items():
        for value in values:
            response = client.post(POLICIES, json=base | {field: value}, headers=boss.auth)
            assert response.status_code == 422, (field, value, response.get_json())
            named = {key.split(".")[0] for key in response.get_json()["errors"]}
            assert field in named, (field, value, named)
    backwards = client.post(
        POLICIES, json=base | {"response_hours": 3, "resolution_hours": 2}, headers=boss.auth
    )
    assert backwards.status_code == 422
    assert "resolution_hours" in backwards.get_json()["errors"]
    bad_filter = client.get("/api/v1/tasks", query_string={"sla_state": "late"}, headers=boss.auth)
    assert bad_filter.status_code == 422


def test_concurrent_creates_spread_over_the_least_loaded_members(
    tasks_app, client, make_user, make_team
) -> None:
    boss = make_user("manager")
    people = [make_user() for _ in range(4)]
    away = make_user(available=False)
    team = make_team(*people, away)
    settings = {"calendar_id": None, "auto_assign": "least_loaded"}
    assert client.put(f"{SETTINGS}/{team}", json=settings, headers=boss.auth).status_code == 200
    barrier = threading.Barrier(len(people))
    picked: list[str] = []

    def create(author) -> None:
        own = tasks_app.test_client()
        barrier.wait(timeout=10)
        body = {"title": "Incoming", "team_id": str(team), "estimated_hours": "3"}
        response = own.post("/api/v1/tasks", json=body, headers=author.auth)
        assert response.status_code == 201, response.get_json()
        picked.extend(response.get_json()["assignee_ids"])

    threads = [threading.Thread(target=create, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(picked) == sorted(str(person.id) for person in people)


def test_a_member_who_becomes_unavailable_is_skipped_until_they_return(
    client, make_user, make_team, deliver, build
) -> None:
    """users.user.updated.v1 carries `available` (the users profile flag) into the replica."""
    boss, ann, bob = make_user("manager"), make_user(), make_user()
    team = make_team(ann, bob)
    settings = {"calendar_id": None, "auto_assign": "round_robin"}
    assert client.put(f"{SETTINGS}/{team}", json=settings, headers=boss.auth).status_code == 200

    def announce(available: bool, version: int) -> None:
        data = build.user(ann.id, username=ann.username, available=available, version=version)
        assert deliver(build.event("users.user.updated.v1", str(ann.id), data)).name == "APPLIED"

    def assignees(count: int) -> set[str]:
        body = {"title": "Incoming", "team_id": str(team)}
        picked: set[str] = set()
        for _ in range(count):
            response = client.post("/api/v1/tasks", json=body, headers=boss.auth)
            assert response.status_code == 201, response.get_json()
            picked.update(response.get_json()["assignee_ids"])
        return picked

    announce(False, 2)
    assert assignees(3) == {str(bob.id)}
    announce(True, 3)
    assert assignees(2) == {str(ann.id), str(bob.id)}


def test_calendars_and_team_settings_are_published_for_replicas(
    client, make_user, make_team, outbox_rows
) -> None:
    """timetracking keeps a replica (expected hours): every change is an event carrying the
    whole state and its version, valid against its contract."""
    boss, ann = make_user("manager"), make_user()
    team = make_team(ann)
    created = _calendar(client, boss).get_json()
    url = f"{CALENDARS}/{created['id']}"
    assert client.patch(url, json={"day_end": "18:00"}, headers=boss.auth).status_code == 200
    put = {"calendar_id": created["id"], "auto_assign": "off"}
    assert client.put(f"{SETTINGS}/{team}", json=put, headers=boss.auth).status_code == 200
    cleared = {"calendar_id": None, "auto_assign": "off"}
    assert client.put(f"{SETTINGS}/{team}", json=cleared, headers=boss.auth).status_code == 200
    assert client.delete(url, headers=boss.auth).status_code == 204

    registry = ContractRegistry()
    calendar_rows = outbox_rows(created["id"])
    for row in [*calendar_rows, *outbox_rows(str(team))]:
        registry.validate(row.type, row.data)
    assert [(r.type, r.data["version"]) for r in calendar_rows] == [
        ("tasks.calendar.created.v1", 1),
        ("tasks.calendar.updated.v1", 2),
        ("tasks.calendar.deleted.v1", 3),
    ]
    updated = calendar_rows[1].data
    assert (updated["timezone"], updated["working_days"]) == ("Europe/Berlin", [1, 2, 3, 4])
    assert (updated["day_start"], updated["day_end"]) == ("08:30:00", "18:00:00")
    assert updated["holidays"] == ["2026-12-24", "2026-12-25"]
    settings = [(r.type, r.data["calendar_id"], r.data["version"]) for r in outbox_rows(str(team))]
    assert settings == [
        ("tasks.team_settings.updated.v1", created["id"], 1),
        ("tasks.team_settings.updated.v1", None, 2),
    ]


def test_publish_snapshots_reannounces_every_calendar_and_saved_team_settings(
    client, make_user, make_team, outbox_rows, tasks_runtime
) -> None:
    """`tasks-service publish-snapshots`: a consumer deployed after the calendars were made
    gets them, at their current version, built like the live events (timetracking)."""
    boss, ann = make_user("manager"), make_user()
    team, defaults = make_team(ann), make_team(ann)
    kept = _calendar(client, boss).get_json()
    url = f"{CALENDARS}/{kept['id']}"
    assert client.patch(url, json={"day_end": "18:00"}, headers=boss.auth).status_code == 200
    gone = _calendar(client, boss).get_json()
    assert client.delete(f"{CALENDARS}/{gone['id']}", headers=boss.auth).status_code == 204
    put = {"calendar_id": kept["id"], "auto_assign": "round_robin"}
    assert client.put(f"{SETTINGS}/{team}", json=put, headers=boss.auth).status_code == 200

    counts = tasks_runtime.services.publish_snapshots(batch_size=1)  # one row per transaction
    assert counts.calendars >= 1
    assert counts.team_settings >= 1

    registry = ContractRegistry()
    calendar_rows = outbox_rows(kept["id"])
    for row in [*calendar_rows, *outbox_rows(str(team))]:
        registry.validate(row.type, row.data)
    live, snapshot = calendar_rows[-2].data, calendar_rows[-1].data
    assert [r.type for r in calendar_rows[-2:]] == [
        "tasks.calendar.updated.v1",
        "tasks.calendar.snapshot.v1",
    ]
    assert (snapshot["version"], snapshot["actor_id"], snapshot["day_end"]) == (2, None, "18:00:00")
    assert snapshot["updated_at"] == live["occurred_at"]
    same = ("name", "timezone", "working_days", "day_start", "holidays", "calendar_id")
    assert {k: snapshot[k] for k in same} == {k: live[k] for k in same}
    # A deleted calendar has no snapshot (its tombstone stays the newest fact); a team that
    # never saved settings has none either (a replica's default).
    assert "tasks.calendar.snapshot.v1" not in {r.type for r in outbox_rows(gone["id"])}
    assert outbox_rows(str(defaults)) == []
    settings = outbox_rows(str(team))[-1]
    assert settings.type == "tasks.team_settings.snapshot.v1"
    assert (settings.data["calendar_id"], settings.data["auto_assign"]) == (
        kept["id"],
        "round_robin",
    )
    assert (settings.data["version"], settings.data["actor_id"]) == (1, None)
