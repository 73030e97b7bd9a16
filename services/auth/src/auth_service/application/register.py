"""RegisterUser: a new member account, a first session, and `auth.user.registered.v1`."""

from __future__ import annotations

from dataclasses import dataclass

from auth_service.application.ports import Clock, PasswordHasher, UnitOfWorkFactory
from auth_service.application.results import AccountView, Session
from auth_service.application.sessions import TokenMinter
from auth_service.domain.errors import AccountAlreadyExists, WeakPassword
from auth_service.domain.model import Account, Role, normalise_email, normalise_username
from auth_service.domain.passwords import PasswordPolicy
from taskhive_shared.ids import uuid7

USER_REGISTERED = "auth.user.registered.v1"


@dataclass(frozen=True, slots=True)
class RegisterUser:
    email: str
    username: str
    password: str
    first_name: str = ""
    last_name: str = ""
    role: Role = Role.MEMBER


@dataclass(frozen=True, slots=True)
class RegisterUserHandler:
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    policy: PasswordPolicy
    minter: TokenMinter
    clock: Clock

    def __call__(self, command: RegisterUser) -> Session:
        email = normalise_email(command.email)
        username = normalise_username(command.username)
        problems = self.policy.problems(command.password, context=(username, email))
        if problems:
            raise WeakPassword("password", problems)
        password_hash = self.hasher.hash(command.password)
        now = self.clock.now()
        with self.uow() as uow:
            if uow.accounts.email_taken(email):
                raise AccountAlreadyExists("email")
            if uow.accounts.username_taken(username):
                raise AccountAlreadyExists("username")
            account = Account(
                id=uuid7(),
                email=email,
                username=username,
                password_hash=password_hash,
                role=command.role,
                is_active=True,
                created_at=now,
                updated_at=now,
            )
            uow.accounts.add(account)
            tokens = self.minter.open_family(uow, account, now)
            uow.outbox.add_event(
                USER_REGISTERED,
                str(account.id),
                {
                    "user_id": str(account.id),
                    "email": account.email,
                    "username": account.username,
                    "first_name": command.first_name,
                    "last_name": command.last_name,
                    "role": account.role.value,
                    "registered_at": now.isoformat(),
                },
            )
            uow.commit()
        return Session(account=AccountView.of(account), tokens=tokens)
