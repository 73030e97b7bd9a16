"""Search across titles, descriptions, tags and comments (ranked), the facets of the list,
and suggestions for a search box (ADR 0019)."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import sqlalchemy as sa

TASKS = "/api/v1/tasks"


def word() -> str:
    """A word no other test uses (letters only: the search stems and splits)."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def listed(client, user, **query: Any) -> list[str]:
    response = client.get(TASKS, query_string={"limit": 100} | query, headers=user.auth)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def comment(client, user, task_id: str, body: str) -> dict[str, Any]:
    response = client.post(f"{TASKS}/{task_id}/comments", json={"body": body}, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def facets(client, user, **query: Any) -> dict[str, Any]:
    response = client.get(f"{TASKS}/facets", query_string=query, headers=user.auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def suggest(client, user, q: str) -> list[dict[str, Any]]:
    response = client.get(f"{TASKS}/suggest", query_string={"q": q}, headers=user.auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


# --- search: comments and tags --------------------------------------------------------------


def test_q_finds_a_task_by_a_word_of_one_of_its_comments(client, make_user) -> None:
    ann, term = make_user(), word()
    task = create(client, ann)
    create(client, ann)
    comment(client, ann, task["id"], f"The {term} is what broke")
    assert listed(client, ann, q=term) == [task["id"]]


def test_an_edited_or_deleted_comment_moves_the_task_in_or_out_of_search(client, make_user):
    ann, before, after = make_user(), word(), word()
    task = create(client, ann)
    said = comment(client, ann, task["id"], f"first {before}")
    url = f"{TASKS}/{task['id']}/comments/{said['id']}"
    assert client.patch(url, json={"body": f"now {after}"}, headers=ann.auth).status_code == 200
    assert listed(client, ann, q=before) == []
    assert listed(client, ann, q=after) == [task["id"]]
    assert client.delete(url, headers=ann.auth).status_code == 204
    assert listed(client, ann, q=after) == []


def test_q_finds_a_task_by_a_tag_name_and_forgets_it_when_untagged(client, make_user) -> None:
    ann, tag = make_user(), word()
    task = create(client, ann, tags=[tag])
    create(client, ann, tags=[])
    assert listed(client, ann, q=tag) == [task["id"]]
    patched = client.patch(f"{TASKS}/{task['id']}", json={"tags": []}, headers=ann.auth)
    assert patched.status_code == 200
    assert listed(client, ann, q=tag) == []


def test_a_title_edit_keeps_the_comment_words_searchable(client, make_user) -> None:
    ann, said, titled = make_user(), word(), word()
    task = create(client, ann)
    comment(client, ann, task["id"], said)
    patched = client.patch(f"{TASKS}/{task['id']}", json={"title": titled}, headers=ann.auth)
    assert patched.status_code == 200
    assert listed(client, ann, q=said) == [task["id"]]
    assert listed(client, ann, q=titled) == [task["id"]]


def test_results_are_ranked_title_then_tag_then_description_then_comment(client, make_user):
    ann, term = make_user(), word()
    in_comment = create(client, ann, title="one")
    comment(client, ann, in_comment["id"], term)
    in_description = create(client, ann, title="two", description=f"about {term}")
    in_tag = create(client, ann, title="three", tags=[term])
    in_title = create(client, ann, title=f"{term} four")
    assert listed(client, ann, q=term) == [
        in_title["id"],
        in_tag["id"],
        in_description["id"],
        in_comment["id"],
    ]


def test_comment_search_keeps_to_the_tasks_the_caller_may_see(client, make_user) -> None:
    ann, bob, term = make_user(), make_user(), word()
    task = create(client, ann)
    comment(client, ann, task["id"], term)
    assert listed(client, bob, q=term) == []
    assert facets(client, bob, q=term)["total"] == 0


def test_a_purged_task_with_comments_and_tags_leaves_no_trace(client, make_user, admin_engine):
    """The search triggers on comments and tags must not trip over their task's deletion."""
    ann, term = make_user(), word()
    task = create(client, ann, tags=[term])
    comment(client, ann, task["id"], term)
    with admin_engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM tasks.tasks WHERE id = :id"), {"id": task["id"]})
    assert listed(client, ann, q=term, archived="all") == []


# --- facets --------------------------------------------------------------------------------


def _counted_from_pages(client, user, **query: Any) -> dict[str, Any]:
    """The facets computed by walking every page of the list with the same filters."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page_query = {"limit": 7} | query | ({"cursor": cursor} if cursor else {})
        response = client.get(TASKS, query_string=page_query, headers=user.auth)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    tags = Counter(tag for item in items for tag in item["tags"])
    assignees = Counter(a for item in items for a in item["assignee_ids"])
    return {
        "total": len(items),
        "status": dict(Counter(item["status"] for item in items)),
        "priority": dict(Counter(item["priority"] for item in items)),
        "tags": sorted(tags.items(), key=lambda kv: (-kv[1], kv[0].lower())),
        "assignees": sorted(assignees.items(), key=lambda kv: (-kv[1], kv[0])),
        "overdue": sum(item["is_overdue"] for item in items),
    }


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {key: n for key, n in counts.items() if n}


def _same(answer: dict[str, Any], counted: dict[str, Any]) -> None:
    assert answer["total"] == counted["total"]
    assert _nonzero(answer["status"]) == counted["status"]
    assert _nonzero(answer["priority"]) == counted["priority"]
    assert [(t["name"], t["count"]) for t in answer["tags"]] == counted["tags"][:20]
    assert [(a["id"], a["count"]) for a in answer["assignees"]] == counted["assignees"][:20]
    assert answer["overdue"] == counted["overdue"]


def _mixed_tasks(client, owner, others, team_id, term: str, admin_engine) -> None:
    statuses = ["todo", "in_progress", "done", "blocked", "todo"]
    priorities = ["low", "high", "urgent", "medium", "high", "low", "urgent"]
    for n in range(23):
        body: dict[str, Any] = {
            "title": f"{term} task {n}" if n % 3 else f"other {n}",
            "status": statuses[n % 5],
            "priority": priorities[n % 7],
            "tags": [f"{term}t{n % 4}", f"{term}x{n % 2}"][: 1 + n % 2],
            "assignee_ids": [str(others[n % len(others)].id)] if n % 4 else [],
        }
        if n % 2:
            body["team_id"] = str(team_id)
        created = create(client, owner, **body)
        if n % 5 == 0:
            with admin_engine.begin() as connection:
                connection.execute(
                    sa.text("UPDATE tasks.tasks SET is_overdue = true WHERE id = :id"),
                    {"id": created["id"]},
                )


def test_facets_equal_the_counts_of_the_list_pages(
    client, make_user, make_team, admin_engine
) -> None:
    owner, mate, stranger, boss = make_user(), make_user(), make_user(), make_user("manager")
    team = make_team(owner, mate)
    term = word()
    _mixed_tasks(client, owner, [mate, stranger], team, term, admin_engine)
    for user in (owner, mate, stranger, boss):
        for query in ({}, {"q": term}, {"status": ["todo", "done"]}, {"tag": f"{term}t1"}):
            scoped = query | ({"created_by": str(owner.id)} if user is boss else {})
            _same(facets(client, user, **scoped), _counted_from_pages(client, user, **scoped))


def test_facets_name_every_status_and_priority_and_cap_tags_at_twenty(client, make_user):
    ann, term = make_user(), word()
    create(client, ann, tags=[f"{term}{n:02d}" for n in range(10)])
    create(client, ann, tags=[f"{term}{n:02d}" for n in range(10, 25)])
    answer = facets(client, ann, created_by=str(ann.id))
    assert set(answer["status"]) == {
        "todo",
        "in_progress",
        "in_review",
        "blocked",
        "done",
        "cancelled",
    }
    assert set(answer["priority"]) == {"low", "medium", "high", "urgent"}
    assert answer["status"]["cancelled"] == 0
    assert len(answer["tags"]) == 20
    assert [t["name"] for t in answer["tags"]] == [f"{term}{n:02d}" for n in range(20)]


def test_facets_refuse_what_the_list_refuses_and_list_only_parameters(client, make_user):
    ann = make_user()
    for query in ({"status": "nope"}, {"limit": 5}, {"sort": "title"}, {"whatever": 1}):
        response = client.get(f"{TASKS}/facets", query_string=query, headers=ann.auth)
        assert response.status_code == 422, query
        assert response.content_type == "application/problem+json"


def test_facets_need_a_token(client) -> None:
    assert client.get(f"{TASKS}/facets").status_code == 401


# --- suggestions ---------------------------------------------------------------------------


def test_suggest_completes_a_title_prefix_and_a_tag(client, make_user) -> None:
    ann, term = make_user(), word()
    task = create(client, ann, title=f"{term.capitalize()} the release notes")
    create(client, ann, tags=[f"{term}-backend"])
    found = suggest(client, ann, term[:8])
    assert {"kind": "task", "text": task["title"], "id": task["id"]} in found
    assert {"kind": "tag", "text": f"{term}-backend"} in found


def test_suggest_tolerates_a_typo(client, make_user) -> None:
    ann, term = make_user(), word()
    task = create(client, ann, title=f"Prepare {term}ization budget")
    typo = term[:4] + term[5] + term[4] + term[6:] + "ization"  # two letters swapped
    found = suggest(client, ann, typo)
    assert task["id"] in [item.get("id") for item in found]


def test_suggest_shows_only_titles_the_caller_may_see_and_no_archived_ones(client, make_user):
    ann, bob, term = make_user(), make_user(), word()
    mine = create(client, ann, title=f"{term} mine")
    archived = create(client, ann, title=f"{term} old")
    assert client.delete(f"{TASKS}/{archived['id']}", headers=ann.auth).status_code == 204
    assert [item["id"] for item in suggest(client, ann, term)] == [mine["id"]]
    assert suggest(client, bob, term) == []


def test_suggest_returns_at_most_ten_prefix_matches_first(client, make_user) -> None:
    ann, term = make_user(), word()
    for n in range(12):
        create(client, ann, title=f"{term} {n:02d}")
    found = suggest(client, ann, term)
    assert len(found) == 10
    assert [item["text"] for item in found] == [f"{term} {n:02d}" for n in range(10)]


def test_suggest_treats_like_wildcards_as_letters(client, make_user) -> None:
    ann, term = make_user(), word()
    create(client, ann, title=f"{term} plain")
    assert suggest(client, ann, "%") == []
    assert suggest(client, ann, "_" * 5) == []


def test_suggest_validates_q(client, make_user) -> None:
    ann = make_user()
    for query in ({}, {"q": ""}, {"q": "x" * 101}, {"q": "a\x00b"}, {"q": "a", "limit": 3}):
        response = client.get(f"{TASKS}/suggest", query_string=query, headers=ann.auth)
        assert response.status_code == 422, query
    blank = client.get(f"{TASKS}/suggest", query_string={"q": "   "}, headers=ann.auth)
    assert blank.status_code == 422
    assert "q" in blank.get_json()["errors"]
