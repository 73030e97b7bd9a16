"""The task aggregate: its fields and their rules, the workflow, assignees, comments, archive.

Every method that changes a task checks the rules first (nothing changes when one fails),
then records what happened as a domain event (domain.events) and bumps the version once per
unit of work. The caller never writes history or events by hand: the unit of work turns the
recorded events into both when it commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tasks_service.domain import events as task_events
from tasks_service.domain.errors import NotAssigned, TaskArchived, ValidationFailed
from tasks_service.domain.events import Change
from tasks_service.domain.fields import (
    Choice,
    FieldsInvalid,
    FieldSpec,
    Flag,
    Hours,
    Invalid,
    JsonObject,
    Moment,
    Recurrence,
    Reference,
    TagNames,
    Text,
    WholeNumber,
    clean_values,
    declared,
    specs,
)
from tasks_service.domain.workflow import (
    CLOSED,
    INITIAL,
    TRANSITIONS,
    Priority,
    Status,
    check_transition,
)
from tasks_service.domain.workflow import raised as sla_raised

__all__ = ["CLOSED", "INITIAL", "TRANSITIONS", "Priority", "Status"]

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
METADATA_MAX_BYTES = 16 * 1024
MAX_ASSIGNEES = 50
COMMENT_MAX = 10_000
COMMENT_EXCERPT = 500


@dataclass(kw_only=True, slots=True)
class TaskFields:
    """What a client sets on a task (POST, PUT, PATCH): each field declared once, here.

    A `required` field must be given to create a task and to replace one (PUT); an omitted
    optional one takes its default. PATCH sets only the fields it names.
    """

    title: str = declared(Text(1, TITLE_MAX), default="", required=True, summary=True)
    description: str = declared(Text(0, DESCRIPTION_MAX, multiline=True), default="")
    status: Status = declared(Choice(Status), default=Status.TODO, summary=True)
    priority: Priority = declared(Choice(Priority), default=Priority.MEDIUM, summary=True)
    due_date: datetime | None = declared(Moment(), default=None, nullable=True, summary=True)
    estimated_hours: Decimal | None = declared(
        Hours(), default=None, nullable=True, description="Hours, ≥ 0, two decimal places"
    )
    actual_hours: Decimal | None = declared(
        Hours(), default=None, nullable=True, description="Hours, ≥ 0, two decimal places"
    )
    story_points: int | None = declared(
        WholeNumber(0, 100),
        default=None,
        nullable=True,
        summary=True,
        description="The task's relative size, 0 to 100 (velocity and planning)",
    )
    team_id: uuid.UUID | None = declared(Reference(), default=None, nullable=True, summary=True)
    parent_task_id: uuid.UUID | None = declared(
        Reference(),
        default=None,
        nullable=True,
        summary=True,
        description="Makes this a subtask of a task you see",
    )
    auto_complete: bool = declared(
        Flag(),
        default=False,
        description="Moves to `done` by itself when its last open subtask is closed, and "
        "back to `in_progress` when one is reopened",
    )
    metadata: dict[str, Any] = declared(
        JsonObject(METADATA_MAX_BYTES),
        default_factory=dict,
        description="Any JSON object, at most 16 KiB",
    )
    tags: list[str] = declared(
        TagNames(),
        default_factory=list,
        summary=True,
        description="Tag names; unknown names become new tags",
    )
    recurrence: dict[str, str] | None = declared(
        Recurrence(),
        default=None,
        nullable=True,
        description="Makes the task recurring: when it is done (or, `from_due_date`, when "
        "its next date comes) the next occurrence is created as a copy with reset subtasks; "
        "RRULE in the team calendar's time zone; null stops the series",
    )


FIELDS: tuple[FieldSpec, ...] = specs(TaskFields)
EDITABLE = tuple(spec.name for spec in FIELDS)
"""The fields PUT and PATCH may set (never id, created_by, timestamps, version, archive)."""
_SPECS = {spec.name: spec for spec in FIELDS}


def clean(fields: TaskFields, names: Collection[str]) -> dict[str, Any]:
    """The named fields' values, normalised; ValidationFailed names every bad one."""
    try:
        return clean_values(fields, _SPECS, names)
    except FieldsInvalid as invalid:
        raise ValidationFailed(invalid.errors) from None


def check_parent(
    task_id: uuid.UUID, parent_id: uuid.UUID, parent_ancestors: Sequence[uuid.UUID]
) -> None:
    """A task may not be its own parent, nor an ancestor of its parent (no cycles)."""
    if parent_id == task_id or task_id in parent_ancestors:
        raise ValidationFailed.single(
            "parent_task_id", "A task cannot be a subtask of itself or of its own subtasks."
        )


