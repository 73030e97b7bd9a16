"""Who sees and may change which task (DESIGN §5).

A task is visible to its creator, its assignees, the members of its team, and to managers
and admins. Anyone who sees it may comment; creator, assignees, managers and admins edit it;
creator, managers and admins archive, restore and (un)assign. A task the caller cannot see
is "not found", never "forbidden", so its existence does not leak.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from tasks_service.domain.errors import AccountDeactivated, PermissionDenied, TaskNotFound


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"


_STAFF = frozenset({Role.ADMIN, Role.MANAGER})


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller as this service's replica of users knows them."""

    user_id: uuid.UUID
    role: Role
    is_active: bool = True
    team_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.role in _STAFF

    def ensure_active(self) -> None:
        if not self.is_active:
            raise AccountDeactivated("Your account is deactivated.")


class TaskAccess(Protocol):
    """What the rules need to know of a task."""

    @property
    def created_by(self) -> uuid.UUID: ...

    @property
    def team_id(self) -> uuid.UUID | None: ...

    @property
    def assignee_ids(self) -> Collection[uuid.UUID]: ...


def can_see(actor: Actor, task: TaskAccess) -> bool:
    return (
        actor.is_staff
        or task.created_by == actor.user_id
        or actor.user_id in task.assignee_ids
        or (task.team_id is not None and task.team_id in actor.team_ids)
    )


def can_edit(actor: Actor, task: TaskAccess) -> bool:
    return actor.is_staff or task.created_by == actor.user_id or actor.user_id in task.assignee_ids


def can_manage(actor: Actor, task: TaskAccess) -> bool:
    """Archive, restore, assign and unassign."""
    return actor.is_staff or task.created_by == actor.user_id


def ensure_visible(actor: Actor, task: TaskAccess | None) -> None:
    if task is None or not can_see(actor, task):
        raise TaskNotFound()


def check_may_edit(actor: Actor, task: TaskAccess) -> None:
    ensure_visible(actor, task)
    if not can_edit(actor, task):
        raise PermissionDenied("Only the creator, assignees, managers and admins edit a task.")


def check_may_manage(actor: Actor, task: TaskAccess) -> None:
    ensure_visible(actor, task)
    if not can_manage(actor, task):
        raise PermissionDenied(
            "Only the creator, managers and admins archive, restore or assign a task."
        )


def check_may_use_team(actor: Actor, team_id: uuid.UUID) -> None:
    """Members file tasks only under their own teams; managers and admins under any."""
    if not actor.is_staff and team_id not in actor.team_ids:
        raise PermissionDenied("You can only file tasks under a team you belong to.")


def check_may_change_comment(actor: Actor, author_id: uuid.UUID, *, deleting: bool) -> None:
    """Authors edit and delete their comments; managers and admins may also delete any."""
    if author_id == actor.user_id or (deleting and actor.is_staff):
        return
    raise PermissionDenied("You can only change your own comments.")


def check_may_change_template(actor: Actor, created_by: uuid.UUID) -> None:
    if not actor.is_staff and created_by != actor.user_id:
        raise PermissionDenied("Only its creator, managers and admins change a template.")
