"""Auto-assignment of new team tasks without assignees: least loaded by open estimated
hours (no estimate: 1 h), round robin, skipping inactive and unavailable people."""

from __future__ import annotations

from dataclasses import replace

from tasks_unit_fakes import Harness, create_task, patch

from tasks_service.application.automation import AutomationHandlers
from tasks_service.domain.automation import AutoAssign


def _team(harness: Harness, mode: AutoAssign, size: int = 3):
    boss = harness.store.add_user("manager")
    team = harness.store.add_team()
    people = [harness.store.add_user("member", team) for _ in range(size)]
    AutomationHandlers(harness.uow, harness.clock).put_team_settings(boss, team, None, mode)
    return team, people


def _assignees(harness: Harness, task_id) -> list:
    return harness.store.state.tasks[task_id].assignee_ids


def test_least_loaded_counts_open_estimated_hours_not_tasks(harness: Harness) -> None:
    team, (ann, bob, cat) = _team(harness, AutoAssign.LEAST_LOADED)
    create_task(harness, ann, team_id=team, assignees=[ann], estimated_hours="10")
    for _ in range(3):  # three small tasks: 3 h in all
        create_task(harness, bob, team_id=team, assignees=[bob], estimated_hours="1")
    big = create_task(harness, cat, team_id=team, assignees=[cat])  # no estimate: 1 h
    patch(harness, cat, big, estimated_hours="5")
    picked = create_task(harness, ann, title="New", team_id=team)
    assert _assignees(harness, picked) == [bob]
    done = create_task(harness, ann, team_id=team, assignees=[ann], estimated_hours="50")
    patch(harness, ann, done, status="done")  # closed work does not count
    assert _assignees(harness, create_task(harness, ann, team_id=team)) == [bob]


def test_inactive_and_unavailable_people_are_skipped(harness: Harness) -> None:
    team, (ann, bob, cat) = _team(harness, AutoAssign.LEAST_LOADED)
    harness.store.deactivate(ann)
    users = harness.store.state.users
    users[bob] = replace(users[bob], available=False)
    assert _assignees(harness, create_task(harness, cat, team_id=team)) == [cat]


def test_round_robin_takes_turns_and_explicit_assignees_win(harness: Harness) -> None:
    team, people = _team(harness, AutoAssign.ROUND_ROBIN)
    picks = [
        _assignees(harness, create_task(harness, people[0], team_id=team))[0] for _ in range(4)
    ]
    ordered = sorted(people)
    assert picks == [*ordered, ordered[0]]
    chosen = create_task(harness, people[0], team_id=team, assignees=[people[2]])
    assert _assignees(harness, chosen) == [people[2]]


def test_off_or_no_team_assigns_nobody(harness: Harness) -> None:
    team, people = _team(harness, AutoAssign.OFF)
    assert _assignees(harness, create_task(harness, people[0], team_id=team)) == []
    assert _assignees(harness, create_task(harness, people[0])) == []
