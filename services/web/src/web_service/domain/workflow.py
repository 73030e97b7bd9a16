"""Statuses, priorities and sort orders as the UI names them.

Which moves a task may make is not mirrored here: every task the API serves carries its
`allowed_transitions` (the workflow less what open blockers forbid), and pages draw those.
"""

from __future__ import annotations

STATUSES: tuple[str, ...] = ("todo", "in_progress", "in_review", "blocked", "done", "cancelled")
PRIORITIES: tuple[str, ...] = ("low", "medium", "high", "urgent")

STATUS_LABELS: dict[str, str] = {
    "todo": "To do",
    "in_progress": "In progress",
    "in_review": "In review",
    "blocked": "Blocked",
    "done": "Done",
    "cancelled": "Cancelled",
}
PRIORITY_LABELS: dict[str, str] = {
    "low": "Low",
    "medium": "Medium",
    "high": "High",
    "urgent": "Urgent",
}

# The sort orders the list offers (the API accepts any combination of these keys).
SORTS: dict[str, str] = {
    "-created_at": "Newest first",
    "created_at": "Oldest first",
    "-updated_at": "Recently updated",
    "due_date": "Due date",
    "-priority": "Priority (highest first)",
    "status": "Status",
    "title": "Title (A to Z)",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def priority_label(priority: str) -> str:
    return PRIORITY_LABELS.get(priority, priority.capitalize())
