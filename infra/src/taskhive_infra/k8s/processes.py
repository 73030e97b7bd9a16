"""The process types of every registered service, the web UI, the gateway, and the release's
migration Job."""

from __future__ import annotations

from typing import Any

from taskhive_infra.k8s.resources import (
    CACHE_REDIS,
    GATEWAY_IMAGE,
    HTTP_PORT,
    JOBS_REDIS,
    NAMESPACE,
    PG_CLUSTER,
    POD_SECURITY,
    PROBE_PORT,
    RABBITMQ,
    SERVICE_PODS,
    TASKHIVE_PODS,
    container,
    cpu_hpa,
    deployment,
    headless_service,
    jobs_redis_db,
    labels,
    meta,
    namespace_peer,
    pdb,
    peer,
    pod_spec,
    selector,
    tcp_ports,
)
from taskhive_infra.services import SERVICES, WEB, ServiceSpec


def service_env(service: ServiceSpec) -> dict[str, str]:
    prefix = service.name.upper()
    return {
        f"{prefix}_LOG_LEVEL": "INFO",
        f"{prefix}_JWKS_URL": f"http://auth-api:{HTTP_PORT}/api/v1/auth/jwks.json",
        f"{prefix}_DENYLIST_REDIS_URL": f"redis://{CACHE_REDIS}:6379/0",
        f"{prefix}_JOBS_BROKER_URL": f"redis://{JOBS_REDIS}:6379/{jobs_redis_db(service)}",
        f"{prefix}_SMTP_HOST": "smtp",
        f"{prefix}_SMTP_PORT": "587",
        f"{prefix}_PUBLIC_BASE_URL": "https://taskhive.example.org",
        f"{prefix}_AUTH_SIGNING_KEY_FILES": "/keys/auth-1.pem",
    }


def service_manifests(service: ServiceSpec) -> list[dict[str, Any]]:
    name = service.name
    env_from = [
        {"configMapRef": {"name": "taskhive-common"}},
        {"configMapRef": {"name": f"{name}-config"}},
        {"secretRef": {"name": f"{name}-secrets"}},
    ]
    keys_volume: dict[str, Any] = {}
    if name == "auth":
        keys_volume = {"secret": {"secretName": "auth-signing-keys", "defaultMode": 0o440}}
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta(f"{name}-config", "config", name),
            "data": {
                key: value
                for key, value in service_env(service).items()
                if name == "auth" or not key.endswith("SIGNING_KEY_FILES")
            },
        }
    ]

    def pod(
        process: str, command: list[str], port: int, size: str, grace: int = 30
    ) -> dict[str, Any]:
        env = {"TASKHIVE_PROBE_PORT": str(PROBE_PORT)} if port == PROBE_PORT else {}
        env["PROMETHEUS_MULTIPROC_DIR"] = "/tmp/metrics"
        main = container(process, command, size=size, env_from=env_from, env=env, port=port)
        spec = pod_spec(f"{name}-{process}", [main], grace=grace)
        if keys_volume:
            main["volumeMounts"].append({"name": "keys", "mountPath": "/keys", "readOnly": True})
            spec["volumes"].append({"name": "keys", **keys_volume})
        return spec

    api = f"{name}-api"
    gunicorn = ["gunicorn", f"--bind=0.0.0.0:{HTTP_PORT}", "--workers=2"]
    gunicorn += ["--worker-tmp-dir=/tmp", "--no-control-socket", "--graceful-timeout=20"]
    gunicorn += ["--limit-request-line=8190", "--limit-request-fields=200"]
    gunicorn += ["--limit-request-field_size=16384"]
    gunicorn += ["-c", "python:taskhive_shared.observability.gunicorn_config", service.wsgi]
    docs += [
        deployment(
            api,
            "api",
            name,
            pod("api", gunicorn, HTTP_PORT, "api"),
            replicas=2,
            metrics_port=HTTP_PORT,
        ),
        headless_service(api, "api", name, HTTP_PORT),
        cpu_hpa(api, "api", name, maximum=12),
        pdb(api, "api", name, min_available=1),
    ]
    # Two relays: one holds the advisory lock and publishes, the other stands by hot.
    relay = f"{name}-relay"
    docs += [
        deployment(
            relay,
            "relay",
            name,
            pod("relay", [service.cli, "relay"], PROBE_PORT, "relay"),
            replicas=2,
            metrics_port=PROBE_PORT,
        ),
        pdb(relay, "relay", name, min_available=1),
    ]
    if "consume" in service.event_processes and service.topology is not None:
        consumer = f"{name}-consumer"
        docs += [
            deployment(
                consumer,
                "consumer",
                name,
                pod("consumer", [service.cli, "consume"], PROBE_PORT, "consumer"),
                replicas=1,
                metrics_port=PROBE_PORT,
            ),
            pdb(consumer, "consumer", name, min_available=1),
            *rabbitmq_scaler(service, consumer, service.topology().queue),
        ]
    worker = f"{name}-worker"
    docs += [
        deployment(
            worker,
            "worker",
            name,
            pod("worker", [service.cli, "jobs", "worker"], PROBE_PORT, "worker", grace=90),
            replicas=1,
            metrics_port=PROBE_PORT,
        ),
        redis_scaler(service, worker),
    ]
    # One beat: a second would only wait on the Redis lock; Recreate never runs two at once.
    beat = f"{name}-beat"
    beat_command = [service.cli, "jobs", "beat", "--schedule-file", "/tmp/beat/schedule.db"]
    docs.append(
        deployment(
            beat,
            "beat",
            name,
            pod("beat", beat_command, PROBE_PORT, "beat"),
            replicas=1,
            metrics_port=PROBE_PORT,
            recreate=True,
        )
    )
    docs.append(service_network_policy(service))
    return docs


