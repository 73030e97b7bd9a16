"""`taskhive-k8s [--check]`: the Kubernetes manifests under `infra/k8s/`, generated from the
registry (`taskhive_infra.services`), so that a service added there gets its Deployments,
autoscalers, budgets, policies and secrets without anyone writing YAML (ADR 0025).

Layout (kustomize): `base/` (one file per service, the gateway, the web UI, the stateful parts
through their operators, the network policies, monitoring), `overlays/dev` (one node of each
stateful part, secrets generated from dev literals) and `overlays/production` (three of each,
secrets from an external store). `--check` fails when the committed files differ from what the
registry gives (`make lint` and the tests run it).
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from taskhive_infra.k8s.processes import (
    common_manifests,
    gateway_manifests,
    service_manifests,
    web_manifests,
)
from taskhive_infra.k8s.resources import (
    HEADER,
    IMAGE,
    K8S,
    NAMESPACE,
    OBSERVABILITY,
    PG_CLUSTER,
    RABBITMQ,
    ROOT,
    json_text,
)
from taskhive_infra.k8s.stateful import (
    data_manifests,
    dev_secrets,
    external_secrets,
    monitoring_manifests,
    namespace,
)
from taskhive_infra.observability import alert_rules, dashboards
from taskhive_infra.services import SERVICES, WEB


def _dump(docs: Iterable[dict[str, Any]]) -> str:
    return HEADER + "".join(
        "---\n" + yaml.safe_dump(doc, sort_keys=False, width=100) for doc in docs
    )


def _kustomization(body: dict[str, Any]) -> str:
    body = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", **body}
    return HEADER + str(yaml.safe_dump(body, sort_keys=False, width=100))


def render() -> dict[Path, str]:
    """Every generated file, by path under infra/k8s/."""
    files: dict[Path, str] = {}
    base = Path("base")
    resources = ["common.yaml", "gateway.yaml", "web.yaml", "data.yaml", "monitoring.yaml"]
    files[base / "common.yaml"] = _dump(common_manifests())
    files[base / "gateway.yaml"] = _dump(gateway_manifests())
    files[base / "web.yaml"] = _dump(web_manifests())
    files[base / "data.yaml"] = _dump(data_manifests())
    files[base / "monitoring.yaml"] = _dump(monitoring_manifests())
    for spec in SERVICES:
        files[base / f"{spec.name}.yaml"] = _dump(service_manifests(spec))
        resources.append(f"{spec.name}.yaml")
    files[base / "gateway" / "haproxy.cfg"] = (ROOT / "gateway" / "haproxy.cfg").read_text()
    files[base / "kustomization.yaml"] = _kustomization(
        {
            "resources": resources,
            "configMapGenerator": [{"name": "gateway-config", "files": ["gateway/haproxy.cfg"]}],
            "images": [{"name": IMAGE, "newTag": "0.1.0"}],
        }
    )
    api_deployments = [f"{spec.name}-api" for spec in SERVICES] + [WEB.name, "gateway"]
    one_replica = [
        {
            "target": {"kind": "HorizontalPodAutoscaler", "name": name},
            "patch": '[{"op": "replace", "path": "/spec/minReplicas", "value": 1}]',
        }
        for name in api_deployments
    ]
    dev = Path("overlays/dev")
    files[dev / "namespace.yaml"] = _dump([namespace()])
    files[dev / "kustomization.yaml"] = _kustomization(
        {
            "namespace": NAMESPACE,
            "resources": ["namespace.yaml", "../../base"],
            "secretGenerator": dev_secrets(),
            "generatorOptions": {"disableNameSuffixHash": True},
            "images": [{"name": IMAGE, "newTag": "local"}],
            "patches": [
                *one_replica,
                {
                    "target": {"kind": "Cluster", "name": PG_CLUSTER},
                    "patch": '[{"op": "replace", "path": "/spec/instances", "value": 1}]',
                },
                {
                    "target": {"kind": "RabbitmqCluster", "name": RABBITMQ},
                    "patch": '[{"op": "replace", "path": "/spec/replicas", "value": 1}]',
                },
                {
                    "target": {"kind": "Ingress", "name": "gateway"},
                    "patch": '[{"op": "replace", "path": "/spec/rules/0/host", '
                    '"value": "taskhive.localtest.me"}]',
                },
            ],
        }
    )
    production = Path("overlays/production")
    files[production / "namespace.yaml"] = _dump([namespace()])
    files[production / "external-secrets.yaml"] = _dump(external_secrets())
    files[production / "kustomization.yaml"] = _kustomization(
        {
            "namespace": NAMESPACE,
            "resources": ["namespace.yaml", "external-secrets.yaml", "../../base"],
            "images": [
                {"name": IMAGE, "newName": "registry.example.org/taskhive/python"}
                | {"newTag": "0.1.0"}
            ],
            "patches": [
                {
                    "target": {"kind": "Ingress", "name": "gateway"},
                    "patch": '[{"op": "add", "path": "/spec/tls", "value": '
                    '[{"hosts": ["taskhive.example.org"], "secretName": "taskhive-tls"}]}]',
                },
                {
                    "target": {"kind": "ConfigMap", "name": "taskhive-common"},
                    "patch": '[{"op": "add", "path": "/data/OTEL_EXPORTER_OTLP_ENDPOINT", '
                    '"value": "http://otel-collector.monitoring:4318"}]',
                },
            ],
        }
    )
    rendered = {K8S / path: text for path, text in files.items()}
    # The same rules and dashboards for a Prometheus and Grafana outside Kubernetes.
    rules = yaml.safe_dump(alert_rules(), sort_keys=False, width=100)
    rendered[OBSERVABILITY / "alerts.yml"] = HEADER + str(rules)
    for name, dashboard in dashboards().items():
        rendered[OBSERVABILITY / "dashboards" / f"{name}.json"] = json_text(dashboard)
    return rendered


def check(files: Mapping[Path, str]) -> list[str]:
    """What differs between the committed files and `files` (unified diffs), and generated
    files on disk that nothing generates any more."""
    problems: list[str] = []
    for path, text in files.items():
        current = path.read_text() if path.exists() else ""
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(keepends=True),
                text.splitlines(keepends=True),
                str(path.relative_to(ROOT)),
                "generated",
                n=1,
            )
            problems.append("".join(list(diff)[:40]))
    generated = [path for folder in ("base", "overlays") for path in (K8S / folder).rglob("*")]
    for path in generated:
        if path.is_file() and path not in files:
            problems.append(f"{path.relative_to(ROOT)}: not generated any more (delete it)")
    return problems


def write(files: Mapping[Path, str]) -> None:
    for directory in ("base", "overlays"):
        shutil.rmtree(K8S / directory, ignore_errors=True)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if infra/k8s is stale")
    args = parser.parse_args()
    files = render()
    if args.check:
        problems = check(files)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("infra/k8s is stale: run `taskhive-k8s`", file=sys.stderr)
            sys.exit(1)
        print(f"infra/k8s: {len(files)} files up to date")
        return
    write(files)
    print(f"infra/k8s: {len(files)} files written")


if __name__ == "__main__":
    main()
