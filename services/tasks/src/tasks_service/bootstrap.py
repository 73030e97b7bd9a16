"""Composition root of every tasks process: adapters built from settings, nothing at import."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from celery import Celery
from flask import Flask
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import sessionmaker

from taskhive_shared.access_runtime import build_access_runtime
from taskhive_shared.db.engine import (
    create_db_engine,
    database_role,
    normalise_url,
)
from taskhive_shared.events.cli import EventWiring
from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.outbox import OutboxWriter
from taskhive_shared.events.publisher import EventPublisher, exchange_of
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.files.settings import build_file_store, build_link_signer
from taskhive_shared.http.health import ReadinessCheck
from taskhive_shared.idempotency import PurgeExpiredIdempotencyKeys
from taskhive_shared.jobs.app import create_jobs_app, once_per_process
from taskhive_shared.jobs.cli import JobsWiring
from taskhive_shared.mail.message import Mailer
from taskhive_shared.mail.smtp import SmtpConfig, SmtpMailer
from taskhive_shared.messaging.rabbitmq import ConsumerTopology
from taskhive_shared.security.denylist import (
    InMemoryTokenDenylist,
    TokenDenylist,
)
from taskhive_shared.security.tokens import (
    AccessTokenVerifier,
    RefuseAllKeys,
    SigningKeyResolver,
)
from taskhive_shared.service import consumer_topology_of, migrate_schema, wsgi_entry
from tasks_service.adapters.clock import SystemClock
from tasks_service.adapters.files.formats import parse_rows, render_rows
from tasks_service.adapters.files.queue import CeleryFileJobQueue
from tasks_service.adapters.notifications.dispatcher import CeleryNotificationDispatcher
from tasks_service.adapters.notifications.renderer import TemplateNotificationRenderer
from tasks_service.adapters.persistence.file_jobs import SqlAlchemyFileJobRepository
from tasks_service.adapters.persistence.reader import PostgresTaskReader
from tasks_service.adapters.persistence.search import PostgresSearchReader
from tasks_service.adapters.persistence.tables import SCHEMA, inbox, outbox
from tasks_service.adapters.persistence.unit_of_work import SqlAlchemyTasksUnitOfWork
from tasks_service.adapters.sla_jobs import CelerySlaJobs
from tasks_service.application.archive_task import ArchiveTaskHandler, RestoreTaskHandler
from tasks_service.application.assign_task import AssignTaskHandler, UnassignTaskHandler
from tasks_service.application.automation import AutomationHandlers
from tasks_service.application.bulk import BulkEditHandler
from tasks_service.application.comments import (
    AddCommentHandler,
    CommentQueries,
    DeleteCommentHandler,
    EditCommentHandler,
)
from tasks_service.application.create_task import CreateTaskHandler
from tasks_service.application.dependencies import DependencyHandlers
from tasks_service.application.file_jobs import FileJobs
from tasks_service.application.notifications.delivery import DeliverNotifications
from tasks_service.application.notifications.planning import (
    NotificationDispatcher,
    PlanTaskNotifications,
)
from tasks_service.application.notifications.queries import NotificationQueries
from tasks_service.application.publish_snapshots import PublishSnapshotsHandler
from tasks_service.application.purge_archived import PurgeArchivedTasksHandler
from tasks_service.application.queries import TaskQueries
from tasks_service.application.recurrence import SpawnDueOccurrences
from tasks_service.application.replica import ReplicaSync
from tasks_service.application.scheduled import (
    CheckOverdueTasks,
    GenerateDailySummaries,
    RemindDueSoonTasks,
    RetryStaleNotifications,
)
from tasks_service.application.scores import RefreshScores
from tasks_service.application.search import TaskSearch
from tasks_service.application.services import TasksServices
from tasks_service.application.sla import EscalateSlas, ReapplySlaPolicies, SlaPolicyHandlers
from tasks_service.application.tags import CreateTagHandler, TagQueries
from tasks_service.application.templates import TemplateHandlers
from tasks_service.application.update_task import UpdateTaskHandler
from tasks_service.config import TasksSettings
from tasks_service.entrypoints.events import (
    NOTIFIED,
    QUEUE,
    TASKS_EXCHANGE,
    TIME_EVENTS,
    TIMETRACKING_EXCHANGE,
    USERS_EVENTS,
    USERS_EXCHANGE,
    event_handlers,
)
from tasks_service.entrypoints.http.app import create_app
from tasks_service.entrypoints.http.file_jobs import row_command
from tasks_service.entrypoints.jobs import SCHEDULE, SERVICE, TasksJobs, register_jobs

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
# Timestamps leave PostgreSQL in UTC whatever the server's TimeZone setting.
_UTC_OPTIONS = "-c timezone=UTC"


@dataclass(frozen=True, slots=True)
class TasksRuntime:
    settings: TasksSettings
    engine: Engine
    read_engine: Engine
    """Autocommit pool of the read side (list, detail): one round trip per statement."""
    jobs_read_engine: Engine
    """The same without the statement timeout, for jobs' reads (exports)."""
    services: TasksServices
    verifier: AccessTokenVerifier
    denylist: TokenDenylist
    readiness: dict[str, ReadinessCheck]
    unit_of_work: Callable[[], SqlAlchemyTasksUnitOfWork]
    """`runtime.unit_of_work()`: a new, unopened unit of work (the event consumer's)."""
    sla_jobs: CelerySlaJobs
    """Where SLA policy changes enqueue the re-apply job (attached by build_jobs_app)."""

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()
        self.jobs_read_engine.dispose()


