"""In-memory fakes at users' ports, for unit tests of the domain and the use cases.

They behave like the real adapters where it matters to the use cases:
- repositories hand out *copies* (like rows read from a database) and remember each one with
  the version it had, and store copies without pending events (a row holds none);
- `commit()` first runs the application's own `record_changes`, like the real unit of work:
  what the remembered aggregates recorded is saved and becomes outbox events;
- `save` is conditional on the stored version, like the SQL UPDATE;
- a unit of work keeps only what was `commit()`ed: leaving the block restores the last commit;
- the outbox validates every event against its JSON Schema contract, as the real one does.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.idempotency import (
    IdempotencyRecord,
    PurgeExpiredIdempotencyKeys,
    RecordedResponse,
)
from taskhive_shared.mail.message import MailDeliveryError, OutgoingEmail
from taskhive_shared.mail.templates import RenderedEmail
from users_service.application.create_profile import (
    CreateProfileFromRegistration,
    CreateProfileFromRegistrationHandler,
)
from users_service.application.create_team import CreateTeamHandler
from users_service.application.ports import (
    ProfilePosition,
    ProfileSearch,
    TeamPosition,
    TeamSearch,
    WelcomeEmailRecord,
    WelcomeStatus,
)
from users_service.application.publish_snapshots import PublishSnapshotsHandler
from users_service.application.queries import TeamQueries, UserQueries
from users_service.application.recording import record_changes
from users_service.application.team_members import AddTeamMemberHandler, RemoveTeamMemberHandler
from users_service.application.update_profile import UpdateProfileHandler
from users_service.application.update_team import DeleteTeamHandler, UpdateTeamHandler
from users_service.application.welcome_email import (
    SendWelcomeEmailHandler,
    SweepWelcomeEmailsHandler,
)
from users_service.domain.errors import StaleVersion, TeamNameTaken
from users_service.domain.model import Membership, Profile, Role, Team

CONTRACTS = ContractRegistry()

Aggregate = TypeVar("Aggregate", Profile, Team)


def _row(aggregate: Aggregate) -> Aggregate:
    """What the database keeps of an aggregate: its state, not its pending events."""
    stored = copy.deepcopy(aggregate)
    stored.events = []
    return stored


class Remembering:
    """The repositories' memory of what they handed out, as in SQL (by object)."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[Any, int]] = {}

    def _remember(self, aggregate: Aggregate) -> Aggregate:
        self._seen[id(aggregate)] = (aggregate, aggregate.version)
        return aggregate

    def seen(self) -> list[tuple[Any, int]]:
        return list(self._seen.values())


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    type: str
    subject: str
    data: dict[str, Any]
    causation_id: str | None = None


@dataclass
class IdempotencyRow:
    request_hash: str
    created_at: datetime
    response: RecordedResponse | None = None


@dataclass
class WelcomeRow:
    status: WelcomeStatus
    attempts: int
    updated_at: datetime
    message_id: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None


@dataclass
class StoreState:
    profiles: dict[uuid.UUID, Profile] = field(default_factory=dict)
    teams: dict[uuid.UUID, Team] = field(default_factory=dict)
    idempotency: dict[tuple[uuid.UUID, str], IdempotencyRow] = field(default_factory=dict)
    events: list[OutboxEvent] = field(default_factory=list)
    welcome: dict[uuid.UUID, WelcomeRow] = field(default_factory=dict)


class FakeStore:
    """The 'database' shared by every unit of work of one test."""

    def __init__(self) -> None:
        self.state = StoreState()
        self.commits = 0

    @property
    def events(self) -> list[OutboxEvent]:
        return list(self.state.events)

    def profile(self, user_id: uuid.UUID) -> Profile:
        return copy.deepcopy(self.state.profiles[user_id])

    def team(self, team_id: uuid.UUID) -> Team:
        return copy.deepcopy(self.state.teams[team_id])

    @property
    def teams(self) -> list[Team]:
        return [copy.deepcopy(team) for team in self.state.teams.values()]

    def event_types(self) -> list[str]:
        return [event.type for event in self.state.events]


