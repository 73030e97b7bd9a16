"""The stateful parts (through their operators), monitoring, secrets and the namespace."""

from __future__ import annotations

from typing import Any

from taskhive_infra.k8s.resources import (
    CACHE_REDIS,
    CONTAINER_SECURITY,
    JOBS_REDIS,
    NAMESPACE,
    PG_CLUSTER,
    POSTGRES_IMAGE,
    RABBITMQ,
    RABBITMQ_IMAGE,
    REDIS_IMAGE,
    TASKHIVE_PODS,
    container,
    json_text,
    labels,
    meta,
    namespace_peer,
    peer,
    pod_spec,
    selector,
    tcp_ports,
)
from taskhive_infra.observability import alert_rules, dashboards
from taskhive_infra.services import SERVICES


def data_manifests() -> list[dict[str, Any]]:
    """The stateful parts through their operators (CloudNativePG, RabbitMQ cluster operator)
    and the two Redis: jobs (persistent, one database per service) and cache (denylist,
    web sessions: losing it signs browsers out, nothing more)."""
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Cluster",
            "metadata": meta(PG_CLUSTER, "database"),
            "spec": {
                "instances": 3,
                "imageName": POSTGRES_IMAGE,
                "enableSuperuserAccess": True,
                "superuserSecret": {"name": "taskhive-pg-superuser"},
                "bootstrap": {"initdb": {"database": "taskhive", "owner": "taskhive"}},
                "postgresql": {
                    "parameters": {
                        "max_connections": "400",
                        "shared_buffers": "1GB",
                        "wal_compression": "on",
                    }
                },
                "storage": {"size": "50Gi"},
                "resources": {
                    "requests": {"cpu": "1", "memory": "4Gi"},
                    "limits": {"cpu": "4", "memory": "4Gi"},
                },
                "monitoring": {"enablePodMonitor": True},
            },
        },
        {
            "apiVersion": "rabbitmq.com/v1beta1",
            "kind": "RabbitmqCluster",
            "metadata": meta(RABBITMQ, "broker"),
            "spec": {
                "replicas": 3,
                "image": RABBITMQ_IMAGE,
                "persistence": {"storage": "20Gi"},
                "resources": {
                    "requests": {"cpu": "500m", "memory": "1Gi"},
                    "limits": {"cpu": "2", "memory": "2Gi"},
                },
                "rabbitmq": {
                    "additionalConfig": "default_queue_type = quorum\n"
                    "prometheus.return_per_object_metrics = true\n"
                },
            },
        },
    ]
    for name, persistent in ((JOBS_REDIS, True), (CACHE_REDIS, False)):
        command = ["redis-server", "--appendonly", "yes" if persistent else "no", "--dir", "/data"]
        main = container(
            "redis",
            command,
            size="redis",
            env_from=[],
            port=6379,
            image=REDIS_IMAGE,
        )
        main["ports"] = [{"name": "redis", "containerPort": 6379}]
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            main[probe] = {"tcpSocket": {"port": 6379}, "periodSeconds": 10}
        main["securityContext"] = {**CONTAINER_SECURITY}
        main["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
        pod = pod_spec(name, [main])
        pod["volumes"] = [] if persistent else [{"name": "data", "emptyDir": {}}]
        statefulset: dict[str, Any] = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": meta(name, "redis"),
            "spec": {
                "serviceName": name,
                "replicas": 1,
                "selector": {"matchLabels": selector(name)},
                "template": {"metadata": {"labels": labels(name, "redis")}, "spec": pod},
            },
        }
        if persistent:
            statefulset["spec"]["volumeClaimTemplates"] = [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "5Gi"}},
                    },
                }
            ]
        docs += [
            statefulset,
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": meta(name, "redis"),
                "spec": {"selector": selector(name), "ports": [{"name": "redis", "port": 6379}]},
            },
        ]
    docs += [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta("postgres", "network-policy"),
            "spec": {
                "podSelector": {"matchLabels": {"cnpg.io/cluster": PG_CLUSTER}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {"from": [TASKHIVE_PODS], "ports": tcp_ports(5432)},
                    {"from": [peer(**{"cnpg.io/cluster": PG_CLUSTER})], "ports": tcp_ports(5432)},
                    {"from": [namespace_peer("cnpg-system")], "ports": tcp_ports(8000)},
                    {"from": [namespace_peer("monitoring")], "ports": tcp_ports(9187)},
                ],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta("rabbitmq", "network-policy"),
            "spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": RABBITMQ}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [TASKHIVE_PODS, namespace_peer("keda")],
                        "ports": tcp_ports(5672, 15672),
                    },
                    {
                        "from": [peer(**{"app.kubernetes.io/name": RABBITMQ})],
                        "ports": tcp_ports(4369, 25672),
                    },
                    {"from": [namespace_peer("rabbitmq-system")], "ports": tcp_ports(15672)},
                    {"from": [namespace_peer("monitoring")], "ports": tcp_ports(15692)},
                ],
            },
        },
    ]
    docs.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta("redis", "network-policy"),
            "spec": {
                "podSelector": {
                    "matchExpressions": [
                        {
                            "key": "app.kubernetes.io/component",
                            "operator": "In",
                            "values": ["redis"],
                        }
                    ]
                },
                "policyTypes": ["Ingress"],
                "ingress": [
                    {"from": [TASKHIVE_PODS], "ports": tcp_ports(6379)},
                    {"from": [namespace_peer("keda")], "ports": tcp_ports(6379)},
                ],
            },
        }
    )
    return docs