def build_read_engine(settings: TasksSettings, *, for_jobs: bool = False) -> Engine:
    """The read side's autocommit pool. The API's statements stop at
    TASKS_READ_STATEMENT_TIMEOUT_MS, set in the connection's startup options (no round trip;
    ADR 0029): a slow read costs a bounded time, then a 503. `for_jobs`: a small pool without
    the limit, for the reads of jobs (an export must not be cut)."""
    options = _UTC_OPTIONS
    if settings.read_statement_timeout_ms and not for_jobs:
        options += f" -c statement_timeout={settings.read_statement_timeout_ms}"
    # No liveness check: the reader retries once on a dead connection.
    return create_db_engine(
        settings.database_url,
        pool_size=1 if for_jobs else settings.read_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_name=f"{database_role(settings.database_url)}:{'jobs-read' if for_jobs else 'read'}",
        liveness="none",
        isolation_level="AUTOCOMMIT",
        connect_args={"options": options},
    )


def build_runtime(
    settings: TasksSettings,
    *,
    key_resolver: SigningKeyResolver | None = None,
    denylist: TokenDenylist | None = None,
) -> TasksRuntime:
    """`key_resolver` and `denylist` are given by the embedded mode and tests; else the
    verifier fetches auth's JWKS from TASKS_JWKS_URL and the denylist is Redis."""
    # The write path's pool checks liveness from the socket, not with a ping round trip
    # (ADR 0028): a connection killed after the check fails its request with a 503.
    access = build_access_runtime(
        settings,
        env_prefix="TASKS_",
        key_resolver=key_resolver,
        denylist=denylist,
        liveness="socket",
    )
    engine, verifier, readiness = access.engine, access.verifier, access.readiness
    read_engine = build_read_engine(settings)
    # Opens no connection in a process that runs no job (pools connect on first use).
    jobs_read_engine = build_read_engine(settings, for_jobs=True)

    outbox_writer = OutboxWriter(outbox, SCHEMA, ContractRegistry())
    session_factory = sessionmaker(bind=engine, expire_on_commit=False)

    def unit_of_work() -> SqlAlchemyTasksUnitOfWork:
        return SqlAlchemyTasksUnitOfWork(session_factory, outbox_writer)

    clock = SystemClock()
    sla_jobs = CelerySlaJobs()
    create_task = CreateTaskHandler(
        unit_of_work, clock, timedelta(hours=settings.idempotency_key_ttl_hours)
    )
    task_queries = TaskQueries(PostgresTaskReader(read_engine), unit_of_work)
    built: list[TasksRuntime] = []
    # The jobs app needs the runtime (an eager app runs the job on it): made on first use.
    jobs_app = once_per_process(lambda: build_jobs_app(settings, built[0]))
    file_jobs = FileJobs(
        jobs=SqlAlchemyFileJobRepository(engine),
        store=build_file_store(settings),
        signer=build_link_signer(settings),
        queue=lambda: CeleryFileJobQueue(jobs_app),
        clock=clock,
        reader=PostgresTaskReader(read_engine),
        # An export is a job: its pages read without the API's statement timeout.
        tasks=TaskQueries(PostgresTaskReader(jobs_read_engine), unit_of_work),
        create_task=create_task,
        render=render_rows,
        parse=parse_rows,
        row_command=row_command,
        max_rows=settings.import_max_rows,
        max_bytes=settings.import_max_bytes,
    )
    services = TasksServices(
        tasks=task_queries,
        create_task=create_task,
        update_task=UpdateTaskHandler(unit_of_work, clock),
        archive_task=ArchiveTaskHandler(unit_of_work, clock),
        restore_task=RestoreTaskHandler(unit_of_work, clock),
        assign_task=AssignTaskHandler(unit_of_work, clock),
        unassign_task=UnassignTaskHandler(unit_of_work, clock),
        comments=CommentQueries(unit_of_work),
        add_comment=AddCommentHandler(unit_of_work, clock),
        edit_comment=EditCommentHandler(unit_of_work, clock),
        delete_comment=DeleteCommentHandler(unit_of_work, clock),
        tags=TagQueries(unit_of_work),
        create_tag=CreateTagHandler(unit_of_work, clock),
        templates=TemplateHandlers(unit_of_work, clock, create_task),
        replica=ReplicaSync(),
        purge_archived=PurgeArchivedTasksHandler(unit_of_work, clock),
        publish_snapshots=PublishSnapshotsHandler(unit_of_work, clock),
        notifications=NotificationQueries(unit_of_work),
        verifier=verifier,
        dependencies=DependencyHandlers(unit_of_work, clock),
        search=TaskSearch(PostgresTaskReader(read_engine), PostgresSearchReader(read_engine)),
        bulk_edit=BulkEditHandler(unit_of_work, clock),
        automation=AutomationHandlers(unit_of_work, clock, sla_jobs),
        sla_policies=SlaPolicyHandlers(unit_of_work, clock, sla_jobs),
        file_jobs=file_jobs,
    )
    runtime = TasksRuntime(
        settings=settings,
        engine=engine,
        read_engine=read_engine,
        jobs_read_engine=jobs_read_engine,
        services=services,
        verifier=verifier,
        denylist=access.denylist,
        readiness=readiness,
        unit_of_work=unit_of_work,
        sla_jobs=sla_jobs,
    )
    built.append(runtime)
    return runtime


