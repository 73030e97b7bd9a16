"""The task aggregate: fields and their rules, the status workflow, assignees, archiving.

A use case changes a task through these methods, which validate and return the changes
(field, old, new) that go into the task's history; the use case then bumps the version
once with `mark_changed`, however many changes one request made.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from tasks_service.domain.errors import (
    InvalidTransition,
    NotAssigned,
    TaskArchived,
    ValidationFailed,
)
from tasks_service.domain.tags import normalise_tag_names

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
METADATA_MAX_BYTES = 16 * 1024
HOURS_MAX = Decimal("999999.99")
MAX_ASSIGNEES = 50


class Status(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.TODO: frozenset({Status.IN_PROGRESS, Status.BLOCKED, Status.DONE, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset(
        {Status.TODO, Status.IN_REVIEW, Status.BLOCKED, Status.DONE, Status.CANCELLED}
    ),
    Status.IN_REVIEW: frozenset(
        {Status.IN_PROGRESS, Status.BLOCKED, Status.DONE, Status.CANCELLED}
    ),
    Status.BLOCKED: frozenset({Status.TODO, Status.IN_PROGRESS, Status.CANCELLED}),
    # Closed tasks can be reopened, each into the state it most likely left.
    Status.DONE: frozenset({Status.IN_PROGRESS}),
    Status.CANCELLED: frozenset({Status.TODO}),
}
"""The workflow: from each status, the statuses a task may move to (docs/API.md)."""

CLOSED = frozenset({Status.DONE, Status.CANCELLED})
INITIAL = frozenset({Status.TODO}) | TRANSITIONS[Status.TODO]
"""A new task starts in `todo` or any status reachable from it."""


def check_transition(current: Status, wanted: Status) -> None:
    if wanted != current and wanted not in TRANSITIONS[current]:
        raise InvalidTransition(
            current.value, wanted.value, (s.value for s in TRANSITIONS[current])
        )


def jsonable(value: Any) -> Any:
    """A value as history and events record it (JSON types only)."""
    match value:
        case StrEnum():
            return value.value
        case uuid.UUID() | Decimal():
            return str(value)
        case datetime():
            return value.isoformat()
        case list() | tuple():
            return [jsonable(item) for item in value]
        case _:
            return value


@dataclass(frozen=True, slots=True)
class Change:
    """One field's move, recorded in the history as `{field: {"old": …, "new": …}}`."""

    field: str
    old: Any
    new: Any


def changes_as_json(changes: Iterable[Change]) -> dict[str, dict[str, Any]]:
    return {c.field: {"old": jsonable(c.old), "new": jsonable(c.new)} for c in changes}


def _has_control_characters(value: str, *, multiline: bool) -> bool:
    allowed = {"\n", "\r", "\t"} if multiline else set()
    return any(unicodedata.category(ch).startswith("C") and ch not in allowed for ch in value)


def clean_text(
    errors: dict[str, list[str]],
    name: str,
    value: object,
    *,
    min_length: int,
    max_length: int,
    multiline: bool = False,
) -> str:
    if not isinstance(value, str):
        errors.setdefault(name, []).append("Must be a string.")
        return ""
    cleaned = unicodedata.normalize("NFC", value).strip()
    if len(cleaned) < min_length:
        errors.setdefault(name, []).append(f"Must be at least {min_length} character(s) long.")
    if len(cleaned) > max_length:
        errors.setdefault(name, []).append(f"Must be at most {max_length} characters long.")
    if _has_control_characters(cleaned, multiline=multiline):
        errors.setdefault(name, []).append("Must not contain control characters.")
    return cleaned


