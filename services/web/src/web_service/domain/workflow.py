"""The task workflow as docs/API.md publishes it, so pages offer only the moves that exist.

The tasks service stays the authority (an outdated move is answered 409 and shown as such);
this copy only decides which buttons to draw. The web service must not import the tasks
service's code (DESIGN §1), so the published state machine is mirrored here.
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

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "todo": ("in_progress", "blocked", "done", "cancelled"),
    "in_progress": ("todo", "in_review", "blocked", "done", "cancelled"),
    "in_review": ("in_progress", "blocked", "done", "cancelled"),
    "blocked": ("todo", "in_progress", "cancelled"),
    "done": ("in_progress",),
    "cancelled": ("todo",),
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


def allowed_transitions(status: str) -> tuple[str, ...]:
    """The statuses a task in `status` may move to; none for an unknown status."""
    return TRANSITIONS.get(status, ())


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def priority_label(priority: str) -> str:
    return PRIORITY_LABELS.get(priority, priority.capitalize())
