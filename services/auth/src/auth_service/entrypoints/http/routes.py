"""The auth endpoints: thin adapters from HTTP to the use cases."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from auth_service.application.api_keys import (
    ApiKeyView,
    CreateApiKey,
    ListApiKeys,
    RevokeApiKey,
)
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
    ApiKeyPageSchema,
    ApiKeyQuerySchema,
    ChangePasswordSchema,
    CreateApiKeySchema,
    CreatedApiKeySchema,
    JwksSchema,
    LoginSchema,
    LogoutSchema,
    RefreshSchema,
    RegisterSchema,
    TokensSchema,
)
from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import page_answer
from taskhive_shared.http.middleware import client_ip
from taskhive_shared.security.flask_auth import authenticate, require_session

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


def _key_body(view: ApiKeyView) -> dict[str, Any]:
    return {
        "id": view.id,
        "user_id": view.user_id,
        "name": view.name,
        "prefix": view.prefix,
        "scopes": view.scopes,
        "created_at": view.created_at,
        "expires_at": view.expires_at,
        "revoked_at": view.revoked_at,
        "last_used_at": view.last_used_at,
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
                    LoginUser(
                        login=body["username"], password=body["password"], source_ip=client_ip()
                    )
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
                session = services.refresh(RefreshTokens(body["refresh_token"], client_ip()))
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
                    source_ip=client_ip(),
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
                        source_ip=client_ip(),
                    )
                )
            except AuthError as exc:
                raise problem_for(exc) from exc
            return None

    @blp.route("/api-keys")
    class ApiKeys(MethodView):
        @blp.arguments(ApiKeyQuerySchema, location="query", unknown=ma.RAISE)
        @blp.response(200, ApiKeyPageSchema)
        @problem(blp, 401, "Missing or invalid access token")
        @problem(blp, 403, "An API key cannot list keys")
        @blp.doc(security=BEARER)
        def get(self, query: dict[str, Any]) -> Any:
            """Your API keys, newest first (admins: `?all=true` or `?user_id=`); never the key."""
            principal = authenticate(services.verifier)
            require_session(principal)
            try:
                page = services.api_keys.list(
                    ListApiKeys(
                        actor_id=uuid.UUID(principal.user_id),
                        actor_is_admin=principal.role == "admin",
                        all_users=query["all"],
                        user_id=query.get("user_id"),
                        limit=query["limit"],
                        cursor=query.get("cursor"),
                    )
                )
            except AuthError as exc:
                raise problem_for(exc) from exc
            return page_answer([_key_body(view) for view in page.items], page.next_cursor)

        @blp.arguments(CreateApiKeySchema)
        @blp.response(201, CreatedApiKeySchema)
        @problem(blp, 401, "Missing or invalid access token")
        @problem(blp, 403, "An API key cannot create keys")
        @problem(blp, 409, "Too many active keys")
        @blp.doc(security=BEARER)
        def post(self, body: dict[str, Any]) -> Any:
            """Create a key with scopes and an expiry; the key is in `key`, shown this once."""
            principal = authenticate(services.verifier)
            require_session(principal)
            try:
                created = services.create_api_key(
                    CreateApiKey(user_id=uuid.UUID(principal.user_id), **body)
                )
            except AuthError as exc:
                raise problem_for(exc) from exc
            answer = {**_key_body(created.view), "key": created.secret}
            return answer, 201, {"Cache-Control": "no-store"}

    @blp.route("/api-keys/<uuid:key_id>")
    class ApiKeyItem(MethodView):
        @blp.response(204)
        @problem(blp, 401, "Missing or invalid access token")
        @problem(blp, 403, "An API key cannot revoke keys")
        @problem(blp, 404, "No such key (or another user's, unless you are an admin)")
        @blp.doc(security=BEARER)
        def delete(self, key_id: uuid.UUID) -> Any:
            """Revoke a key (yours; admins: anyone's). It stops working within seconds."""
            principal = authenticate(services.verifier)
            require_session(principal)
            try:
                services.revoke_api_key(
                    RevokeApiKey(
                        key_id=key_id,
                        actor_id=uuid.UUID(principal.user_id),
                        actor_is_admin=principal.role == "admin",
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
