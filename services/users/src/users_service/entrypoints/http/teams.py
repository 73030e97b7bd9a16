"""Teams and their members: thin adapters from HTTP to the use cases."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import jsonify, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from taskhive_shared.http.conditional import etag_for
from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import (
    ETAG_HEADER,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    IF_NONE_MATCH,
    LINK_HEADER,
    authenticated,
    bearer,
    caller_id,
    idempotency_key,
    if_match_version,
    not_modified_response,
    page_answer,
    versioned,
)
from users_service.application.create_team import CreateTeam
from users_service.application.queries import ListTeams
from users_service.application.results import TeamView
from users_service.application.services import UsersServices
from users_service.application.team_members import AddTeamMember, RemoveTeamMember
from users_service.application.update_team import DeleteTeam, UpdateTeam
from users_service.entrypoints.http.schemas import (
    AddMemberSchema,
    TeamCreateSchema,
    TeamListQuerySchema,
    TeamPageSchema,
    TeamPatchSchema,
    TeamSchema,
)

_FORBIDDEN = "Only managers and admins manage teams"


def build_teams_blueprint(services: UsersServices) -> Blueprint:
    blp = Blueprint(
        "teams",
        __name__,
        url_prefix="/api/v1/teams",
        description="Teams: anyone signed in reads them; managers and admins change them.",
    )
    blp.before_request(authenticated(services.verifier))

    def team_location(team_id: str) -> str:
        return str(url_for("teams.Team", team_id=team_id))

    @blp.route("/")
    class Teams(MethodView):
        @blp.arguments(TeamListQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, TeamPageSchema, headers=LINK_HEADER)
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """Teams ordered by name (keyset pages); `q` matches a part of the name."""
            page = services.teams.list(
                ListTeams(
                    actor_id=caller_id(services.verifier),
                    limit=args["limit"],
                    cursor=args.get("cursor"),
                    q=args.get("q"),
                    member_id=args.get("member"),
                )
            )
            return page_answer(page.items, page.next_cursor)

        @blp.arguments(TeamCreateSchema)
        @blp.response(201, TeamSchema, headers=ETAG_HEADER)
        @problem(blp, 403, _FORBIDDEN)
        @problem(blp, 409, "A team with this name exists (in any letter case)")
        @problem(blp, 422, "Invalid fields, or an Idempotency-Key reused with another body")
        @bearer(blp)
        @blp.doc(parameters=[IDEMPOTENCY_KEY])
        def post(self, body: dict[str, Any]) -> Any:
            """Create a team; send an Idempotency-Key to retry safely."""
            created = services.create_team(
                CreateTeam(
                    actor_id=caller_id(services.verifier),
                    name=body["name"],
                    description=body["description"],
                    idempotency_key=idempotency_key(),
                ),
                present=lambda view: dict(TeamSchema().dump(view)),
            )
            stored = created.response.body
            # The stored body is already JSON: send it as it is, on a replay exactly as before.
            response = jsonify(stored)
            response.status_code = created.response.status
            response.headers.update(
                versioned(int(stored["version"]), {"Location": team_location(stored["id"])})
            )
            if created.replayed:
                response.headers["Idempotent-Replayed"] = "true"
            return response

    @blp.route("/<uuid:team_id>")
    class Team(MethodView):
        @blp.response(200, TeamSchema, headers=ETAG_HEADER)
        @blp.alt_response(304, description="Not modified (If-None-Match)")
        @problem(blp, 404, "No team has this id")
        @bearer(blp)
        @blp.doc(parameters=[IF_NONE_MATCH])
        def get(self, team_id: uuid.UUID) -> Any:
            """One team and its members."""
            view = services.teams.get(caller_id(services.verifier), team_id)
            return not_modified_response(view.version) or (view, 200, versioned(view.version))

        @blp.arguments(TeamPatchSchema)
        @blp.response(200, TeamSchema, headers=ETAG_HEADER)
        @problem(blp, 403, _FORBIDDEN)
        @problem(blp, 404, "No team has this id")
        @problem(blp, 409, "A team with this name exists (in any letter case)")
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def patch(self, body: dict[str, Any], team_id: uuid.UUID) -> Any:
            """Rename or redescribe a team."""
            view = services.update_team(
                UpdateTeam(
                    actor_id=caller_id(services.verifier),
                    team_id=team_id,
                    name=body.get("name"),
                    description=body.get("description"),
                    expected_version=if_match_version(),
                )
            )
            return _team_answer(view, 200)

        @blp.response(204)
        @problem(blp, 403, _FORBIDDEN)
        @problem(blp, 404, "No team has this id")
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def delete(self, team_id: uuid.UUID) -> Any:
            """Delete a team (its memberships go with it)."""
            services.delete_team(
                DeleteTeam(
                    actor_id=caller_id(services.verifier),
                    team_id=team_id,
                    expected_version=if_match_version(),
                )
            )
            return None

    @blp.route("/<uuid:team_id>/members")
    class Members(MethodView):
        @blp.arguments(AddMemberSchema)
        @blp.response(201, TeamSchema, headers=ETAG_HEADER)
        @problem(blp, 403, _FORBIDDEN)
        @problem(blp, 404, "No team has this id")
        @problem(blp, 409, "The user is already a member")
        @problem(blp, 412, "If-Match names an older version of the team")
        @problem(blp, 422, "No active user has this id")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def post(self, body: dict[str, Any], team_id: uuid.UUID) -> Any:
            """Add an active user to the team; answers the team."""
            view = services.add_team_member(
                AddTeamMember(
                    actor_id=caller_id(services.verifier),
                    team_id=team_id,
                    user_id=body["user_id"],
                    expected_version=if_match_version(),
                )
            )
            return _team_answer(view, 201)

    @blp.route("/<uuid:team_id>/members/<uuid:user_id>")
    class Member(MethodView):
        @blp.response(204)
        @problem(blp, 403, _FORBIDDEN)
        @problem(blp, 404, "No team has this id, or the user is not a member")
        @problem(blp, 412, "If-Match names an older version of the team")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def delete(self, team_id: uuid.UUID, user_id: uuid.UUID) -> Any:
            """Remove a member from the team; the new team ETag comes back in `ETag`."""
            view = services.remove_team_member(
                RemoveTeamMember(
                    actor_id=caller_id(services.verifier),
                    team_id=team_id,
                    user_id=user_id,
                    expected_version=if_match_version(),
                )
            )
            return None, 204, {"ETag": etag_for(view.version)}

    return blp


def _team_answer(view: TeamView, status: int) -> tuple[TeamView, int, dict[str, str]]:
    return view, status, versioned(view.version)
