# syntax=docker/dockerfile:1
#
# One image for every Python process of Taskhive.
#
# The image holds the whole locked uv workspace (shared/, services/*, gateway/, infra/) in
# /app, with the same layout as a checkout, and the service is chosen by the COMMAND the
# container runs, not by a build argument:
#
#   gunicorn --bind 0.0.0.0:8000 'auth_service.bootstrap:wsgi_app()'   auth HTTP API
#   auth-service migrate | create-admin | generate-signing-key PATH      auth operator CLI
#   taskhive-provision                                                  database, roles, migrations
#
# Why one image: the services share most of their dependencies (taskhive_shared, Flask,
# SQLAlchemy, psycopg ...), so one build serves every container of docker-compose.yml and a
# later process type (relay, consumer, worker, beat) is only another command. The layout is
# kept because the code finds files relative to its sources: each service's `migrations/`
# (`auth_service.bootstrap.MIGRATIONS_DIR`) and the event contracts in `shared/contracts/`
# (`taskhive_shared.events.contracts.contracts_dir`). uv installs the workspace members as
# editable (.pth files pointing at /app/<member>/src), so the venv only works at /app/.venv
# with the sources beside it: both stages use the same paths and the same Python image.
#
# Every HTTP process listens on port 8000 inside its container (the HEALTHCHECK probes
# http://127.0.0.1:8000/livez). A container without HTTP (a one-shot job, later a relay or
# consumer) ends before the check matters or disables it in compose (`healthcheck: {disable: true}`).
#
# Build:  docker build -t taskhive/python:local .      (docker compose build does the same)

ARG PYTHON_IMAGE=python:3.11-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13

FROM ${UV_IMAGE} AS uv

# --- manifests: only the files that decide the dependencies --------------------------------
# Copied out of the full context so that the dependency layer below is rebuilt only when a
# pyproject.toml or uv.lock changes, not on every source edit (COPY --from caches by content).
FROM ${PYTHON_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
    && cp uv.lock /manifests/ \
    && find . -name pyproject.toml -not -path './.venv/*' -not -path '*/tests/*' \
        -exec cp --parents {} /manifests/ \;

# --- builder: the locked workspace installed into /app/.venv --------------------------------
FROM ${PYTHON_IMAGE} AS builder
COPY --from=uv /uv /usr/local/bin/uv
# System interpreter of the base image (identical in the runtime stage), never a downloaded one;
# copy (not hard-link) out of the cache mount; compile bytecode of the installed packages.
ENV UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1
WORKDIR /app
# 1) third-party dependencies only (cached until a manifest changes)
COPY --from=manifests /manifests/ /app/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace
# 2) the workspace members themselves (editable, pointing at /app/<member>/src)
COPY . /app
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev \
    && python -m compileall -q /app/shared/src /app/services /app/gateway/src /app/infra/src

# --- runtime ---------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/app/.venv \
    PATH=/app/.venv/bin:$PATH
# A fixed non-root uid, so files it writes into named volumes (the signing keys in /keys) are
# readable by every container of the image. /keys exists in the image owned by that user, so
# a fresh named volume mounted there takes that owner (likewise /data/files, the export and
# import files of ADR 0026).
RUN groupadd --system --gid 10001 taskhive \
    && useradd --system --uid 10001 --gid taskhive --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin taskhive \
    && install -d -o taskhive -g taskhive -m 0700 /keys \
    && install -d -o taskhive -g taskhive -m 0700 /data/files
WORKDIR /app
# Sources and venv stay owned by root: the service user can read them, not change them.
COPY --from=builder /app /app
USER taskhive
EXPOSE 8000
# No curl in the slim image: probe /livez (no I/O, DESIGN §8) with the standard library.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=2).status == 200 else 1)"]
# Default process: the auth API (compose names its command explicitly for every service).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "2", "--worker-tmp-dir", "/dev/shm", \
     "--no-control-socket", "--graceful-timeout", "20", "--limit-request-line", "8190", \
     "--limit-request-fields", "200", "--limit-request-field_size", "16384", \
     "auth_service.bootstrap:wsgi_app()"]
