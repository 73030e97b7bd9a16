"""An event as a short sentence of the activity feed ("ana assigned “Ship it” to bo")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Names = Callable[[str | None], str]
"""A user id → a display name ('someone' when unknown, 'Taskhive' for the system)."""

_TASK_VERBS = {
    "created": "created",
    "updated": "updated",
    "archived": "archived",
    "restored": "restored",
    "deleted": "deleted",
    "commented": "commented on",
    "overdue": "— overdue:",
    "due_soon": "— due soon:",
    "dependency_added": "added a dependency to",
    "dependency_removed": "removed a dependency from",
}


def sentence(event_type: str, data: Mapping[str, Any], name: Names) -> str:
    parts = event_type.split(".")
    producer, aggregate, verb = ([*parts, "", "", ""])[:3]
    if producer == "tasks" and aggregate == "task":
        return _task_sentence(verb, data, name)
    if producer == "users" and aggregate == "team":
        team = data.get("name", "a team")
        actor = name(data.get("changed_by") or data.get("created_by") or data.get("deleted_by"))
        if verb == "member_added":
            return f"{actor} added {name(data.get('user_id'))} to team {team}"
        if verb == "member_removed":
            return f"{actor} removed {name(data.get('user_id'))} from team {team}"
        return f"{actor} {verb} team {team}"
    if producer == "users" and aggregate == "user":
        return f"{name(data.get('user_id'))}'s account was {verb}"
    return event_type


def _task_sentence(verb: str, data: Mapping[str, Any], name: Names) -> str:
    actor = name(data.get("actor_id"))
    title = f"“{data.get('title', 'a task')}”"
    if verb == "assigned":
        return f"{actor} assigned {title} to {_people(data.get('assignee_ids', []), name)}"
    if verb == "unassigned":
        return f"{actor} unassigned someone from {title}"
    if verb == "status_changed":
        return f"{actor} moved {title} to {str(data.get('status', '')).replace('_', ' ')}"
    if verb in ("overdue", "due_soon"):
        return f"{title} is {verb.replace('_', ' ')}"
    return f"{actor} {_TASK_VERBS.get(verb, verb.replace('_', ' '))} {title}"


def _people(ids: list[str], name: Names) -> str:
    names = [name(i) for i in ids] or ["nobody"]
    return ", ".join(names)
