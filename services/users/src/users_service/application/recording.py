"""From what profiles and teams recorded to what the transaction writes: rows and outbox events.

`record_changes` runs when a unit of work commits. First, every profile and team its
repositories handed out writes what its events say changed, conditional on the version it
was handed out at (a concurrent writer makes it StaleVersion). Then each event becomes its
integration event (`users.user.*.v1`, `users.team.*.v1`), built from the aggregate as the
transaction leaves it, in the same transaction (DESIGN §1.3). Nothing else writes users'
outbox: this is the one place that knows what each event writes and publishes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from users_service.application import integration as ie
from users_service.application.ports import UsersUnitOfWork
from users_service.domain import events as de
from users_service.domain.model import Membership, Profile, Team

Message = tuple[str, dict[str, Any]]
"""An integration event: its type and its data (the subject is the aggregate's id)."""

_TEAM_ROW_CHANGES = (de.TeamUpdated, de.MemberAdded, de.MemberRemoved)
_NEEDS_TEAM_IDS = (de.ProfileUpdated, de.ProfileRepublished)
"""User events that carry the user's teams (a newly created profile is in none)."""


def _actor(event: de.ProfileEvent | de.TeamEvent) -> uuid.UUID:
    """Who did it, for events whose contract names them."""
    if event.actor_id is None:
        raise ValueError(f"{type(event).__name__} is published with its actor, and has none")
    return event.actor_id


def translate_profile(
    profile: Profile, event: de.ProfileEvent, team_ids: Sequence[uuid.UUID]
) -> Message:
    """The integration event of one profile event; `team_ids` are the user's teams."""
    match event:
        case de.ProfileCreated():
            return ie.USER_CREATED, ie.user_data(profile, list(team_ids))
        case de.ProfileUpdated() | de.ProfileRepublished():
            return ie.USER_UPDATED, ie.user_data(profile, list(team_ids))
        case de.ProfileDeactivated():
            return ie.USER_DEACTIVATED, ie.user_deactivated_data(profile, _actor(event))
    raise TypeError(f"no translation for {type(event).__name__}")


def translate_team(team: Team, event: de.TeamEvent) -> Message:
    """The integration event of one team event."""
    match event:
        case de.TeamCreated():
            return ie.TEAM_CREATED, ie.team_data(team)
        case de.TeamUpdated() | de.TeamRepublished():
            return ie.TEAM_UPDATED, ie.team_data(team)
        case de.MemberAdded(user_id=user_id):
            return ie.TEAM_MEMBER_ADDED, ie.team_member_data(team, user_id, _actor(event))
        case de.MemberRemoved(user_id=user_id):
            return ie.TEAM_MEMBER_REMOVED, ie.team_member_data(team, user_id, _actor(event))
        case de.TeamDeleted():
            return ie.TEAM_DELETED, ie.team_deleted_data(team, _actor(event))
    raise TypeError(f"no translation for {type(event).__name__}")


def _write_profile(
    uow: UsersUnitOfWork, profile: Profile, version: int, recorded: Sequence[de.ProfileEvent]
) -> None:
    # ProfileCreated: inserted by add_if_absent already; republishing writes nothing.
    if any(isinstance(event, de.ProfileUpdated) for event in recorded):
        uow.profiles.save(profile, expected_version=version)


def _write_team(
    uow: UsersUnitOfWork, team: Team, version: int, recorded: Sequence[de.TeamEvent]
) -> None:
    # TeamCreated: inserted by add already; republishing writes nothing.
    if any(isinstance(event, de.TeamDeleted) for event in recorded):
        uow.teams.delete(team.id, expected_version=version)
        return
    if any(isinstance(event, _TEAM_ROW_CHANGES) for event in recorded):
        uow.teams.save(team, expected_version=version)
    for event in recorded:
        match event:
            case de.MemberAdded(user_id=user_id, at=at):
                membership = Membership(user_id=user_id, added_at=at, added_by=_actor(event))
                uow.teams.add_member(team.id, membership)
            case de.MemberRemoved(user_id=user_id):
                uow.teams.remove_member(team.id, user_id)


def record_changes(uow: UsersUnitOfWork) -> None:
    """Write what every profile and team the unit of work handed out recorded, then their
    outbox events: profiles' first, each aggregate's in the order it recorded them (called
    by the unit of work before it commits)."""
    profiles = [(p, version, p.pull_events()) for p, version in uow.profiles.seen()]
    profiles = [(p, version, recorded) for p, version, recorded in profiles if recorded]
    teams = [(t, version, t.pull_events()) for t, version in uow.teams.seen()]
    teams = [(t, version, recorded) for t, version, recorded in teams if recorded]
    for profile, version, profile_events in profiles:
        _write_profile(uow, profile, version, profile_events)
    for team, version, team_events in teams:
        _write_team(uow, team, version, team_events)
    # After the writes: the teams are those this transaction leaves.
    wanted = [p.id for p, _, rec in profiles if any(isinstance(e, _NEEDS_TEAM_IDS) for e in rec)]
    team_ids = uow.teams.team_ids_of(wanted) if wanted else {}
    for profile, _, profile_events in profiles:
        for profile_event in profile_events:
            message = translate_profile(profile, profile_event, team_ids.get(profile.id, []))
            _add(uow, str(profile.id), message)
    for team, _, team_events in teams:
        for team_event in team_events:
            _add(uow, str(team.id), translate_team(team, team_event))


def _add(uow: UsersUnitOfWork, subject: str, message: Message) -> None:
    event_type, data = message
    uow.outbox.add_event(event_type, subject, data, causation_id=uow.causation_id)
