"""The visibility replica and the event log on PostgreSQL.

Replica rows carry the producer's `version`: an older event arriving late never overwrites a
newer state (upsert guarded by `version <`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from hooks_service.adapters.persistence.tables import (
    UUID,
    events,
    tasks,
    team_members,
    teams,
    users,
)
from hooks_service.application.ports import EVENTS_CHANNEL, LoggedEvent
from hooks_service.domain.visibility import Audience, Viewer

_ACTOR_KEYS = ("actor_id", "changed_by", "created_by", "deleted_by", "deactivated_by")


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class SqlAlchemyReplica:
    def __init__(self, session: Session) -> None:
        self._session = session

    def apply(self, event_type: str, data: dict[str, Any]) -> None:
        if event_type.startswith("tasks.task."):
            self._task(event_type, data)
        elif event_type.startswith("users.team."):
            self._team(event_type, data)
        elif event_type in ("users.user.created.v1", "users.user.updated.v1"):
            self._user(data)
        elif event_type == "users.user.deactivated.v1":
            self._session.execute(
                users.update()
                .where(users.c.id == data["user_id"], users.c.version < data["version"])
                .values(is_active=False, version=data["version"])
            )

    def _user(self, data: dict[str, Any]) -> None:
        values = {
            "id": data["user_id"],
            "username": data["username"],
            "display_name": data.get("display_name") or data["username"],
            "email": data["email"],
            "role": data["role"],
            "is_active": data["is_active"],
            "version": data["version"],
        }
        statement = postgresql.insert(users).values(**values)
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[users.c.id],
                set_={k: statement.excluded[k] for k in values if k != "id"},
                where=users.c.version < statement.excluded.version,
            )
        )

    def _team(self, event_type: str, data: dict[str, Any]) -> None:
        team_id = data["team_id"]
        statement = postgresql.insert(teams).values(
            id=team_id, name=data["name"], version=data["version"]
        )
        applied = self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[teams.c.id],
                set_={"name": statement.excluded.name, "version": statement.excluded.version},
                where=teams.c.version < statement.excluded.version,
            ).returning(teams.c.id)
        ).first()
        if applied is None:
            return
        self._session.execute(team_members.delete().where(team_members.c.team_id == team_id))
        members = [] if event_type == "users.team.deleted.v1" else data["member_ids"]
        if members:
            self._session.execute(
                team_members.insert(), [{"team_id": team_id, "user_id": m} for m in members]
            )

    def _task(self, event_type: str, data: dict[str, Any]) -> None:
        values = {
            "id": data["task_id"],
            "title": data["title"],
            "created_by": data["created_by"],
            "team_id": data["team_id"],
            "assignee_ids": list(data["assignee_ids"]),
            "is_deleted": event_type == "tasks.task.deleted.v1",
            "version": data["version"],
        }
        statement = postgresql.insert(tasks).values(**values)
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[tasks.c.id],
                set_={k: statement.excluded[k] for k in values if k != "id"},
                # A snapshot of the same version (`>=`) still repairs a drifted row.
                where=tasks.c.version <= statement.excluded.version,
            )
        )

    def viewer(self, user_id: uuid.UUID) -> Viewer | None:
        row = self._session.execute(
            sa.select(users.c.role, users.c.is_active).where(users.c.id == user_id)
        ).first()
        if row is None:
            return None
        team_ids = self._session.scalars(
            sa.select(team_members.c.team_id).where(team_members.c.user_id == user_id)
        ).all()
        return Viewer(user_id, row.role, row.is_active, frozenset(team_ids))

    def email_of(self, user_id: uuid.UUID) -> str | None:
        found: str | None = self._session.scalar(
            sa.select(users.c.email).where(users.c.id == user_id)
        )
        return found

    def audience(self, event: LoggedEvent) -> Audience:
        return audience_of(self._session, event.type, event.task_id, event.subject, event.envelope)

    def names(self, user_ids: Sequence[str]) -> dict[str, str]:
        ids = {i for i in (_uuid(u) for u in user_ids) if i is not None}
        if not ids:
            return {}
        rows = self._session.execute(
            sa.select(users.c.id, users.c.display_name).where(users.c.id.in_(ids))
        )
        return {str(row.id): row.display_name for row in rows}


def audience_of(
    session: Session,
    event_type: str,
    task_id: uuid.UUID | None,
    subject: str,
    envelope: dict[str, Any],
) -> Audience:
    """Who may see the event now: a task's current creator, assignees and team."""
    if event_type.startswith("users.team."):
        return Audience("team")
    if event_type.startswith("users.user."):
        return Audience("user", subject_user=_uuid(subject))
    if not event_type.startswith("tasks.") or task_id is None:
        return Audience("system")
    row = session.execute(
        sa.select(tasks.c.created_by, tasks.c.assignee_ids, tasks.c.team_id).where(
            tasks.c.id == task_id
        )
    ).first()
    if row is not None:
        return Audience("task", row.created_by, frozenset(row.assignee_ids), row.team_id)
    data = envelope.get("data", {})
    return Audience(
        "task",
        _uuid(data.get("created_by")),
        frozenset(u for u in map(_uuid, data.get("assignee_ids", [])) if u),
        _uuid(data.get("team_id")),
    )