def rabbitmq_scaler(service: ServiceSpec, target: str, queue: str) -> list[dict[str, Any]]:
    auth = f"{target}-rabbitmq"
    return [
        {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "TriggerAuthentication",
            "metadata": meta(auth, "consumer", service.name),
            "spec": {
                "secretTargetRef": [
                    {
                        "parameter": "host",
                        "name": f"{service.name}-secrets",
                        "key": f"{service.name.upper()}_AMQP_URL",
                    }
                ]
            },
        },
        {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "ScaledObject",
            "metadata": meta(target, "consumer", service.name),
            "spec": {
                "scaleTargetRef": {"name": target},
                "minReplicaCount": 1,
                "maxReplicaCount": 8,
                "cooldownPeriod": 300,
                "triggers": [
                    {
                        "type": "rabbitmq",
                        "metadata": {"protocol": "amqp", "queueName": queue, "mode": "QueueLength"}
                        | {"value": "200"},
                        "authenticationRef": {"name": auth},
                    }
                ],
            },
        },
    ]


def redis_scaler(service: ServiceSpec, target: str) -> dict[str, Any]:
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": meta(target, "worker", service.name),
        "spec": {
            "scaleTargetRef": {"name": target},
            "minReplicaCount": 1,
            "maxReplicaCount": 8,
            "cooldownPeriod": 300,
            "triggers": [
                {
                    "type": "redis",
                    "metadata": {
                        "address": f"{JOBS_REDIS}:6379",
                        "listName": f"{service.name}.jobs",
                        "listLength": "20",
                        "databaseIndex": str(jobs_redis_db(service)),
                    },
                }
            ],
        },
    }


def service_network_policy(service: ServiceSpec) -> dict[str, Any]:
    """A service's pods reach PostgreSQL, the broker, the two Redis, auth's JWKS and SMTP, and
    are reached by the gateway (API) and Prometheus; everything else is denied (default-deny).
    Which schema they can touch is the database's business: each Secret holds only the
    service's own roles."""
    egress: list[dict[str, Any]] = [
        {"to": [peer(**{"cnpg.io/cluster": PG_CLUSTER})], "ports": tcp_ports(5432)},
        {"to": [peer(**{"app.kubernetes.io/name": RABBITMQ})], "ports": tcp_ports(5672)},
        {"to": [peer(**selector(JOBS_REDIS)), peer(**selector(CACHE_REDIS))]}
        | {"ports": tcp_ports(6379)},
        {"ports": tcp_ports(25, 465, 587)},
    ]
    if service.name != "auth":
        egress.append({"to": [peer(**selector("auth-api"))], "ports": tcp_ports(HTTP_PORT)})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": meta(service.name, "network-policy", service.name),
        "spec": {
            "podSelector": {"matchLabels": {"taskhive.io/service": service.name}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    # Auth also serves its JWKS to every other service's pods.
                    "from": [peer(**selector("gateway")), SERVICE_PODS]
                    if service.name == "auth"
                    else [peer(**selector("gateway"))],
                    "ports": tcp_ports(HTTP_PORT),
                },
                {"from": [namespace_peer("monitoring")], "ports": tcp_ports(HTTP_PORT, PROBE_PORT)},
            ],
            "egress": egress,
        },
    }