class FakeProfileRepository(Remembering):
    def __init__(self, state: StoreState) -> None:
        super().__init__()
        self._state = state

    def add_if_absent(self, profile: Profile) -> bool:
        if profile.id in self._state.profiles:
            return False
        self._state.profiles[profile.id] = _row(profile)
        self._remember(profile)
        return True

    def get(self, user_id: uuid.UUID) -> Profile | None:
        profile = self._state.profiles.get(user_id)
        return self._remember(copy.deepcopy(profile)) if profile else None

    def get_for_update(self, user_id: uuid.UUID) -> Profile | None:
        return self.get(user_id)

    def save(self, profile: Profile, *, expected_version: int) -> None:
        stored = self._state.profiles.get(profile.id)
        if stored is None or stored.version != expected_version:
            raise StaleVersion(stored.version if stored else None)
        self._state.profiles[profile.id] = _row(profile)
        self._remember(profile)

    def search(
        self, criteria: ProfileSearch, after: ProfilePosition | None, limit: int
    ) -> list[tuple[Profile, ProfilePosition]]:
        def matches(profile: Profile) -> bool:
            if criteria.text is not None:
                fields = [profile.username, profile.first_name, profile.last_name]
                if criteria.include_email_in_text:
                    fields.append(profile.email)
                if not any(criteria.text.lower() in value.lower() for value in fields):
                    return False
            if criteria.role is not None and profile.role is not criteria.role:
                return False
            if criteria.is_active is not None and profile.is_active != criteria.is_active:
                return False
            if criteria.team_id is not None:
                team = self._state.teams.get(criteria.team_id)
                if team is None or profile.id not in team.member_ids:
                    return False
            return True

        ordered = sorted(
            ((p.username.lower(), p.id), p) for p in self._state.profiles.values() if matches(p)
        )
        if after is not None:
            ordered = [(key, p) for key, p in ordered if key > (after.username_key, after.id)]
        return [
            (self._remember(copy.deepcopy(p)), ProfilePosition(*key)) for key, p in ordered[:limit]
        ]

    def usernames(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {
            user_id: self._state.profiles[user_id].username
            for user_id in user_ids
            if user_id in self._state.profiles
        }

    def batch_after(self, after: uuid.UUID | None, limit: int) -> list[Profile]:
        ids = sorted(i for i in self._state.profiles if after is None or i > after)
        return [self._remember(copy.deepcopy(self._state.profiles[i])) for i in ids[:limit]]


class FakeTeamRepository(Remembering):
    def __init__(self, state: StoreState) -> None:
        super().__init__()
        self._state = state

    def add(self, team: Team) -> None:
        if self.name_taken(team.name):
            raise TeamNameTaken()
        self._state.teams[team.id] = _row(team)
        self._remember(team)

    def get(self, team_id: uuid.UUID) -> Team | None:
        team = self._state.teams.get(team_id)
        return self._remember(copy.deepcopy(team)) if team else None

    def get_for_update(self, team_id: uuid.UUID) -> Team | None:
        return self.get(team_id)

    def name_taken(self, name: str, *, excluding: uuid.UUID | None = None) -> bool:
        return any(
            team.name.lower() == name.lower() and team.id != excluding
            for team in self._state.teams.values()
        )

    def save(self, team: Team, *, expected_version: int) -> None:
        stored = self._state.teams.get(team.id)
        if stored is None or stored.version != expected_version:
            raise StaleVersion(stored.version if stored else None)
        if self.name_taken(team.name, excluding=team.id):
            raise TeamNameTaken()
        # Memberships are written by add_member/remove_member only, as in SQL.
        saved = _row(team)
        saved.members = list(stored.members)
        self._state.teams[team.id] = saved
        self._remember(team)

    def delete(self, team_id: uuid.UUID, *, expected_version: int) -> None:
        stored = self._state.teams.get(team_id)
        if stored is None or stored.version != expected_version:
            raise StaleVersion(stored.version if stored else None)
        del self._state.teams[team_id]
        self._seen = {key: seen for key, seen in self._seen.items() if seen[0].id != team_id}

    def add_member(self, team_id: uuid.UUID, membership: Membership) -> None:
        team = self._state.teams[team_id]
        if membership.user_id in team.member_ids:
            return  # ON CONFLICT DO NOTHING
        if membership.user_id not in self._state.profiles:
            raise LookupError("membership of an unknown profile")
        team.members.append(membership)

    def remove_member(self, team_id: uuid.UUID, user_id: uuid.UUID) -> None:
        team = self._state.teams[team_id]
        team.members = [m for m in team.members if m.user_id != user_id]

    def team_ids_of(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        found: dict[uuid.UUID, list[uuid.UUID]] = {}
        for team in self._state.teams.values():
            for user_id in team.member_ids:
                if user_id in user_ids:
                    found.setdefault(user_id, []).append(team.id)
        return found

    def search(
        self, criteria: TeamSearch, after: TeamPosition | None, limit: int
    ) -> list[tuple[Team, TeamPosition]]:
        ordered = sorted(
            ((t.name.lower(), t.id), t)
            for t in self._state.teams.values()
            if (criteria.text is None or criteria.text.lower() in t.name.lower())
            and (criteria.member_id is None or criteria.member_id in t.member_ids)
        )
        if after is not None:
            ordered = [(key, t) for key, t in ordered if key > (after.name_key, after.id)]
        return [
            (self._remember(copy.deepcopy(t)), TeamPosition(*key)) for key, t in ordered[:limit]
        ]

    def batch_after(self, after: uuid.UUID | None, limit: int) -> list[Team]:
        ids = sorted(i for i in self._state.teams if after is None or i > after)
        return [self._remember(copy.deepcopy(self._state.teams[i])) for i in ids[:limit]]


class FakeIdempotencyStore:
    def __init__(self, state: StoreState) -> None:
        self._state = state

    def claim(
        self,
        principal: uuid.UUID,
        key: str,
        request_hash: str,
        at: datetime,
        *,
        expired_before: datetime,
    ) -> IdempotencyRecord | None:
        row = self._state.idempotency.get((principal, key))
        if row is None or row.created_at < expired_before:
            self._state.idempotency[(principal, key)] = IdempotencyRow(request_hash, at)
            return None
        return IdempotencyRecord(request_hash=row.request_hash, response=row.response)

    def complete(self, principal: uuid.UUID, key: str, response: RecordedResponse) -> None:
        self._state.idempotency[(principal, key)].response = copy.deepcopy(response)

    def purge(self, created_before: datetime, limit: int) -> int:
        doomed = sorted(
            (k for k, row in self._state.idempotency.items() if row.created_at < created_before),
            key=lambda k: self._state.idempotency[k].created_at,
        )[:limit]
        for key in doomed:
            del self._state.idempotency[key]
        return len(doomed)


class FakeWelcomeEmailRepository:
    """No locks here: the unit tests are single-threaded (the integration tests race)."""

    def __init__(self, state: StoreState) -> None:
        self._state = state

    def claim(self, user_id: uuid.UUID, at: datetime) -> WelcomeEmailRecord:
        if user_id not in self._state.profiles:
            raise LookupError(f"no profile {user_id}")  # the foreign key
        row = self._state.welcome.setdefault(user_id, WelcomeRow(WelcomeStatus.PENDING, 0, at))
        return WelcomeEmailRecord(user_id, row.status, row.attempts, row.message_id, row.last_error)

    def mark_sent(self, user_id: uuid.UUID, message_id: str, at: datetime) -> None:
        row = self._state.welcome[user_id]
        row.status, row.message_id, row.sent_at = WelcomeStatus.SENT, message_id, at
        row.attempts += 1
        row.last_error, row.updated_at = None, at

    def mark_failed(self, user_id: uuid.UUID, error: str, at: datetime, *, final: bool) -> None:
        row = self._state.welcome[user_id]
        row.status = WelcomeStatus.FAILED if final else WelcomeStatus.PENDING
        row.attempts += 1
        row.last_error, row.updated_at = error, at

    def mark_skipped(self, user_id: uuid.UUID, reason: str, at: datetime) -> None:
        row = self._state.welcome[user_id]
        row.status, row.last_error, row.updated_at = WelcomeStatus.SKIPPED, reason, at

    def due(
        self,
        *,
        created_after: datetime,
        created_before: datetime,
        stale_before: datetime,
        limit: int,
    ) -> list[uuid.UUID]:
        def wanted(profile: Profile) -> bool:
            if not (created_after <= profile.created_at < created_before and profile.is_active):
                return False
            row = self._state.welcome.get(profile.id)
            return row is None or (
                row.status is WelcomeStatus.PENDING and row.updated_at < stale_before
            )

        found = sorted(
            (p for p in self._state.profiles.values() if wanted(p)), key=lambda p: p.created_at
        )
        return [p.id for p in found[:limit]]


class FakeOutbox:
    def __init__(self, state: StoreState) -> None:
        self._state = state

    def add_event(
        self,
        event_type: str,
        subject: str,
        data: dict[str, Any],
        *,
        causation_id: str | None = None,
    ) -> OutboxEvent:
        CONTRACTS.validate(event_type, data)
        event = OutboxEvent(event_type, subject, copy.deepcopy(data), causation_id)
        self._state.events.append(event)
        return event


class FakeUnitOfWork:
    """Works on the store directly; leaving the block restores the last committed state."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._snapshot: StoreState | None = None
        self.profiles = FakeProfileRepository(store.state)
        self.teams = FakeTeamRepository(store.state)
        self.idempotency = FakeIdempotencyStore(store.state)
        self.outbox = FakeOutbox(store.state)
        self.welcome_emails = FakeWelcomeEmailRepository(store.state)
        self.causation_id: str | None = None
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def __enter__(self) -> Self:
        if self._snapshot is not None:
            raise RuntimeError("unit of work entered twice")
        self._snapshot = copy.deepcopy(self._store.state)
        self.profiles = FakeProfileRepository(self._store.state)
        self.teams = FakeTeamRepository(self._store.state)
        self.causation_id = None
        return self

    def commit(self) -> None:
        if self._snapshot is None:
            raise RuntimeError("commit outside the unit of work")
        record_changes(self)
        self._snapshot = copy.deepcopy(self._store.state)
        self._store.commits += 1
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._snapshot is not None:
            restored = copy.deepcopy(self._snapshot)
            # Mutate in place: the repositories hold a reference to the state object.
            state = self._store.state
            state.profiles = restored.profiles
            state.teams = restored.teams
            state.idempotency = restored.idempotency
            state.events = restored.events
            state.welcome = restored.welcome
        self._snapshot = None
        self._after_commit = []


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2025, 1, 15, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class FakeWelcomeQueue:
    def __init__(self) -> None:
        self.enqueued: list[uuid.UUID] = []

    def enqueue(self, user_id: uuid.UUID) -> None:
        self.enqueued.append(user_id)


class FakeMailer:
    """Records what it accepted; `failures` are raised first, one per send."""

    def __init__(self) -> None:
        self.sent: list[OutgoingEmail] = []
        self.failures: list[MailDeliveryError] = []
        self.attempts = 0

    def send(self, email: OutgoingEmail) -> None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(email)


class FakeRenderer:
    def __init__(self) -> None:
        self.contexts: list[tuple[str, dict[str, object]]] = []

    def render(self, name: str, context: Mapping[str, object]) -> RenderedEmail:
        self.contexts.append((name, dict(context)))
        return RenderedEmail(
            subject=f"subject {context['display_name']}",
            text=f"text {context['display_name']} {context['sign_in_url']}",
            html=f"<p>{context['display_name']}</p>",
        )


SIGN_IN_URL = "https://taskhive.example/"


@dataclass
class UsersHarness:
    store: FakeStore
    clock: FakeClock
    create_profile: CreateProfileFromRegistrationHandler
    update_profile: UpdateProfileHandler
    users: UserQueries
    teams: TeamQueries
    create_team: CreateTeamHandler
    update_team: UpdateTeamHandler
    delete_team: DeleteTeamHandler
    add_member: AddTeamMemberHandler
    remove_member: RemoveTeamMemberHandler
    publish_snapshots: PublishSnapshotsHandler
    welcome_queue: FakeWelcomeQueue
    mailer: FakeMailer
    renderer: FakeRenderer
    send_welcome: SendWelcomeEmailHandler
    sweep_welcome: SweepWelcomeEmailsHandler
    purge_idempotency: PurgeExpiredIdempotencyKeys

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)

    def register(
        self,
        username: str,
        *,
        role: Role = Role.MEMBER,
        first_name: str = "",
        last_name: str = "",
        email: str | None = None,
    ) -> uuid.UUID:
        """A profile as the registration event creates it (committed)."""
        user_id = uuid.uuid4()
        with self.uow() as uow:
            self.create_profile(
                CreateProfileFromRegistration(
                    user_id=user_id,
                    username=username,
                    email=email or f"{username}@example.org",
                    first_name=first_name,
                    last_name=last_name,
                    role=role,
                ),
                uow,
            )
            uow.commit()
        return user_id


def build_harness() -> UsersHarness:
    """Every users use case wired to fresh fakes sharing one store."""
    store = FakeStore()
    clock = FakeClock()

    def uow() -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    welcome_queue = FakeWelcomeQueue()
    mailer = FakeMailer()
    renderer = FakeRenderer()
    return UsersHarness(
        store=store,
        clock=clock,
        create_profile=CreateProfileFromRegistrationHandler(clock, welcome_queue),
        update_profile=UpdateProfileHandler(uow, clock),
        users=UserQueries(uow),
        teams=TeamQueries(uow),
        create_team=CreateTeamHandler(uow, clock, timedelta(hours=24)),
        update_team=UpdateTeamHandler(uow, clock),
        delete_team=DeleteTeamHandler(uow, clock),
        add_member=AddTeamMemberHandler(uow, clock),
        remove_member=RemoveTeamMemberHandler(uow, clock),
        publish_snapshots=PublishSnapshotsHandler(uow, clock),
        welcome_queue=welcome_queue,
        mailer=mailer,
        renderer=renderer,
        send_welcome=SendWelcomeEmailHandler(
            uow, mailer, renderer, clock, sign_in_url=SIGN_IN_URL, max_attempts=3
        ),
        sweep_welcome=SweepWelcomeEmailsHandler(uow, welcome_queue, clock),
        purge_idempotency=PurgeExpiredIdempotencyKeys(
            uow, clock.now, timedelta(hours=24), batch_size=2
        ),
    )
