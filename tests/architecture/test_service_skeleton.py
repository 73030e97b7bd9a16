"""Every service stands on the shared skeleton: its bootstrap offers the entries the platform
calls (`ServiceBootstrap`), and its console script is a `service_cli` group."""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path

import click
import pytest

from taskhive_shared.service import ServiceBootstrap, load_bootstrap

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("auth", "users", "tasks", "timetracking", "hooks", "audit", "analytics")
SHARED_COMMANDS = {"migrate", "relay", "consume", "dlq", "unrouted", "jobs"}
OWN_COMMANDS = {
    "auth": {
        "create-admin",
        "generate-signing-key",
        "sync-api-keys",
        "export-public-key",
    },
    "users": {"publish-snapshots"},
    "timetracking": {"rebuild-day-totals"},
    "hooks": {"stream"},
    "audit": {"verify", "purge"},
    "tasks": {"purge-archived", "publish-snapshots"},
    "analytics": {"rebuild"},
}


@pytest.mark.parametrize("service", SERVICES)
def test_the_bootstrap_offers_every_entry_of_the_skeleton(service: str) -> None:
    bootstrap = load_bootstrap(f"{service}_service.bootstrap")
    entries = [
        name
        for name, _ in inspect.getmembers(ServiceBootstrap, inspect.isfunction)
        if not name.startswith("_")
    ]
    assert set(entries) == {
        "migrate",
        "event_wiring",
        "jobs_wiring",
        "consumer_topology",
        "wsgi_app",
    }
    for name in entries:
        assert callable(getattr(bootstrap, name)), f"{service} bootstrap has no {name}()"
    topology = bootstrap.consumer_topology()
    assert topology.service == service
    assert topology.queue.startswith(f"{service}.")
    assert topology.declare_producer_exchanges is False


@pytest.mark.parametrize("service", SERVICES)
def test_the_console_script_is_the_shared_group_plus_the_service_s_own_commands(
    service: str,
) -> None:
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text("utf-8"))
    target = project["project"]["scripts"][f"{service}-service"]
    assert target == f"{service}_service.entrypoints.cli:main"
    module, _, name = target.partition(":")
    group = getattr(__import__(module, fromlist=[name]), name)
    assert isinstance(group, click.Group)
    assert set(group.commands) == SHARED_COMMANDS | OWN_COMMANDS[service]
    assert group.help == f"Operate the Taskhive {service} service."
