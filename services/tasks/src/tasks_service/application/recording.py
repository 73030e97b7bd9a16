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
from tasks_service.application.recurrence import follow_series
from tasks_service.application.sla_tracking import follow_slas
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
        case de.StatusChanged(old=old, new=new, automatic=automatic):
            data = summary | {"old_status": old.value, "new_status": new.value}
            moves = [Change("status", old, new)]
            if automatic is not None:
                # The history says the system did it, and why.
                moves.append(Change("automatic", None, automatic))
                data["automatic"] = True
            entry = _history(event, "status_changed", changes_as_json(moves))
            return entry, [(ie.TASK_STATUS_CHANGED, data)]
        case de.DependencyAdded() | de.DependencyRemoved():
            return _dependency(event, summary)
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
        case de.TaskRepublished(status_history=history):
            data = summary | {
                "created_at": task.created_at.isoformat(),
                "status_history": [{"status": s, "at": at.isoformat()} for at, s in history],
            }
            return None, [(ie.TASK_SNAPSHOT, data)]
        case de.TaskPurged(archived_at=archived_at):
            data = summary | {"archived_at": archived_at.isoformat() if archived_at else None}
            return None, [(ie.TASK_DELETED, data)]
        case de.OccurrenceScheduled(next_task_id=next_id, due_date=due):
            moves = [
                Change("next_occurrence_id", None, next_id),
                Change("next_due_date", None, due),
            ]
            return _history(event, "recurred", changes_as_json(moves)), []
        case de.SlaAtRisk() | de.SlaBreached():
            return _sla(task, event, summary)
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


def _dependency(
    event: de.DependencyAdded | de.DependencyRemoved, summary: dict[str, Any]
) -> tuple[HistoryEntry, list[Message]]:
    """History on both tasks; the integration event once, about the blocked task."""
    added = isinstance(event, de.DependencyAdded)
    action = "dependency_added" if added else "dependency_removed"
    if event.task_id == event.blocked_id:
        field, other = "blocked_by", event.blocking_id
    else:
        field, other = "blocks", event.blocked_id
    change = Change(field, None, other) if added else Change(field, other, None)
    entry = _history(event, action, changes_as_json([change]))
    if event.task_id != event.blocked_id:
        return entry, []
    event_type = ie.TASK_DEPENDENCY_ADDED if added else ie.TASK_DEPENDENCY_REMOVED
    return entry, [(event_type, summary | {"blocked_by_id": str(event.blocking_id)})]


def _sla(
    task: Task, event: de.SlaAtRisk | de.SlaBreached, summary: dict[str, Any]
) -> tuple[HistoryEntry, list[Message]]:
    sla = {
        "policy_id": str(event.policy_id),
        "response_due": event.response_due.isoformat(),
        "resolution_due": event.resolution_due.isoformat(),
    }
    if isinstance(event, de.SlaAtRisk):
        entry = _history(
            event, "sla_at_risk", changes_as_json([Change("sla_state", None, "at_risk")])
        )
        return entry, [(ie.TASK_SLA_AT_RISK, summary | sla)]
    moves = [Change("sla_state", None, "breached")]
    messages: list[Message] = [
        (
            ie.TASK_SLA_BREACHED,
            summary
            | sla
            | {"old_priority": event.old_priority.value, "escalated_to": _ids(event.escalated_to)},
        )
    ]
    if event.old_priority != task.priority:
        raise_ = Change("priority", event.old_priority, task.priority)
        # The history says the system raised it, and why.
        moves += [raise_, Change("automatic", None, "sla_breached")]
        data = summary | {"changes": changes_as_json([raise_]), "automatic": True}
        messages.append((ie.TASK_UPDATED, data))
    return _history(event, "sla_breached", changes_as_json(moves)), messages


def record_changes(uow: TasksUnitOfWork) -> None:
    """Save every task the unit of work handed out that recorded something, with its
    history rows and outbox events, and bring their SLA up to date (called by the unit of
    work before it commits)."""
    saved: list[tuple[Task, list[de.TaskEvent]]] = []
    for task in uow.tasks.seen():
        recorded = task.pull_events()
        if recorded:
            saved.append((task, recorded))
    if not saved:
        return
    # Grouped writes: a batch job's hundreds of tasks cost a few statements, not thousands.
    uow.tasks.save_all(saved)
    entries: list[HistoryEntry] = []
    outgoing: list[tuple[str, str, dict[str, Any]]] = []
    for task, recorded in saved:
        for event in recorded:
            entry, messages = translate(task, event)
            if entry is not None:
                entries.append(entry)
            outgoing += [(event_type, str(task.id), data) for event_type, data in messages]
    uow.history.append_many(entries)
    uow.outbox.add_events(outgoing)
    made = follow_series(uow, saved)
    follow_slas(uow, saved)
    if made:
        record_changes(uow)  # the occurrences just made, and what their origin recorded
