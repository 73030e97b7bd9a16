"""The web UI names the task workflow's statuses and priorities it may not import (DESIGN §1);
which moves a task may make it does not mirror: it draws each task's `allowed_transitions`."""

from __future__ import annotations

from tasks_service.domain.model import INITIAL, Priority, Status
from web_service.domain import workflow


def test_the_web_knows_every_status_and_priority() -> None:
    assert set(workflow.STATUSES) == {status.value for status in Status}
    assert set(workflow.PRIORITIES) == {priority.value for priority in Priority}
    assert {status.value for status in INITIAL} <= set(workflow.STATUSES)


def test_the_web_holds_no_copy_of_the_workflow() -> None:
    assert not hasattr(workflow, "TRANSITIONS")
