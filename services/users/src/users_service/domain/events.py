"""What happened to a profile or a team: the events their aggregates record as they change.

Each is past tense and says who (`actor_id`, None when users does not know: a registration
arrives from auth, a snapshot is the system's own) and when. The unit of work hands them
to one translator (application.recording), which writes what they say changed and turns
each into the integration events of the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileEvent:
    user_id: uuid.UUID
    actor_id: uuid.UUID | None
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileCreated(ProfileEvent):
    """The profile of an account auth registered (inserted when it was added)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileUpdated(ProfileEvent):
    changed: frozenset[str]
    """The fields whose value really changed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileDeactivated(ProfileEvent):
    """Recorded after the ProfileUpdated of the same change (is_active went to False)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileRepublished(ProfileEvent):
    """Nothing changed: the profile is announced again so replicas can be rebuilt."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamEvent:
    team_id: uuid.UUID
    actor_id: uuid.UUID | None
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamCreated(TeamEvent):
    """A new team (inserted when it was added: the unique name decides a race at once)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamUpdated(TeamEvent):
    changed: frozenset[str]
    """The fields whose value really changed (name, description)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberAdded(TeamEvent):
    user_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberRemoved(TeamEvent):
    user_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamDeleted(TeamEvent):
    """The team is gone with its memberships; the event carries its last version."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamRepublished(TeamEvent):
    """Nothing changed: the team is announced again so replicas can be rebuilt."""
