"""Fail fast, naming the server, when PostgreSQL, Redis or RabbitMQ cannot be reached."""

from __future__ import annotations

import os
import socket
import sys

SERVERS = {
    "PostgreSQL": os.environ.get("TASKHIVE_PG_ADDR", "127.0.0.1:5432"),
    "Redis": os.environ.get("TASKHIVE_REDIS_ADDR", "127.0.0.1:6379"),
    "RabbitMQ": os.environ.get("TASKHIVE_RABBITMQ_ADDR", "127.0.0.1:5672"),
}


def main() -> int:
    missing = []
    for name, address in SERVERS.items():
        host, _, port = address.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=2):
                pass
        except OSError as exc:
            missing.append(f"{name} is not reachable at {address} ({exc.strerror or exc})")
    for line in missing:
        print(f"error: {line}", file=sys.stderr)
    if missing:
        print("Start the missing server(s) (see docs/operations.md) and retry.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
