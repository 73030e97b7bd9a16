"""A user's own time-tracking preference: automatic timers from the workflow (off by default)."""

from __future__ import annotations

from timetracking_service.application.entries import Caller, UnitOfWorkFactory
from timetracking_service.application.ports import Clock


class Preferences:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = unit_of_work
        self._clock = clock

    def get(self, caller: Caller) -> bool:
        with self._uow() as uow:
            return uow.preferences.auto_tracking(caller.user_id)

    def set(self, caller: Caller, auto_tracking: bool) -> bool:
        with self._uow() as uow:
            uow.preferences.set_auto_tracking(caller.user_id, auto_tracking, self._clock.now())
            uow.commit()
            return auto_tracking
