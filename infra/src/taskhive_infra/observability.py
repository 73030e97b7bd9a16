"""Alert rules and Grafana dashboards as code, over the metrics every process exports
(`taskhive_shared.observability.metrics`). `taskhive-k8s` writes them into the Kubernetes
base (a PrometheusRule, a dashboards ConfigMap) and, for any other Prometheus and Grafana,
into `infra/observability/` (ADR 0025)."""

from __future__ import annotations

from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

OUTBOX_AGE_LIMIT_SECONDS = 30
BEAT_SILENCE_LIMIT_SECONDS = 8 * 24 * 3600
"""The longest schedule is weekly (tasks' cleanup of archived tasks): a day of slack past it."""


def _rule(
    name: str, expr: str, duration: str, severity: str, summary: str, runbook: str
) -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": duration,
        "labels": {"severity": severity},
        "annotations": {
            "summary": summary,
            "runbook_url": f"docs/operations.md#{runbook}",
        },
    }


def alert_rules() -> dict[str, Any]:
    """Prometheus rule groups (the rules file format, also a PrometheusRule's spec)."""
    http = [
        _rule(
            "TaskhiveHttpErrors",
            'sum by (service) (rate(taskhive_http_requests_total{status=~"5.."}[5m]))'
            " / sum by (service) (rate(taskhive_http_requests_total[5m])) > 0.02",
            "5m",
            "critical",
            "{{ $labels.service }}: more than 2% of requests answer 5xx",
            "13-metrics-and-traces",
        ),
        _rule(
            "TaskhiveHttpLatencyP99",
            "histogram_quantile(0.99, sum by (service, le) "
            "(rate(taskhive_http_request_duration_seconds_bucket[5m]))) > 1",
            "10m",
            "warning",
            "{{ $labels.service }}: p99 latency above 1 s",
            "13-metrics-and-traces",
        ),
    ]
    events = [
        _rule(
            "TaskhiveOutboxLagging",
            f"max by (service) (taskhive_outbox_oldest_age_seconds) > {OUTBOX_AGE_LIMIT_SECONDS}",
            "2m",
            "critical",
            "{{ $labels.service }}: the oldest unpublished event is older than 30 s",
            "13-metrics-and-traces",
        ),
        _rule(
            "TaskhiveRelayNotActive",
            "max by (service) (taskhive_relay_active) < 1",
            "2m",
            "critical",
            "{{ $labels.service }}: no relay holds the outbox lock",
            "13-metrics-and-traces",
        ),
        _rule(
            "TaskhiveEventsDeadLettered",
            'sum by (consumer, type) (increase(taskhive_events_handled_total{outcome="dead_letter"}'
            "[10m])) > 0",
            "0m",
            "warning",
            "{{ $labels.consumer }}: {{ $labels.type }} dead-lettered (dlq list / redrive)",
            "13-metrics-and-traces",
        ),
        _rule(
            "TaskhiveDeadLetterQueueNotEmpty",
            'sum by (queue) (rabbitmq_detailed_queue_messages{queue=~".+\\\\.dlq"}) > 0',
            "5m",
            "warning",
            "{{ $labels.queue }} holds dead letters",
            "13-metrics-and-traces",
        ),
    ]
    jobs = [
        _rule(
            "TaskhiveJobsFailing",
            'sum by (service, job) (increase(taskhive_jobs_total{outcome="FAILURE"}[15m])) > 0',
            "0m",
            "warning",
            "{{ $labels.service }}: job {{ $labels.job }} failed",
            "13-metrics-and-traces",
        ),
        _rule(
            "TaskhiveNoBeatLeader",
            "max by (service) (taskhive_beat_leader) < 1",
            "5m",
            "critical",
            "{{ $labels.service }}: no beat holds the schedule lock",
            "13-metrics-and-traces",
        ),
        _rule(
            "TaskhiveBeatSilent",
            f"time() - max by (service, job) (taskhive_beat_last_run_timestamp_seconds)"
            f" > {BEAT_SILENCE_LIMIT_SECONDS}",
            "10m",
            "warning",
            "{{ $labels.service }}: {{ $labels.job }} has not been scheduled for 8 days",
            "13-metrics-and-traces",
        ),
        _rule(
            "TaskhiveJobsBacklog",
            "max by (service) (taskhive_jobs_queue_depth) > 500",
            "15m",
            "warning",
            "{{ $labels.service }}: more than 500 jobs waiting for 15 minutes",
            "13-metrics-and-traces",
        ),
    ]
    database = [
        _rule(
            "TaskhiveDatabasePoolExhausted",
            "sum by (pool) (increase(taskhive_db_pool_timeouts_total[5m])) > 0",
            "0m",
            "warning",
            "{{ $labels.pool }}: requests gave up waiting for a database connection",
            "13-metrics-and-traces",
        ),
    ]
    return {
        "groups": [
            {"name": "taskhive-http", "rules": http},
            {"name": "taskhive-database", "rules": database},
            {"name": "taskhive-events", "rules": events},
            {"name": "taskhive-jobs", "rules": jobs},
        ]
    }