def visible_to(viewer: Viewer) -> sa.ColumnElement[bool]:
    """The feed's filter: the same rule as `can_see`, in SQL over the replica."""
    admin = viewer.role == "admin"
    privileged = viewer.role in ("admin", "manager")
    user_rule = sa.true() if admin else events.c.subject == str(viewer.user_id)
    task_rule: sa.ColumnElement[bool]
    if privileged:
        task_rule = sa.true()
    else:
        task_rule = sa.exists().where(
            tasks.c.id == events.c.task_id,
            sa.or_(
                tasks.c.created_by == viewer.user_id,
                sa.literal(viewer.user_id, UUID) == sa.any_(tasks.c.assignee_ids),
                tasks.c.team_id.in_(
                    sa.select(team_members.c.team_id).where(
                        team_members.c.user_id == viewer.user_id
                    )
                ),
            ),
        )
    return sa.or_(
        events.c.type.like("users.team.%"),
        sa.and_(events.c.type.like("users.user.%"), user_rule),
        sa.and_(events.c.type.like("tasks.%"), task_rule),
    )


def logged(row: Any) -> LoggedEvent:
    return LoggedEvent(
        seq=row.seq,
        id=row.id,
        type=row.type,
        subject=row.subject,
        task_id=row.task_id,
        team_id=row.team_id,
        actor_id=row.actor_id,
        time=row.time,
        envelope=row.envelope,
    )


class SqlAlchemyEventLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, envelope: dict[str, Any], received_at: datetime) -> LoggedEvent | None:
        data = envelope.get("data") or {}
        event_type = str(envelope["type"])
        actor = next((data[k] for k in _ACTOR_KEYS if data.get(k)), None)
        row = self._session.execute(
            postgresql.insert(events)
            .values(
                id=envelope["id"],
                type=event_type,
                subject=str(envelope.get("subject", "")),
                task_id=_uuid(data.get("task_id")) if event_type.startswith("tasks.") else None,
                team_id=_uuid(data.get("team_id")),
                actor_id=_uuid(actor),
                time=envelope["time"],
                envelope=envelope,
                received_at=received_at,
            )
            .on_conflict_do_nothing(index_elements=[events.c.id])
            .returning(*events.c)
        ).first()
        if row is None:
            return None
        # Wakes the stream processes at commit (NOTIFY is transactional).
        self._session.execute(sa.select(sa.func.pg_notify(EVENTS_CHANNEL, str(row.seq))))
        return logged(row)

    def get(self, event_id: uuid.UUID) -> LoggedEvent | None:
        row = self._session.execute(sa.select(events).where(events.c.id == event_id)).first()
        return None if row is None else logged(row)
