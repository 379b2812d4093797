"""Kubernetes objects, read through the official client: Deployments, ConfigMaps, CRDs.

The client is configured from the collector's kubeconfig (``OTV_KUBECONFIG``,
else ``KUBECONFIG`` or ``~/.kube/config``), or from the service account when
the collector runs in a cluster. It only reads.
"""

from __future__ import annotations

from pathlib import Path

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from otv.profiles.model import KubernetesProbe


def _api_client(kubeconfig: Path | None) -> client.ApiClient:
    try:
        api: client.ApiClient = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(kubeconfig) if kubeconfig else None
        )
        return api
    except (ConfigException, FileNotFoundError):
        try:
            config.load_incluster_config()  # type: ignore[no-untyped-call]
        except ConfigException:
            raise OSError(
                "no Kubernetes configuration: set OTV_KUBECONFIG, or run in a cluster"
            ) from None
        return client.ApiClient()


def check(probe: KubernetesProbe, kubeconfig: Path | None) -> tuple[bool, str]:
    with _api_client(kubeconfig) as api:
        try:
            if probe.kind == "Deployment":
                return _deployment(client.AppsV1Api(api), probe)
            if probe.kind == "ConfigMap":
                return _config_map(client.CoreV1Api(api), probe)
            client.ApiextensionsV1Api(api).read_custom_resource_definition(probe.name)
            return True, "defined"
        except ApiException as exc:
            if exc.status == 404:
                return False, "not found"
            raise OSError(f"the Kubernetes API answered {exc.status} {exc.reason}") from None


def _deployment(apps: client.AppsV1Api, probe: KubernetesProbe) -> tuple[bool, str]:
    deployment = apps.read_namespaced_deployment(probe.name, probe.namespace)
    wanted = deployment.spec.replicas if deployment.spec.replicas is not None else 1
    ready = (deployment.status.ready_replicas if deployment.status else None) or 0
    needed = probe.min_ready_replicas if probe.min_ready_replicas is not None else wanted
    return ready >= needed, f"{ready}/{wanted} replicas ready"


def _config_map(core: client.CoreV1Api, probe: KubernetesProbe) -> tuple[bool, str]:
    config_map = core.read_namespaced_config_map(probe.name, probe.namespace)
    keys = sorted((config_map.data or {}).keys() | (config_map.binary_data or {}).keys())
    missing = [key for key in probe.keys if key not in keys]
    if missing:
        return False, f"missing keys: {', '.join(missing)}"
    return True, f"{len(keys)} keys"
