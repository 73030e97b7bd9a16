"""`taskhive-openapi`: write (or `--check`) the committed OpenAPI documents under docs/openapi/.

The apps are built with throwaway keys and a database URL that is never connected to:
the document depends on the code only.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

DOCS_DIR = Path(__file__).resolve().parents[3] / "docs" / "openapi"
UNUSED_DB = "postgresql://nobody@127.0.0.1:1/none"


def _auth_app() -> Flask:
    from auth_service.bootstrap import build_http_app, build_runtime, ephemeral_keys
    from auth_service.config import AuthSettings
    from taskhive_shared.security.denylist import InMemoryTokenDenylist

    settings = AuthSettings(database_url=UNUSED_DB, denylist_redis_url=None)
    runtime = build_runtime(settings, keys=ephemeral_keys(), denylist=InMemoryTokenDenylist())
    return build_http_app(runtime)


def _users_app() -> Flask:
    from taskhive_shared.security.denylist import InMemoryTokenDenylist
    from taskhive_shared.security.tokens import LocalKeyResolver
    from users_service.bootstrap import build_http_app, build_runtime
    from users_service.config import UsersSettings

    settings = UsersSettings(database_url=UNUSED_DB, denylist_redis_url=None, jwks_url=None)
    resolver = LocalKeyResolver(lambda: {"keys": []})
    return build_http_app(
        build_runtime(settings, key_resolver=resolver, denylist=InMemoryTokenDenylist())
    )


def _tasks_app() -> Flask:
    from taskhive_shared.security.denylist import InMemoryTokenDenylist
    from taskhive_shared.security.tokens import LocalKeyResolver
    from tasks_service.bootstrap import build_http_app, build_runtime
    from tasks_service.config import TasksSettings

    settings = TasksSettings(database_url=UNUSED_DB, denylist_redis_url=None, jwks_url=None)
    resolver = LocalKeyResolver(lambda: {"keys": []})
    return build_http_app(
        build_runtime(settings, key_resolver=resolver, denylist=InMemoryTokenDenylist())
    )


def _timetracking_app() -> Flask:
    from taskhive_shared.security.denylist import InMemoryTokenDenylist
    from taskhive_shared.security.tokens import LocalKeyResolver
    from timetracking_service.bootstrap import build_http_app, build_runtime
    from timetracking_service.config import TimeTrackingSettings

    settings = TimeTrackingSettings(database_url=UNUSED_DB, denylist_redis_url=None, jwks_url=None)
    resolver = LocalKeyResolver(lambda: {"keys": []})
    return build_http_app(
        build_runtime(settings, key_resolver=resolver, denylist=InMemoryTokenDenylist())
    )


def _hooks_app() -> Flask:
    from hooks_service.bootstrap import build_http_app, build_runtime
    from hooks_service.config import HooksSettings
    from taskhive_shared.security.denylist import InMemoryTokenDenylist
    from taskhive_shared.security.tokens import LocalKeyResolver

    settings = HooksSettings(database_url=UNUSED_DB, denylist_redis_url=None, jwks_url=None)
    resolver = LocalKeyResolver(lambda: {"keys": []})
    return build_http_app(
        build_runtime(settings, key_resolver=resolver, denylist=InMemoryTokenDenylist())
    )


def _audit_app() -> Flask:
    from audit_service.bootstrap import build_http_app, build_runtime
    from audit_service.config import AuditSettings
    from taskhive_shared.security.denylist import InMemoryTokenDenylist
    from taskhive_shared.security.tokens import LocalKeyResolver

    settings = AuditSettings(database_url=UNUSED_DB, denylist_redis_url=None, jwks_url=None)
    resolver = LocalKeyResolver(lambda: {"keys": []})
    return build_http_app(
        build_runtime(settings, key_resolver=resolver, denylist=InMemoryTokenDenylist())
    )


def _analytics_app() -> Flask:
    from analytics_service.bootstrap import build_http_app, build_runtime
    from analytics_service.config import AnalyticsSettings
    from taskhive_shared.security.denylist import InMemoryTokenDenylist
    from taskhive_shared.security.tokens import LocalKeyResolver

    settings = AnalyticsSettings(database_url=UNUSED_DB, denylist_redis_url=None, jwks_url=None)
    resolver = LocalKeyResolver(lambda: {"keys": []})
    return build_http_app(
        build_runtime(settings, key_resolver=resolver, denylist=InMemoryTokenDenylist())
    )


APPS: dict[str, Callable[[], Flask]] = {
    "auth": _auth_app,
    "users": _users_app,
    "tasks": _tasks_app,
    "timetracking": _timetracking_app,
    "hooks": _hooks_app,
    "audit": _audit_app,
    "analytics": _analytics_app,
}
PATHS = {"timetracking": "time"}
"""A service whose API lives under another name than its own (/api/v1/time)."""


def render(service: str) -> str:
    app = APPS[service]()
    response = app.test_client().get(f"/api/v1/{PATHS.get(service, service)}/openapi.json")
    document: dict[str, Any] = response.get_json()
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a document is stale")
    args = parser.parse_args()
    stale = False
    DOCS_DIR.mkdir(parents=True, exist_ok=True)
    for service in APPS:
        path = DOCS_DIR / f"{service}.json"
        current = render(service)
        committed = path.read_text("utf-8") if path.exists() else ""
        if args.check:
            if current != committed:
                stale = True
                diff = difflib.unified_diff(
                    committed.splitlines(), current.splitlines(), str(path), "code", lineterm=""
                )
                print("\n".join(list(diff)[:60]), file=sys.stderr)
        elif current != committed:
            path.write_text(current, "utf-8")
            print(f"wrote {path}")
    if stale:
        print("OpenAPI documents are stale: run `make openapi` and commit.", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
