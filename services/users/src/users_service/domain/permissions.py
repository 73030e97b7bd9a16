"""Who may do what in users, and who sees which fields (DESIGN §5).

The caller's role comes from their own profile here, never from the token: users owns
roles, and a token's `role` claim may be up to 15 minutes old.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from users_service.domain.errors import AccountDeactivated, PermissionDenied, SelfLockout
from users_service.domain.model import Profile, ProfileChanges, Role

_STAFF = frozenset({Role.ADMIN, Role.MANAGER})


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller as users knows them."""

    user_id: uuid.UUID
    role: Role
    is_active: bool = True

    @classmethod
    def of(cls, user_id: uuid.UUID, profile: Profile | None) -> Actor:
        """A caller without a profile yet (registered a moment ago) is an active member."""
        if profile is None:
            return cls(user_id=user_id, role=Role.MEMBER)
        return cls(user_id=user_id, role=profile.role, is_active=profile.is_active)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in _STAFF


def ensure_active(actor: Actor) -> None:
    if not actor.is_active:
        raise AccountDeactivated("Your account is deactivated.")


def may_see_email(actor: Actor, profile_id: uuid.UUID) -> bool:
    """Privacy: an email is shown to its owner, managers and admins only."""
    return actor.user_id == profile_id or actor.is_staff


def may_search_by_email(actor: Actor) -> bool:
    return actor.is_staff


def check_may_manage_teams(actor: Actor) -> None:
    if not actor.is_staff:
        raise PermissionDenied("Only managers and admins may manage teams.")


def check_may_update_profile(actor: Actor, target: Profile, changes: ProfileChanges) -> None:
    """Members and managers edit their own profile; admins edit anyone's, role and status too."""
    if changes.touches_admin_fields and not actor.is_admin:
        raise PermissionDenied("Only admins may change `role` or `is_active`.")
    if target.id != actor.user_id and not actor.is_admin:
        raise PermissionDenied("You may only edit your own profile.")
    if actor.is_admin and target.id == actor.user_id:
        # Nobody could undo it if the last admin locked themselves out.
        if changes.is_active is False:
            raise SelfLockout("An admin cannot deactivate themselves.")
        if changes.role is not None and changes.role is not Role.ADMIN:
            raise SelfLockout("An admin cannot remove their own admin role.")
