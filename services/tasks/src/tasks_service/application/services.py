"""The set of tasks use cases an entrypoint can call, assembled by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from taskhive_shared.security.tokens import AccessTokenVerifier
from tasks_service.application.archive_task import ArchiveTaskHandler, RestoreTaskHandler
from tasks_service.application.assign_task import AssignTaskHandler, UnassignTaskHandler
from tasks_service.application.automation import AutomationHandlers
from tasks_service.application.bulk import BulkEditHandler
from tasks_service.application.comments import (
    AddCommentHandler,
    CommentQueries,
    DeleteCommentHandler,
    EditCommentHandler,
)
from tasks_service.application.create_task import CreateTaskHandler
from tasks_service.application.dependencies import DependencyHandlers
from tasks_service.application.file_jobs import FileJobs
from tasks_service.application.notifications.queries import NotificationQueries
from tasks_service.application.publish_snapshots import PublishSnapshotsHandler
from tasks_service.application.purge_archived import PurgeArchivedTasksHandler
from tasks_service.application.queries import TaskQueries
from tasks_service.application.replica import ReplicaSync
from tasks_service.application.search import TaskSearch
from tasks_service.application.sla import SlaPolicyHandlers
from tasks_service.application.tags import CreateTagHandler, TagQueries
from tasks_service.application.templates import TemplateHandlers
from tasks_service.application.update_task import UpdateTaskHandler


@dataclass(frozen=True, slots=True)
class TasksServices:
    tasks: TaskQueries
    create_task: CreateTaskHandler
    update_task: UpdateTaskHandler
    archive_task: ArchiveTaskHandler
    restore_task: RestoreTaskHandler
    assign_task: AssignTaskHandler
    unassign_task: UnassignTaskHandler
    comments: CommentQueries
    add_comment: AddCommentHandler
    edit_comment: EditCommentHandler
    delete_comment: DeleteCommentHandler
    tags: TagQueries
    create_tag: CreateTagHandler
    templates: TemplateHandlers
    replica: ReplicaSync
    purge_archived: PurgeArchivedTasksHandler
    publish_snapshots: PublishSnapshotsHandler
    notifications: NotificationQueries
    verifier: AccessTokenVerifier
    dependencies: DependencyHandlers
    search: TaskSearch
    bulk_edit: BulkEditHandler
    automation: AutomationHandlers
    sla_policies: SlaPolicyHandlers
    file_jobs: FileJobs
