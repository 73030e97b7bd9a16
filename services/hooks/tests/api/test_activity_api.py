"""The activity feed: newest first, only what the caller may see, filters, keyset pages."""

from __future__ import annotations


def test_the_feed_shows_what_the_caller_may_see_newest_first(client, world):
    member, other, manager = world.user(), world.user(), world.user("manager")
    mine = world.task("created", member, title="Mine")
    theirs = world.task("created", other, title="Theirs")
    assigned = world.task(
        "assigned", other, task_id=theirs.data["task_id"], assignees=[member], title="Theirs"
    )

    answer = client.get(f"/api/v1/activity/?actor={other.id}", headers=member.auth)
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    # Visible now (member is assigned): both events of that task, newest first.
    assert [i["id"] for i in items] == [str(assigned.id), str(theirs.id)]
    assert "assigned “Theirs” to" in items[0]["summary"]

    page = client.get(f"/api/v1/activity/?task={mine.data['task_id']}", headers=other.auth)
    assert page.get_json()["items"] == []
    managed = client.get(f"/api/v1/activity/?task={mine.data['task_id']}", headers=manager.auth)
    assert [i["id"] for i in managed.get_json()["items"]] == [str(mine.id)]


def test_pages_and_bad_queries(client, world):
    member = world.user()
    for i in range(3):
        world.task("created", member, title=f"t{i}")
    first = client.get(f"/api/v1/activity/?actor={member.id}&limit=2", headers=member.auth)
    body = first.get_json()
    assert len(body["items"]) == 2
    assert 'rel="next"' in first.headers["Link"]
    rest = client.get(
        f"/api/v1/activity/?actor={member.id}&limit=2&cursor={body['next_cursor']}",
        headers=member.auth,
    ).get_json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    for query in ("limit=0", "cursor=zzz", "task=nope", "unknown=1", "type=%00"):
        answer = client.get(f"/api/v1/activity/?{query}", headers=member.auth)
        assert answer.status_code == 422, query
    assert client.get("/api/v1/activity/").status_code == 401


def test_after_leaving_a_team_its_tasks_leave_the_feed(client, world):
    owner, member = world.user(), world.user()
    team_id = world.team([owner, member])
    task = world.task("created", owner, team_id=team_id, title="Team work")
    query = f"/api/v1/activity/?task={task.data['task_id']}"
    assert [i["id"] for i in client.get(query, headers=member.auth).get_json()["items"]] == [
        str(task.id)
    ]
    world.team_event(team_id, [owner], "member_removed", user=member)
    assert client.get(query, headers=member.auth).get_json()["items"] == []


def test_hostile_webhook_input_is_422_and_writes_nothing(client, world):
    member = world.user()
    bodies = [
        b'{"url": "https://example.com/\\ud800", "events": ["*"]}',
        b'{"url": "https://example.com/", "events": ["*"], "description": "a\\u0000b"}',
        b'{"url": "https://example.com/", "events": [' + b'"*",' * 60 + b'"*"]}',
        b'{"url": "https://example.com/", "events": ["*"], "active": 1e999}',
        b'{"url": ' + b"[" * 200 + b"]" * 200 + b', "events": ["*"]}',
    ]
    for body in bodies:
        answer = client.post(
            "/api/v1/webhooks/",
            data=body,
            headers=member.auth | {"Content-Type": "application/json"},
        )
        assert answer.status_code in (400, 422), (body[:60], answer.get_json())
        assert answer.content_type == "application/problem+json"
    listed = client.get("/api/v1/webhooks/", headers=member.auth).get_json()["items"]
    assert listed == []
    assert (
        client.get("/api/v1/webhooks/?limit=100000000000000000000", headers=member.auth).status_code
        == 422
    )
