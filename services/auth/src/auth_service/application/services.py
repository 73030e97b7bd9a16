"""The set of auth use cases an entrypoint can call, assembled by bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auth_service.application.api_keys import (
    ApiKeyQueries,
    CreateApiKeyHandler,
    RevokeApiKeyHandler,
)
from auth_service.application.change_password import ChangePasswordHandler
from auth_service.application.create_admin import CreateAdminHandler
from auth_service.application.login import LoginUserHandler
from auth_service.application.logout import LogoutUserHandler
from auth_service.application.refresh import RefreshTokensHandler
from auth_service.application.register import RegisterUserHandler
from taskhive_shared.security.tokens import AccessTokenVerifier


@dataclass(frozen=True, slots=True)
class AuthServices:
    register: RegisterUserHandler
    login: LoginUserHandler
    refresh: RefreshTokensHandler
    logout: LogoutUserHandler
    change_password: ChangePasswordHandler
    create_admin: CreateAdminHandler
    create_api_key: CreateApiKeyHandler
    revoke_api_key: RevokeApiKeyHandler
    api_keys: ApiKeyQueries
    verifier: AccessTokenVerifier
    jwks: Callable[[], dict[str, Any]]
