"""The planning part of a task's page: what blocks it, what it blocks, which tasks could
block it, the critical path of its subtasks, and a refused dependency put into words.

The tasks API decides (cycles, visibility, the blocked-by rule); this only gathers and names.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from web_service.application.api import Api
from web_service.application.errors import ApiError

CANDIDATES = 100
"""How many recently updated tasks the "add a blocker" menu offers."""
CLOSED = ("done", "cancelled")


@dataclass(frozen=True, slots=True)
class CriticalPath:
    steps: list[dict[str, Any]]
    """Each {"id", "title", "hours"} in order, blockers first."""
    total_hours: str
    missing: list[dict[str, Any]]
    """The open subtasks without an estimate, {"id", "title"}."""


@dataclass(frozen=True, slots=True)
class Planning:
    blocked_by: list[dict[str, Any]] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    critical_path: CriticalPath | None = None

    @property
    def open_blockers(self) -> list[dict[str, Any]]:
        return [task for task in self.blocked_by if task.get("is_open")]


def load_planning(
    client: Api,
    pool: Executor,
    task: dict[str, Any],
    dependencies: dict[str, Any],
    subtasks: list[dict[str, Any]],
    *,
    may_edit: bool,
) -> Planning:
    """The panel's data; `dependencies` and `subtasks` were read with the rest of the page."""
    wanted: list[tuple[str, Any]] = []
    has_open_subtasks = any(
        s.get("status") not in CLOSED and not s.get("is_archived") for s in subtasks
    )
    if has_open_subtasks:
        wanted.append((f"/api/v1/tasks/{task['id']}/critical-path", ()))
    if may_edit:
        wanted.append(("/api/v1/tasks/", [("limit", str(CANDIDATES)), ("sort", "-updated_at")]))
    answers = client.get_all(wanted, pool) if wanted else []
    critical = answers.pop(0) if has_open_subtasks else None
    recent = answers.pop(0)["items"] if may_edit else []
    linked = {t["id"] for t in dependencies["blocked_by"]} | {task["id"]}
    candidates = [t for t in recent if t["id"] not in linked]
    return Planning(
        blocked_by=dependencies["blocked_by"],
        blocks=dependencies["blocks"],
        candidates=candidates,
        critical_path=_critical(critical, subtasks) if critical is not None else None,
    )


def _critical(answer: dict[str, Any], subtasks: list[dict[str, Any]]) -> CriticalPath:
    known = {s["id"]: s for s in subtasks}

    def title(task_id: str) -> str:
        return str(known[task_id]["title"]) if task_id in known else "A subtask"

    return CriticalPath(
        steps=[
            {
                "id": task_id,
                "title": title(task_id),
                "hours": known.get(task_id, {}).get("estimated_hours"),
            }
            for task_id in answer["tasks"]
        ],
        total_hours=str(answer["total_hours"]),
        missing=[
            {"id": task_id, "title": title(task_id)} for task_id in answer["missing_estimates"]
        ],
    )


def explain_refusal(client: Api, exc: ApiError, task: dict[str, Any]) -> str:
    """A refused "add a blocker" in a sentence: the cycle it would close, by title."""
    if exc.problem_type.endswith("/dependency-cycle"):
        cycle = [str(task_id) for task_id in exc.extensions.get("cycle", [])][:12]
        if len(cycle) == 2:
            return "A task cannot be blocked by itself."
        names = [_title(client, task_id, task) for task_id in cycle]
        return (
            "That would make a circle of tasks waiting on each other, so none could ever "
            f"start: {' is blocked by '.join(names)}. Remove one of these dependencies first."
        )
    if exc.problem_type.endswith("/dependency-exists"):
        return "That task already blocks this one."
    return exc.message()


def _title(client: Api, task_id: str, task: dict[str, Any]) -> str:
    if task_id == task["id"]:
        return f"“{task['title']}”"
    try:
        return f"“{client.get(f'/api/v1/tasks/{task_id}')['title']}”"
    except ApiError:
        return "a task you cannot see"


def explain_blocked(exc: ApiError) -> str | None:
    """A status move refused because open tasks block this one, in a sentence (else None)."""
    if not exc.problem_type.endswith("/blocked-by-open-tasks"):
        return None
    blockers = exc.extensions.get("blockers") or []
    hidden = int(exc.extensions.get("hidden_blockers") or 0)
    names = [f"“{b.get('title')}”" for b in blockers if isinstance(b, dict)]
    if hidden:
        names.append(f"{hidden} task(s) you cannot see")
    return (
        "This task is blocked: it can start or be done only once "
        f"{', '.join(names) or 'its blockers'} {'is' if len(names) == 1 else 'are'} done "
        "or cancelled (or the dependency is removed)."
    )
