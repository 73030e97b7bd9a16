"""Export and import jobs as the web pages need them: the list's filters as an export's."""

from __future__ import annotations

from typing import Any

from web_service.application.task_list import ListFilters

_REPEATABLE = ("status", "priority", "tag")


def export_filters(filters: ListFilters) -> dict[str, Any]:
    """The list's API parameters (less the page size) as `POST /tasks/exports/` takes them."""
    found: dict[str, Any] = {}
    for name, value in filters.api_params():
        if name == "limit":
            continue
        found[name] = [value] if name in _REPEATABLE else value
    return found


def job_in_progress(job: dict[str, Any]) -> bool:
    return job.get("status") in ("pending", "running")
