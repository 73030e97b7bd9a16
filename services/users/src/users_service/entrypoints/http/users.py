"""The user directory and `me`: thin adapters from HTTP to the use cases."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import (
    ETAG_HEADER,
    IF_MATCH,
    IF_NONE_MATCH,
    LINK_HEADER,
    authenticated,
    bearer,
    caller_id,
    if_match_version,
    not_modified_response,
    page_answer,
    versioned,
)
from users_service.application.queries import ListUsers
from users_service.application.results import ProfileView
from users_service.application.services import UsersServices
from users_service.application.update_profile import UpdateProfile
from users_service.domain.model import ProfileChanges
from users_service.entrypoints.http.schemas import (
    PROFILE_PUT_RULES,
    ProfilePatchSchema,
    ProfilePutSchema,
    ProfileSchema,
    UserListQuerySchema,
    UserPageSchema,
)

_PROFILE_RULES = (
    "Members and managers edit their own `first_name`, `last_name`, `timezone`, "
    "`notification_preferences` and `available`; admins edit anyone's, and also `role` and "
    "`is_active` (never to demote or deactivate themselves). `email` is null unless you are "
    "the user, a manager or an admin."
)


def build_users_blueprint(services: UsersServices) -> Blueprint:
    blp = Blueprint(
        "users",
        __name__,
        url_prefix="/api/v1/users",
        description="Profiles: the user directory and `me`. " + _PROFILE_RULES,
    )
    blp.before_request(authenticated(services.verifier))

    def read(user_id: uuid.UUID | None) -> Any:
        actor = caller_id(services.verifier)
        view = services.users.get(actor, user_id or actor)
        return not_modified_response(view.version) or (view, 200, versioned(view.version))

    def write(user_id: uuid.UUID | None, body: dict[str, Any]) -> tuple[ProfileView, int, Any]:
        actor = caller_id(services.verifier)
        view = services.update_profile(
            UpdateProfile(
                actor_id=actor,
                user_id=user_id or actor,
                changes=ProfileChanges(**body),
                expected_version=if_match_version(),
            )
        )
        return view, 200, versioned(view.version)

    @blp.route("/")
    class Users(MethodView):
        @blp.arguments(UserListQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, UserPageSchema, headers=LINK_HEADER)
        @bearer(blp)
        def get(self, args: dict[str, Any]) -> Any:
            """The user directory, ordered by username (keyset pages).

            `q` matches a part of the username, first or last name (and the email, for
            managers and admins), in any letter case.
            """
            page = services.users.list(
                ListUsers(
                    actor_id=caller_id(services.verifier),
                    limit=args["limit"],
                    cursor=args.get("cursor"),
                    q=args.get("q"),
                    role=args.get("role"),
                    is_active=args.get("is_active"),
                    team_id=args.get("team"),
                )
            )
            return page_answer(page.items, page.next_cursor)

    @blp.route("/me")
    class Me(MethodView):
        @blp.response(200, ProfileSchema, headers=ETAG_HEADER)
        @blp.alt_response(304, description="Not modified (If-None-Match)")
        @problem(blp, 404, "No profile yet (the registration is still being processed)")
        @bearer(blp)
        @blp.doc(parameters=[IF_NONE_MATCH])
        def get(self) -> Any:
            """Your own profile."""
            return read(None)

        @blp.arguments(ProfilePutSchema)
        @blp.response(200, ProfileSchema, headers=ETAG_HEADER)
        @problem(blp, 403, "Only admins may set role or is_active")
        @problem(blp, 409, "An admin may not demote or deactivate themselves")
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH], description=PROFILE_PUT_RULES)
        def put(self, body: dict[str, Any]) -> Any:
            """Replace your profile (omitted optional fields return to their defaults)."""
            return write(None, body)

        @blp.arguments(ProfilePatchSchema)
        @blp.response(200, ProfileSchema, headers=ETAG_HEADER)
        @problem(blp, 403, "Only admins may set role or is_active")
        @problem(blp, 409, "An admin may not demote or deactivate themselves")
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def patch(self, body: dict[str, Any]) -> Any:
            """Change some fields of your profile (`notification_preferences` merges)."""
            return write(None, body)

    @blp.route("/<uuid:user_id>")
    class User(MethodView):
        @blp.response(200, ProfileSchema, headers=ETAG_HEADER)
        @blp.alt_response(304, description="Not modified (If-None-Match)")
        @problem(blp, 404, "No user has this id")
        @bearer(blp)
        @blp.doc(parameters=[IF_NONE_MATCH])
        def get(self, user_id: uuid.UUID) -> Any:
            """One user's profile."""
            return read(user_id)

        @blp.arguments(ProfilePutSchema)
        @blp.response(200, ProfileSchema, headers=ETAG_HEADER)
        @problem(blp, 403, "Not your profile, or role/is_active without being an admin")
        @problem(blp, 404, "No user has this id")
        @problem(blp, 409, "An admin may not demote or deactivate themselves")
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH], description=PROFILE_PUT_RULES)
        def put(self, body: dict[str, Any], user_id: uuid.UUID) -> Any:
            """Replace a profile (omitted optional fields return to their defaults)."""
            return write(user_id, body)

        @blp.arguments(ProfilePatchSchema)
        @blp.response(200, ProfileSchema, headers=ETAG_HEADER)
        @problem(blp, 403, "Not your profile, or role/is_active without being an admin")
        @problem(blp, 404, "No user has this id")
        @problem(blp, 409, "An admin may not demote or deactivate themselves")
        @problem(blp, 412, "If-Match names an older version")
        @bearer(blp)
        @blp.doc(parameters=[IF_MATCH])
        def patch(self, body: dict[str, Any], user_id: uuid.UUID) -> Any:
            """Change some fields of a profile (`notification_preferences` merges)."""
            return write(user_id, body)

    return blp
