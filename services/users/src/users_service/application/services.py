"""The set of users use cases an entrypoint can call, assembled by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from taskhive_shared.security.tokens import AccessTokenVerifier
from users_service.application.create_profile import CreateProfileFromRegistrationHandler
from users_service.application.create_team import CreateTeamHandler
from users_service.application.publish_snapshots import PublishSnapshotsHandler
from users_service.application.queries import TeamQueries, UserQueries
from users_service.application.team_members import AddTeamMemberHandler, RemoveTeamMemberHandler
from users_service.application.update_profile import UpdateProfileHandler
from users_service.application.update_team import DeleteTeamHandler, UpdateTeamHandler


@dataclass(frozen=True, slots=True)
class UsersServices:
    create_profile_from_registration: CreateProfileFromRegistrationHandler
    update_profile: UpdateProfileHandler
    users: UserQueries
    teams: TeamQueries
    create_team: CreateTeamHandler
    update_team: UpdateTeamHandler
    delete_team: DeleteTeamHandler
    add_team_member: AddTeamMemberHandler
    remove_team_member: RemoveTeamMemberHandler
    publish_snapshots: PublishSnapshotsHandler
    verifier: AccessTokenVerifier