def _panel(
    panel_id: int, title: str, targets: list[tuple[str, str]], x: int, y: int, unit: str
) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": "timeseries",
        "title": title,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + n), "expr": expr, "legendFormat": legend}
            for n, (expr, legend) in enumerate(targets)
        ],
    }


def dashboards() -> dict[str, dict[str, Any]]:
    service = '{service=~"$service"}'
    panels = [
        (
            "Requests per second",
            [
                (
                    f"sum by (service) (rate(taskhive_http_requests_total{service}[5m]))",
                    "{{service}}",
                )
            ],
            "reqps",
        ),
        (
            "5xx ratio",
            [
                (
                    "sum by (service) (rate(taskhive_http_requests_total"
                    '{status=~"5..",service=~"$service"}[5m]))'
                    f" / sum by (service) (rate(taskhive_http_requests_total{service}[5m]))",
                    "{{service}}",
                )
            ],
            "percentunit",
        ),
        (
            "Latency p50 / p99",
            [
                (
                    f"histogram_quantile({q}, sum by (service, le) "
                    f"(rate(taskhive_http_request_duration_seconds_bucket{service}[5m])))",
                    f"{{{{service}}}} p{int(q * 100)}",
                )
                for q in (0.5, 0.99)
            ],
            "s",
        ),
        (
            "Outbox backlog",
            [(f"max by (service) (taskhive_outbox_backlog{service})", "{{service}}")],
            "short",
        ),
        (
            "Oldest unpublished event",
            [(f"max by (service) (taskhive_outbox_oldest_age_seconds{service})", "{{service}}")],
            "s",
        ),
        (
            "Events handled by outcome",
            [
                (
                    "sum by (consumer, outcome) (rate(taskhive_events_handled_total[5m]))",
                    "{{consumer}} {{outcome}}",
                )
            ],
            "ops",
        ),
        (
            "Consumer lag (queue depth)",
            [
                (
                    "sum by (queue) (rabbitmq_detailed_queue_messages"
                    '{queue!~".+\\\\.(dlq|retry\\\\..+)"})',
                    "{{queue}}",
                )
            ],
            "short",
        ),
        (
            "Dead-letter queues",
            [
                (
                    'sum by (queue) (rabbitmq_detailed_queue_messages{queue=~".+\\\\.dlq"})',
                    "{{queue}}",
                )
            ],
            "short",
        ),
        (
            "Jobs by outcome",
            [
                (
                    f"sum by (service, outcome) (rate(taskhive_jobs_total{service}[5m]))",
                    "{{service}} {{outcome}}",
                )
            ],
            "ops",
        ),
        (
            "Jobs waiting",
            [(f"max by (service) (taskhive_jobs_queue_depth{service})", "{{service}}")],
            "short",
        ),
        (
            "Database connections by pool (open / lent out / size)",
            [
                ("sum by (pool) (taskhive_db_connections_open)", "{{pool}} open"),
                ("sum by (pool) (taskhive_db_pool_checked_out)", "{{pool}} lent out"),
                ("sum by (pool) (taskhive_db_pool_size)", "{{pool}} size"),
            ],
            "short",
        ),
        (
            "Pool checkout p99 and timeouts",
            [
                (
                    "histogram_quantile(0.99, sum by (pool, le) "
                    "(rate(taskhive_db_pool_checkout_seconds_bucket[5m])))",
                    "{{pool}} p99",
                ),
                (
                    "sum by (pool) (rate(taskhive_db_pool_timeouts_total[5m]))",
                    "{{pool}} timeouts/s",
                ),
            ],
            "s",
        ),
    ]
    overview = {
        "uid": "taskhive-overview",
        "title": "Taskhive overview",
        "schemaVersion": 39,
        "version": 1,
        "editable": False,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "tags": ["taskhive"],
        "templating": {
            "list": [
                {"name": "datasource", "type": "datasource", "query": "prometheus"},
                {
                    "name": "service",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": "label_values(taskhive_http_requests_total, service)",
                    "includeAll": True,
                    "multi": True,
                    "current": {"text": "All", "value": "$__all"},
                },
            ]
        },
        "panels": [
            _panel(n + 1, title, targets, (n % 2) * 12, (n // 2) * 8, unit)
            for n, (title, targets, unit) in enumerate(panels)
        ],
    }
    return {"taskhive-overview": overview}
