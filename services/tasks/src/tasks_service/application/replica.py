"""The replica of users and teams, fed by `users.*` events (DESIGN §6, replicas).

Users owns people, roles and teams; tasks keeps what it needs to check assignees and decide
visibility. Each event carries the aggregate's version: a stale or repeated one changes
nothing, so redelivery, reordering and re-published snapshots are harmless. The handlers
run inside the consumer's unit of work, which commits them with their inbox row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tasks_service.application.ports import ReplicaTeam, ReplicaUser, TasksUnitOfWork


def _timestamp(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class ReplicaSync:
    """One method per kind of users event; each returns True when the replica changed."""

    def user_changed(self, data: dict[str, Any], uow: TasksUnitOfWork) -> bool:
        """`users.user.created.v1` and `users.user.updated.v1` (the whole profile)."""
        return uow.replica.upsert_user(
            ReplicaUser(
                id=uuid.UUID(str(data["user_id"])),
                username=str(data["username"]),
                display_name=str(data["display_name"]),
                email=str(data["email"]),
                role=str(data["role"]),
                is_active=bool(data["is_active"]),
                version=int(data["version"]),
                updated_at=_timestamp(data["updated_at"]),
                timezone=str(data.get("timezone") or "UTC"),
                available=data.get("available") is not False,
                notification_preferences={
                    str(kind): bool(on)
                    for kind, on in dict(data.get("notification_preferences") or {}).items()
                },
            )
        )

    def user_deactivated(self, data: dict[str, Any], uow: TasksUnitOfWork) -> bool:
        return uow.replica.deactivate_user(uuid.UUID(str(data["user_id"])), int(data["version"]))

    def team_changed(self, data: dict[str, Any], uow: TasksUnitOfWork) -> bool:
        """`users.team.created|updated|member_added|member_removed.v1` (whole member list)."""
        return uow.replica.upsert_team(
            ReplicaTeam(
                id=uuid.UUID(str(data["team_id"])),
                name=str(data["name"]),
                version=int(data["version"]),
                member_ids=tuple(uuid.UUID(str(m)) for m in data["member_ids"]),
            )
        )

    def team_deleted(self, data: dict[str, Any], uow: TasksUnitOfWork) -> bool:
        return uow.replica.delete_team(uuid.UUID(str(data["team_id"])), int(data["version"]))
