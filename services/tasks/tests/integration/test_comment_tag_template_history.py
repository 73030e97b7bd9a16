"""The comment, tag and template repositories and the history log on real PostgreSQL: name
clashes in any letter case (and the transaction going on after one), conditional saves,
keyset pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from taskhive_shared.ids import uuid7
from tasks_service.application.ports import HistoryEntry
from tasks_service.domain.errors import Conflict, StaleVersion
from tasks_service.domain.model import Comment, Priority, Task, TaskFields
from tasks_service.domain.tags import Tag
from tasks_service.domain.templates import TaskTemplate, TemplateFields

NOW = datetime(2026, 4, 1, tzinfo=UTC)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def task_id(tasks_runtime) -> uuid.UUID:
    """A stored task (its history starts with `created`)."""
    task = Task.create(task_id=uuid7(), fields=TaskFields(title="Host"), created_by=uuid7(), at=NOW)
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.add(task)
        uow.commit()
    return task.id


@pytest.fixture
def add_comment(tasks_runtime) -> Callable[..., Comment]:
    def add(task_id: uuid.UUID, body: str = "Hi", minute: int = 0, author=None) -> Comment:
        at = NOW + timedelta(minutes=minute)
        comment = Comment(uuid7(), task_id, author or uuid7(), body, at, at)
        with tasks_runtime.unit_of_work() as uow:
            uow.comments.add(comment)
            uow.commit()
        return comment

    return add


def _template(name: str, **values) -> TaskTemplate:
    return TaskTemplate.create(
        template_id=uuid7(),
        fields=TemplateFields(**({"name": name, "title": "Do {it}"} | values)),
        created_by=uuid7(),
        at=NOW,
    )


def _tag(name: str) -> Tag:
    return Tag.create(tag_id=uuid7(), name=name, colour="#123456", created_by=uuid7(), at=NOW)


# --- comments --------------------------------------------------------------------------------


def test_a_comment_view_carries_its_author_s_names(
    tasks_runtime, task_id, add_comment, make_user
) -> None:
    ann = make_user(display_name="Ann Author")
    comment = add_comment(task_id, author=ann.id)
    with tasks_runtime.unit_of_work() as uow:
        view = uow.comments.view(comment.id)
    assert view.comment == comment
    assert (view.author_username, view.author_display_name) == (ann.username, "Ann Author")


def test_a_comment_by_an_unknown_author_has_no_names(tasks_runtime, task_id, add_comment) -> None:
    comment = add_comment(task_id)
    with tasks_runtime.unit_of_work() as uow:
        view = uow.comments.view(comment.id)
    assert (view.author_username, view.author_display_name) == (None, None)


def test_comments_page_oldest_first_after_a_position(tasks_runtime, task_id, add_comment) -> None:
    made = [add_comment(task_id, f"c{m}", minute=m) for m in (3, 1, 2)]
    ordered = sorted(made, key=lambda c: c.created_at)
    with tasks_runtime.unit_of_work() as uow:
        first = uow.comments.page(task_id, None, 2)
        rest = uow.comments.page(task_id, (first[-1].comment.created_at, first[-1].comment.id), 2)
    assert [v.comment.id for v in first + rest] == [c.id for c in ordered]


def test_comments_of_the_same_instant_page_by_id(tasks_runtime, task_id, add_comment) -> None:
    made = [add_comment(task_id, f"c{i}") for i in range(3)]
    with tasks_runtime.unit_of_work() as uow:
        [first] = uow.comments.page(task_id, None, 1)
        rest = uow.comments.page(task_id, (first.comment.created_at, first.comment.id), 5)
    assert [v.comment.id for v in [first, *rest]] == sorted(c.id for c in made)


def test_a_comment_save_is_conditional_on_the_version(tasks_runtime, task_id, add_comment) -> None:
    comment = add_comment(task_id, "first")
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.comments.get_for_update(comment.id)
        loaded.edit("second", NOW)
        with pytest.raises(StaleVersion):
            uow.comments.save(loaded, expected_version=7)


def test_a_saved_comment_edit_is_read_back(tasks_runtime, task_id, add_comment) -> None:
    comment = add_comment(task_id, "first")
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.comments.get_for_update(comment.id)
        loaded.edit("second", NOW + timedelta(hours=1))
        uow.comments.save(loaded, expected_version=1)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        again = uow.comments.get_for_update(comment.id)
    assert (again.body, again.version, again.updated_at) == ("second", 2, NOW + timedelta(hours=1))


def test_a_deleted_comment_is_gone(tasks_runtime, task_id, add_comment) -> None:
    comment = add_comment(task_id)
    with tasks_runtime.unit_of_work() as uow:
        uow.comments.delete(comment.id)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert uow.comments.get_for_update(comment.id) is None
        assert uow.comments.view(comment.id) is None


# --- tags ------------------------------------------------------------------------------------


def test_a_tag_name_clash_in_another_case_is_a_conflict(tasks_runtime) -> None:
    name = unique("Clash")
    with tasks_runtime.unit_of_work() as uow:
        uow.tags.add(_tag(name))
        uow.commit()
    with tasks_runtime.unit_of_work() as uow, pytest.raises(Conflict):
        uow.tags.add(_tag(name.swapcase()))


def test_the_transaction_goes_on_after_a_tag_clash(tasks_runtime) -> None:
    name, other = unique("taken"), unique("free")
    with tasks_runtime.unit_of_work() as uow:
        uow.tags.add(_tag(name))
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        with pytest.raises(Conflict):
            uow.tags.add(_tag(name.upper()))
        uow.tags.add(_tag(other))
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert [t.name for t in uow.tags.page(None, 5, other)] == [other]


def test_tags_page_by_lower_name_with_a_filter(tasks_runtime) -> None:
    stem = uuid.uuid4().hex[:10]
    names = [f"{stem}-B", f"{stem}-a", f"{stem}-c"]
    with tasks_runtime.unit_of_work() as uow:
        for name in names:
            uow.tags.add(_tag(name))
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        [first] = uow.tags.page(None, 1, stem)
        rest = uow.tags.page((first.name.lower(), first.id), 5, stem.upper())
    assert [t.name for t in [first, *rest]] == [f"{stem}-a", f"{stem}-B", f"{stem}-c"]


def test_a_stored_tag_reads_back_whole(tasks_runtime) -> None:
    tag = _tag(unique("whole"))
    with tasks_runtime.unit_of_work() as uow:
        uow.tags.add(tag)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert uow.tags.page(None, 5, tag.name) == [tag]


# --- templates -------------------------------------------------------------------------------


def test_a_stored_template_reads_back_whole(tasks_runtime) -> None:
    template = _template(
        unique("Whole"),
        description="For {who}",
        priority="urgent",
        tags=["a", "B"],
        estimated_hours="2.5",
    )
    with tasks_runtime.unit_of_work() as uow:
        uow.templates.add(template)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.templates.get(template.id)
    assert loaded == template
    assert (loaded.priority, loaded.estimated_hours) == (Priority.URGENT, Decimal("2.50"))
    assert loaded.variables == ["it", "who"]


def test_a_template_name_clash_in_another_case_is_a_conflict(tasks_runtime) -> None:
    name = unique("Weekly")
    with tasks_runtime.unit_of_work() as uow:
        uow.templates.add(_template(name))
        uow.commit()
    with tasks_runtime.unit_of_work() as uow, pytest.raises(Conflict):
        uow.templates.add(_template(name.upper()))


def test_a_rename_onto_a_taken_name_is_a_conflict(tasks_runtime) -> None:
    taken, mine = _template(unique("Taken")), _template(unique("Mine"))
    with tasks_runtime.unit_of_work() as uow:
        uow.templates.add(taken)
        uow.templates.add(mine)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.templates.get_for_update(mine.id)
        loaded.update(TemplateFields(name=taken.name.lower()), ["name"], NOW)
        with pytest.raises(Conflict):
            uow.templates.save(loaded, expected_version=1)


def test_a_template_save_is_conditional_on_the_version(tasks_runtime) -> None:
    template = _template(unique("Versioned"))
    with tasks_runtime.unit_of_work() as uow:
        uow.templates.add(template)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.templates.get_for_update(template.id)
        loaded.update(TemplateFields(priority=Priority.LOW), ["priority"], NOW)
        with pytest.raises(StaleVersion):
            uow.templates.save(loaded, expected_version=2)


def test_a_deleted_template_is_gone(tasks_runtime) -> None:
    template = _template(unique("Deleted"))
    with tasks_runtime.unit_of_work() as uow:
        uow.templates.add(template)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        uow.templates.delete(template.id)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert uow.templates.get(template.id) is None


def test_templates_search_takes_wildcards_literally(tasks_runtime) -> None:
    stem = uuid.uuid4().hex[:10]
    literal, other = _template(f"{stem} 100%"), _template(f"{stem} 1000")
    with tasks_runtime.unit_of_work() as uow:
        uow.templates.add(literal)
        uow.templates.add(other)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert [t.id for t in uow.templates.page(None, 5, f"{stem} 100%")] == [literal.id]


# --- history ---------------------------------------------------------------------------------


def _entry(task_id: uuid.UUID, minute: int, action: str = "updated") -> HistoryEntry:
    at = NOW + timedelta(minutes=minute)
    # Shaped as the recorder writes them: a status move always names the status.
    changes = {"status" if action == "status_changed" else "title": {"old": "todo", "new": "done"}}
    return HistoryEntry(uuid7(), task_id, action, uuid7(), at, changes)


def test_history_pages_newest_first_after_a_position(tasks_runtime, task_id) -> None:
    entries = [_entry(task_id, m) for m in (5, 7, 6)]
    with tasks_runtime.unit_of_work() as uow:
        for entry in entries:
            uow.history.append(entry)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        first = uow.history.page(task_id, None, 2)
        rest = uow.history.page(task_id, (first[-1].at, first[-1].id), 5)
    assert [e.at.minute for e in first + rest] == [7, 6, 5, 0]
    assert rest[-1].action == "created"


def test_history_entries_of_the_same_instant_page_by_id_descending(tasks_runtime, task_id) -> None:
    entries = [_entry(task_id, 9) for _ in range(3)]
    with tasks_runtime.unit_of_work() as uow:
        for entry in entries:
            uow.history.append(entry)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        [first] = uow.history.page(task_id, None, 1)
        rest = uow.history.page(task_id, (first.at, first.id), 2)
    assert [e.id for e in [first, *rest]] == sorted((e.id for e in entries), reverse=True)


def test_a_history_entry_reads_back_whole(tasks_runtime, task_id) -> None:
    entry = _entry(task_id, 30, "status_changed")
    with tasks_runtime.unit_of_work() as uow:
        uow.history.append(entry)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert uow.history.page(task_id, None, 1) == [entry]