def common_manifests() -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("taskhive-common", "config"),
            # OTLP export stays off until an overlay names a collector.
            "data": {
                "OTEL_SERVICE_NAME": "taskhive",
                "OTEL_TRACES_SAMPLER": "parentbased_always_on",
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta("default-deny", "network-policy"),
            # Taskhive's own pods; the operators' pods (PostgreSQL, RabbitMQ) talk to the API
            # server and their peers, and get ingress rules of their own (data.yaml).
            "spec": {
                "podSelector": TASKHIVE_PODS["podSelector"],
                "policyTypes": ["Ingress", "Egress"],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta("allow-dns", "network-policy"),
            "spec": {
                "podSelector": TASKHIVE_PODS["podSelector"],
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [namespace_peer("kube-system")],
                        "ports": [
                            {"protocol": "UDP", "port": 53},
                            {"protocol": "TCP", "port": 53},
                        ],
                    }
                ],
            },
        },
        migration_job(),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta("taskhive-migrate", "network-policy"),
            "spec": {
                "podSelector": {"matchLabels": selector("taskhive-migrate")},
                "policyTypes": ["Egress"],
                "egress": [
                    {"to": [peer(**{"cnpg.io/cluster": PG_CLUSTER})], "ports": tcp_ports(5432)},
                    {
                        "to": [peer(**{"app.kubernetes.io/name": RABBITMQ})],
                        "ports": tcp_ports(5672, 15672),
                    },
                ],
            },
        },
    ]


def migration_job() -> dict[str, Any]:
    """`taskhive-provision` once per release, before the Deployments roll (Argo CD PreSync /
    Helm pre-upgrade hook; with plain `kubectl apply`, apply it and wait first:
    docs/operations.md): schemas, roles, grants, every service's migrations, broker users,
    exchanges and queues (through the management API)."""
    name = "taskhive-migrate"
    main = container(
        "migrate",
        ["taskhive-provision"],
        size="job",
        env_from=[{"secretRef": {"name": "taskhive-admin"}}]
        + [{"secretRef": {"name": f"{spec.name}-secrets"}} for spec in SERVICES],
        env={"TASKHIVE_RABBITMQ_MANAGEMENT_URL": f"http://{RABBITMQ}:15672"},
        port=HTTP_PORT,
    )
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        main.pop(probe)
    main.pop("ports")
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta(
            name,
            "migration",
            annotations={
                "argocd.argoproj.io/hook": "PreSync",
                "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation",
                "helm.sh/hook": "pre-install,pre-upgrade",
            },
        ),
        "spec": {
            "backoffLimit": 3,
            "activeDeadlineSeconds": 900,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"labels": labels(name, "migration")},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": POD_SECURITY,
                    "restartPolicy": "Never",
                    "containers": [main],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
                },
            },
        },
    }


