"""In-memory fakes at tasks' ports, for unit tests of the use cases.

Like the real adapters where it matters: repositories hand out copies (a handler that forgets
to save writes nothing), `save` is conditional on the version, a unit of work keeps only what
was committed, and the outbox validates every event against its contract.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.idempotency import IdempotencyRecord, RecordedResponse
from tasks_service.application.assign_task import AssignTaskHandler
from tasks_service.application.comments import AddCommentHandler, EditCommentHandler
from tasks_service.application.create_task import CreateTaskHandler
from tasks_service.application.ports import (
    ActorRecord,
    TaskDocument,
)
from tasks_service.application.recording import record_changes
from tasks_service.application.update_task import UpdateTaskHandler
from tasks_service.domain import events
from tasks_service.domain.errors import StaleVersion
from tasks_service.domain.model import CLOSED, Comment, Task

CONTRACTS = ContractRegistry()


@dataclass
class State:
    tasks: dict[uuid.UUID, Task] = field(default_factory=dict)
    comments: dict[uuid.UUID, Comment] = field(default_factory=dict)
    history: list[Any] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    users: dict[uuid.UUID, ActorRecord] = field(default_factory=dict)
    teams: set[uuid.UUID] = field(default_factory=set)
    keys: dict[tuple[uuid.UUID, str], IdempotencyRecord] = field(default_factory=dict)
    due_soon_announced: dict[uuid.UUID, datetime] = field(default_factory=dict)


class FakeStore:
    def __init__(self) -> None:
        self.state = State()

    def add_user(self, role: str = "member", *teams: uuid.UUID, active: bool = True) -> uuid.UUID:
        user_id = uuid.uuid4()
        self.state.users[user_id] = ActorRecord(role, active, tuple(teams))
        self.state.teams |= set(teams)
        return user_id


def _document(task: Task) -> TaskDocument:
    return TaskDocument(
        fields={
            "id": task.id,
            "title": task.title,
            "status": task.status.value,
            "created_by": task.created_by,
            "team_id": task.team_id,
            "assignee_ids": task.assignee_ids,
            "version": task.version,
        }
    )


class FakeUnitOfWork:
    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.tasks = self.history = self.comments = self.replica = self
        self.idempotency = self.outbox = self.tags = self.templates = self

    def __enter__(self) -> Self:
        self.state = copy.deepcopy(self._store.state)
        self._seen: dict[uuid.UUID, tuple[Task, int]] = {}
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self.state

    def commit(self) -> None:
        record_changes(self)
        self._store.state = copy.deepcopy(self.state)

    # TaskRepository (and CommentRepository: the same methods, told apart by type)
    def add(self, item: Any) -> None:
        if isinstance(item, Task):
            self._seen[item.id] = (item, item.version)
        else:
            self.state.comments[item.id] = copy.deepcopy(item)

    def get_for_update(self, object_id: uuid.UUID) -> Any:
        if object_id in self.state.tasks:
            task = copy.deepcopy(self.state.tasks[object_id])
            self._seen[task.id] = (task, task.version)
            return task
        return copy.deepcopy(self.state.comments.get(object_id))

    def seen(self) -> list[Task]:
        return [task for task, _ in self._seen.values()]

    def _batch(self, wanted: Any, limit: int) -> list[Task]:
        found = [copy.deepcopy(t) for t in self.state.tasks.values() if wanted(t)][:limit]
        for task in found:
            self._seen[task.id] = (task, task.version)
        return found

    def overdue_candidates(self, now: datetime, limit: int) -> list[Task]:
        return self._batch(
            lambda t: (
                not t.is_archived
                and not t.is_overdue
                and t.status not in CLOSED
                and t.due_date is not None
                and t.due_date <= now
            ),
            limit,
        )

    def due_soon_candidates(self, now: datetime, until: datetime, limit: int) -> list[Task]:
        return self._batch(
            lambda t: (
                not t.is_archived
                and t.status not in CLOSED
                and t.due_date is not None
                and now < t.due_date <= until
                and self.state.due_soon_announced.get(t.id) != t.due_date
            ),
            limit,
        )

    def archived_before(self, cutoff: datetime, limit: int) -> list[Task]:
        return self._batch(lambda t: t.archived_at is not None and t.archived_at < cutoff, limit)

    def save(self, item: Any, recorded: Any = (), *, expected_version: int = 0) -> None:
        if not isinstance(item, Task):
            if self.state.comments[item.id].version != expected_version:
                raise StaleVersion(self.state.comments[item.id].version)
            self.state.comments[item.id] = copy.deepcopy(item)
            return
        kinds = {type(event) for event in recorded}
        if events.TaskPurged in kinds:
            del self.state.tasks[item.id]
            return
        loaded = self._seen[item.id][1]
        stored = self.state.tasks.get(item.id)
        if stored is not None and item.changed and stored.version != loaded:
            raise StaleVersion(stored.version)
        for event in recorded:
            if isinstance(event, events.TaskDueSoon):
                self.state.due_soon_announced[item.id] = event.due_date
        self.state.tasks[item.id] = copy.deepcopy(item)
        self._seen[item.id] = (item, item.version)

    def delete(self, comment_id: uuid.UUID) -> None:
        del self.state.comments[comment_id]

    def ancestors(self, task_id: uuid.UUID) -> list[uuid.UUID]:
        chain, current = [], self.state.tasks[task_id].parent_task_id
        while current is not None:
            chain.append(current)
            current = self.state.tasks[current].parent_task_id
        return chain

    def document(self, task_id: uuid.UUID) -> TaskDocument | None:
        task = self.state.tasks.get(task_id)
        return _document(task) if task else None

    def view(self, comment_id: uuid.UUID) -> Any:
        from tasks_service.application.ports import CommentView

        return CommentView(copy.deepcopy(self.state.comments[comment_id]), None, None)

    # HistoryLog
    def append(self, entry: Any) -> None:
        self.state.history.append(entry)

    # UserReplica
    def actor(self, user_id: uuid.UUID) -> ActorRecord:
        return self.state.users.get(user_id, ActorRecord(None, True, ()))

    def active_user_ids(self, user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        return {u for u in user_ids if u in self.state.users and self.state.users[u].is_active}

    def team_exists(self, team_id: uuid.UUID) -> bool:
        return team_id in self.state.teams

    # IdempotencyStore
    def claim(
        self, principal: uuid.UUID, key: str, request_hash: str, at: datetime, **_: Any
    ) -> IdempotencyRecord | None:
        earlier = self.state.keys.get((principal, key))
        if earlier is None:
            self.state.keys[(principal, key)] = IdempotencyRecord(request_hash, None)
        return earlier

    def complete(self, principal: uuid.UUID, key: str, response: RecordedResponse) -> None:
        self.state.keys[(principal, key)] = IdempotencyRecord(
            self.state.keys[(principal, key)].request_hash, response
        )

    # EventOutbox
    def add_event(self, event_type: str, subject: str, data: dict[str, Any], **_: Any) -> None:
        CONTRACTS.validate(event_type, data)
        self.state.events.append((event_type, data))


class FixedClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


@dataclass
class Harness:
    store: FakeStore
    create: CreateTaskHandler
    update: UpdateTaskHandler
    assign: AssignTaskHandler
    comment: AddCommentHandler
    edit_comment: EditCommentHandler


def build_harness() -> Harness:
    store = FakeStore()
    clock = FixedClock()

    def uow() -> Any:
        return FakeUnitOfWork(store)

    return Harness(
        store,
        CreateTaskHandler(uow, clock),
        UpdateTaskHandler(uow, clock),
        AssignTaskHandler(uow, clock),
        AddCommentHandler(uow, clock),
        EditCommentHandler(uow, clock),
    )
