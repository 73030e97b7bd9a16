"""The shared service skeleton: `service_cli` over a composition root, and the pieces every
bootstrap calls (settings + logging, migrations as the migrator, the consumer topology)."""

from __future__ import annotations

import logging
import sys
import types
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from pydantic_settings import SettingsConfigDict

from taskhive_shared import service
from taskhive_shared.cli import service_cli
from taskhive_shared.events.cli import EventWiring
from taskhive_shared.jobs.app import create_jobs_app
from taskhive_shared.jobs.cli import JobsWiring
from taskhive_shared.settings import CommonSettings

BOOTSTRAP = "demo_service_for_tests.bootstrap"


class DemoSettings(CommonSettings):
    model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore", frozen=True)

    migrator_database_url: str | None = None


class FakeBootstrap(types.ModuleType):
    """A composition root as `load_bootstrap` finds it, recording what it was asked."""

    def __init__(self) -> None:
        super().__init__(BOOTSTRAP)
        self.calls: list[tuple[str, Any]] = []

    def migrate(self, settings: DemoSettings) -> None:
        self.calls.append(("migrate", settings))

    def jobs_wiring(self, settings: DemoSettings) -> JobsWiring:
        self.calls.append(("jobs_wiring", settings))
        app = create_jobs_app("demo", settings, {})

        @app.task(name="demo.say_hello", shared=False)
        def say_hello(name: str = "world") -> str:
            return f"hello {name}"

        return JobsWiring.of("demo", app, settings)

    def event_wiring(self, settings: DemoSettings) -> EventWiring:
        raise AssertionError("no event command runs in these tests")


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Any:
    """The commands configure logging as a process would; give the next test the old one."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


@pytest.fixture
def bootstrap(monkeypatch: pytest.MonkeyPatch) -> FakeBootstrap:
    module = FakeBootstrap()
    monkeypatch.setitem(sys.modules, BOOTSTRAP, module)
    return module


@pytest.fixture
def env() -> dict[str, str]:
    return {
        "DEMO_DATABASE_URL": "postgresql://demo_app@127.0.0.1:1/none",
        "DEMO_MIGRATOR_DATABASE_URL": "postgresql://demo_migrator@127.0.0.1:1/none",
        "DEMO_LOG_LEVEL": "WARNING",
        "DEMO_JOBS_BROKER_URL": "",
    }


def _cli() -> click.Group:
    return service_cli("demo", DemoSettings, BOOTSTRAP)


def test_the_group_offers_the_shared_commands_and_imports_no_bootstrap() -> None:
    sys.modules.pop(BOOTSTRAP, None)
    group = _cli()
    assert set(group.commands) == {"migrate", "relay", "consume", "dlq", "unrouted", "jobs"}
    assert group.help == "Operate the Taskhive demo service."
    # Wide enough that click does not shorten any command's line (they share one column).
    help_text = CliRunner().invoke(group, ["--help"], terminal_width=120).output
    assert "Apply the demo schema's migrations (as DEMO_MIGRATOR_DATABASE_URL)." in help_text
    # Building the group and its help reads no settings and imports no composition root.
    assert BOOTSTRAP not in sys.modules


def test_a_service_adds_its_own_commands() -> None:
    group = _cli()

    @group.command("purge-things")
    def purge_things() -> None:
        click.echo("purged")

    assert CliRunner().invoke(group, ["purge-things"]).output == "purged\n"


def test_migrate_hands_the_environment_s_settings_to_the_bootstrap(
    bootstrap: FakeBootstrap, env: dict[str, str]
) -> None:
    result = CliRunner().invoke(_cli(), ["migrate"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output == "demo: migrations applied\n"
    [(name, settings)] = bootstrap.calls
    assert name == "migrate"
    assert settings.migrator_database_url == env["DEMO_MIGRATOR_DATABASE_URL"]


def test_invalid_settings_stop_a_command_before_the_bootstrap_runs(
    bootstrap: FakeBootstrap, env: dict[str, str]
) -> None:
    result = CliRunner().invoke(_cli(), ["migrate"], env={**env, "DEMO_LOG_LEVEL": "LOUD"})
    assert result.exit_code != 0
    assert bootstrap.calls == []


def test_job_commands_run_through_the_bootstrap_with_logging_configured(
    bootstrap: FakeBootstrap, env: dict[str, str]
) -> None:
    runner = CliRunner()
    listed = runner.invoke(_cli(), ["jobs", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert listed.output == "say_hello\ton demand\n"
    ran = runner.invoke(
        _cli(), ["jobs", "run", "say_hello", "--kwargs", '{"name": "ann"}'], env=env
    )
    assert ran.output == 'say_hello: "hello ann"\n'
    assert [name for name, _ in bootstrap.calls] == ["jobs_wiring", "jobs_wiring"]
    assert logging.getLogger().level == logging.WARNING


def test_migrate_schema_prefers_the_migrator_role(monkeypatch: pytest.MonkeyPatch) -> None:
    upgrades: list[tuple[Path, str, str]] = []
    monkeypatch.setattr(service, "upgrade_to_head", lambda *args: upgrades.append(args))
    app_url = "postgresql://demo_app@127.0.0.1:1/none"
    migrator_url = "postgresql://demo_migrator@127.0.0.1:1/none"
    service.migrate_schema(
        DemoSettings(database_url=app_url, migrator_database_url=migrator_url), Path("m"), "demo"
    )
    service.migrate_schema(DemoSettings(database_url=app_url), Path("m"), "demo")
    assert upgrades == [(Path("m"), migrator_url, "demo"), (Path("m"), app_url, "demo")]


def test_wsgi_entry_reads_the_settings_then_builds_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_DATABASE_URL", "postgresql://demo_app@127.0.0.1:1/none")
    monkeypatch.setenv("DEMO_LOG_LEVEL", "ERROR")
    built: list[DemoSettings] = []

    def build(settings: DemoSettings) -> Any:
        built.append(settings)
        return "the app"

    assert service.wsgi_entry("demo", DemoSettings, build) == "the app"
    assert built[0].log_level == "ERROR"
    assert logging.getLogger().level == logging.ERROR


def test_a_consumer_topology_binds_only_to_exchanges_provisioning_declared() -> None:
    topology = service.consumer_topology_of(
        "demo", "demo.things-in", {"users.events": ("users.user.created.v1",)}
    )
    assert topology.service == "demo"
    assert topology.queue == "demo.things-in"
    assert topology.bindings == {"users.events": ["users.user.created.v1"]}
    assert topology.declare_producer_exchanges is False
