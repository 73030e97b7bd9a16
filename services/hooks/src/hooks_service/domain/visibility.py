"""Who may see an event (DESIGN §5): a task's creator, assignees and team members, managers and
admins; a team's events anyone signed in; a user's events that user and admins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

PRIVILEGED = frozenset({"admin", "manager"})


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: uuid.UUID
    role: str
    is_active: bool
    team_ids: frozenset[uuid.UUID]


@dataclass(frozen=True, slots=True)
class Audience:
    """What decides who sees one event, read from the replica at send time."""

    kind: str
    """'task', 'team', 'user' or 'system'."""
    created_by: uuid.UUID | None = None
    assignee_ids: frozenset[uuid.UUID] = frozenset()
    team_id: uuid.UUID | None = None
    subject_user: uuid.UUID | None = None


def can_see(viewer: Viewer, audience: Audience) -> bool:
    if not viewer.is_active:
        return False
    if audience.kind == "team":
        return True
    if audience.kind == "user":
        return viewer.role == "admin" or viewer.user_id == audience.subject_user
    if audience.kind != "task":
        return viewer.role == "admin"
    if viewer.role in PRIVILEGED:
        return True
    return (
        viewer.user_id == audience.created_by
        or viewer.user_id in audience.assignee_ids
        or (audience.team_id is not None and audience.team_id in viewer.team_ids)
    )