def build_offline_runtime(settings: TasksSettings) -> TasksRuntime:
    """For processes that serve no HTTP (CLI, event consumer): needs no JWKS and no Redis."""
    return build_runtime(settings, key_resolver=RefuseAllKeys(), denylist=InMemoryTokenDenylist())


def build_http_app(runtime: TasksRuntime) -> Flask:
    return create_app(
        runtime.services,
        runtime.readiness,
        max_body_bytes=runtime.settings.max_body_bytes,
        public_base_url=runtime.settings.public_base_url,
    )


def build_relay(runtime: TasksRuntime, publisher: EventPublisher) -> OutboxRelay:
    return OutboxRelay(runtime.engine, outbox, publisher, exchange_of(SCHEMA))


def build_event_processor(
    runtime: TasksRuntime, dispatcher: NotificationDispatcher
) -> EventProcessor:
    plan = PlanTaskNotifications(SystemClock(), dispatcher)
    return EventProcessor(
        QUEUE,
        event_handlers(runtime.services.replica, plan),
        ContractRegistry(),
        runtime.unit_of_work,
        inbox,
    )


def consumer_topology() -> ConsumerTopology:

    return consumer_topology_of(
        SCHEMA,
        QUEUE,
        {
            USERS_EXCHANGE: USERS_EVENTS,
            TASKS_EXCHANGE: NOTIFIED,
            TIMETRACKING_EXCHANGE: TIME_EVENTS,
        },
    )


