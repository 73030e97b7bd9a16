"""CreateAdmin: the first administrator, for operators (idempotent on the username)."""

from __future__ import annotations

from dataclasses import dataclass

from auth_service.application.ports import UnitOfWorkFactory
from auth_service.application.register import RegisterUser, RegisterUserHandler
from auth_service.application.results import AccountView
from auth_service.domain.model import Role


@dataclass(frozen=True, slots=True)
class CreateAdminHandler:
    uow: UnitOfWorkFactory
    register: RegisterUserHandler

    def __call__(self, email: str, username: str, password: str) -> tuple[AccountView, bool]:
        """Returns the admin and whether it was created now."""
        with self.uow() as uow:
            existing = uow.accounts.find_by_login(username) or uow.accounts.find_by_login(email)
            if existing is not None:
                return AccountView.of(existing), False
        session = self.register(
            RegisterUser(email=email, username=username, password=password, role=Role.ADMIN)
        )
        return session.account, True