@dataclass(frozen=True, slots=True)
class Assignment:
    user_id: uuid.UUID
    assigned_by: uuid.UUID
    assigned_at: datetime


def _same_tags(old: list[str], new: list[str]) -> bool:
    return [t.lower() for t in old] == [t.lower() for t in new]


@dataclass(kw_only=True, slots=True)
class Task(TaskFields):
    id: uuid.UUID
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    assignments: list[Assignment] = field(default_factory=list)
    is_archived: bool = False
    archived_at: datetime | None = None
    is_overdue: bool = False
    version: int = 1
    series_id: uuid.UUID | None = None
    """The recurring series this task belongs to (the id of its first occurrence)."""
    next_occurrence_id: uuid.UUID | None = None
    """The occurrence this one begot (at most one: set under the task's lock)."""
    events: list[task_events.TaskEvent] = field(default_factory=list, compare=False, repr=False)
    """Recorded and not yet handed to the unit of work."""
    changed: bool = field(default=False, compare=False, repr=False)
    """True once this unit of work gave the task a new version."""

    @property
    def assignee_ids(self) -> list[uuid.UUID]:
        return [a.user_id for a in self.assignments]

    @classmethod
    def create(
        cls,
        *,
        task_id: uuid.UUID,
        fields: TaskFields,
        created_by: uuid.UUID,
        at: datetime,
        assignee_ids: Sequence[uuid.UUID] = (),
    ) -> Task:
        values = clean(fields, EDITABLE)
        if values["status"] not in INITIAL:
            raise ValidationFailed.single(
                "status", f"A new task starts in one of: {', '.join(sorted(INITIAL))}."
            )
        task = cls(id=task_id, created_by=created_by, created_at=at, updated_at=at, **values)
        task.join_series()
        task.refresh_overdue(at)
        added = task._add_assignees(assignee_ids, by=created_by, at=at)
        initial = [
            Change(name, None, getattr(task, name))
            for name in EDITABLE
            if getattr(task, name) not in (None, "", [], {}) and getattr(task, name) is not False
        ]
        if added:
            initial.append(Change("assignee_ids", [], added))
        task._record(
            task_events.TaskCreated(
                task_id=task.id,
                actor_id=created_by,
                at=at,
                changes=tuple(initial),
                assignee_ids=tuple(added),
            )
        )
        return task

    def update(
        self, fields: TaskFields, names: Collection[str], *, by: uuid.UUID, at: datetime
    ) -> list[Change]:
        """Set the named fields to `fields`' values; returns the changes that were made.

        Nothing changes when a value is invalid (ValidationFailed) or the status move is not
        allowed (InvalidTransition).
        """
        self.ensure_not_archived()
        values = clean(fields, names)
        if "status" in values:
            check_transition(self.status, values["status"])
        changes = [
            Change(name, getattr(self, name), new)
            for name, new in values.items()
            if getattr(self, name) != new
            and not (name == "tags" and _same_tags(getattr(self, name), new))
        ]
        for change in changes:
            setattr(self, change.field, change.new)
        self.join_series()
        was_overdue = self.is_overdue
        self.refresh_overdue(at)
        if was_overdue != self.is_overdue:
            changes.append(Change("is_overdue", was_overdue, self.is_overdue))
        if not changes:
            return changes
        self._touch(at)
        edits = tuple(change for change in changes if change.field != "status")
        if edits:
            self._record(task_events.TaskEdited(task_id=self.id, actor_id=by, at=at, changes=edits))
        for change in changes:
            if change.field == "status":
                self._record(
                    task_events.StatusChanged(
                        task_id=self.id, actor_id=by, at=at, old=change.old, new=change.new
                    )
                )
        return changes

    def link_dependency(
        self, blocked_id: uuid.UUID, blocking_id: uuid.UUID, *, by: uuid.UUID, at: datetime
    ) -> None:
        """This task is one end of a new dependency (`blocked_id` blocked by `blocking_id`);
        the use case has checked that it closes no cycle."""
        self.ensure_not_archived()
        self._touch(at)
        self._record(
            task_events.DependencyAdded(
                task_id=self.id, actor_id=by, at=at, blocked_id=blocked_id, blocking_id=blocking_id
            )
        )

    def unlink_dependency(
        self, blocked_id: uuid.UUID, blocking_id: uuid.UUID, *, by: uuid.UUID, at: datetime
    ) -> None:
        """This task is one end of a dependency that goes (an archived other end may go)."""
        if self.id == blocked_id:
            self.ensure_not_archived()
        self._touch(at)
        self._record(
            task_events.DependencyRemoved(
                task_id=self.id, actor_id=by, at=at, blocked_id=blocked_id, blocking_id=blocking_id
            )
        )

    def move_automatically(self, status: Status, *, reason: str, at: datetime) -> bool:
        """The system's own status move (a parent following its subtasks); False when the
        workflow does not allow it or there is nothing to do."""
        if self.is_archived or status == self.status or status not in TRANSITIONS[self.status]:
            return False
        old, self.status = self.status, status
        self.refresh_overdue(at)
        self._touch(at)
        self._record(
            task_events.StatusChanged(
                task_id=self.id, actor_id=None, at=at, old=old, new=status, automatic=reason
            )
        )
        return True

    def refresh_overdue(self, now: datetime) -> None:
        """A task stops being overdue once closed or given a future due date; becoming
        overdue is the overdue job's call (`mark_overdue`: it records and notifies)."""
        if self.status in CLOSED or self.due_date is None or self.due_date > now:
            self.is_overdue = False

    def mark_overdue(self, now: datetime) -> bool:
        """True when the task has just become overdue (open, not archived, due date past)."""
        if (
            self.is_overdue
            or self.is_archived
            or self.status in CLOSED
            or self.due_date is None
            or self.due_date > now
        ):
            return False
        self.is_overdue = True
        self._touch(now)
        self._record(task_events.TaskBecameOverdue(task_id=self.id, actor_id=None, at=now))
        return True

    def remind_due_soon(self, now: datetime) -> None:
        """Announce the coming due date (once per due date: the job picks each once)."""
        if self.due_date is not None:
            self._record(
                task_events.TaskDueSoon(
                    task_id=self.id, actor_id=None, at=now, due_date=self.due_date
                )
            )

    def sla_at_risk(
        self, policy_id: uuid.UUID, response_due: datetime, resolution_due: datetime, at: datetime
    ) -> None:
        """Announce that the SLA is at risk (the escalation job calls this once per entry)."""
        self._record(
            task_events.SlaAtRisk(
                task_id=self.id,
                actor_id=None,
                at=at,
                policy_id=policy_id,
                response_due=response_due,
                resolution_due=resolution_due,
            )
        )

    def escalate_sla_breach(
        self,
        policy_id: uuid.UUID,
        response_due: datetime,
        resolution_due: datetime,
        escalated_to: Sequence[uuid.UUID],
        at: datetime,
    ) -> None:
        """The SLA is breached: the priority goes up one step by itself (once per breach)."""
        old = self.priority
        if not self.is_archived and self.status not in CLOSED:
            self.priority = sla_raised(old)
        self._touch(at)
        self._record(
            task_events.SlaBreached(
                task_id=self.id,
                actor_id=None,
                at=at,
                policy_id=policy_id,
                response_due=response_due,
                resolution_due=resolution_due,
                old_priority=old,
                escalated_to=tuple(escalated_to),
            )
        )

    def join_series(self) -> None:
        """A task given a recurrence starts a series (its own id) unless it is in one."""
        if self.recurrence is not None and self.series_id is None:
            self.series_id = self.id

    def begot(self, next_id: uuid.UUID, series_id: uuid.UUID, due: datetime, at: datetime) -> None:
        """The next occurrence `next_id` (due `due`) was made from this one."""
        self.next_occurrence_id = next_id
        self.series_id = series_id
        self._touch(at)
        self._record(
            task_events.OccurrenceScheduled(
                task_id=self.id, actor_id=None, at=at, next_task_id=next_id, due_date=due
            )
        )

    def ensure_not_archived(self) -> None:
        if self.is_archived:
            raise TaskArchived()

    def _add_assignees(
        self, user_ids: Sequence[uuid.UUID], *, by: uuid.UUID, at: datetime
    ) -> list[uuid.UUID]:
        current = set(self.assignee_ids)
        added = [user_id for user_id in dict.fromkeys(user_ids) if user_id not in current]
        if len(self.assignments) + len(added) > MAX_ASSIGNEES:
            raise ValidationFailed.single(
                "user_ids", f"A task has at most {MAX_ASSIGNEES} assignees."
            )
        self.assignments.extend(Assignment(user_id, by, at) for user_id in added)
        return added

    def assign(
        self, user_ids: Sequence[uuid.UUID], *, by: uuid.UUID, at: datetime
    ) -> list[uuid.UUID]:
        """Add assignees (already assigned ones are left alone); returns the new ones."""
        self.ensure_not_archived()
        added = self._add_assignees(user_ids, by=by, at=at)
        if added:
            self._touch(at)
            self._record(
                task_events.AssigneesAdded(
                    task_id=self.id, actor_id=by, at=at, user_ids=tuple(added)
                )
            )
        return added

    def unassign(self, user_id: uuid.UUID, *, by: uuid.UUID, at: datetime) -> None:
        self.ensure_not_archived()
        if user_id not in self.assignee_ids:
            raise NotAssigned()
        self._remove_assignees([user_id], by=by, at=at)

    def _remove_assignees(self, user_ids: list[uuid.UUID], *, by: uuid.UUID, at: datetime) -> None:
        self.assignments = [a for a in self.assignments if a.user_id not in user_ids]
        self._touch(at)
        self._record(
            task_events.AssigneesRemoved(
                task_id=self.id, actor_id=by, at=at, user_ids=tuple(user_ids)
            )
        )

    def set_assignees(
        self, user_ids: Sequence[uuid.UUID], *, by: uuid.UUID, at: datetime
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """Replace the assignee set; returns (added, removed)."""
        self.ensure_not_archived()
        wanted = list(dict.fromkeys(user_ids))
        if len(wanted) > MAX_ASSIGNEES:
            raise ValidationFailed.single(
                "assignee_ids", f"A task has at most {MAX_ASSIGNEES} assignees."
            )
        # Remove first: the limit applies to the new set, not to old and new together.
        removed = [uid for uid in self.assignee_ids if uid not in wanted]
        if removed:
            self._remove_assignees(removed, by=by, at=at)
        added = self.assign(wanted, by=by, at=at)
        return added, removed

    def archive(self, *, by: uuid.UUID, at: datetime) -> bool:
        """False when already archived (archiving twice changes nothing)."""
        if self.is_archived:
            return False
        self.is_archived = True
        self.archived_at = at
        self._touch(at)
        self._record(task_events.TaskArchived(task_id=self.id, actor_id=by, at=at))
        return True

    def restore(self, *, by: uuid.UUID, at: datetime) -> bool:
        if not self.is_archived:
            return False
        self.is_archived = False
        self.archived_at = None
        self._touch(at)
        self._record(task_events.TaskRestored(task_id=self.id, actor_id=by, at=at))
        return True

    def purge(self, at: datetime) -> None:
        """Deleted for good (the weekly cleanup of tasks archived long ago)."""
        self._record(
            task_events.TaskPurged(
                task_id=self.id, actor_id=None, at=at, archived_at=self.archived_at
            )
        )

    def republish(self, at: datetime, status_history: Sequence[tuple[datetime, str]]) -> None:
        """Announce the task again, unchanged (`tasks-service publish-snapshots`)."""
        self._record(
            task_events.TaskRepublished(
                task_id=self.id, actor_id=None, at=at, status_history=tuple(status_history)
            )
        )

    def add_comment(
        self, *, comment_id: uuid.UUID, body: str, by: uuid.UUID, at: datetime
    ) -> Comment:
        self.ensure_not_archived()
        comment = Comment(
            id=comment_id,
            task_id=self.id,
            author_id=by,
            body=Comment.clean_body(body),
            created_at=at,
            updated_at=at,
        )
        self._record(
            task_events.CommentAdded(
                task_id=self.id, actor_id=by, at=at, comment_id=comment.id, body=comment.body
            )
        )
        return comment

    def edit_comment(self, comment: Comment, body: str, *, by: uuid.UUID, at: datetime) -> bool:
        """False when the text is the same."""
        self.ensure_not_archived()
        old = comment.body
        if not comment.edit(body, at):
            return False
        self._record(
            task_events.CommentEdited(
                task_id=self.id,
                actor_id=by,
                at=at,
                comment_id=comment.id,
                old_body=old,
                new_body=comment.body,
            )
        )
        return True

    def delete_comment(self, comment: Comment, *, by: uuid.UUID, at: datetime) -> None:
        self.ensure_not_archived()
        self._record(
            task_events.CommentDeleted(task_id=self.id, actor_id=by, at=at, comment_id=comment.id)
        )

    def pull_events(self) -> list[task_events.TaskEvent]:
        recorded, self.events = self.events, []
        return recorded

    def _touch(self, at: datetime) -> None:
        """One new version per unit of work, however many changes it made."""
        self.updated_at = at
        if not self.changed:
            self.version += 1
            self.changed = True

    def _record(self, event: task_events.TaskEvent) -> None:
        self.events.append(event)


_COMMENT_BODY = Text(1, COMMENT_MAX, multiline=True)


@dataclass(slots=True)
class Comment:
    id: uuid.UUID
    task_id: uuid.UUID
    author_id: uuid.UUID
    body: str
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @staticmethod
    def clean_body(body: object) -> str:
        try:
            return _COMMENT_BODY.clean(body)
        except Invalid as invalid:
            raise ValidationFailed({"body": invalid.messages}) from None

    def edit(self, body: object, at: datetime) -> bool:
        cleaned = self.clean_body(body)
        if cleaned == self.body:
            return False
        self.body = cleaned
        self.updated_at = at
        self.version += 1
        return True