def event_wiring(settings: TasksSettings) -> EventWiring:
    """The relay and the consumer verify no tokens: they run without JWKS or Redis."""
    runtime = build_offline_runtime(settings)
    dispatcher = CeleryNotificationDispatcher(build_jobs_app(settings, runtime))
    return EventWiring(
        amqp_url=settings.amqp_url,
        relay=lambda publisher: build_relay(runtime, publisher),
        processor=lambda: build_event_processor(runtime, dispatcher),
        topology=consumer_topology,
    )


def build_tasks_jobs(
    settings: TasksSettings,
    runtime: TasksRuntime,
    dispatcher: NotificationDispatcher,
    mailer: Mailer,
) -> TasksJobs:
    uow, clock = runtime.unit_of_work, SystemClock()
    return TasksJobs(
        deliver=DeliverNotifications(
            uow,
            mailer,
            TemplateNotificationRenderer(settings.public_base_url),
            clock,
            timedelta(hours=settings.notification_give_up_hours),
        ),
        check_overdue=CheckOverdueTasks(uow, clock),
        remind_due_soon=RemindDueSoonTasks(uow, clock),
        daily_summary=GenerateDailySummaries(uow, clock, dispatcher, settings.daily_summary_hour),
        retry_stale=RetryStaleNotifications(uow, clock, dispatcher),
        purge_idempotency=PurgeExpiredIdempotencyKeys(
            uow, clock.now, timedelta(hours=settings.idempotency_key_ttl_hours)
        ),
        purge_archived=runtime.services.purge_archived,
        archive_retention=timedelta(days=settings.archive_retention_days),
        refresh_scores=RefreshScores(uow, clock),
        escalate_slas=EscalateSlas(uow, clock),
        reapply_sla_policies=ReapplySlaPolicies(uow, clock),
        file_jobs=runtime.services.file_jobs,
        spawn_due_occurrences=SpawnDueOccurrences(uow, clock),
    )


def build_jobs_app(
    settings: TasksSettings,
    runtime: TasksRuntime | None = None,
    mailer: Mailer | None = None,
) -> Celery:
    """The Celery app; the jobs' use cases are built on first use in each process (a worker
    builds them after forking), on `runtime` when given (embedded mode, tests)."""
    app = create_jobs_app(SERVICE, settings, SCHEDULE)
    dispatcher = CeleryNotificationDispatcher(app)
    jobs = once_per_process(
        lambda: build_tasks_jobs(
            settings,
            runtime or build_offline_runtime(settings),
            dispatcher,
            mailer or SmtpMailer(SmtpConfig.from_settings(settings)),
        )
    )
    register_jobs(app, jobs, settings.notification_retries)
    if runtime is not None:
        runtime.sla_jobs.attach(app)
    return app


def jobs_wiring(settings: TasksSettings) -> JobsWiring:
    return JobsWiring.of(SERVICE, build_jobs_app(settings), settings)


def migrate(settings: TasksSettings) -> None:

    migrate_schema(settings, MIGRATIONS_DIR, SCHEMA)


def wsgi_app() -> Flask:
    """Entry for gunicorn: `gunicorn 'tasks_service.bootstrap:wsgi_app()'`."""

    def build(settings: TasksSettings) -> Flask:
        runtime = build_runtime(settings)
        # Only to enqueue (policy changes re-apply through a job); nothing runs here.
        build_jobs_app(settings, runtime)
        return build_http_app(runtime)

    return wsgi_entry("tasks", TasksSettings, build)


def build_event_processor_for_jobs(runtime: TasksRuntime, jobs_app: Celery) -> EventProcessor:
    """The consumer's processor, handing the notifications it plans to `jobs_app` (the
    single-process mode's in-process app; `event_wiring` builds its own)."""
    return build_event_processor(runtime, CeleryNotificationDispatcher(jobs_app))