def clean_hours(errors: dict[str, list[str]], name: str, value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        hours = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        hours = Decimal("NaN")
    if not hours.is_finite():
        errors.setdefault(name, []).append("Must be a number.")
        return None
    if hours < 0 or hours > HOURS_MAX:
        errors.setdefault(name, []).append(f"Must be between 0 and {HOURS_MAX}.")
    exponent = hours.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and hours != hours.quantize(Decimal("0.01")):
        errors.setdefault(name, []).append("At most two decimal places.")
    return hours.quantize(Decimal("0.01"))


def clean_metadata(errors: dict[str, list[str]], value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.setdefault("metadata", []).append("Must be a JSON object.")
        return {}
    try:
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    except (TypeError, ValueError):
        errors.setdefault("metadata", []).append("Must be JSON.")
        return {}
    if size > METADATA_MAX_BYTES:
        errors.setdefault("metadata", []).append(
            f"Must be at most {METADATA_MAX_BYTES} bytes as JSON (is {size})."
        )
    return value


def _clean_due(errors: dict[str, list[str]], value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        errors.setdefault("due_date", []).append("Must be a date-time with a time zone.")
        return None
    return value


def _clean_optional_id(errors: dict[str, list[str]], name: str, value: object) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    errors.setdefault(name, []).append("Must be an id.")
    return None


E = TypeVar("E", bound=StrEnum)


def _clean_enum(errors: dict[str, list[str]], name: str, value: object, kind: type[E]) -> E | None:
    try:
        return kind(str(value))
    except ValueError:
        errors.setdefault(name, []).append(f"Must be one of: {', '.join(kind)}.")
        return None


def _clean_tags(errors: dict[str, list[str]], value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        errors.setdefault("tags", []).append("Must be a list of tag names.")
        return []
    names, problems = normalise_tag_names(value)
    if problems:
        errors.setdefault("tags", []).extend(problems)
    return names


EDITABLE = (
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "estimated_hours",
    "actual_hours",
    "team_id",
    "parent_task_id",
    "metadata",
    "tags",
)
"""The fields PUT and PATCH may set (never id, created_by, timestamps, version, archive)."""


def clean_fields(values: Mapping[str, object]) -> dict[str, Any]:
    """Validate the given editable fields; ValidationFailed names every bad one."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        match name:
            case "title":
                cleaned[name] = clean_text(errors, name, value, min_length=1, max_length=TITLE_MAX)
            case "description":
                cleaned[name] = clean_text(
                    errors, name, value, min_length=0, max_length=DESCRIPTION_MAX, multiline=True
                )
            case "status":
                cleaned[name] = _clean_enum(errors, name, value, Status)
            case "priority":
                cleaned[name] = _clean_enum(errors, name, value, Priority)
            case "due_date":
                cleaned[name] = _clean_due(errors, value)
            case "estimated_hours" | "actual_hours":
                cleaned[name] = clean_hours(errors, name, value)
            case "team_id" | "parent_task_id":
                cleaned[name] = _clean_optional_id(errors, name, value)
            case "metadata":
                cleaned[name] = clean_metadata(errors, value)
            case "tags":
                cleaned[name] = _clean_tags(errors, value)
            case _:
                errors.setdefault(name, []).append("Not a field that can be set.")
    if errors:
        raise ValidationFailed(errors)
    return cleaned


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


@dataclass(slots=True)
class Task:
    id: uuid.UUID
    title: str
    description: str
    status: Status
    priority: Priority
    due_date: datetime | None
    estimated_hours: Decimal | None
    actual_hours: Decimal | None
    created_by: uuid.UUID
    team_id: uuid.UUID | None
    parent_task_id: uuid.UUID | None
    metadata: dict[str, Any]
    tags: list[str]
    assignments: list[Assignment]
    created_at: datetime
    updated_at: datetime
    is_archived: bool = False
    archived_at: datetime | None = None
    is_overdue: bool = False
    version: int = 1

    @property
    def assignee_ids(self) -> list[uuid.UUID]:
        return [a.user_id for a in self.assignments]

    @classmethod
    def create(
        cls,
        *,
        task_id: uuid.UUID,
        values: Mapping[str, object],
        created_by: uuid.UUID,
        at: datetime,
    ) -> tuple[Task, list[Change]]:
        """A new task from the given fields (title required); returns its initial values."""
        given = dict(values)
        if "title" not in given:
            raise ValidationFailed.single("title", "Missing data for required field.")
        cleaned = clean_fields(given)
        status = cleaned.get("status") or Status.TODO
        if status not in INITIAL:
            raise ValidationFailed.single(
                "status", f"A new task starts in one of: {', '.join(sorted(INITIAL))}."
            )
        task = cls(
            id=task_id,
            title=cleaned["title"],
            description=cleaned.get("description", ""),
            status=status,
            priority=cleaned.get("priority") or Priority.MEDIUM,
            due_date=cleaned.get("due_date"),
            estimated_hours=cleaned.get("estimated_hours"),
            actual_hours=cleaned.get("actual_hours"),
            created_by=created_by,
            team_id=cleaned.get("team_id"),
            parent_task_id=cleaned.get("parent_task_id"),
            metadata=cleaned.get("metadata", {}),
            tags=cleaned.get("tags", []),
            assignments=[],
            created_at=at,
            updated_at=at,
        )
        task.refresh_overdue(at)
        initial = [
            Change(name, None, getattr(task, name))
            for name in EDITABLE
            if getattr(task, name) not in (None, "", [], {})
        ]
        return task, initial

    def edit(self, values: Mapping[str, object], at: datetime) -> list[Change]:
        """Apply new values of editable fields; returns the ones that really changed.

        Nothing changes when any value is invalid (ValidationFailed) or the status move is
        not allowed (InvalidTransition).
        """
        self.ensure_not_archived()
        cleaned = clean_fields(values)
        if "status" in cleaned:
            check_transition(self.status, cleaned["status"])
        changes: list[Change] = []
        for name, new in cleaned.items():
            old = getattr(self, name)
            if name == "tags" and [t.lower() for t in old] == [t.lower() for t in new]:
                continue
            if old != new:
                changes.append(Change(name, old, new))
        for change in changes:
            setattr(self, change.field, change.new)
        was_overdue = self.is_overdue
        self.refresh_overdue(at)
        if was_overdue != self.is_overdue:
            changes.append(Change("is_overdue", was_overdue, self.is_overdue))
        return changes

    def refresh_overdue(self, now: datetime) -> None:
        """A task stops being overdue once closed or given a future due date; becoming
        overdue is the overdue job's call (it records and notifies)."""
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
        return True

    def ensure_not_archived(self) -> None:
        if self.is_archived:
            raise TaskArchived()

    def assign(
        self, user_ids: Sequence[uuid.UUID], *, by: uuid.UUID, at: datetime
    ) -> list[uuid.UUID]:
        """Add assignees (already assigned ones are left alone); returns the new ones."""
        self.ensure_not_archived()
        current = set(self.assignee_ids)
        added: list[uuid.UUID] = []
        for user_id in dict.fromkeys(user_ids):
            if user_id not in current:
                added.append(user_id)
                self.assignments.append(Assignment(user_id, by, at))
        if len(self.assignments) > MAX_ASSIGNEES:
            raise ValidationFailed.single(
                "user_ids", f"A task has at most {MAX_ASSIGNEES} assignees."
            )
        return added

    def unassign(self, user_id: uuid.UUID) -> None:
        self.ensure_not_archived()
        if user_id not in self.assignee_ids:
            raise NotAssigned()
        self.assignments = [a for a in self.assignments if a.user_id != user_id]

    def set_assignees(
        self, user_ids: Sequence[uuid.UUID], *, by: uuid.UUID, at: datetime
    ) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """Replace the assignee set; returns (added, removed)."""
        wanted = list(dict.fromkeys(user_ids))
        removed = [uid for uid in self.assignee_ids if uid not in wanted]
        self.ensure_not_archived()
        self.assignments = [a for a in self.assignments if a.user_id in wanted]
        return self.assign(wanted, by=by, at=at), removed

    def archive(self, at: datetime) -> bool:
        """False when already archived (archiving twice changes nothing)."""
        if self.is_archived:
            return False
        self.is_archived = True
        self.archived_at = at
        return True

    def restore(self) -> bool:
        if not self.is_archived:
            return False
        self.is_archived = False
        self.archived_at = None
        return True

    def mark_changed(self, at: datetime) -> None:
        """One new version per request that changed anything."""
        self.updated_at = at
        self.version += 1


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
        errors: dict[str, list[str]] = {}
        cleaned = clean_text(errors, "body", body, min_length=1, max_length=10_000, multiline=True)
        if errors:
            raise ValidationFailed(errors)
        return cleaned

    def edit(self, body: object, at: datetime) -> Change | None:
        cleaned = self.clean_body(body)
        if cleaned == self.body:
            return None
        change = Change("body", self.body, cleaned)
        self.body = cleaned
        self.updated_at = at
        self.version += 1
        return change