def monitoring_manifests() -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PrometheusRule",
            "metadata": meta("taskhive", "monitoring"),
            "spec": alert_rules(),
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("taskhive-dashboards", "monitoring")
            | {"labels": labels("taskhive-dashboards", "monitoring") | {"grafana_dashboard": "1"}},
            "data": {
                f"{name}.json": json_text(dashboard) for name, dashboard in dashboards().items()
            },
        },
    ]


def dev_secrets() -> list[dict[str, Any]]:
    """Development literals (the same defaults as compose's `.env.sample`): never for
    production, whose overlay reads every one of them from an external store."""
    admin = "postgresql://postgres:postgres@taskhive-pg-rw:5432/taskhive"
    generators: list[dict[str, Any]] = [
        {
            "name": "taskhive-admin",
            "literals": [
                f"TASKHIVE_ADMIN_DATABASE_URL={admin}",
                f"TASKHIVE_AMQP_ADMIN_URL=amqp://admin:admin@{RABBITMQ}:5672/%2F",
            ],
        },
        {"name": "taskhive-pg-superuser", "type": "kubernetes.io/basic-auth"}
        | {"literals": ["username=postgres", "password=postgres"]},
        {"name": "gateway-secrets", "literals": ["GATEWAY_WEB_SECRET=dev-web-gateway-secret-0123"]},
        {"name": "web-secrets", "literals": ["WEB_GATEWAY_SECRET=dev-web-gateway-secret-0123"]},
    ]
    for spec in SERVICES:
        prefix, name = spec.name.upper(), spec.name
        database = "@taskhive-pg-rw:5432/taskhive"
        generators.append(
            {
                "name": f"{name}-secrets",
                "literals": [
                    f"{prefix}_DATABASE_URL=postgresql://{name}_app:{name}_app{database}",
                    f"{prefix}_MIGRATOR_DATABASE_URL="
                    f"postgresql://{name}_migrator:{name}_migrator{database}",
                    f"{prefix}_AMQP_URL=amqp://{name}:{name}@{RABBITMQ}:5672/%2F",
                    f"{prefix}_DB_APP_PASSWORD={name}_app",
                    f"{prefix}_DB_MIGRATOR_PASSWORD={name}_migrator",
                    f"{prefix}_AMQP_PASSWORD={name}",
                ],
            }
        )
    return generators


def external_secrets() -> list[dict[str, Any]]:
    """Production: each Secret materialised by External Secrets from the cluster's store
    (`taskhive-store`, a Vault/cloud secret manager), one remote key per Secret."""
    names = ["taskhive-admin", "taskhive-pg-superuser", "gateway-secrets", "web-secrets"]
    names += ["auth-signing-keys", *(f"{spec.name}-secrets" for spec in SERVICES)]
    return [
        {
            "apiVersion": "external-secrets.io/v1beta1",
            "kind": "ExternalSecret",
            "metadata": {"name": name, "labels": labels(name, "secret")},
            "spec": {
                "refreshInterval": "1h",
                "secretStoreRef": {"kind": "ClusterSecretStore", "name": "taskhive-store"},
                "target": {"name": name, "creationPolicy": "Owner"},
                "dataFrom": [{"extract": {"key": f"taskhive/{name}"}}],
            },
        }
        for name in names
    ]


def namespace() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": NAMESPACE,
            "labels": {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
            },
        },
    }
