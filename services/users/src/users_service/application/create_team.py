"""CreateTeam: a new team (managers and admins), replayable with an Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from taskhive_shared.idempotency import RecordedResponse
from taskhive_shared.ids import uuid7
from users_service.application.actors import load_actor
from users_service.application.ports import Clock, UnitOfWorkFactory
from users_service.application.results import TeamView
from users_service.domain.errors import IdempotencyKeyReused, TeamNameTaken
from users_service.domain.model import Team
from users_service.domain.permissions import check_may_manage_teams

CREATED = 201

Presenter = Callable[[TeamView], dict[str, Any]]
"""Renders the new team as the response body, which is stored for replays."""


@dataclass(frozen=True, slots=True)
class CreateTeam:
    actor_id: uuid.UUID
    name: str
    description: str = ""
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        """What makes two requests "the same" for an Idempotency-Key: the body as sent."""
        body = json.dumps(
            {"name": self.name, "description": self.description},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CreatedTeam:
    response: RecordedResponse
    replayed: bool


@dataclass(frozen=True, slots=True)
class CreateTeamHandler:
    uow: UnitOfWorkFactory
    clock: Clock
    idempotency_ttl: timedelta = timedelta(hours=24)

    def __call__(self, command: CreateTeam, present: Presenter) -> CreatedTeam:
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            check_may_manage_teams(actor)
            key = command.idempotency_key
            if key is not None:
                # The claim is part of this transaction: if creating fails, it is released.
                earlier = uow.idempotency.claim(
                    actor.user_id,
                    key,
                    command.fingerprint(),
                    now,
                    expired_before=now - self.idempotency_ttl,
                )
                if earlier is not None:
                    if earlier.request_hash != command.fingerprint():
                        raise IdempotencyKeyReused(
                            "This Idempotency-Key was used with a different request."
                        )
                    if earlier.response is None:
                        raise RuntimeError("a committed idempotency claim has no response")
                    return CreatedTeam(response=earlier.response, replayed=True)
            team = Team.create(
                team_id=uuid7(),
                name=command.name,
                description=command.description,
                created_by=actor.user_id,
                at=now,
            )
            if uow.teams.name_taken(team.name):
                raise TeamNameTaken()
            uow.teams.add(team)
            response = RecordedResponse(status=CREATED, body=present(TeamView.of(team, {})))
            if key is not None:
                uow.idempotency.complete(actor.user_id, key, response)
            uow.commit()
        return CreatedTeam(response=response, replayed=False)