def web_manifests() -> list[dict[str, Any]]:
    name = WEB.name
    command = ["gunicorn", f"--bind=0.0.0.0:{HTTP_PORT}", "--workers=2", "--worker-class=gthread"]
    command += ["--threads=8", "--worker-tmp-dir=/tmp", "--no-control-socket"]
    command += ["-c", "python:taskhive_shared.observability.gunicorn_config", WEB.wsgi]
    main = container(
        name,
        command,
        size="web",
        env_from=[{"configMapRef": {"name": "web-config"}}, {"secretRef": {"name": "web-secrets"}}],
        env={"PROMETHEUS_MULTIPROC_DIR": "/tmp/metrics"},
        port=HTTP_PORT,
    )
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("web-config", "config", name),
            "data": {
                "WEB_API_BASE_URL": "http://gateway-internal:8081",
                "WEB_SESSION_REDIS_URL": f"redis://{CACHE_REDIS}:6379/4",
                "WEB_COOKIE_SECURE": "true",
                "WEB_LOG_LEVEL": "INFO",
            },
        },
        # /metrics like the APIs (the gateway never routes it: only monitoring reaches it).
        deployment(name, "web", name, pod_spec(name, [main]), replicas=2, metrics_port=HTTP_PORT),
        headless_service(name, "web", name, HTTP_PORT),
        cpu_hpa(name, "web", name, maximum=8),
        pdb(name, "web", name, min_available=1),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta(name, "network-policy", name),
            "spec": {
                "podSelector": {"matchLabels": selector(name)},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [
                    {"from": [peer(**selector("gateway"))], "ports": tcp_ports(HTTP_PORT)},
                    {"from": [namespace_peer("monitoring")], "ports": tcp_ports(HTTP_PORT)},
                ],
                "egress": [
                    {"to": [peer(**selector("gateway"))], "ports": tcp_ports(8081)},
                    {"to": [peer(**selector(CACHE_REDIS))], "ports": tcp_ports(6379)},
                ],
            },
        },
    ]


def gateway_manifests() -> list[dict[str, Any]]:
    name = "gateway"
    upstreams = {
        f"{spec.name.upper()}_UPSTREAM": f"{spec.name}-api.{NAMESPACE}.svc.cluster.local:8000"
        for spec in SERVICES
    } | {"WEB_UPSTREAM": f"web.{NAMESPACE}.svc.cluster.local:8000"}
    env = {
        "GATEWAY_BIND_ADDRESS": "0.0.0.0",
        "GATEWAY_PORT": "8080",
        "GATEWAY_STATS_ADDRESS": "0.0.0.0",
        "GATEWAY_STATS_PORT": "8404",
        "GATEWAY_INTERNAL_ADDRESS": "0.0.0.0",
        "GATEWAY_INTERNAL_PORT": "8081",
        **upstreams,
        **{f"{key}_SLOTS": "12" for key in upstreams},
    }
    main = container(
        "haproxy",
        ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"],
        size="gateway",
        env_from=[{"secretRef": {"name": "gateway-secrets"}}],
        env=env,
        port=8080,
        image=GATEWAY_IMAGE,
    )
    main["ports"] = [
        {"name": "http", "containerPort": 8080},
        {"name": "internal", "containerPort": 8081},
        {"name": "stats", "containerPort": 8404},
    ]
    for probe, path in (("livenessProbe", "/gateway/livez"), ("readinessProbe", "/gateway/readyz")):
        main[probe]["httpGet"]["path"] = path
    main["startupProbe"]["httpGet"]["path"] = "/gateway/livez"
    main["volumeMounts"].append(
        {"name": "config", "mountPath": "/usr/local/etc/haproxy", "readOnly": True}
    )
    pod = pod_spec(name, [main])
    pod["volumes"].append({"name": "config", "configMap": {"name": "gateway-config"}})
    service_ports = [
        {"name": "http", "port": 8080, "targetPort": 8080},
        {"name": "stats", "port": 8404, "targetPort": 8404},
    ]
    return [
        deployment(name, "gateway", None, pod, replicas=2, metrics_port=8404),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta(name, "gateway"),
            "spec": {"selector": selector(name), "ports": service_ports},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("gateway-internal", "gateway"),
            "spec": {
                "selector": selector(name),
                "ports": [{"name": "internal", "port": 8081, "targetPort": 8081}],
            },
        },
        cpu_hpa(name, "gateway", None, maximum=6),
        pdb(name, "gateway", None, min_available=1),
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": meta(name, "gateway"),
            "spec": {
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": "taskhive.example.org",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {"name": name, "port": {"number": 8080}}
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta(name, "network-policy"),
            "spec": {
                "podSelector": {"matchLabels": selector(name)},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [
                    {"from": [namespace_peer("ingress-nginx")], "ports": tcp_ports(8080)},
                    {"from": [peer(**selector(WEB.name))], "ports": tcp_ports(8081)},
                    {"from": [namespace_peer("monitoring")], "ports": tcp_ports(8404)},
                ],
                "egress": [
                    {
                        "to": [
                            peer(**{"app.kubernetes.io/component": "api"}),
                            peer(**selector(WEB.name)),
                        ],
                        "ports": tcp_ports(HTTP_PORT),
                    }
                ],
            },
        },
    ]
