"""The web UI mirrors the task workflow it may not import (DESIGN §1): the mirror must match
the tasks service's state machine, or pages would offer moves the API refuses."""

from __future__ import annotations

from tasks_service.domain.model import INITIAL, TRANSITIONS, Priority, Status
from web_service.domain import workflow


def test_the_web_offers_exactly_the_moves_the_tasks_service_allows() -> None:
    published = {
        status.value: sorted(target.value for target in targets)
        for status, targets in TRANSITIONS.items()
    }
    mirrored = {status: sorted(targets) for status, targets in workflow.TRANSITIONS.items()}
    assert mirrored == published


def test_the_web_knows_every_status_and_priority() -> None:
    assert set(workflow.STATUSES) == {status.value for status in Status}
    assert set(workflow.PRIORITIES) == {priority.value for priority in Priority}
    assert {status.value for status in INITIAL} <= set(workflow.STATUSES)
