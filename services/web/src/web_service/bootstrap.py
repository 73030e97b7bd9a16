"""Composition root of the web process: adapters built from settings, nothing at import."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from flask import Flask

from taskhive_shared.http.health import ReadinessCheck
from taskhive_shared.service import wsgi_entry
from web_service.adapters.http_transport import RequestsTransport
from web_service.adapters.memory_store import InMemorySessionStore
from web_service.adapters.redis_store import RedisSessionStore
from web_service.adapters.wsgi_transport import WsgiTransport
from web_service.application.analytics import RecentReports
from web_service.application.directory import Directory
from web_service.application.live import LiveSlots
from web_service.application.ports import ApiTransport, SessionStore
from web_service.application.sessions import SessionManager
from web_service.application.task_list import StatusCounts
from web_service.config import WebSettings
from web_service.entrypoints.http.app import create_app
from web_service.entrypoints.http.context import WebDependencies

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def build_app(
    settings: WebSettings,
    *,
    transport: ApiTransport | None = None,
    store: SessionStore | None = None,
    clock: Callable[[], float] = time.time,
) -> Flask:
    """`transport` and `store` are given by the embedded mode (in-process) and by tests;
    `clock` (the sessions' wall clock) by tests."""
    if transport is None:
        transport = RequestsTransport(
            settings.api_base_url,
            timeout_seconds=settings.api_timeout_seconds,
            pool_size=settings.api_pool_size,
            gateway_secret=settings.gateway_secret,
        )
    readiness: dict[str, ReadinessCheck] = {}
    if store is None:
        if settings.session_redis_url:
            redis_store = RedisSessionStore.from_url(settings.session_redis_url)
            readiness["sessions"] = redis_store.ping
            store = redis_store
        else:
            store = InMemorySessionStore()
    idle_seconds = settings.session_idle_minutes * 60
    dependencies = WebDependencies(
        transport=transport,
        sessions=SessionManager(
            store,
            transport,
            idle_seconds=idle_seconds,
            clock=clock,
            # Waited for as long as a refresh call may take, and the lease lasts longer still.
            lock_seconds=settings.api_timeout_seconds + 5,
        ),
        directory=Directory(),
        counts=StatusCounts(store),
        pool=ThreadPoolExecutor(max_workers=8, thread_name_prefix="web-api"),
        live=LiveSlots(settings.live_max_streams),
        reports=RecentReports(store),
    )
    # Readiness checks only what this process owns: the gateway probes it, so a check that
    # went through the gateway would make each wait for the other.
    return create_app(
        dependencies,
        readiness,
        cookie_secure=settings.cookie_secure,
        session_idle_seconds=idle_seconds,
        trusted_proxies=settings.trusted_proxies,
        max_body_bytes=settings.max_body_bytes,
    )


def wsgi_app() -> Flask:
    """Entry for gunicorn: `gunicorn 'web_service.bootstrap:wsgi_app()'`."""
    return wsgi_entry("web", WebSettings, build_app)


def build_in_process_app(settings: WebSettings, gateway: Callable[[], WSGIApplication]) -> Flask:
    """The web UI of the single-process mode: its API calls go to `gateway()` (the in-process
    router, built after this app, which it also serves) without a socket."""
    return build_app(settings, transport=WsgiTransport(gateway))
