"""Tags: any active user creates and lists them; names are unique in any letter case, and
names given on a task become tags too."""

from __future__ import annotations

import pytest
from tasks_unit_fakes import create_task, patch, stored

from tasks_service.application.tags import CreateTag
from tasks_service.domain.errors import AccountDeactivated, Conflict, ValidationFailed
from tasks_service.domain.tags import DEFAULT_COLOUR


def _tag_names(harness) -> list[str]:
    return sorted(tag.name for tag in harness.store.state.tags.values())


def test_a_tag_is_stored_with_a_clean_name_a_lowercase_colour_and_its_creator(harness) -> None:
    ann = harness.store.add_user()
    tag = harness.create_tag(CreateTag(actor_id=ann, name="  UI   kit ", colour="#AABBCC"))
    kept = harness.store.state.tags[tag.id]
    assert (kept.name, kept.colour, kept.created_by) == ("UI kit", "#aabbcc", ann)


def test_a_tag_without_a_colour_takes_the_default(harness) -> None:
    ann = harness.store.add_user()
    assert harness.create_tag(CreateTag(actor_id=ann, name="plain")).colour == DEFAULT_COLOUR


def test_a_name_taken_in_any_letter_case_is_a_conflict(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    harness.create_tag(CreateTag(actor_id=ann, name="Bug"))
    with pytest.raises(Conflict):
        harness.create_tag(CreateTag(actor_id=bob, name="bUG"))
    assert _tag_names(harness) == ["Bug"]


@pytest.mark.parametrize(
    ("name", "colour", "field"),
    [("", "#000000", "name"), ("a,b", "#000000", "name"), ("ok", "red", "colour")],
)
def test_a_bad_name_or_colour_is_refused(harness, name: str, colour: str, field: str) -> None:
    ann = harness.store.add_user()
    with pytest.raises(ValidationFailed) as caught:
        harness.create_tag(CreateTag(actor_id=ann, name=name, colour=colour))
    assert list(caught.value.errors) == [field]
    assert harness.store.state.tags == {}


def test_a_deactivated_user_creates_no_tag(harness) -> None:
    gone = harness.store.add_user(active=False)
    with pytest.raises(AccountDeactivated):
        harness.create_tag(CreateTag(actor_id=gone, name="x"))


def test_tag_names_given_on_a_task_become_tags_created_by_whoever_gave_them(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann, tags=["backend"], assignees=[bob])
    patch(harness, bob, task_id, tags=["backend", "urgent"])
    creators = {tag.name: tag.created_by for tag in harness.store.state.tags.values()}
    assert creators == {"backend": ann, "urgent": bob}
    assert stored(harness, task_id).tags == ["backend", "urgent"]


def test_a_task_takes_the_existing_spelling_of_a_tag(harness) -> None:
    ann = harness.store.add_user()
    harness.create_tag(CreateTag(actor_id=ann, name="Bug"))
    task_id = create_task(harness, ann, tags=["bug"])
    assert stored(harness, task_id).tags == ["Bug"]
    assert harness.store.state.events[-1][1]["tags"] == ["Bug"]
    assert _tag_names(harness) == ["Bug"]


def test_tags_page_by_name_and_filter_by_text(harness) -> None:
    ann = harness.store.add_user()
    for name in ("zeta", "Alpha", "beta", "alphabet", "Gamma"):
        harness.create_tag(CreateTag(actor_id=ann, name=name))
    names, cursor = [], None
    while True:
        page = harness.tags.page(ann, 2, cursor, None)
        names += [tag.name for tag in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert names == ["Alpha", "alphabet", "beta", "Gamma", "zeta"]
    assert [t.name for t in harness.tags.page(ann, 20, None, "ALPH").items] == [
        "Alpha",
        "alphabet",
    ]


@pytest.mark.parametrize("limit", [0, 101])
def test_a_tag_page_size_outside_1_to_100_is_refused(harness, limit: int) -> None:
    ann = harness.store.add_user()
    with pytest.raises(ValidationFailed):
        harness.tags.page(ann, limit, None, None)


def test_a_tampered_tag_cursor_is_refused(harness) -> None:
    ann = harness.store.add_user()
    for name in ("a", "b", "c"):
        harness.create_tag(CreateTag(actor_id=ann, name=name))
    cursor = harness.tags.page(ann, 1, None, None).next_cursor
    assert cursor is not None
    with pytest.raises(ValidationFailed) as caught:
        harness.tags.page(ann, 1, cursor + "==", None)
    assert list(caught.value.errors) == ["cursor"]
