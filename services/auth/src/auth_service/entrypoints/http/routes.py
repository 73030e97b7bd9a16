"""The auth endpoints: thin adapters from HTTP to the use cases."""

from __future__ import annotations

import uuid
from typing import Any

from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from auth_service.application.change_password import ChangePassword
from auth_service.application.login import LoginUser
from auth_service.application.logout import LogoutUser
from auth_service.application.refresh import RefreshTokens
from auth_service.application.register import RegisterUser
from auth_service.application.results import Session
from auth_service.application.services import AuthServices
from auth_service.domain.errors import AuthError
from auth_service.entrypoints.http.errors import problem_for
from auth_service.entrypoints.http.schemas import (
    ChangePasswordSchema,
    JwksSchema,
    LoginSchema,
    LogoutSchema,
    RefreshSchema,
    RegisterSchema,
    TokensSchema,
)
from taskhive_shared.http.docs import problem
from taskhive_shared.security.flask_auth import authenticate

BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def _session_body(session: Session, names: dict[str, str] | None = None) -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": session.account.id,
        "email": session.account.email,
        "username": session.account.username,
        "role": session.account.role.value,
    }
    if names is not None:
        user.update(names)
    return {
        "user": user,
        "access_token": session.tokens.access_token,
        "refresh_token": session.tokens.refresh_token,
        "token_type": session.tokens.token_type,
        "expires_in": session.tokens.expires_in,
    }


def build_blueprint(services: AuthServices) -> Blueprint:
    blp = Blueprint(
        "auth", __name__, url_prefix="/api/v1/auth", description="Accounts, sessions and tokens"
    )

    @blp.route("/register")
    class Register(MethodView):
        @blp.arguments(RegisterSchema)
        @blp.response(201, TokensSchema)
        @problem(blp, 409, "Email or username already taken")
        def post(self, body: dict[str, Any]) -> Any:
            """Create an account (role `member`) and sign it in."""
            try:
                session = services.register(RegisterUser(**body))
            except AuthError as exc:
                raise problem_for(exc) from exc
            names = {"first_name": body["first_name"], "last_name": body["last_name"]}
            return _session_body(session, names), 201, {"Cache-Control": "no-store"}

    @blp.route("/login")
    class Login(MethodView):
        @blp.arguments(LoginSchema)
        @blp.response(200, TokensSchema)
        @problem(blp, 401, "Invalid credentials")
        def post(self, body: dict[str, Any]) -> Any:
            """Sign in with a username or email and a password."""
            try:
                session = services.login(
                    LoginUser(login=body["username"], password=body["password"])
                )
            except AuthError as exc:
                raise problem_for(exc) from exc
            return _session_body(session), 200, {"Cache-Control": "no-store"}

    @blp.route("/refresh")
    class Refresh(MethodView):
        @blp.arguments(RefreshSchema)
        @blp.response(200, TokensSchema)
        @problem(blp, 401, "Unknown, expired, revoked or reused refresh token")
        def post(self, body: dict[str, Any]) -> Any:
            """Exchange a refresh token for a new pair; the presented token is spent."""
            try:
                session = services.refresh(RefreshTokens(body["refresh_token"]))
            except AuthError as exc:
                raise problem_for(exc) from exc
            return _session_body(session), 200, {"Cache-Control": "no-store"}

    @blp.route("/logout")
    class Logout(MethodView):
        @blp.arguments(LogoutSchema)
        @blp.response(204)
        @problem(blp, 401, "Missing or invalid access token")
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any]) -> Any:
            """End the session: revoke its refresh-token family and this access token."""
            principal = authenticate(services.verifier)
            services.logout(
                LogoutUser(
                    user_id=uuid.UUID(principal.user_id),
                    access_jti=principal.jti,
                    access_expires_at=principal.expires_at,
                    refresh_token=body["refresh_token"],
                )
            )
            return None

    @blp.route("/password")
    class Password(MethodView):
        @blp.arguments(ChangePasswordSchema)
        @blp.response(204)
        @problem(blp, 401, "Missing or invalid access token")
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any]) -> Any:
            """Change the password; every other session of the account is ended."""
            principal = authenticate(services.verifier)
            try:
                services.change_password(
                    ChangePassword(
                        user_id=uuid.UUID(principal.user_id),
                        session_id=uuid.UUID(principal.session_id)
                        if principal.session_id
                        else None,
                        current_password=body["current_password"],
                        new_password=body["new_password"],
                    )
                )
            except AuthError as exc:
                raise problem_for(exc) from exc
            return None

    @blp.route("/jwks.json")
    class Jwks(MethodView):
        @blp.response(200, JwksSchema)
        def get(self) -> Any:
            """Public keys verifying access tokens (RFC 7517); cache for five minutes."""
            response = jsonify(services.jwks())
            response.headers["Cache-Control"] = "public, max-age=300"
            return response

    return blp
