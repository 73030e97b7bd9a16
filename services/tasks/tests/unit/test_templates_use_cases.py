"""Task templates: anyone creates, reads and instantiates them; their creator, managers and
admins change them; instantiating goes through CreateTask (rules, history, events, keys)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from tasks_unit_fakes import present, stored

from tasks_service.application.create_task import CreateTask
from tasks_service.application.templates import (
    CreateTemplate,
    DeleteTemplate,
    InstantiateTemplate,
    UpdateTemplate,
)
from tasks_service.domain.errors import (
    AccountDeactivated,
    Conflict,
    IdempotencyKeyReused,
    PermissionDenied,
    StaleVersion,
    TemplateNotFound,
    ValidationFailed,
)
from tasks_service.domain.model import Priority, TaskFields
from tasks_service.domain.templates import TemplateFields


def _create(harness, actor, **values):
    values = {"name": "Onboarding", "title": "Onboard {name}"} | values
    return harness.templates.create(CreateTemplate(actor_id=actor, fields=TemplateFields(**values)))


def _instantiate(harness, actor, template_id, key=None, **options):
    command = InstantiateTemplate(
        actor_id=actor,
        template_id=template_id,
        variables=options.pop("variables", {"name": "Ann"}),
        idempotency_key=key,
        **options,
    )
    return harness.templates.instantiate(command, present)


# Create


def test_a_template_is_stored_with_its_creator_and_defaults(harness) -> None:
    ann = harness.store.add_user()
    template = _create(harness, ann)
    kept = harness.store.state.templates[template.id]
    assert (kept.name, kept.title, kept.created_by, kept.version) == (
        "Onboarding",
        "Onboard {name}",
        ann,
        1,
    )
    assert (kept.description, kept.priority, kept.tags, kept.estimated_hours) == (
        "",
        Priority.MEDIUM,
        [],
        None,
    )
    assert kept.variables == ["name"]


def test_a_template_needs_a_name_and_a_title(harness) -> None:
    ann = harness.store.add_user()
    with pytest.raises(ValidationFailed) as caught:
        harness.templates.create(
            CreateTemplate(actor_id=ann, fields=TemplateFields(description="d"))
        )
    assert set(caught.value.errors) == {"name", "title"}
    assert harness.store.state.templates == {}


def test_a_template_name_is_unique_in_any_letter_case(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    _create(harness, ann, name="Onboarding")
    with pytest.raises(Conflict):
        _create(harness, bob, name="ONBOARDING")
    assert len(harness.store.state.templates) == 1


def test_a_deactivated_user_creates_no_template(harness) -> None:
    gone = harness.store.add_user(active=False)
    with pytest.raises(AccountDeactivated):
        _create(harness, gone)


# Update and delete


def _update(harness, actor, template_id, version=None, **values):
    return harness.templates.update(
        UpdateTemplate(
            actor_id=actor,
            template_id=template_id,
            fields=TemplateFields(**values),
            given=tuple(values),
            expected_version=version,
        )
    )


@pytest.mark.parametrize(
    ("role", "own", "allowed"),
    [
        ("member", True, True),
        ("member", False, False),
        ("manager", False, True),
        ("admin", False, True),
    ],
)
def test_the_creator_managers_and_admins_change_a_template(
    harness, role: str, own: bool, allowed: bool
) -> None:
    ann = harness.store.add_user()
    caller = ann if own else harness.store.add_user(role)
    template = _create(harness, ann)
    if allowed:
        assert _update(harness, caller, template.id, title="Welcome {name}").version == 2
        assert harness.store.state.templates[template.id].title == "Welcome {name}"
    else:
        with pytest.raises(PermissionDenied):
            _update(harness, caller, template.id, title="Welcome {name}")
        assert harness.store.state.templates[template.id].version == 1


def test_an_update_that_changes_nothing_keeps_the_version(harness) -> None:
    ann = harness.store.add_user()
    template = _create(harness, ann)
    assert _update(harness, ann, template.id, title="Onboard {name}").version == 1


def test_an_update_names_the_new_variables(harness) -> None:
    ann = harness.store.add_user()
    template = _create(harness, ann)
    updated = _update(harness, ann, template.id, description="Team {team}")
    assert harness.store.state.templates[template.id].variables == ["name", "team"]
    assert updated.variables == ["name", "team"]


def test_a_stale_if_match_changes_no_template(harness) -> None:
    ann = harness.store.add_user()
    template = _create(harness, ann)
    _update(harness, ann, template.id, version=1, title="Second")
    with pytest.raises(StaleVersion) as caught:
        _update(harness, ann, template.id, version=1, title="Third")
    assert caught.value.current_version == 2
    assert harness.store.state.templates[template.id].title == "Second"


def test_renaming_a_template_to_a_taken_name_is_a_conflict(harness) -> None:
    ann = harness.store.add_user()
    _create(harness, ann, name="Taken")
    template = _create(harness, ann, name="Free")
    with pytest.raises(Conflict):
        _update(harness, ann, template.id, name="taken")
    assert harness.store.state.templates[template.id].name == "Free"


def test_an_unknown_template_is_not_found(harness) -> None:
    ann = harness.store.add_user("admin")
    with pytest.raises(TemplateNotFound):
        _update(harness, ann, uuid.uuid4(), title="x")
    with pytest.raises(TemplateNotFound):
        harness.templates.delete(DeleteTemplate(actor_id=ann, template_id=uuid.uuid4()))
    with pytest.raises(TemplateNotFound):
        harness.templates.get(ann, uuid.uuid4())


@pytest.mark.parametrize(("role", "allowed"), [("member", False), ("manager", True)])
def test_who_deletes_a_template(harness, role: str, allowed: bool) -> None:
    ann = harness.store.add_user()
    template = _create(harness, ann)
    other = harness.store.add_user(role)
    command = DeleteTemplate(actor_id=other, template_id=template.id)
    if allowed:
        harness.templates.delete(command)
        assert template.id not in harness.store.state.templates
    else:
        with pytest.raises(PermissionDenied):
            harness.templates.delete(command)
        assert template.id in harness.store.state.templates


def test_a_stale_if_match_deletes_no_template(harness) -> None:
    ann = harness.store.add_user()
    template = _create(harness, ann)
    with pytest.raises(StaleVersion):
        harness.templates.delete(DeleteTemplate(ann, template.id, expected_version=3))
    harness.templates.delete(DeleteTemplate(ann, template.id, expected_version=1))
    assert harness.store.state.templates == {}


# Reading


def test_templates_page_by_name_in_any_letter_case_and_search(harness) -> None:
    ann = harness.store.add_user()
    for name in ("beta", "Alpha", "gamma", "Alphabet"):
        _create(harness, ann, name=name)
    names, cursor = [], None
    while True:
        page = harness.templates.page(ann, 3, cursor, None)
        names += [t.name for t in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert names == ["Alpha", "Alphabet", "beta", "gamma"]
    found = harness.templates.page(ann, 10, None, "  ALPHA ")
    assert [t.name for t in found.items] == ["Alpha", "Alphabet"]


# Instantiate


def test_instantiating_renders_the_variables_into_a_new_task(harness) -> None:
    ann = harness.store.add_user()
    template = _create(
        harness,
        ann,
        description="Welcome {name} to {team}",
        priority="high",
        tags=["onboarding"],
        estimated_hours="4",
    )
    created = _instantiate(harness, ann, template.id, variables={"name": "Bob", "team": "Ops"})
    task = stored(harness, uuid.UUID(created.response.body["id"]))
    assert (task.title, task.description) == ("Onboard Bob", "Welcome Bob to Ops")
    assert (task.priority, task.tags, task.estimated_hours) == (
        Priority.HIGH,
        ["onboarding"],
        Decimal("4.00"),
    )
    assert task.created_by == ann


def test_instantiating_goes_through_create_task_history_and_events(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    template = _create(harness, ann)
    created = _instantiate(harness, ann, template.id, assignee_ids=(bob,))
    task_id = uuid.UUID(created.response.body["id"])
    assert created.response.status == 201
    assert [h.action for h in harness.store.history_of(task_id)] == ["created"]
    assert harness.store.event_types() == ["tasks.task.created.v1", "tasks.task.assigned.v1"]


def test_the_caller_overrides_priority_due_date_and_team(harness) -> None:
    team = uuid.uuid4()
    ann = harness.store.add_user("member", team)
    template = _create(harness, ann, priority="low")
    due = harness.clock.at.replace(year=2027)
    created = _instantiate(
        harness, ann, template.id, priority=Priority.URGENT, due_date=due, team_id=team
    )
    task = stored(harness, uuid.UUID(created.response.body["id"]))
    assert (task.priority, task.due_date, task.team_id) == (Priority.URGENT, due, team)


def test_a_missing_variable_is_named_and_no_task_is_created(harness) -> None:
    ann = harness.store.add_user()
    template = _create(harness, ann, description="for {team}")
    with pytest.raises(ValidationFailed) as caught:
        _instantiate(harness, ann, template.id, variables={"name": "Bob"})
    assert caught.value.errors == {"variables": ["Missing: team."]}
    assert harness.store.state.tasks == {}


def test_instantiating_follows_the_task_rules_on_teams(harness) -> None:
    ann = harness.store.add_user()
    other_team = harness.store.add_team(harness.store.add_user())
    template = _create(harness, ann)
    with pytest.raises(PermissionDenied):
        _instantiate(harness, ann, template.id, team_id=other_team)
    assert harness.store.state.tasks == {}


def test_an_unknown_template_instantiates_nothing(harness) -> None:
    ann = harness.store.add_user()
    with pytest.raises(TemplateNotFound):
        _instantiate(harness, ann, uuid.uuid4())


def test_instantiating_with_a_key_replays_and_refuses_other_variables(harness) -> None:
    ann = harness.store.add_user()
    template = _create(harness, ann)
    first = _instantiate(harness, ann, template.id, key="k1")
    again = _instantiate(harness, ann, template.id, key="k1")
    assert (again.replayed, again.response) == (True, first.response)
    assert len(harness.store.state.tasks) == 1
    with pytest.raises(IdempotencyKeyReused):
        _instantiate(harness, ann, template.id, key="k1", variables={"name": "Other"})


def test_a_key_used_to_create_a_task_cannot_instantiate_a_template(harness) -> None:
    ann = harness.store.add_user()
    template = _create(harness, ann)
    harness.create(
        CreateTask(actor_id=ann, fields=TaskFields(title="Onboard Ann"), idempotency_key="k1"),
        present,
    )
    with pytest.raises(IdempotencyKeyReused):
        _instantiate(harness, ann, template.id, key="k1")
    assert len(harness.store.state.tasks) == 1


def test_anyone_active_instantiates_a_template_of_someone_else(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    template = _create(harness, ann)
    created = _instantiate(harness, bob, template.id)
    assert stored(harness, uuid.UUID(created.response.body["id"])).created_by == bob
