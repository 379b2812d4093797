"""deploy/k8s: both overlays render, every object validates, checkov passes, and the
manifests agree with the code they deploy (settings, consumers, buckets, metrics)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from deploy_support import K8S, ROOT, of_kind, render, tool
from kubernetes_validate.utils import latest_version

from otv import nats_accounts
from otv.bus.subjects import EVENTS_STREAM
from otv.settings import Settings, variable_name

SERVICES = ("auth", "collector", "runner", "reporter")
# Kinds of CRDs (KEDA, Prometheus Operator) that kubernetes-validate has no schema for;
# their fields are checked against the code below instead.
CUSTOM_KINDS = {"ScaledObject", "ServiceMonitor", "PrometheusRule"}


@pytest.fixture(scope="module")
def overlays(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    # The HPA alternative to KEDA: prod with the other component.
    hpa = tmp_path_factory.mktemp("hpa")
    base, component = (
        os.path.relpath(K8S / path, hpa) for path in ("base", "components/hpa-runner")
    )
    (hpa / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"namespace: otv\nresources: [{base}]\ncomponents: [{component}]\n"
    )
    return {
        "dev": render(K8S / "overlays" / "dev"),
        "prod": render(K8S / "overlays" / "prod"),
        "hpa": render(hpa),
    }


def containers(
    objects: list[dict[str, Any]],
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for name, deployment in of_kind(objects, "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert len(pod["containers"]) == 1
        yield name, pod, pod["containers"][0]


@pytest.mark.parametrize("overlay", ["dev", "prod", "hpa"])
def test_every_object_validates_against_the_current_kubernetes(
    overlays: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    objects = overlays[overlay]
    assert {o["kind"] for o in objects} >= {
        "Namespace" if overlay != "hpa" else "Deployment",
        "Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "NetworkPolicy",
        "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
    }  # fmt: skip
    for obj in objects:
        if obj["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(obj, latest_version(), strict=True)
        assert obj["metadata"].get("namespace", "") in ("", "otv", "otv-dev") or obj["kind"] in (
            "ClusterRole",
            "ClusterRoleBinding",
            "Namespace",
        )


def test_checkov_fails_nothing_and_every_skip_gives_its_reason(
    overlays: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    files = []
    for name, objects in overlays.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump_all(objects))
        files += ["-f", str(path)]
    result = subprocess.run(
        [tool("checkov"), *files, "--framework", "kubernetes", "--skip-download",
         "--output", "json"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        f"{check['check_id']} {check['resource']}"
        for report in reports
        for check in report["results"].get("failed_checks", [])
    ]
    assert failed == []
    assert sum(report["summary"]["passed"] for report in reports) > 500
    skipped = [check for report in reports for check in report["results"].get("skipped_checks", [])]
    assert skipped, "the skips below are expected to be seen by checkov"
    for check in skipped:
        assert len(check["check_result"]["suppress_comment"]) > 40, check["check_id"]
    # Only the two skips the manifests explain: the image digest, the collector's token.
    assert {check["check_id"] for check in skipped} == {"CKV_K8S_43", "CKV_K8S_38"}


def test_every_pod_runs_locked_down_with_probes_and_limits(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    for name, pod, container in containers(overlays["prod"]):
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert security["runAsUser"] >= 10000
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["startupProbe"]["httpGet"]["path"] == "/livez"
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        assert ports["health"] == 9464
        assert set(container["resources"]) == {"requests", "limits"}
        assert container["args"] == ["serve", name.removeprefix("otv-")]
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert {"/tmp", "/var/cache/otv"} <= mounts  # the only writable places
        # Only the collector talks to the Kubernetes API.
        assert pod["automountServiceAccountToken"] is (name == "otv-collector")
    auth = next(c for n, _, c in containers(overlays["prod"]) if n == "otv-auth")
    assert {p["name"]: p["containerPort"] for p in auth["ports"]}["grpc"] == 50051
    services = of_kind(overlays["prod"], "Service")
    assert sorted(services) == [f"otv-{service}" for service in sorted(SERVICES)]
    for service in services.values():
        assert "metrics" in {port["name"] for port in service["spec"]["ports"]}


def test_each_service_reads_its_own_nats_password_and_real_settings(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    known = {variable_name(field) for field in Settings.model_fields}
    settings = of_kind(overlays["prod"], "ConfigMap")
    shared = next(c for n, c in settings.items() if n.startswith("otv-settings"))
    assert set(shared["data"]) <= known  # a typo would be silently ignored by a service
    for name, pod, container in containers(overlays["prod"]):
        env = {item["name"]: item.get("value") for item in container["env"]}
        assert set(env) <= known, name
        service = name.removeprefix("otv-")
        assert env["OTV_NATS_USER"] == service
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        mounts = {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}
        # Every file a setting names lies in a volume mounted into this container.
        for variable, value in env.items():
            if variable.endswith("_FILE") or variable in ("OTV_AUTH_CONFIG",):
                directory = str(Path(value).parent)
                assert directory in mounts, f"{name}: {variable}={value} is not mounted"
        password = mounts[str(Path(env["OTV_NATS_PASSWORD_FILE"]).parent)]["secret"]
        assert password["secretName"] == "otv-nats-users"
        assert password["items"] == [{"key": service, "path": "password"}]


def test_dev_is_one_replica_on_r1_streams_and_prod_spreads_r3(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    def stream_replicas(objects: list[dict[str, Any]]) -> str:
        config_maps = of_kind(objects, "ConfigMap")
        return next(c for n, c in config_maps.items() if n.startswith("otv-settings"))["data"][
            "OTV_STREAM_REPLICAS"
        ]

    dev, prod = overlays["dev"], overlays["prod"]
    assert {o["metadata"].get("namespace") for o in dev if o["kind"] == "Deployment"} == {"otv-dev"}
    assert all(d["spec"]["replicas"] == 1 for d in of_kind(dev, "Deployment").values())
    assert stream_replicas(dev) == "1"
    assert stream_replicas(prod) == "3"
    for name, pod, _ in containers(prod):
        assert of_kind(prod, "Deployment")[name]["spec"]["replicas"] >= 2
        anti = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        assert anti[0]["labelSelector"]["matchLabels"] == {"app.kubernetes.io/name": name}
    namespaces = of_kind(prod, "Namespace")
    assert namespaces["otv"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == (
        "restricted"
    )


def test_rbac_is_read_only_and_only_for_the_collector(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    role = of_kind(overlays["prod"], "ClusterRole")["otv-collector-probes"]
    for rule in role["rules"]:
        assert rule["verbs"] == ["get"]
        assert "secrets" not in rule["resources"]
        assert "*" not in rule["resources"]
    binding = of_kind(overlays["prod"], "ClusterRoleBinding")["otv-collector-probes"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "otv-collector", "namespace": "otv"}
    ]
    accounts = of_kind(overlays["prod"], "ServiceAccount")
    assert all(a["automountServiceAccountToken"] is False for a in accounts.values())


def test_keda_scales_the_runner_on_the_lag_of_its_jobs_consumer(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    scaled = of_kind(overlays["prod"], "ScaledObject")["otv-runner"]
    assert scaled["spec"]["scaleTargetRef"]["name"] in of_kind(overlays["prod"], "Deployment")
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "nats-jetstream"
    metadata = trigger["metadata"]
    assert metadata["stream"] == EVENTS_STREAM
    assert metadata["consumer"] in nats_accounts.DURABLES["runner"]
    assert metadata["consumer"] == "runner-jobs"
    assert metadata["account"] == nats_accounts.ACCOUNT
    assert (
        metadata["natsServerMonitoringEndpoint"] == "otv-nats-headless.otv.svc.cluster.local:8222"
    )
    assert int(metadata["lagThreshold"]) > 0
    hpa = of_kind(overlays["hpa"], "HorizontalPodAutoscaler")["otv-runner"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "otv-runner",
    }  # fmt: skip
    assert not of_kind(overlays["hpa"], "ScaledObject")


def test_prometheus_operator_objects_match_the_rules_and_services(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    prod = overlays["prod"]
    monitor = of_kind(prod, "ServiceMonitor")["otv"]
    selector = monitor["spec"]["selector"]["matchLabels"]
    services = of_kind(prod, "Service")
    for service in services.values():
        assert selector.items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "rules.yaml").read_text())
    assert of_kind(prod, "PrometheusRule")["otv"]["spec"]["groups"] == rules["groups"]
    # The rules select scrape jobs by name; ServiceMonitor names jobs after Services.
    jobs = set(re.findall(r'job=~"([^"]+)"', (ROOT / "deploy/prometheus/rules.yaml").read_text()))
    for pattern in jobs:
        assert all(re.fullmatch(pattern, name) for name in services)
    dashboard = of_kind(prod, "ConfigMap")["otv-grafana-dashboard"]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["otv.json"]) == json.loads(
        (ROOT / "deploy" / "grafana" / "otv.json").read_text()
    )


def test_network_policies_deny_by_default_and_open_only_what_is_used(
    overlays: dict[str, list[dict[str, Any]]],
) -> None:
    policies = of_kind(overlays["prod"], "NetworkPolicy")
    deny = policies["otv-default-deny"]
    assert deny["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]
    ingress_ports = {
        port["port"]
        for policy in policies.values()
        if policy["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/part-of") == "otv"
        or policy["spec"]["podSelector"]["matchLabels"]
        .get("app.kubernetes.io/name", "")
        .startswith("otv-")
        for rule in policy["spec"].get("ingress", [])
        for port in rule["ports"]
    }
    assert ingress_ports == {9464, 50051}