def create_task_as(
    runtime: TasksRuntime,
    actor_id: str,
    title: str,
    *,
    priority: str = "medium",
    tags: tuple[str, ...] = (),
    assignee_ids: tuple[str, ...] = (),
) -> None:
    """Create a task as user `actor_id` through the same use case as `POST /tasks` (rules,
    history, events): the demo seed's way in."""
    import uuid

    from tasks_service.application.create_task import CreateTask
    from tasks_service.domain.model import TaskFields
    from tasks_service.domain.workflow import Priority

    command = CreateTask(
        actor_id=uuid.UUID(actor_id),
        fields=TaskFields(title=title, priority=Priority(priority), tags=list(tags)),
        assignee_ids=tuple(uuid.UUID(user_id) for user_id in assignee_ids),
    )
    runtime.services.create_task(command, present=lambda document: {})


def task_list_sql(
    member_id: str | None = None,
    *,
    statuses: tuple[str, ...] = (),
    text: str | None = None,
    page_size: int = 20,
    after: tuple[object, ...] | None = None,
) -> tuple[str, dict[str, object]]:
    """The SQL and parameters of a page of `GET /tasks` exactly as the read side builds
    them (default order; by relevance when `text` searches; `after` a row's position), seen
    by staff or, given `member_id`, by that member (own, assigned and team tasks; no teams
    here). For EXPLAIN."""
    import uuid

    from tasks_service.adapters.persistence.ranked_sql import is_ranked, ranked_statement
    from tasks_service.adapters.persistence.task_sql import list_statement
    from tasks_service.application.ports import TaskFilter, TaskListing, Visibility
    from tasks_service.application.queries import parse_sort

    listing = TaskListing(
        TaskFilter(statuses=statuses, text=text),
        parse_sort(None, ranked=text is not None),
        page_size + 1,
        after=after,
        visible_to=None if member_id is None else Visibility(uuid.UUID(member_id), ()),
    )
    return ranked_statement(listing) if is_ranked(listing) else list_statement(listing)


def daily_summary_sql() -> tuple[str, dict[str, int]]:
    """The daily summary job's batch query and the parameters it always binds alike: the
    catch-up `window` (hours), the tasks `listed` per email and the batch size (`limit`, users
    per query). The caller adds `now`, `hour` and `after` (the keyset); for EXPLAIN."""
    from tasks_service.adapters.persistence.summaries import LISTED_TASKS, SUMMARIES
    from tasks_service.application.scheduled import CATCH_UP_HOURS, DEFAULT_BATCH

    return SUMMARIES, {"window": CATCH_UP_HOURS, "listed": LISTED_TASKS, "limit": DEFAULT_BATCH}


def score_sql() -> tuple[str, str]:
    """For the planning bench: the refresh job's batch statement (parameters `after`, `size`,
    `at`, in SQLAlchemy's `:name` style) and the score of row `t` at `:at` as an expression."""
    from tasks_service.adapters.persistence.dependencies import REFRESH_BATCH, SCORE

    return REFRESH_BATCH.text, SCORE


def refresh_due_sql() -> str:
    """For the scores bench: one batch of the score job (parameters `size`, `at`, in
    SQLAlchemy's `:name` style; ADR 0033)."""
    from tasks_service.adapters.persistence.dependencies import REFRESH_DUE

    return REFRESH_DUE.text


def refresh_scores_of(runtime: TasksRuntime) -> Callable[..., int]:
    """For the scores bench: the job's use case, `refresh(now, full=False)`, as the jobs
    process builds it."""
    return RefreshScores(runtime.unit_of_work, SystemClock())


def critical_path_of(
    estimates: dict[uuid.UUID, Decimal | None], edges: list[tuple[uuid.UUID, uuid.UUID]]
) -> tuple[list[uuid.UUID], Decimal]:
    """The domain's critical path alone (no I/O), for the planning bench: (ids, hours)."""
    from tasks_service.domain.dependencies import critical_path

    path = critical_path(estimates, edges)
    return path.tasks, path.total_hours


