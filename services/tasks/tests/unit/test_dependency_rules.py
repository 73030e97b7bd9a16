"""The dependency rules without I/O: finding the cycle a new edge would close, the
blocked-by rule's trigger, and the critical path (longest chain, ties, missing estimates)."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

import pytest

from tasks_service.domain.dependencies import (
    DependencyCycle,
    check_no_cycle,
    critical_path,
    find_cycle,
    needs_unblocked,
)
from tasks_service.domain.workflow import Status

A, B, C, D, E = (uuid.UUID(int=i) for i in range(1, 6))


def test_a_task_blocked_by_itself_is_a_cycle_of_one() -> None:
    assert find_cycle(A, A, []) == [A, A]


def test_the_cycle_reads_from_the_blocked_task_through_its_blockers() -> None:
    # B is blocked by C, C by A: making A blocked by B closes A←B←C←A.
    assert find_cycle(A, B, [(B, C), (C, A)]) == [A, B, C, A]


def test_no_cycle_when_the_blocker_does_not_wait_on_the_task() -> None:
    assert find_cycle(A, B, [(B, C), (D, A), (C, E)]) is None


def test_the_shortest_cycle_is_named() -> None:
    edges = [(B, C), (C, D), (D, A), (B, A)]
    assert find_cycle(A, B, edges) == [A, B, A]


def test_check_no_cycle_raises_with_the_cycle() -> None:
    with pytest.raises(DependencyCycle) as raised:
        check_no_cycle(A, B, [(B, A)])
    assert raised.value.cycle == [A, B, A]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (Status.TODO, Status.IN_PROGRESS, True),
        (Status.IN_REVIEW, Status.DONE, True),
        (Status.TODO, Status.CANCELLED, False),
        (Status.TODO, Status.BLOCKED, False),
        (Status.IN_PROGRESS, Status.IN_PROGRESS, False),
    ],
)
def test_only_starting_or_finishing_needs_the_blockers_closed(old, new, expected) -> None:
    assert needs_unblocked(old, new) is expected


def hours(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def test_the_longest_chain_wins_over_the_heaviest_task() -> None:
    estimates = {A: hours("3"), B: hours("3"), C: hours("5"), D: hours(None)}
    # B blocked by A; D blocked by B: A→B→D is 6 hours, C alone is 5.
    path = critical_path(estimates, [(B, A), (D, B)])
    assert (path.tasks, path.total_hours, path.missing_estimates) == (
        [A, B, D],
        Decimal("6.00"),
        [D],
    )


def test_a_diamond_takes_its_heavier_side() -> None:
    estimates = {A: hours("1"), B: hours("2"), C: hours("7"), D: hours("1")}
    path = critical_path(estimates, [(B, A), (C, A), (D, B), (D, C)])
    assert path.tasks == [A, C, D]
    assert path.total_hours == Decimal("9.00")


def test_edges_to_tasks_outside_the_set_are_ignored() -> None:
    path = critical_path({A: hours("1")}, [(A, B), (C, A)])
    assert path.tasks == [A]


def test_no_tasks_no_path() -> None:
    path = critical_path({}, [])
    assert (path.tasks, path.total_hours, path.missing_estimates) == ([], Decimal("0.00"), [])


def test_the_answer_does_not_depend_on_the_input_order() -> None:
    ids = [uuid.UUID(int=i) for i in range(1, 40)]
    rng = random.Random(7)
    estimates = {task: hours(str(rng.choice([0, 1, 2]))) for task in ids}
    edges = [
        (ids[j], ids[i])
        for i in range(len(ids))
        for j in range(i + 1, len(ids))
        if rng.random() < 0.1
    ]
    expected = critical_path(estimates, edges)
    for _ in range(5):
        shuffled = dict(rng.sample(list(estimates.items()), len(estimates)))
        again = critical_path(shuffled, rng.sample(edges, len(edges)))
        assert (again.tasks, again.total_hours) == (expected.tasks, expected.total_hours)


def _longest(
    node: uuid.UUID,
    estimates: dict[uuid.UUID, Decimal],
    blockers_of: dict[uuid.UUID, list[uuid.UUID]],
) -> Decimal:
    """Every chain ending at `node`, tried one by one (exponential: small graphs only)."""
    before = [_longest(b, estimates, blockers_of) for b in blockers_of.get(node, [])]
    return estimates[node] + max(before, default=Decimal(0))


def test_the_path_matches_a_brute_force_search_on_small_graphs() -> None:
    rng = random.Random(11)
    for _ in range(30):
        ids = [uuid.UUID(int=i) for i in range(1, 8)]
        estimates = {task: Decimal(rng.randint(0, 5)) for task in ids}
        edges = [(ids[j], ids[i]) for i in range(7) for j in range(i + 1, 7) if rng.random() < 0.3]
        blockers_of: dict[uuid.UUID, list[uuid.UUID]] = {}
        for blocked, blocker in edges:
            blockers_of.setdefault(blocked, []).append(blocker)

        path = critical_path(estimates, edges)
        assert path.total_hours == max(_longest(node, estimates, blockers_of) for node in ids)
        assert sum(estimates[t] for t in path.tasks) == path.total_hours
        for blocker, blocked in zip(path.tasks, path.tasks[1:], strict=False):
            assert (blocked, blocker) in edges
