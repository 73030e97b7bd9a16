"""Comments: whoever sees a task comments; authors edit and delete their own, managers and
admins delete any; each change is a history row; adding one is announced with an excerpt."""

from __future__ import annotations

import uuid

import pytest
from tasks_unit_fakes import Scene, build_scene, create_task, stored

from tasks_service.application.comments import AddComment, DeleteComment, EditComment
from tasks_service.application.templates import CreateTemplate
from tasks_service.domain.errors import (
    CommentNotFound,
    PermissionDenied,
    StaleVersion,
    TaskNotFound,
    ValidationFailed,
)
from tasks_service.domain.model import COMMENT_EXCERPT, COMMENT_MAX
from tasks_service.domain.templates import TemplateFields


@pytest.fixture
def scene(harness) -> Scene:
    return build_scene(harness)


def _comment(harness, actor, task_id, body="A comment"):
    return harness.comment(AddComment(actor, task_id, body)).comment


# Adding


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("creator", None),
        ("assignee", None),
        ("teammate", None),
        ("manager", None),
        ("admin", None),
        ("stranger", TaskNotFound),
    ],
)
def test_whoever_sees_a_task_comments_on_it(harness, scene: Scene, who: str, refusal) -> None:
    actor = scene.people[who]
    if refusal is None:
        comment = _comment(harness, actor, scene.task_id, f"From the {who}")
        assert harness.store.state.comments[comment.id].author_id == actor
    else:
        with pytest.raises(refusal):
            _comment(harness, actor, scene.task_id)
        assert harness.store.state.comments == {}