def facets_sql() -> tuple[str, dict[str, object]]:
    """The SQL of `GET /tasks/facets` without filters, seen by staff. For EXPLAIN."""
    from tasks_service.adapters.persistence.search import facets_statement
    from tasks_service.application.ports import TaskFilter

    return facets_statement(TaskFilter(), None, 20)


def search_probe(
    database_url: str,
) -> tuple[Callable[..., object], Callable[..., object], Engine]:
    """For the search bench: `facets(member_id=None, statuses=(), text=None, tags=())` and
    `suggest(text, member_id=None)` through the read side's own adapter, and its engine."""
    import uuid

    from tasks_service.adapters.persistence.search import PostgresSearchReader
    from tasks_service.application.ports import TaskFilter, Visibility

    engine = create_engine(normalise_url(database_url))
    reader = PostgresSearchReader(engine)

    def visible(member_id: str | None) -> Visibility | None:
        return None if member_id is None else Visibility(uuid.UUID(member_id), ())

    def facets(
        member_id: str | None = None,
        statuses: tuple[str, ...] = (),
        text: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> object:
        wanted = TaskFilter(statuses=statuses, text=text, tags=tags)
        return reader.facets(wanted, visible(member_id), 20)

    def suggest(text: str, member_id: str | None = None) -> object:
        return reader.suggest(text, visible(member_id), 10)

    return facets, suggest, engine


def list_probe(database_url: str) -> tuple[Callable[..., list[tuple[object, ...]]], Engine]:
    """For the search bench: `page(text, member_id=None, after=None)`, the positions of a page
    of 20 of `GET /tasks/?q=…` (by relevance) through the read side's own adapter (the last
    one is the next page's `after`), and its engine."""
    import uuid

    from tasks_service.application.ports import TaskFilter, TaskListing, Visibility
    from tasks_service.application.queries import RANKED

    engine = create_engine(normalise_url(database_url))
    reader = PostgresTaskReader(engine)

    def page(
        text: str, member_id: str | None = None, after: tuple[object, ...] | None = None
    ) -> list[tuple[object, ...]]:
        visible = None if member_id is None else Visibility(uuid.UUID(member_id), ())
        listing = TaskListing(TaskFilter(text=text), RANKED, 21, after, visible)
        return [document.position for document in reader.list(listing)[:20]]

    return page, engine


def export_tasks_as(runtime: TasksRuntime, actor_id: str, fmt: str) -> dict[str, object]:
    """Export every task `actor_id` sees, as `POST /tasks/exports/` does (an eager queue runs
    it at once): the job's status, counts and file key. For the exports bench."""
    import uuid

    from tasks_service.application.ports import TaskFilter
    from tasks_service.domain.file_jobs import FileFormat

    job = runtime.services.file_jobs.request_export(
        uuid.UUID(actor_id), FileFormat(fmt), {}, TaskFilter(), None
    )
    return {"status": job.status.value, "counts": job.counts, "file_key": job.file_key}


def automation_probe(
    settings: TasksSettings,
) -> tuple[Callable[..., object], Callable[..., object], Callable[..., object], TasksRuntime]:
    """For the automation bench, on an offline runtime: `escalate(now)` and `reapply(now)`
    (the SLA jobs' use cases) and `create_in_team(actor_id, team_id)` (POST /tasks without
    assignees: the team's auto-assignment picks one); and the runtime, to dispose."""
    import uuid

    from tasks_service.application.create_task import CreateTask
    from tasks_service.application.sla import EscalateSlas, ReapplySlaPolicies
    from tasks_service.domain.model import TaskFields

    runtime = build_offline_runtime(settings)
    clock = SystemClock()

    def create_in_team(actor_id: str, team_id: str) -> object:
        command = CreateTask(
            actor_id=uuid.UUID(actor_id),
            fields=TaskFields(title="Incoming", team_id=uuid.UUID(team_id)),
        )
        return runtime.services.create_task(command, present=lambda document: document.fields)

    escalate = EscalateSlas(runtime.unit_of_work, clock, batch=500)
    reapply = ReapplySlaPolicies(runtime.unit_of_work, clock, batch=500)
    return escalate, reapply, create_in_team, runtime
