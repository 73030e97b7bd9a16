"""Snapshots for replica rebuilds, and the contracts of every event users emits."""

from __future__ import annotations

import json
import uuid

import pytest
from users_unit_fakes import UsersHarness

from taskhive_shared.events.contracts import ContractRegistry, ContractViolation, contracts_dir
from users_service.application.create_team import CreateTeam
from users_service.application.integration import EMITTED_TYPES, TEAM_UPDATED, USER_UPDATED
from users_service.application.team_members import AddTeamMember
from users_service.domain.model import Role


def test_snapshots_cover_every_profile_and_team_in_batches(harness: UsersHarness) -> None:
    boss = harness.register("boss", role=Role.MANAGER)
    people = [harness.register(f"user{i}") for i in range(4)]
    created = harness.create_team(
        CreateTeam(actor_id=boss, name="Core"), present=lambda view: {"id": str(view.id)}
    )
    team_id = uuid.UUID(created.response.body["id"])
    harness.add_member(AddTeamMember(actor_id=boss, team_id=team_id, user_id=people[0]))
    before = len(harness.store.events)
    commits = harness.store.commits

    counts = harness.publish_snapshots(batch_size=2)

    assert (counts.profiles, counts.teams) == (5, 1)
    snapshots = harness.store.events[before:]
    users = [e for e in snapshots if e.type == USER_UPDATED]
    teams = [e for e in snapshots if e.type == TEAM_UPDATED]
    assert sorted(e.subject for e in users) == sorted(str(i) for i in [boss, *people])
    assert [e.subject for e in teams] == [str(team_id)]
    assert teams[0].data["member_ids"] == [str(people[0])]
    by_user = {e.subject: e.data for e in users}
    assert by_user[str(people[0])]["team_ids"] == [str(team_id)]
    # 5 profiles in batches of 2, then 1 team: one transaction per batch.
    assert harness.store.commits - commits == 4


def test_snapshots_of_an_empty_service(harness: UsersHarness) -> None:
    counts = harness.publish_snapshots()
    assert (counts.profiles, counts.teams) == (0, 0)
    assert harness.store.events == []


def test_a_batch_size_below_one_is_refused(harness: UsersHarness) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        harness.publish_snapshots(batch_size=0)


@pytest.mark.parametrize("event_type", EMITTED_TYPES)
def test_every_emitted_type_has_a_well_formed_contract(event_type: str) -> None:
    path = contracts_dir() / f"{event_type}.json"
    schema = json.loads(path.read_text("utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == event_type == path.name.removesuffix(".json")
    assert schema["type"] == "object"
    assert set(schema["required"]) <= set(schema["properties"])
    ContractRegistry().schema(event_type)  # the schema itself is valid Draft 2020-12


def test_contracts_refuse_incomplete_data() -> None:
    with pytest.raises(ContractViolation):
        ContractRegistry().validate(USER_UPDATED, {"user_id": "x"})
    with pytest.raises(ContractViolation):
        ContractRegistry().validate(TEAM_UPDATED, {"team_id": "not-a-uuid"})