def test_a_comment_is_stored_trimmed_and_shown_with_its_author(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    view = harness.comment(AddComment(ann, task_id, "  Looks good\n"))
    author = harness.store.state.users[ann]
    assert (view.comment.body, view.comment.version, view.comment.task_id) == (
        "Looks good",
        1,
        task_id,
    )
    assert (view.author_username, view.author_display_name) == (
        author.username,
        author.display_name,
    )


def test_a_comment_is_announced_with_an_excerpt_and_recorded(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann, assignees=[bob])
    comment = _comment(harness, bob, task_id, "Done on my side")
    (event_type, data) = harness.store.state.events[-1]
    assert event_type == "tasks.task.commented.v1"
    assert (data["comment_id"], data["comment_excerpt"], data["actor_id"]) == (
        str(comment.id),
        "Done on my side",
        str(bob),
    )
    entry = harness.store.history_of(task_id)[-1]
    assert (entry.action, entry.actor_id) == ("commented", bob)
    assert entry.changes == {"comment_id": {"old": None, "new": str(comment.id)}}


def test_the_excerpt_of_a_long_comment_is_its_first_500_characters(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    body = "".join(chr(ord("a") + i % 26) for i in range(COMMENT_MAX))
    comment = _comment(harness, ann, task_id, body)
    assert harness.store.state.comments[comment.id].body == body
    excerpt = harness.store.state.events[-1][1]["comment_excerpt"]
    assert excerpt == body[:COMMENT_EXCERPT]
    assert len(excerpt) == COMMENT_EXCERPT


def test_commenting_does_not_change_the_task_version(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    _comment(harness, ann, task_id)
    assert stored(harness, task_id).version == 1
    assert harness.store.state.events[-1][1]["version"] == 1


@pytest.mark.parametrize("body", ["", "   \n\t ", "x" * (COMMENT_MAX + 1), "bell\x07", 42])
def test_an_empty_oversized_or_binary_comment_is_refused_and_nothing_written(harness, body) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    with pytest.raises(ValidationFailed) as caught:
        _comment(harness, ann, task_id, body)
    assert list(caught.value.errors) == ["body"]
    assert harness.store.state.comments == {}
    assert harness.store.event_types() == ["tasks.task.created.v1"]


def test_line_breaks_and_tabs_are_kept_inside_a_comment(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    assert _comment(harness, ann, task_id, "one\n\ttwo").body == "one\n\ttwo"


# Editing


def _edit(harness, actor, task_id, comment_id, body, version=None):
    return harness.edit_comment(EditComment(actor, task_id, comment_id, body, version))


def test_the_author_edits_a_comment_recorded_with_old_and_new_text(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    comment = _comment(harness, ann, task_id, "Frist")
    view = _edit(harness, ann, task_id, comment.id, "First")
    assert (view.comment.body, view.comment.version) == ("First", 2)
    assert harness.store.state.comments[comment.id].body == "First"
    entry = harness.store.history_of(task_id)[-1]
    assert (entry.action, entry.actor_id) == ("comment_edited", ann)
    assert entry.changes == {
        "comment_id": {"old": str(comment.id), "new": str(comment.id)},
        "body": {"old": "Frist", "new": "First"},
    }


def test_editing_a_comment_is_not_announced(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    comment = _comment(harness, ann, task_id)
    written = len(harness.store.state.events)
    _edit(harness, ann, task_id, comment.id, "Changed")
    assert len(harness.store.state.events) == written


def test_the_same_text_again_is_no_edit(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    comment = _comment(harness, ann, task_id, "Same")
    view = _edit(harness, ann, task_id, comment.id, "  Same ")
    assert view.comment.version == 1
    assert harness.store.history_of(task_id)[-1].action == "commented"


@pytest.mark.parametrize("who", ["creator", "teammate", "manager", "admin"])
def test_nobody_but_the_author_edits_a_comment(harness, scene: Scene, who: str) -> None:
    comment = _comment(harness, scene.people["assignee"], scene.task_id, "Mine")
    with pytest.raises(PermissionDenied):
        _edit(harness, scene.people[who], scene.task_id, comment.id, "Not yours")
    assert harness.store.state.comments[comment.id].body == "Mine"


def test_a_stale_if_match_edits_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    comment = _comment(harness, ann, task_id, "One")
    _edit(harness, ann, task_id, comment.id, "Two", version=1)
    with pytest.raises(StaleVersion) as caught:
        _edit(harness, ann, task_id, comment.id, "Three", version=1)
    assert caught.value.current_version == 2
    assert harness.store.state.comments[comment.id].body == "Two"


def test_an_invalid_edit_keeps_the_comment(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    comment = _comment(harness, ann, task_id, "Keep")
    with pytest.raises(ValidationFailed):
        _edit(harness, ann, task_id, comment.id, " ")
    assert harness.store.state.comments[comment.id].body == "Keep"


def test_a_comment_is_found_only_under_its_own_task(harness) -> None:
    ann = harness.store.add_user()
    first, second = create_task(harness, ann), create_task(harness, ann)
    comment = _comment(harness, ann, first)
    with pytest.raises(CommentNotFound):
        _edit(harness, ann, second, comment.id, "Moved?")
    with pytest.raises(CommentNotFound):
        _edit(harness, ann, first, uuid.uuid4(), "Nothing there")


def test_a_stranger_gets_task_not_found_for_a_comment(harness, scene: Scene) -> None:
    comment = _comment(harness, scene.people["creator"], scene.task_id)
    with pytest.raises(TaskNotFound):
        _edit(harness, scene.people["stranger"], scene.task_id, comment.id, "x")


# Deleting


def _delete(harness, actor, task_id, comment_id, version=None) -> None:
    harness.delete_comment(DeleteComment(actor, task_id, comment_id, version))


def test_the_author_deletes_a_comment_and_the_deletion_is_recorded(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    comment = _comment(harness, ann, task_id)
    written = len(harness.store.state.events)
    _delete(harness, ann, task_id, comment.id)
    assert comment.id not in harness.store.state.comments
    entry = harness.store.history_of(task_id)[-1]
    assert (entry.action, entry.actor_id) == ("comment_deleted", ann)
    assert entry.changes == {"comment_id": {"old": str(comment.id), "new": None}}
    assert len(harness.store.state.events) == written


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("assignee", None),
        ("manager", None),
        ("admin", None),
        ("creator", PermissionDenied),
        ("teammate", PermissionDenied),
        ("stranger", TaskNotFound),
    ],
)
def test_the_author_managers_and_admins_delete_a_comment(
    harness, scene: Scene, who: str, refusal
) -> None:
    comment = _comment(harness, scene.people["assignee"], scene.task_id)
    if refusal is None:
        _delete(harness, scene.people[who], scene.task_id, comment.id)
        assert comment.id not in harness.store.state.comments
    else:
        with pytest.raises(refusal):
            _delete(harness, scene.people[who], scene.task_id, comment.id)
        assert comment.id in harness.store.state.comments


def test_a_stale_if_match_deletes_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    comment = _comment(harness, ann, task_id)
    with pytest.raises(StaleVersion):
        _delete(harness, ann, task_id, comment.id, version=2)
    assert comment.id in harness.store.state.comments
    _delete(harness, ann, task_id, comment.id, version=1)
    assert comment.id not in harness.store.state.comments


def test_a_deleted_comment_is_not_found_again(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    comment = _comment(harness, ann, task_id)
    _delete(harness, ann, task_id, comment.id)
    with pytest.raises(CommentNotFound):
        _delete(harness, ann, task_id, comment.id)


# Reading


def test_comments_page_oldest_first_and_the_cursor_continues_the_list(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    bodies = [f"c{n}" for n in range(5)]
    for body in bodies:
        _comment(harness, ann, task_id, body)
    seen, cursor = [], None
    while True:
        page = harness.comments.page(ann, task_id, 2, cursor)
        seen += [view.comment.body for view in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == bodies


def test_a_full_last_page_has_no_next_cursor(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    for body in ("a", "b"):
        _comment(harness, ann, task_id, body)
    assert harness.comments.page(ann, task_id, 2, None).next_cursor is None


def test_only_those_who_see_the_task_read_its_comments(harness, scene: Scene) -> None:
    _comment(harness, scene.people["creator"], scene.task_id)
    assert len(harness.comments.page(scene.people["teammate"], scene.task_id, 20, None).items) == 1
    with pytest.raises(TaskNotFound):
        harness.comments.page(scene.people["stranger"], scene.task_id, 20, None)


@pytest.mark.parametrize("limit", [0, 101])
def test_a_comment_page_size_outside_1_to_100_is_refused(harness, limit: int) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    with pytest.raises(ValidationFailed) as caught:
        harness.comments.page(ann, task_id, limit, None)
    assert list(caught.value.errors) == ["limit"]


def test_a_cursor_of_another_list_is_refused_by_the_comments(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    for n in range(3):
        _comment(harness, ann, task_id, f"c{n}")
    for n in range(3):
        harness.templates.create(CreateTemplate(ann, TemplateFields(name=f"T{n}", title="t")))
    foreign = harness.templates.page(ann, 1, None, None).next_cursor
    assert foreign is not None
    with pytest.raises(ValidationFailed) as caught:
        harness.comments.page(ann, task_id, 1, foreign)
    assert list(caught.value.errors) == ["cursor"]
