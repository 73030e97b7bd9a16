"""The task list's query string and the task form's conversions."""

from __future__ import annotations

from web_service.application.task_form import TaskForm, local_input
from web_service.application.task_list import ListFilters, Trail


def test_filters_keep_what_makes_sense_and_name_the_rest() -> None:
    filters, dropped = ListFilters.from_args(
        {
            "status": "in_progress",
            "priority": "extreme",
            "assignee": "me",
            "team": "not-a-uuid",
            "tag": "a,b",
            "overdue": "1",
            "archived": "all",
            "q": "launch",
            "sort": "; drop table",
        }
    )
    assert sorted(dropped) == ["priority", "sort", "tag", "team"]
    assert filters.api_params() == [
        ("limit", "20"),
        ("status", "in_progress"),
        ("assignee", "me"),
        ("q", "launch"),
        ("overdue", "true"),
        ("archived", "all"),
    ]
    assert filters.query() == {
        "status": "in_progress",
        "assignee": "me",
        "overdue": "1",
        "archived": "all",
        "q": "launch",
    }


def test_sorting_is_sent_unless_a_search_ranks_by_relevance() -> None:
    assert ("sort", "-created_at") in ListFilters().api_params()
    assert all(name != "sort" for name, _ in ListFilters(q="x").api_params())
    assert ("sort", "due_date") in ListFilters(q="x", sort="due_date").api_params()


def test_the_trail_of_cursors_gives_previous_pages() -> None:
    first = Trail.from_args(None, None)
    assert first.back() is None
    second = Trail.from_args("c2", first.next("c2")["trail"])
    assert second.back() == {}  # back to the first page: no cursor
    third = Trail.from_args("c3", second.next("c3")["trail"])
    assert third.back() == {"cursor": "c2", "trail": "-"}
    assert Trail.from_args("bad cursor!", "-").cursor is None


def test_the_form_converts_local_times_and_checks_hours() -> None:
    form = TaskForm.from_post(
        {
            "title": " Ship it ",
            "priority": "high",
            "due_date": "2030-01-15T09:30",
            "estimated_hours": "2,5",
            "tags": "a, b,,",
        }
    )
    body = form.body("Europe/Paris", creating=True)
    assert body == {
        "title": "Ship it",
        "description": "",
        "priority": "high",
        "status": "todo",
        "due_date": "2030-01-15T09:30:00+01:00",
        "estimated_hours": "2.5",
        "tags": ["a", "b"],
        "auto_complete": False,
    }
    bad = TaskForm.from_post({"title": " ", "actual_hours": "lots", "due_date": "soon"})
    assert bad.body("UTC", creating=False) is None
    assert set(bad.errors) == {"title", "actual_hours", "due_date"}
    assert local_input("2030-01-15T08:30:00+00:00", "Europe/Paris") == "2030-01-15T09:30"


def test_api_errors_land_on_their_fields() -> None:
    form = TaskForm()
    rest = form.adopt_api_errors({"title": ["Too long."], "metadata.x": ["Bad."]})
    assert form.errors == {"title": ["Too long."]}
    assert rest == ["metadata.x: Bad."]


def test_the_auto_complete_checkbox_is_sent_as_a_boolean() -> None:
    ticked = TaskForm.from_post({"title": "Parent", "auto_complete": "on"})
    assert (ticked.body("UTC", creating=False) or {})["auto_complete"] is True
    assert (
        TaskForm.from_task({"title": "x", "auto_complete": True}, "UTC").values["auto_complete"]
        == "on"
    )
