"""The tasks HTTP app: tasks under /api/v1/tasks, tags under /api/v1/tags, templates under
/api/v1/task-templates (the gateway routes all three here)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response

from taskhive_shared.files.download import download_blueprint
from taskhive_shared.http.app import create_service_app
from taskhive_shared.http.health import ReadinessCheck
from tasks_service.application.bulk import BulkOperationFailed
from tasks_service.application.services import TasksServices
from tasks_service.domain.errors import TasksError
from tasks_service.entrypoints.http import (
    automation,
    bulk,
    dependencies,
    file_jobs,
    notifications,
    search,
    tags,
    tasks,
    templates,
)
from tasks_service.entrypoints.http.context import SERVICES
from tasks_service.entrypoints.http.errors import problem_for

API_VERSION = "1.0.0"


def create_app(
    services: TasksServices,
    readiness_checks: Mapping[str, ReadinessCheck],
    *,
    max_body_bytes: int,
    public_base_url: str | None = None,
) -> Flask:
    app, api = create_service_app(
        service="tasks",
        title="Taskhive tasks API",
        version=API_VERSION,
        max_body_bytes=max_body_bytes,
        readiness_checks=readiness_checks,
        public_base_url=public_base_url,
        description="Tasks and their operations (assignees, comments, history, subtasks), "
        "tags and task templates.",
    )

    def domain_error(error: TasksError) -> Response:
        # Every domain refusal becomes its problem answer; views stay free of try/except.
        answer: Response = api.handle_problem_error(problem_for(error))
        return answer

    def bulk_failure(error: BulkOperationFailed) -> Response:
        answer: Response = api.handle_problem_error(bulk.bulk_problem(error))
        return answer

    app.register_error_handler(TasksError, domain_error)
    app.register_error_handler(BulkOperationFailed, bulk_failure)
    app.extensions[SERVICES] = services
    # The fixed paths (facets, suggest, bulk) sit beside /<uuid:task_id>, never under it.
    for resources in (tasks, tags, templates, notifications, dependencies, search, bulk, file_jobs):
        api.register_blueprint(resources.blp)
    api.register_blueprint(automation.blp)
    api.register_blueprint(automation.team_blp)
    api.register_blueprint(automation.sla_blp)
    # Signed links are the authorisation here: no bearer token (a browser follows them).
    files = services.file_jobs
    api.register_blueprint(
        download_blueprint("tasks_files", "/api/v1/tasks/files", files.store, files.signer)
    )
    return app
