"""A service app with a real database pool, for gunicorn in the pool-metrics test: the shared
app factory and engine factory every service is built on, and an endpoint that holds one
connection for a while."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, request

from taskhive_shared.db.engine import create_db_engine
from taskhive_shared.http.app import create_service_app


def create() -> Flask:
    app, _api = create_service_app(
        service="pooltest", title="Pool test", version="1", max_body_bytes=1024, readiness_checks={}
    )
    engine = create_db_engine(
        os.environ["POOL_TEST_DATABASE_URL"], pool_size=2, max_overflow=1, pool_name="pooltest"
    )

    @app.get("/api/v1/pooltest/hold")
    def hold() -> dict[str, int]:
        seconds = float(request.args.get("seconds", "1"))
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_sleep(:s)"), {"s": seconds})
        return {"pid": os.getpid()}

    return app
