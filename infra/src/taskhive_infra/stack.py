"""`taskhive-stack` (`make stack`): every service under gunicorn behind HAProxy, supervised.

Settings come from the environment, with defaults for one machine running PostgreSQL, Redis
and RabbitMQ on localhost. Each service runs its API (gunicorn), its outbox relay and, when it
consumes events, its consumer; its Celery worker and beat. The runner supervises them like a
process manager: a child that exits is restarted with exponential back-off (logged as JSON
lines) while everything else keeps running; only SIGINT/SIGTERM of the runner stops the stack.
Email goes to an in-process SMTP catcher (files under .data/mail) unless TASKHIVE_SMTP_HOST
names a real server or another catcher.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from urllib.parse import quote, urlsplit

import pika
import pika.exceptions
import psycopg
from sqlalchemy.engine import make_url

from taskhive_infra.broker import RabbitmqctlAdmin, service_amqp_url
from taskhive_infra.provision import (
    DEFAULT_ADMIN_URL,
    DEFAULT_AMQP_ADMIN_URL,
    amqp_password,
    provision,
    provision_broker,
    role_password,
)
from taskhive_infra.services import HOOKS_STREAM_PORT, SERVICES, WEB, ServiceSpec, WebSpec
from taskhive_shared.events.relay import relay_is_active
from taskhive_shared.mail.local_server import LocalSmtpServer

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
LOCALHOST = "127.0.0.1"
STATS_PORT = 8404  # the gateway's operator listener (stats page, Prometheus metrics)
INTERNAL_PORT = 8081  # the gateway's listener for the web service (never published)
PROBE_PORT_BASE = 9120
"""The probe listeners (/livez, /readyz, /metrics) of the processes that serve no HTTP: one
port each, from here on in start order (plus the port offset). 9120: with offsets in steps of
100 (the tests' second stacks), none of the first 32 can meet another stack's service, gateway
or internal port (ports ending in 01 to 16, 04, 81)."""
JOBS_REDIS_DBS = {
    "auth": 1,
    "users": 2,
    "tasks": 3,
    "timetracking": 5,
    "hooks": 6,
    "analytics": 7,
    "audit": 8,
}
"""One Redis database per service's job queues (DESIGN §7); 0 holds the token denylist."""


class StackError(Exception):
    """A start-up failure explained in one line for the operator."""


class StopRequested(Exception):
    """SIGINT or SIGTERM arrived."""


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """Exponential back-off between the restarts of one child: `initial` seconds, doubling up to
    `maximum`; a child that had stayed up `reset_after` seconds starts again from `initial`."""

    initial: float = 0.5
    maximum: float = 30.0
    reset_after: float = 60.0

    def next_delay(self, previous: float | None, uptime: float) -> float:
        if previous is None or uptime >= self.reset_after:
            return self.initial
        return min(previous * 2, self.maximum)


@dataclass(frozen=True, slots=True)
class StackConfig:
    admin_url: str
    database: str
    redis_url: str
    gateway_port: int
    port_offset: int
    workers: int
    startup_timeout: float
    stop_timeout: float
    haproxy_config: Path
    data_dir: Path
    amqp_admin_url: str
    vhost: str
    app_server: str
    jobs_redis_url: str
    """Redis of the job queues; each service takes its own database number (JOBS_REDIS_DBS)."""
    jobs_key_prefix: str
    smtp_host: str | None
    """None: the stack runs its own catcher on smtp_port."""
    smtp_port: int
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    scale: Mapping[str, int] = field(default_factory=dict)
    """Replicas per process type (`TASKHIVE_SCALE=tasks-api=3,tasks-consumer=2`); 1 if absent."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StackConfig:
        return cls(
            admin_url=env.get("TASKHIVE_ADMIN_DATABASE_URL", DEFAULT_ADMIN_URL),
            database=env.get("TASKHIVE_DATABASE_NAME", "taskhive"),
            redis_url=env.get("TASKHIVE_REDIS_URL", "redis://127.0.0.1:6379/0"),
            gateway_port=int(env.get("TASKHIVE_GATEWAY_PORT", "8080")),
            port_offset=int(env.get("TASKHIVE_PORT_BASE", "0")),
            workers=int(env.get("TASKHIVE_API_WORKERS", "2")),
            startup_timeout=float(env.get("TASKHIVE_STARTUP_TIMEOUT", "60")),
            stop_timeout=float(env.get("TASKHIVE_STOP_TIMEOUT", "15")),
            haproxy_config=Path(env.get("TASKHIVE_GATEWAY_CONFIG", ROOT / "gateway/haproxy.cfg")),
            data_dir=Path(env.get("TASKHIVE_DATA_DIR", ROOT / ".data")),
            amqp_admin_url=env.get("TASKHIVE_AMQP_ADMIN_URL", DEFAULT_AMQP_ADMIN_URL),
            vhost=env.get("TASKHIVE_AMQP_VHOST", "/"),
            app_server=env.get("TASKHIVE_APP_SERVER", "gunicorn"),
            jobs_redis_url=env.get("TASKHIVE_JOBS_REDIS_URL", "redis://127.0.0.1:6379"),
            jobs_key_prefix=env.get("TASKHIVE_JOBS_KEY_PREFIX", ""),
            smtp_host=env.get("TASKHIVE_SMTP_HOST") or None,
            smtp_port=int(env.get("TASKHIVE_SMTP_PORT", "1025")),
            restart=RestartPolicy(
                initial=float(env.get("TASKHIVE_RESTART_DELAY", "0.5")),
                maximum=float(env.get("TASKHIVE_RESTART_MAX_DELAY", "30")),
                reset_after=float(env.get("TASKHIVE_RESTART_RESET_AFTER", "60")),
            ),
            scale=parse_scale(env.get("TASKHIVE_SCALE", "")),
        )

    def port(self, service: ServiceSpec | WebSpec) -> int:
        return service.port + self.port_offset

    def replicas(self, process_type: str) -> list[str]:
        """The names of a process type's replicas: `tasks-consumer`, `tasks-consumer-2` …"""
        count = self.scale.get(process_type, 1)
        return [process_type, *(f"{process_type}-{n}" for n in range(2, count + 1))]


def process_types() -> list[str]:
    """Every process type of the stack, from the registry (`<svc>-api`, `<svc>-relay` …)."""
    types: list[str] = []
    for service in SERVICES:
        types.append(f"{service.name}-api")
        types += [f"{service.name}-{process}" for process in service.event_processes]
        types += [f"{service.name}-worker", f"{service.name}-beat"]
    return [*types, WEB.name]


def parse_scale(value: str) -> dict[str, int]:
    """`tasks-api=3,tasks-consumer=2` → replicas per process type (1 to 16 each), by the
    runner's names (`tasks-consume`)."""
    scale: dict[str, int] = {}
    known = process_types()
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, _, count = item.partition("=")
        name = name.strip()
        # Compose and Kubernetes call it `<svc>-consumer`; the runner names it by its command.
        name = name.removesuffix("-consumer") + "-consume" if name.endswith("-consumer") else name
        if name not in known:
            raise StackError(f"TASKHIVE_SCALE: unknown process type {name!r} (one of {known})")
        if not count.strip().isdigit() or not 1 <= int(count) <= 16:
            raise StackError(f"TASKHIVE_SCALE: {name} needs a replica count from 1 to 16")
        scale[name] = int(count)
    return scale


def probe_ports(config: StackConfig) -> dict[str, int]:
    """The probe port of every process that serves no HTTP, by replica name."""
    names = [
        replica
        for process_type in process_types()
        if not process_type.endswith("-api") and process_type != WEB.name
        for replica in config.replicas(process_type)
    ]
    return {name: PROBE_PORT_BASE + config.port_offset + n for n, name in enumerate(names)}


def service_env(config: StackConfig, env: Mapping[str, str]) -> dict[str, str]:
    """Defaults for every service's settings; a variable already set always wins."""
    defaults: dict[str, str] = {
        # The gateway's own stats listener must move with the offset too (second stack, tests).
        "GATEWAY_STATS_PORT": str(STATS_PORT + config.port_offset),
        "GATEWAY_INTERNAL_PORT": str(INTERNAL_PORT + config.port_offset),
        "GATEWAY_BIND_ADDRESS": LOCALHOST,
    }
    database = make_url(config.admin_url).set(database=config.database)
    for service in SERVICES:
        prefix = service.name.upper()
        for kind, variable in (("app", "DATABASE_URL"), ("migrator", "MIGRATOR_DATABASE_URL")):
            role = f"{service.name}_{kind}"
            url = database.set(username=role, password=role_password(service.name, kind))
            defaults[f"{prefix}_{variable}"] = url.render_as_string(hide_password=False)
        defaults[f"{prefix}_DENYLIST_REDIS_URL"] = config.redis_url
        defaults[f"{prefix}_AMQP_URL"] = service_amqp_url(
            config.amqp_admin_url, service.name, amqp_password(service.name), config.vhost
        )
        # Services verify tokens with auth's public keys (cached; the only cross-service call).
        auth_port = config.port(SERVICES[0])
        defaults[f"{prefix}_JWKS_URL"] = f"http://{LOCALHOST}:{auth_port}/api/v1/auth/jwks.json"
        jobs_db = JOBS_REDIS_DBS[service.name]
        defaults[f"{prefix}_JOBS_BROKER_URL"] = f"{config.jobs_redis_url.rstrip('/')}/{jobs_db}"
        defaults[f"{prefix}_JOBS_KEY_PREFIX"] = config.jobs_key_prefix
        defaults[f"{prefix}_SMTP_HOST"] = config.smtp_host or LOCALHOST
        defaults[f"{prefix}_SMTP_PORT"] = str(config.smtp_port)
        defaults[f"{prefix}_PUBLIC_BASE_URL"] = f"http://{LOCALHOST}:{config.gateway_port}"
    # The web UI reaches the API through the gateway, and vouches for browsers' addresses
    # with a secret the gateway shares (a fresh one per stack unless one is configured).
    web_secret = env.get("GATEWAY_WEB_SECRET") or env.get("WEB_GATEWAY_SECRET")
    web_secret = web_secret or secrets.token_urlsafe(32)
    defaults["GATEWAY_WEB_SECRET"] = defaults["WEB_GATEWAY_SECRET"] = web_secret
    defaults["WEB_API_BASE_URL"] = f"http://{LOCALHOST}:{INTERNAL_PORT + config.port_offset}"
    defaults["WEB_SESSION_REDIS_URL"] = config.redis_url
    # Export and import files (ADR 0026): one directory and one link key for every tasks process.
    defaults["TASKS_FILES_DIRECTORY"] = str(config.data_dir / "files")
    defaults["TASKS_FILES_LINK_SECRET"] = secrets.token_urlsafe(32)
    defaults["HOOKS_STREAM_PORT"] = str(HOOKS_STREAM_PORT + config.port_offset)
    if "AUTH_SIGNING_KEY_FILES" not in env:
        defaults["AUTH_SIGNING_KEY_FILES"] = str(config.data_dir / "keys" / "auth-1.pem")
    return {**defaults, **env}


def ensure_signing_key(path: Path) -> None:
    # Idempotent: an existing key is kept, so tokens survive restarts.
    subprocess.run(
        [str(BIN / "auth-service"), "generate-signing-key", str(path)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def check_reachable(name: str, host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=3):
            pass
    except OSError as exc:
        raise StackError(
            f"{name} is not reachable at {host}:{port} ({exc.strerror or exc}); start it and retry"
        ) from exc


def haproxy_binary() -> str:
    # Debian installs it in /usr/sbin, which is not on every user's PATH.
    found = os.environ.get("TASKHIVE_HAPROXY") or shutil.which("haproxy")
    if found:
        return found
    if Path("/usr/sbin/haproxy").is_file():
        return "/usr/sbin/haproxy"
    raise StackError("haproxy is not installed (make haproxy installs it)")


def log_event(level: str, message: str, **fields: object) -> None:
    """One JSON line on stdout, shaped like the services' log lines."""
    line = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "level": level,
        "logger": "taskhive-stack",
        "message": message,
        **fields,
    }
    print(json.dumps(line), flush=True)


def exit_fields(returncode: int) -> dict[str, object]:
    """`exit_code` for an exit, `signal` (its name) for a death by signal."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return {"exit_code": None, "signal": name}
    return {"exit_code": returncode, "signal": None}


_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _child_setup(runner: int) -> Callable[[], None]:
    """Run in each child between fork and exec: its own process group (so that what it leaves
    behind when it dies, like gunicorn's workers, can be killed with it), and SIGTERM when the
    runner dies, even by SIGKILL (Linux), so that no child outlives the stack."""

    def setup() -> None:
        os.setpgid(0, 0)
        if _libc is not None:
            _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != runner:  # the runner died before prctl took effect
                os.kill(os.getpid(), signal.SIGTERM)

    return setup


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    started_at: float
    restarts: int = 0
    delay: float | None = None
    """The last back-off delay, None before the first restart."""
    restart_at: float | None = None
    """When the pending restart is due (monotonic), None while running."""
    exits: list[int] = field(default_factory=list)


@dataclass
class Supervisor:
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    children: dict[str, Child] = field(default_factory=dict)
    stopping: bool = False

    def _spawn(self, argv: list[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(argv, env=dict(env), preexec_fn=_child_setup(os.getpid()))

    def start(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        print(f"taskhive-stack: starting {name}: {' '.join(argv)}", flush=True)
        process = self._spawn(argv, env)
        self.children[name] = Child(name, argv, dict(env), process, time.monotonic())

    def pid(self, name: str) -> int | None:
        child = self.children[name]
        return child.process.pid if child.restart_at is None else None

    def poll(self) -> None:
        """Reap the children that exited, schedule their restarts, start the ones now due."""
        if self.stopping:
            return
        now = time.monotonic()
        for child in self.children.values():
            if child.restart_at is None:
                code = child.process.poll()
                if code is None:
                    continue
                _kill_group(child.process.pid)  # what it left behind (workers, pool children)
                uptime = now - child.started_at
                child.delay = self.policy.next_delay(child.delay, uptime)
                child.restart_at = now + child.delay
                child.exits.append(code)
                log_event(
                    "warning",
                    "process exited",
                    process=child.name,
                    pid=child.process.pid,
                    **exit_fields(code),
                    uptime_s=round(uptime, 3),
                    restart_in_s=child.delay,
                    restarts=child.restarts,
                )
            elif now >= child.restart_at:
                try:
                    child.process = self._spawn(child.argv, child.env)
                except OSError as exc:
                    child.delay = self.policy.next_delay(child.delay, 0.0)
                    child.restart_at = now + child.delay
                    log_event(
                        "error",
                        "process restart failed",
                        process=child.name,
                        error=str(exc),
                        restart_in_s=child.delay,
                    )
                    continue
                child.restarts += 1
                child.started_at = now
                child.restart_at = None
                log_event(
                    "info",
                    "process restarted",
                    process=child.name,
                    pid=child.process.pid,
                    restarts=child.restarts,
                )

    def wait_ready(self, name: str, url: str, timeout: float) -> None:
        """Until `url` answers 200, supervising meanwhile."""
        self.wait_until(f"{name} at {url}", lambda: http_ok(url), timeout)

    def wait_until(self, what: str, ready: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self.poll()
            if time.monotonic() > deadline:
                raise StackError(f"{what} not ready after {timeout:.0f}s{self._crash_report()}")
            time.sleep(0.2)

    def _crash_report(self) -> str:
        crashed = [
            f"{child.name} exited {len(child.exits)} time(s), last {_describe(child.exits[-1])}"
            for child in self.children.values()
            if child.exits
        ]
        return f" ({'; '.join(crashed)})" if crashed else ""

    def supervise(self, interval: float = 0.2) -> None:
        """Forever: only a stop signal (an exception raised by its handler) ends it."""
        while True:
            self.poll()
            time.sleep(interval)

    def stop(self, timeout: float) -> None:
        """Gateway first (registered last), so that no request reaches a stopping service;
        pending restarts are dropped."""
        self.stopping = True
        running = [
            child.process
            for child in reversed(self.children.values())
            if child.restart_at is None and child.process.poll() is None
        ]
        if running:
            print("taskhive-stack: stopping", flush=True)
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for child in self.children.values():
            _kill_group(child.process.pid)


def _describe(returncode: int) -> str:
    fields = exit_fields(returncode)
    return f"signal {fields['signal']}" if fields["signal"] else f"code {returncode}"


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


GUNICORN_LIMITS = [
    "--limit-request-line=8190",
    "--limit-request-fields=200",
    "--limit-request-field_size=16384",
]
"""Above the gateway's own limits (gateway/haproxy.cfg: a 4096-byte request target, 8192 bytes
of headers, at most 101 header lines), so that the gateway refuses first, as problem+json, and
gunicorn's HTML refusals never meet a request that came through it (docs/operations.md)."""


def app_server_argv(config: StackConfig, service: ServiceSpec | WebSpec, port: int) -> list[str]:
    """gunicorn (sync workers) or granian (WSGI, a Rust HTTP server: ADR 0013)."""
    if config.app_server == "granian":
        module, _, factory = service.wsgi.partition(":")
        argv = [str(BIN / "granian"), "--interface", "wsgi", "--factory"]
        argv += ["--workers", str(config.workers), "--blocking-threads", "4"]
        argv += ["--host", LOCALHOST, "--port", str(port), "--no-ws", "--log-level", "warning"]
        return [*argv, f"{module}:{factory.removesuffix('()')}"]
    # One control socket per user by default: several gunicorns would fight over it. The
    # settings module keeps the workers' metrics in one multiprocess directory per replica.
    argv = [str(BIN / "gunicorn"), "--no-control-socket", "--workers", str(config.workers)]
    argv += ["-c", "python:taskhive_shared.observability.gunicorn_config"]
    if (
        len(
            config.replicas(
                f"{service.name}-api" if isinstance(service, ServiceSpec) else service.name
            )
        )
        > 1
    ):
        # Replicas share the port (SO_REUSEPORT: the kernel spreads connections over them).
        # Only then: otherwise a second stack on the same ports would silently share them
        # instead of failing to start.
        argv.append("--reuse-port")
    if isinstance(service, WebSpec):
        # A page mostly waits for the API: threads keep the CPU busy meanwhile (ADR 0015); four
        # of them may hold live streams (WEB_LIVE_MAX_STREAMS, ADR 0023), four stay for pages.
        argv += ["--worker-class", "gthread", "--threads", "8"]
    # Workers finish their requests within our stop timeout, before any SIGKILL.
    argv += ["--graceful-timeout", str(max(1, int(config.stop_timeout) - 5))]
    argv += GUNICORN_LIMITS
    return [*argv, "--bind", f"{LOCALHOST}:{port}", "--name", f"{service.name}-api", service.wsgi]


def metrics_env(config: StackConfig, replica: str, env: Mapping[str, str]) -> dict[str, str]:
    """A fresh multiprocess metrics directory of its own for a replica (gunicorn's workers and
    Celery's children add up there; stale files of an earlier run would count twice)."""
    directory = config.data_dir / "metrics" / str(config.port_offset) / replica
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return {**env, "PROMETHEUS_MULTIPROC_DIR": str(directory)}


def event_path_ready(config: StackConfig) -> bool:
    database = make_url(config.admin_url).set(database=config.database, drivername="postgresql")
    try:
        with psycopg.connect(database.render_as_string(hide_password=False)) as connection:
            if not all(relay_is_active(connection, s.name) for s in SERVICES):
                return False
        amqp = pika.BlockingConnection(
            pika.URLParameters(
                f"{config.amqp_admin_url.rstrip('/')}/{quote(config.vhost, safe='')}"
            )
        )
        try:
            channel = amqp.channel()
            for service in SERVICES:
                if service.topology is None:
                    continue
                queue = channel.queue_declare(service.topology().queue, passive=True)
                if queue.method.consumer_count < 1:
                    return False
        finally:
            amqp.close()
    except (psycopg.Error, pika.exceptions.AMQPError):
        return False
    return True


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (fixed http URL)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def run(config: StackConfig, env: dict[str, str], supervisor: Supervisor) -> None:
    admin = make_url(config.admin_url)
    check_reachable("PostgreSQL", admin.host or LOCALHOST, admin.port or 5432)
    redis = urlsplit(config.redis_url)
    check_reachable("Redis", redis.hostname or LOCALHOST, redis.port or 6379)
    amqp = urlsplit(config.amqp_admin_url)
    check_reachable("RabbitMQ", amqp.hostname or LOCALHOST, amqp.port or 5672)
    if "AUTH_SIGNING_KEY_FILES" not in os.environ:
        ensure_signing_key(Path(env["AUTH_SIGNING_KEY_FILES"]))
    # The gateway verifies access tokens with the active key's public half (ADR 0024).
    active_key = Path(env["AUTH_SIGNING_KEY_FILES"].split(",")[0].strip())
    public_key = Path(
        env.get("GATEWAY_JWT_PUBLIC_KEY") or config.data_dir / "keys" / "gateway-jwt.pem"
    )
    subprocess.run(
        [str(BIN / "auth-service"), "export-public-key", str(active_key), str(public_key)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # provision() runs each service's migrations in-process: they read the same variables.
    os.environ.update(env)
    try:
        provision(config.admin_url, config.database)
    except Exception as exc:
        raise StackError(f"provisioning database {config.database} failed: {exc}") from exc
    print(f"taskhive-stack: database {config.database} provisioned", flush=True)
    try:
        provision_broker(config.amqp_admin_url, config.vhost, RabbitmqctlAdmin())
    except Exception as exc:
        raise StackError(f"provisioning RabbitMQ vhost {config.vhost} failed: {exc}") from exc

    gateway_env = dict(
        env, GATEWAY_PORT=str(config.gateway_port), GATEWAY_JWT_PUBLIC_KEY=str(public_key)
    )
    for service in SERVICES:
        port = config.port(service)
        gateway_env[f"{service.name.upper()}_UPSTREAM"] = f"{LOCALHOST}:{port}"
        for replica in config.replicas(f"{service.name}-api"):
            argv = app_server_argv(config, service, port)
            supervisor.start(replica, argv, metrics_env(config, replica, env))
    for service in SERVICES:
        url = f"http://{LOCALHOST}:{config.port(service)}/readyz"
        supervisor.wait_ready(f"{service.name}-api", url, config.startup_timeout)
    probes = probe_ports(config)

    def start_probed(process_type: str, argv: list[str]) -> None:
        for replica in config.replicas(process_type):
            probe = {"TASKHIVE_PROBE_PORT": str(probes[replica]), "TASKHIVE_PROBE_BIND": LOCALHOST}
            supervisor.start(replica, argv, {**metrics_env(config, replica, env), **probe})

    for service in SERVICES:
        for process in service.event_processes:
            start_probed(f"{service.name}-{process}", [str(BIN / service.cli), process])
    for service in SERVICES:
        worker = [str(BIN / service.cli), "jobs", "worker", "--concurrency", "1"]
        start_probed(f"{service.name}-worker", worker)
        schedule = config.data_dir / "beat" / f"{service.name}-{config.port_offset}.db"
        beat = [str(BIN / service.cli), "jobs", "beat", "--schedule-file", str(schedule)]
        start_probed(f"{service.name}-beat", beat)
    # The live stream (SSE) of hooks: its own process, many idle connections on one loop.
    stream_port = HOOKS_STREAM_PORT + config.port_offset
    gateway_env["HOOKS_STREAM_UPSTREAM"] = f"{LOCALHOST}:{stream_port}"
    supervisor.start("hooks-stream", [str(BIN / "hooks-service"), "stream"], env)
    supervisor.wait_ready(
        "hooks-stream", f"http://{LOCALHOST}:{stream_port}/readyz", config.startup_timeout
    )
    # Ready means events flow: every relay holds its lock, every queue has its consumer.
    supervisor.wait_until(
        "event processes", lambda: event_path_ready(config), config.startup_timeout
    )

    # The web UI needs only its session store to be ready; the gateway then health-checks it.
    web_port = config.port(WEB)
    gateway_env["WEB_UPSTREAM"] = f"{LOCALHOST}:{web_port}"
    for replica in config.replicas(WEB.name):
        supervisor.start(
            replica, app_server_argv(config, WEB, web_port), metrics_env(config, replica, env)
        )
    supervisor.wait_ready("web", f"http://{LOCALHOST}:{web_port}/readyz", config.startup_timeout)

    argv = [haproxy_binary(), "-W", "-db", "-f", str(config.haproxy_config)]
    supervisor.start("gateway", argv, gateway_env)
    gateway = f"http://{LOCALHOST}:{config.gateway_port}"
    supervisor.wait_ready("gateway", f"{gateway}/gateway/readyz", config.startup_timeout)
    docs = f"{gateway}/api/v1/{SERVICES[0].name}/docs/"
    print(
        f"taskhive-stack: ready at {gateway} (web UI: {gateway}/, API docs: {docs}; Ctrl-C stops)",
        flush=True,
    )
    supervisor.supervise()


def _ignore_stop_signals() -> None:
    # Once stopping, a second Ctrl-C must not interrupt the shutdown itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _request_stop(signum: int, _frame: FrameType | None) -> None:
    _ignore_stop_signals()
    raise StopRequested(signal.Signals(signum).name)


def main() -> None:
    try:
        config = StackConfig.from_env(os.environ)
    except StackError as exc:
        print(f"taskhive-stack: error: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    env = service_env(config, os.environ)
    supervisor = Supervisor(config.restart)
    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    code = 0
    catcher: LocalSmtpServer | None = None
    try:
        if config.smtp_host is None:
            folder = config.data_dir / "mail"
            catcher = LocalSmtpServer(LOCALHOST, config.smtp_port, folder=folder).start()
            print(f"taskhive-stack: mail catcher on :{config.smtp_port} ({folder})", flush=True)
        run(config, env, supervisor)
    except StopRequested as stop:
        print(f"taskhive-stack: {stop} received", flush=True)
    except (StackError, subprocess.CalledProcessError) as exc:
        print(f"taskhive-stack: error: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        _ignore_stop_signals()
        supervisor.stop(config.stop_timeout)
        if catcher is not None:
            catcher.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
