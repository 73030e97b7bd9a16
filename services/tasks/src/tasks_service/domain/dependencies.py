"""Dependencies between tasks: "A is blocked by B" edges, with no cycles; the rule that a
task does not start or finish while a task blocking it is open; the critical path of a
parent's open subtasks.

Pure rules over plain values: the use cases load the graph's relevant part and hand it here.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tasks_service.domain.errors import Conflict, NotFound, TasksError
from tasks_service.domain.workflow import Status

NEEDS_UNBLOCKED = frozenset({Status.IN_PROGRESS, Status.DONE})
"""The moves a task may not make while a task blocking it is open."""


@dataclass(frozen=True, slots=True)
class Blocker:
    """A task on the other end of a dependency, as the API lists it."""

    id: uuid.UUID
    title: str
    status: str


class DependencyCycle(TasksError):
    """The new edge would close a cycle (409); `cycle` starts and ends at the blocked task:
    each id is blocked by the next one."""

    def __init__(self, cycle: Sequence[uuid.UUID]) -> None:
        self.cycle = list(cycle)
        chain = " → ".join(str(task_id) for task_id in self.cycle)
        super().__init__(
            f"This dependency would close a cycle of {len(self.cycle) - 1} "
            f"task(s) (each blocked by the next): {chain}."
        )


class DependencyExists(Conflict):
    def __init__(self) -> None:
        super().__init__("The task is already blocked by this task.")


class DependencyNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("dependency between these tasks")


class BlockedByOpenTasks(TasksError):
    """The task may not move to `wanted` while these tasks block it (409). `hidden` counts
    the open blockers the caller cannot see (listed by number only)."""

    def __init__(self, wanted: str, blockers: Sequence[Blocker], hidden: int) -> None:
        self.wanted = wanted
        self.blockers = list(blockers)
        self.hidden = hidden
        count = len(self.blockers) + hidden
        names = ", ".join(f"“{b.title}” ({b.status})" for b in self.blockers)
        if hidden:
            names = ", ".join(filter(None, [names, f"{hidden} task(s) you cannot see"]))
        super().__init__(
            f"The task cannot move to `{wanted}` while {count} task(s) blocking it "
            f"are open: {names}."
        )


def find_cycle(
    task_id: uuid.UUID, blocked_by_id: uuid.UUID, edges: Iterable[tuple[uuid.UUID, uuid.UUID]]
) -> list[uuid.UUID] | None:
    """The cycle that `task_id blocked by blocked_by_id` would close, or None.

    `edges` are existing (task, blocked_by) pairs, at least those reachable from
    `blocked_by_id`. Breadth-first from the new blocker, so the cycle named is a shortest
    one; linear in the edges given.
    """
    if task_id == blocked_by_id:
        return [task_id, task_id]
    blockers: dict[uuid.UUID, list[uuid.UUID]] = {}
    for blocked, blocker in edges:
        blockers.setdefault(blocked, []).append(blocker)
    came_from: dict[uuid.UUID, uuid.UUID | None] = {blocked_by_id: None}
    queue = deque([blocked_by_id])
    while queue:
        current = queue.popleft()
        for blocker in sorted(blockers.get(current, ())):
            if blocker in came_from:
                continue
            came_from[blocker] = current
            if blocker == task_id:
                path = [blocker]
                step = came_from[blocker]
                while step is not None:
                    path.append(step)
                    step = came_from[step]
                # path: task_id … blocked_by_id (walked backwards); the cycle reads forward.
                return [task_id, *reversed(path[1:]), task_id]
            queue.append(blocker)
    return None


def check_no_cycle(
    task_id: uuid.UUID, blocked_by_id: uuid.UUID, edges: Iterable[tuple[uuid.UUID, uuid.UUID]]
) -> None:
    cycle = find_cycle(task_id, blocked_by_id, edges)
    if cycle is not None:
        raise DependencyCycle(cycle)


def needs_unblocked(old: Status, new: Status) -> bool:
    return new != old and new in NEEDS_UNBLOCKED


@dataclass(frozen=True, slots=True)
class CriticalPath:
    tasks: list[uuid.UUID]
    total_hours: Decimal
    missing_estimates: list[uuid.UUID]


def critical_path(
    estimates: Mapping[uuid.UUID, Decimal | None],
    edges: Iterable[tuple[uuid.UUID, uuid.UUID]],
) -> CriticalPath:
    """The longest chain (by summed estimates) through the tasks of `estimates`, following
    the (task, blocked_by) edges between them: blockers first. A missing estimate counts as
    zero, and every task without one is listed. Topological order (Kahn), then one pass of
    longest distances: O(tasks + edges). Ties go to the earlier id, so the answer does not
    depend on the order of the input; `missing_estimates` keeps the input's order.
    """
    nodes = list(estimates)
    weight = {node: estimates[node] or Decimal(0) for node in nodes}
    successors: dict[uuid.UUID, list[uuid.UUID]] = {node: [] for node in nodes}
    indegree = dict.fromkeys(nodes, 0)
    for blocked, blocker in edges:
        if blocked in successors and blocker in successors:
            successors[blocker].append(blocked)
            indegree[blocked] += 1
    # A chain's length: its hours, then (among equal hours) its number of tasks, so a
    # zero-hour task at either end still belongs to the path.
    best = {node: (weight[node], 1) for node in nodes}
    previous: dict[uuid.UUID, uuid.UUID | None] = dict.fromkeys(nodes)
    ready = deque(node for node in nodes if indegree[node] == 0)
    while ready:
        node = ready.popleft()
        for successor in successors[node]:
            hours, steps = best[node]
            candidate = (hours + weight[successor], steps + 1)
            current = previous[successor]
            # Longer wins; among equals, the earlier id (the answer does not depend on order).
            if candidate > best[successor] or (
                candidate == best[successor] and current is not None and node < current
            ):
                best[successor] = candidate
                previous[successor] = node
            indegree[successor] -= 1
            if indegree[successor] == 0:
                ready.append(successor)
    missing = [node for node in nodes if estimates[node] is None]
    if not nodes:
        return CriticalPath([], Decimal("0.00"), missing)
    end = max(nodes, key=lambda node: (best[node], _earlier(node)))
    chain = [end]
    step = previous[end]
    while step is not None:
        chain.append(step)
        step = previous[step]
    chain.reverse()
    return CriticalPath(chain, best[end][0].quantize(Decimal("0.01")), missing)


def _earlier(node: uuid.UUID) -> tuple[int, ...]:
    """Sorts earlier ids higher among equals (max picks the first)."""
    return tuple(-byte for byte in node.bytes)
