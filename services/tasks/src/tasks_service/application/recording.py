"""From what a task recorded to what the transaction writes: history rows and outbox events.

`record_changes` runs when a unit of work flushes or commits: each task it handed out saves
what its events say changed, and each event becomes its history row (the audit trail) and
its integration events, in the same transaction. The one place that knows both formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taskhive_shared.ids import uuid7
from tasks_service.application import integration as ie
from tasks_service.application.ports import HistoryEntry, TasksUnitOfWork
from tasks_service.domain import events as de
from tasks_service.domain.events import Change, changes_as_json
from tasks_service.domain.model import COMMENT_EXCERPT, Task

Message = tuple[str, dict[str, Any]]


def _history(event: de.TaskEvent, action: str, changes: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(uuid7(), event.task_id, action, event.actor_id, event.at, changes)


def _ids(user_ids: Sequence[Any]) -> list[str]:
    return [str(user_id) for user_id in user_ids]


def translate(task: Task, event: de.TaskEvent) -> tuple[HistoryEntry | None, list[Message]]:
    """The history row (if the event is one) and the integration events of one event; the
    summary in them is the task as the transaction leaves it."""
    summary = ie.task_summary(task, event.actor_id, event.at)
    match event:
        case de.TaskCreated(changes=changes, assignee_ids=assignees):
            messages = [(ie.TASK_CREATED, summary)]
            if assignees:
                messages.append((ie.TASK_ASSIGNED, summary | {"user_ids": _ids(assignees)}))
            return _history(event, "created", changes_as_json(changes)), messages
        case de.TaskEdited(changes=changes):
            data = summary | {"changes": changes_as_json(changes)}
            return _history(event, "updated", changes_as_json(changes)), [(ie.TASK_UPDATED, data)]
        case de.StatusChanged(old=old, new=new):
            data = summary | {"old_status": old.value, "new_status": new.value}
            entry = _history(event, "status_changed", changes_as_json([Change("status", old, new)]))
            return entry, [(ie.TASK_STATUS_CHANGED, data)]
        case de.AssigneesAdded(user_ids=added):
            change = Change("assignee_ids", [], added)
            entry = _history(event, "assigned", changes_as_json([change]))
            return entry, [(ie.TASK_ASSIGNED, summary | {"user_ids": _ids(added)})]
        case de.AssigneesRemoved(user_ids=removed):
            change = Change("assignee_ids", removed, [])
            entry = _history(event, "unassigned", changes_as_json([change]))
            return entry, [(ie.TASK_UNASSIGNED, summary | {"user_ids": _ids(removed)})]
        case de.TaskArchived():
            change = Change("is_archived", False, True)
            return _history(event, "archived", changes_as_json([change])), [
                (ie.TASK_ARCHIVED, summary)
            ]
        case de.TaskRestored():
            change = Change("is_archived", True, False)
            return _history(event, "restored", changes_as_json([change])), [
                (ie.TASK_RESTORED, summary)
            ]
        case de.TaskBecameOverdue():
            change = Change("is_overdue", False, True)
            return _history(event, "overdue", changes_as_json([change])), [
                (ie.TASK_OVERDUE, summary)
            ]
        case de.TaskDueSoon():
            return None, [(ie.TASK_DUE_SOON, summary)]
        case de.TaskPurged(archived_at=archived_at):
            data = summary | {"archived_at": archived_at.isoformat() if archived_at else None}
            return None, [(ie.TASK_DELETED, data)]
        case de.CommentAdded(comment_id=comment_id, body=body):
            change = Change("comment_id", None, comment_id)
            data = summary | {
                "comment_id": str(comment_id),
                "comment_excerpt": body[:COMMENT_EXCERPT],
            }
            return _history(event, "commented", changes_as_json([change])), [
                (ie.TASK_COMMENTED, data)
            ]
        case de.CommentEdited(comment_id=comment_id, old_body=old, new_body=new):
            edit = {
                "comment_id": {"old": str(comment_id), "new": str(comment_id)},
                "body": {"old": old, "new": new},
            }
            return _history(event, "comment_edited", edit), []
        case de.CommentDeleted(comment_id=comment_id):
            deletion = {"comment_id": {"old": str(comment_id), "new": None}}
            return _history(event, "comment_deleted", deletion), []
    raise TypeError(f"no translation for {type(event).__name__}")


def record_changes(uow: TasksUnitOfWork) -> None:
    """Save every task the unit of work handed out that recorded something, with its
    history rows and outbox events (called by the unit of work before it commits)."""
    for task in uow.tasks.seen():
        recorded = task.pull_events()
        if not recorded:
            continue
        uow.tasks.save(task, recorded)
        for event in recorded:
            entry, messages = translate(task, event)
            if entry is not None:
                uow.history.append(entry)
            for event_type, data in messages:
                uow.outbox.add_event(event_type, str(task.id), data)
