"""`taskhive-provision`: database, schemas and roles of every service, then migrations.

Idempotent; run by `make migrate`, `make stack`, the compose `migrate` step and the tests.
"""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import quote, unquote, urlsplit

from sqlalchemy.engine import make_url

from taskhive_infra.broker import (
    BrokerAdmin,
    BrokerPermissions,
    ManagementApiAdmin,
    RabbitmqctlAdmin,
    TopologyReport,
    declare_topology,
    permissions_for,
)
from taskhive_infra.services import SERVICES
from taskhive_shared.db.provisioning import ensure_database, provision_service

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP_ADMIN_URL = "amqp://guest:guest@127.0.0.1:5672"


def role_password(service: str, kind: str) -> str:
    """`<SVC>_DB_<KIND>_PASSWORD`, defaulting to the role name for local development."""
    return os.environ.get(f"{service.upper()}_DB_{kind.upper()}_PASSWORD", f"{service}_{kind}")


def database_url_for(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def provision(admin_url: str, database: str, *, migrate: bool = True) -> None:
    ensure_database(admin_url, database)
    target = database_url_for(admin_url, database)
    for service in SERVICES:
        provision_service(
            target,
            service.name,
            migrator_password=role_password(service.name, "migrator"),
            app_password=role_password(service.name, "app"),
        )
        if migrate:
            service.migrate()


def amqp_password(service: str) -> str:
    """`<SVC>_AMQP_PASSWORD`, defaulting to the service name for local development."""
    return os.environ.get(f"{service.upper()}_AMQP_PASSWORD", service)


def broker_admin_from_env(admin_amqp_url: str) -> BrokerAdmin:
    management = os.environ.get("TASKHIVE_RABBITMQ_MANAGEMENT_URL")
    if not management:
        return RabbitmqctlAdmin()
    parts = urlsplit(admin_amqp_url)
    return ManagementApiAdmin(
        management, unquote(parts.username or ""), unquote(parts.password or "")
    )


def provision_broker(admin_amqp_url: str, vhost: str, admin: BrokerAdmin) -> TopologyReport:
    """Virtual host, the services' users and permissions, exchanges, consumer queues."""
    admin.ensure_vhost(vhost)
    admin_user = unquote(urlsplit(admin_amqp_url).username or "guest")
    admin.set_permissions(vhost, admin_user, BrokerPermissions(".*", ".*", ".*"))
    for service in SERVICES:
        admin.ensure_user(service.name, amqp_password(service.name))
        admin.set_permissions(
            vhost, service.name, permissions_for(service.name, service.consumes_from)
        )
    base = admin_amqp_url.rstrip("/")
    report = declare_topology(
        f"{base}/{quote(vhost, safe='')}",
        [s.name for s in SERVICES],
        [s.topology() for s in SERVICES if s.topology is not None],
        {s.name: s.unconsumed for s in SERVICES},
    )
    for exchange in report.migrated:
        print(
            f"taskhive-provision: exchange {exchange} re-declared with its alternate exchange "
            f"{exchange}.unrouted (its bindings were declared again)",
            file=sys.stderr,
        )
    for queue in report.kept:
        print(
            f"taskhive-provision: retired queue {queue} still holds messages: dead-letter or "
            "redrive them, delete it, then run `users-service publish-snapshots` (operations §5.4)",
            file=sys.stderr,
        )
    for queue, depth in report.unrouted.items():
        if depth:
            owner = queue.split(".", 1)[0]
            print(
                f"taskhive-provision: {queue} holds {depth} event(s) no queue was bound for: "
                f"`{owner}-service unrouted list` shows them (operations §5.7)",
                file=sys.stderr,
            )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("TASKHIVE_ADMIN_DATABASE_URL", DEFAULT_ADMIN_URL),
        help="superuser connection (any database of the cluster)",
    )
    parser.add_argument("--database", default=os.environ.get("TASKHIVE_DATABASE_NAME", "taskhive"))
    parser.add_argument("--no-migrate", action="store_true")
    parser.add_argument(
        "--amqp-admin-url",
        default=os.environ.get("TASKHIVE_AMQP_ADMIN_URL", DEFAULT_AMQP_ADMIN_URL),
        help="RabbitMQ administrator (without a virtual host)",
    )
    parser.add_argument("--vhost", default=os.environ.get("TASKHIVE_AMQP_VHOST", "/"))
    parser.add_argument("--no-broker", action="store_true", help="skip RabbitMQ provisioning")
    args = parser.parse_args()
    provision(args.admin_url, args.database, migrate=not args.no_migrate)
    print(f"taskhive: database {args.database} provisioned")
    if not args.no_broker:
        provision_broker(
            args.amqp_admin_url, args.vhost, broker_admin_from_env(args.amqp_admin_url)
        )
        print(f"taskhive: RabbitMQ virtual host {args.vhost} provisioned")


if __name__ == "__main__":
    main()
