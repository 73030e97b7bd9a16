"""JSON Schemas of the custom resources the manifests use (KEDA, CloudNativePG, the RabbitMQ
cluster operator, External Secrets, the Prometheus operator): the fields Taskhive sets, typed
as the operators' CRDs type them, unknown fields refused. `kubernetes-validate` knows only the
built-in kinds; a cluster's API server would check these against the installed CRDs."""

from __future__ import annotations

from typing import Any


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


STRING = {"type": "string"}
INTEGER = {"type": "integer", "minimum": 0}
BOOLEAN = {"type": "boolean"}
STRINGS = {"type": "object", "additionalProperties": STRING}
QUANTITIES = _object([], cpu=STRING, memory=STRING)
RESOURCES = _object([], requests=QUANTITIES, limits=QUANTITIES)
METADATA = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": STRING, "namespace": STRING, "labels": STRINGS},
}


def _resource(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _object(
        ["apiVersion", "kind", "metadata", "spec"],
        apiVersion={"const": api_version},
        kind={"const": kind},
        metadata=METADATA,
        spec=spec,
    )


TRIGGER = _object(
    ["type", "metadata"],
    type={"enum": ["rabbitmq", "redis", "cpu", "prometheus"]},
    metadata=STRINGS,
    authenticationRef=_object(["name"], name=STRING),
)

SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("keda.sh/v1alpha1", "ScaledObject"): _resource(
        "keda.sh/v1alpha1",
        "ScaledObject",
        _object(
            ["scaleTargetRef", "triggers"],
            scaleTargetRef=_object(["name"], name=STRING, kind=STRING, apiVersion=STRING),
            minReplicaCount=INTEGER,
            maxReplicaCount={"type": "integer", "minimum": 1},
            cooldownPeriod=INTEGER,
            pollingInterval=INTEGER,
            triggers={"type": "array", "minItems": 1, "items": TRIGGER},
        ),
    ),
    ("keda.sh/v1alpha1", "TriggerAuthentication"): _resource(
        "keda.sh/v1alpha1",
        "TriggerAuthentication",
        _object(
            ["secretTargetRef"],
            secretTargetRef={
                "type": "array",
                "items": _object(
                    ["parameter", "name", "key"], parameter=STRING, name=STRING, key=STRING
                ),
            },
        ),
    ),
    ("postgresql.cnpg.io/v1", "Cluster"): _resource(
        "postgresql.cnpg.io/v1",
        "Cluster",
        _object(
            ["instances", "storage"],
            instances={"type": "integer", "minimum": 1},
            imageName=STRING,
            enableSuperuserAccess=BOOLEAN,
            superuserSecret=_object(["name"], name=STRING),
            bootstrap=_object(
                [], initdb=_object(["database", "owner"], database=STRING, owner=STRING)
            ),
            postgresql=_object([], parameters=STRINGS),
            storage=_object(["size"], size=STRING, storageClass=STRING),
            resources=RESOURCES,
            monitoring=_object([], enablePodMonitor=BOOLEAN),
        ),
    ),
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): _resource(
        "rabbitmq.com/v1beta1",
        "RabbitmqCluster",
        _object(
            [],
            replicas={"type": "integer", "minimum": 1},
            image=STRING,
            persistence=_object([], storage=STRING, storageClassName=STRING),
            resources=RESOURCES,
            rabbitmq=_object([], additionalConfig=STRING),
        ),
    ),
    ("external-secrets.io/v1beta1", "ExternalSecret"): _resource(
        "external-secrets.io/v1beta1",
        "ExternalSecret",
        _object(
            ["secretStoreRef", "target"],
            refreshInterval=STRING,
            secretStoreRef=_object(
                ["name", "kind"], name=STRING, kind={"enum": ["SecretStore", "ClusterSecretStore"]}
            ),
            target=_object(["name"], name=STRING, creationPolicy=STRING),
            dataFrom={
                "type": "array",
                "items": _object(["extract"], extract=_object(["key"], key=STRING)),
            },
        ),
    ),
    ("monitoring.coreos.com/v1", "PrometheusRule"): _resource(
        "monitoring.coreos.com/v1",
        "PrometheusRule",
        _object(
            ["groups"],
            groups={
                "type": "array",
                "items": _object(
                    ["name", "rules"],
                    name=STRING,
                    rules={
                        "type": "array",
                        "items": _object(
                            ["alert", "expr"],
                            alert=STRING,
                            expr=STRING,
                            labels=STRINGS,
                            annotations=STRINGS,
                            **{"for": {"type": "string", "pattern": "^[0-9]+[smh]$"}},
                        ),
                    },
                ),
            },
        ),
    ),
}
