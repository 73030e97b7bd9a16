"""GET /tasks, one rule per test: each filter's edges, how filters combine, sort keys,
cursors while the data moves, `q`, page sizes and the Link header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa

from taskhive_shared.pagination import encode_cursor
from tasks_service.application.cursors import BAD_CURSOR

TASKS = "/api/v1/tasks"


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def listed(client, user, **query: Any) -> list[str]:
    response = client.get(TASKS, query_string={"limit": 100} | query, headers=user.auth)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def errors(response) -> dict[str, list[str]]:
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    return response.get_json()["errors"]


# --- filters ---------------------------------------------------------------------------------


def test_filters_combine_with_and(client, make_user) -> None:
    ann = make_user()
    wanted = create(client, ann, status="todo", priority="high")
    create(client, ann, status="todo", priority="low")
    create(client, ann, status="done", priority="high")
    assert listed(client, ann, status="todo", priority="high") == [wanted["id"]]


def test_a_status_given_twice_counts_once(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    assert listed(client, ann, status=["todo", "todo"]) == [task["id"]]


def test_assignee_me_is_empty_for_someone_assigned_nothing(client, make_user) -> None:
    ann = make_user()
    create(client, ann)
    assert listed(client, ann, assignee="me") == []


def test_assignee_me_works_for_staff_too(client, make_user) -> None:
    ann, boss = make_user(), make_user("manager")
    mine = create(client, ann, assignee_ids=[str(boss.id)])
    assert listed(client, boss, assignee="me") == [mine["id"]]


def test_a_manager_filters_by_a_team_they_are_not_in(client, make_user, make_team) -> None:
    ann, boss = make_user(), make_user("manager")
    team = make_team(ann)
    filed = create(client, ann, team_id=str(team))
    create(client, ann)
    assert listed(client, boss, team=str(team)) == [filed["id"]]


def test_the_tag_filter_ignores_letter_case_and_surrounding_spaces(client, make_user) -> None:
    ann = make_user()
    tagged = create(client, ann, tags=["Backend"])
    create(client, ann, tags=["frontend"])
    assert listed(client, ann, tag="  BACKEND ") == [tagged["id"]]


def test_due_before_excludes_the_instant_itself(client, make_user) -> None:
    ann = make_user()
    at = "2031-03-01T12:00:00+00:00"
    on_time = create(client, ann, due_date=at)
    earlier = create(client, ann, due_date="2031-03-01T11:59:59+00:00")
    assert listed(client, ann, due_before=at) == [earlier["id"]]
    assert on_time["id"] in listed(client, ann, due_after=at)


def test_due_after_includes_the_instant_itself(client, make_user) -> None:
    ann = make_user()
    at = "2031-04-01T12:00:00+00:00"
    on_time = create(client, ann, due_date=at)
    create(client, ann, due_date="2031-04-01T11:00:00+00:00")
    assert listed(client, ann, due_after=at) == [on_time["id"]]


def test_date_filters_leave_out_tasks_without_a_due_date(client, make_user) -> None:
    ann = make_user()
    create(client, ann)
    assert listed(client, ann, due_before="2999-01-01T00:00:00Z") == []


def test_a_naive_date_in_a_filter_is_refused(client, make_user) -> None:
    ann = make_user()
    response = client.get(TASKS, query_string={"due_after": "2030-01-01T00:00"}, headers=ann.auth)
    assert "query.due_after" in errors(response)


def test_overdue_true_lists_only_flagged_tasks(client, make_user, admin_engine) -> None:
    ann = make_user()
    late = create(client, ann, due_date="2020-01-01T00:00:00Z")
    create(client, ann, due_date="2020-01-01T00:00:00Z")
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE tasks.tasks SET is_overdue = true WHERE id = :id"), {"id": late["id"]}
        )
    assert listed(client, ann, overdue="true") == [late["id"]]


def test_updated_since_includes_the_instant_itself(client, make_user) -> None:
    ann = make_user()
    first = create(client, ann)
    second = create(client, ann)
    assert listed(client, ann, updated_since=second["updated_at"]) == [second["id"]]
    assert set(listed(client, ann, updated_since=first["updated_at"])) == {
        first["id"],
        second["id"],
    }


def test_archived_all_lists_live_and_archived_together(client, make_user) -> None:
    ann = make_user()
    live, gone = create(client, ann), create(client, ann)
    client.delete(f"{TASKS}/{gone['id']}", headers=ann.auth)
    assert listed(client, ann, archived="all") == [gone["id"], live["id"]]


def test_a_member_in_more_than_eight_teams_sees_every_team_s_tasks(
    client, make_user, make_team
) -> None:
    ann = make_user()
    colleagues = [make_user() for _ in range(10)]
    filed = []
    for colleague in colleagues:
        team = make_team(ann, colleague)
        filed.append(create(client, colleague, title="Team work", team_id=str(team)))
    create(client, make_user(), title="Elsewhere")
    assert listed(client, ann) == [t["id"] for t in reversed(filed)]
    assert len(ann.team_ids) > 8


# --- q ---------------------------------------------------------------------------------------


def test_a_blank_q_lists_everything_newest_first(client, make_user) -> None:
    ann = make_user()
    older, newer = create(client, ann, title="Alpha"), create(client, ann, title="Beta")
    assert listed(client, ann, q="   ") == [newer["id"], older["id"]]


def test_q_matches_word_forms(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, title="Deploying the service")
    create(client, ann, title="Lunch")
    assert listed(client, ann, q="deploy") == [task["id"]]


def test_ranked_results_page_with_a_cursor(client, make_user) -> None:
    ann = make_user()
    strong = create(client, ann, title="Invoice invoice", description="invoice")
    weak = create(client, ann, title="Other", description="an invoice")
    first = client.get(TASKS, query_string={"q": "invoice", "limit": 1}, headers=ann.auth)
    body = first.get_json()
    rest = client.get(
        TASKS,
        query_string={"q": "invoice", "limit": 1, "cursor": body["next_cursor"]},
        headers=ann.auth,
    ).get_json()
    assert [t["id"] for t in body["items"] + rest["items"]] == [strong["id"], weak["id"]]
    assert rest["next_cursor"] is None


def test_a_page_by_relevance_says_how_many_of_the_newest_matches_are_ranked(
    client, make_user
) -> None:
    ann = make_user()
    create(client, ann, title="Invoice")

    def window(**query: Any) -> str | None:
        response = client.get(TASKS, query_string=query, headers=ann.auth)
        assert response.status_code == 200, response.get_json()
        return response.headers.get("Search-Rank-Window")

    assert window(q="invoice") == "1000"
    assert window(q="invoice", sort="-created_at") is None
    assert window() is None


def test_a_relevance_cursor_of_the_old_rank_and_id_shape_is_refused(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, title="Invoice")
    stale = encode_cursor({"s": "-rank", "v": [0.5, task["id"]]})
    response = client.get(TASKS, query_string={"q": "invoice", "cursor": stale}, headers=ann.auth)
    assert errors(response) == {"cursor": [BAD_CURSOR]}


def test_q_longer_than_200_characters_is_refused(client, make_user) -> None:
    ann = make_user()
    assert "query.q" in errors(client.get(TASKS, query_string={"q": "x" * 201}, headers=ann.auth))


# --- sorts -----------------------------------------------------------------------------------


def test_three_sort_keys_are_accepted(client, make_user) -> None:
    ann = make_user()
    create(client, ann)
    response = client.get(TASKS, query_string={"sort": "-priority,status,title"}, headers=ann.auth)
    assert response.status_code == 200


def test_a_fourth_sort_key_is_refused(client, make_user) -> None:
    ann = make_user()
    response = client.get(
        TASKS, query_string={"sort": "priority,status,title,due_date"}, headers=ann.auth
    )
    assert errors(response) == {"sort": ["At most 3 sort keys."]}


def test_a_sort_key_given_twice_is_refused(client, make_user) -> None:
    ann = make_user()
    response = client.get(TASKS, query_string={"sort": "title,-title"}, headers=ann.auth)
    assert errors(response) == {"sort": ["`title` appears twice."]}


def test_spaces_around_sort_keys_are_allowed(client, make_user) -> None:
    ann = make_user()
    b, a = create(client, ann, title="b"), create(client, ann, title="a")
    assert listed(client, ann, sort=" title , -created_at ") == [a["id"], b["id"]]


def test_titles_sort_without_regard_to_letter_case(client, make_user) -> None:
    ann = make_user()
    upper, lower = create(client, ann, title="Banana"), create(client, ann, title="apple")
    assert listed(client, ann, sort="title") == [lower["id"], upper["id"]]


def test_equal_sort_values_are_ordered_by_id(client, make_user) -> None:
    ann = make_user()
    tasks = [create(client, ann, title="Same") for _ in range(3)]
    pages = []
    query: dict[str, Any] = {"sort": "title", "limit": 1}
    for _ in range(3):
        body = client.get(TASKS, query_string=query, headers=ann.auth).get_json()
        pages += [t["id"] for t in body["items"]]
        query["cursor"] = body["next_cursor"]
    assert pages == sorted(t["id"] for t in tasks)


# --- cursors and pages -----------------------------------------------------------------------


def test_a_task_touched_between_pages_is_not_seen_twice(client, make_user) -> None:
    ann = make_user()
    tasks = [create(client, ann, title=f"T{i}") for i in range(4)]
    first = client.get(
        TASKS, query_string={"sort": "-updated_at", "limit": 2}, headers=ann.auth
    ).get_json()
    client.patch(f"{TASKS}/{tasks[3]['id']}", json={"title": "touched"}, headers=ann.auth)
    rest = client.get(
        TASKS,
        query_string={"sort": "-updated_at", "limit": 2, "cursor": first["next_cursor"]},
        headers=ann.auth,
    ).get_json()
    assert [t["id"] for t in first["items"] + rest["items"]] == [t["id"] for t in reversed(tasks)]


def test_archiving_a_task_of_the_first_page_does_not_shift_the_second(client, make_user) -> None:
    ann = make_user()
    tasks = [create(client, ann, title=f"T{i}") for i in range(4)]
    first = client.get(TASKS, query_string={"limit": 2}, headers=ann.auth).get_json()
    client.delete(f"{TASKS}/{first['items'][0]['id']}", headers=ann.auth)
    rest = client.get(
        TASKS, query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=ann.auth
    ).get_json()
    assert [t["id"] for t in rest["items"]] == [tasks[1]["id"], tasks[0]["id"]]


def test_the_default_page_holds_twenty_tasks(client, make_user) -> None:
    ann = make_user()
    for i in range(21):
        create(client, ann, title=f"T{i}")
    body = client.get(TASKS, headers=ann.auth).get_json()
    assert len(body["items"]) == 20
    assert body["next_cursor"] is not None


def test_the_link_header_keeps_the_filters(client, make_user) -> None:
    ann = make_user()
    for _ in range(2):
        create(client, ann, priority="high")
    response = client.get(TASKS, query_string={"priority": "high", "limit": 1}, headers=ann.auth)
    target = response.headers["Link"].split(">")[0].lstrip("<")
    query = parse_qs(urlparse(target).query)
    assert query == {
        "priority": ["high"],
        "limit": ["1"],
        "cursor": [response.get_json()["next_cursor"]],
    }


def test_a_listed_task_is_the_task_as_served_alone(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(
        client,
        ann,
        tags=["x"],
        metadata={"k": [1, 2]},
        estimated_hours="1.5",
        due_date=(datetime.now(UTC) + timedelta(days=1)).isoformat(),
        assignee_ids=[str(bob.id)],
        story_points=2,
    )
    [item] = client.get(TASKS, headers=ann.auth).get_json()["items"]
    assert item == client.get(f"{TASKS}/{task['id']}", headers=ann.auth).get_json()
