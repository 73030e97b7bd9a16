"""Visibility and permissions (DESIGN §5), templates, tags."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from tasks_service.domain.errors import PermissionDenied, TaskNotFound, ValidationFailed
from tasks_service.domain.permissions import (
    Actor,
    Role,
    can_edit,
    can_manage,
    can_see,
    check_may_change_comment,
    check_may_edit,
    check_may_manage,
    check_may_use_team,
    ensure_visible,
)
from tasks_service.domain.tags import Tag, clean_colour, normalise_tag_names
from tasks_service.domain.templates import TaskTemplate, TemplateFields, placeholders, render

CREATOR, ASSIGNEE, TEAMMATE, STRANGER = (uuid.UUID(int=i) for i in range(1, 5))
TEAM = uuid.UUID(int=99)
NOW = datetime(2026, 5, 1, tzinfo=UTC)


@dataclass
class FakeTask:
    created_by: uuid.UUID = CREATOR
    team_id: uuid.UUID | None = TEAM
    assignee_ids: list[uuid.UUID] = field(default_factory=lambda: [ASSIGNEE])


def member(user_id: uuid.UUID, *teams: uuid.UUID) -> Actor:
    return Actor(user_id, Role.MEMBER, team_ids=frozenset(teams))


@pytest.mark.parametrize(
    ("actor", "sees", "edits", "manages"),
    [
        (member(CREATOR), True, True, True),
        (member(ASSIGNEE), True, True, False),
        (member(TEAMMATE, TEAM), True, False, False),
        (member(STRANGER), False, False, False),
        (Actor(STRANGER, Role.MANAGER), True, True, True),
        (Actor(STRANGER, Role.ADMIN), True, True, True),
    ],
)
def test_who_sees_edits_and_manages(actor: Actor, sees: bool, edits: bool, manages: bool) -> None:
    task = FakeTask()
    assert (can_see(actor, task), can_edit(actor, task), can_manage(actor, task)) == (
        sees,
        edits,
        manages,
    )


def test_an_invisible_task_is_not_found_never_forbidden() -> None:
    stranger = member(STRANGER)
    for check in (ensure_visible, check_may_edit, check_may_manage):
        with pytest.raises(TaskNotFound):
            check(stranger, FakeTask())
    with pytest.raises(TaskNotFound):
        ensure_visible(stranger, None)
    with pytest.raises(PermissionDenied):
        check_may_edit(member(TEAMMATE, TEAM), FakeTask())
    with pytest.raises(PermissionDenied):
        check_may_manage(member(ASSIGNEE), FakeTask())


def test_a_task_without_team_is_not_visible_through_teams() -> None:
    assert not can_see(member(TEAMMATE, TEAM), FakeTask(team_id=None))


def test_members_file_under_their_teams_only_staff_anywhere() -> None:
    check_may_use_team(member(TEAMMATE, TEAM), TEAM)
    check_may_use_team(Actor(STRANGER, Role.MANAGER), TEAM)
    with pytest.raises(PermissionDenied):
        check_may_use_team(member(STRANGER), TEAM)


def test_comments_are_changed_by_their_author_deleted_also_by_staff() -> None:
    check_may_change_comment(member(CREATOR), CREATOR, deleting=False)
    check_may_change_comment(Actor(STRANGER, Role.MANAGER), CREATOR, deleting=True)
    with pytest.raises(PermissionDenied):
        check_may_change_comment(Actor(STRANGER, Role.ADMIN), CREATOR, deleting=False)
    with pytest.raises(PermissionDenied):
        check_may_change_comment(member(STRANGER), CREATOR, deleting=True)


def test_placeholders_render_with_escaped_braces() -> None:
    text = "Onboard {name} ({team}) {{not a var}} {name}"
    assert placeholders(text) == ["name", "team"]
    assert render(text, {"name": "Ann", "team": "Ops"}) == "Onboard Ann (Ops) {not a var} Ann"


@pytest.mark.parametrize("text", ["{", "}", "{ name}", "{na-me}", "{0}", "{a.b}", "{a:>3}"])
def test_stray_or_unsupported_braces_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="stray"):
        placeholders(text)
    with pytest.raises(ValidationFailed) as caught:
        TaskTemplate.create(
            template_id=uuid.uuid4(),
            fields=TemplateFields(name="n", title=text),
            created_by=CREATOR,
            at=NOW,
        )
    assert "title" in caught.value.errors


def _template(title: str, description: str = "") -> TaskTemplate:
    return TaskTemplate.create(
        template_id=uuid.uuid4(),
        fields=TemplateFields(name="Onboarding", title=title, description=description),
        created_by=CREATOR,
        at=NOW,
    )


def test_a_template_lists_and_renders_its_variables() -> None:
    template = _template("Onboard {name}", "Welcome {name} to {team}")
    assert template.variables == ["name", "team"]
    assert template.render({"name": "Ann", "team": "Ops", "unused": "x"}) == (
        "Onboard Ann",
        "Welcome Ann to Ops",
    )


def test_missing_variables_are_named() -> None:
    template = _template("Onboard {name}", "Welcome to {team}")
    with pytest.raises(ValidationFailed) as caught:
        template.render({"name": "Ann"})
    assert caught.value.errors == {"variables": ["Missing: team."]}


def test_a_rendered_title_over_200_characters_is_refused() -> None:
    template = _template("Onboard {name}")
    with pytest.raises(ValidationFailed):
        template.render({"name": "x" * 195})


def test_template_update_bumps_the_version_only_on_change() -> None:
    template = _template("Onboard {name}")
    same, other = TemplateFields(title="Onboard {name}"), TemplateFields(title="Welcome {who}")
    assert template.update(same, ["title"], NOW) is False
    assert template.update(other, ["title"], NOW) is True
    assert (template.version, template.variables) == (2, ["who"])


def test_tag_names_and_colours() -> None:
    assert normalise_tag_names([" Bug ", "bug", "UI  kit"]) == (["Bug", "UI kit"], [])
    assert normalise_tag_names(["", "x" * 51])[1]
    assert clean_colour("#AABBCC") == "#aabbcc"
    with pytest.raises(ValidationFailed):
        clean_colour("red")
    with pytest.raises(ValidationFailed):
        Tag.create(tag_id=uuid.uuid4(), name="a,b", colour="#000000", created_by=CREATOR, at=NOW)
