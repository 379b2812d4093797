"""Probes against local servers: TCP and HTTP up and down, DNS, and a Kubernetes API server."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from support import free_port

from otv.profiles.model import DnsProbe, HttpProbe, KubernetesProbe, TcpProbe
from services.collector.probes import Prober

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "api", "namespace": "prod"},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "api"}},
        "template": {
            "metadata": {"labels": {"app": "api"}},
            "spec": {"containers": [{"name": "api", "image": "api:1"}]},
        },
    },
    "status": {"replicas": 3, "readyReplicas": 2},
}
CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "settings", "namespace": "prod"},
    "data": {"url": "https://x", "level": "info"},
}
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [{"name": "v1", "served": True, "storage": True}],
    },
}
NOT_FOUND = {
    "apiVersion": "v1",
    "kind": "Status",
    "status": "Failure",
    "reason": "NotFound",
    "code": 404,
}


class KubernetesApi(BaseHTTPRequestHandler):
    """The documented read paths of the Kubernetes API, and a record of what was asked."""

    objects: ClassVar[dict[str, dict[str, object]]] = {
        "/apis/apps/v1/namespaces/prod/deployments/api": DEPLOYMENT,
        "/api/v1/namespaces/prod/configmaps/settings": CONFIG_MAP,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com": CRD,
    }
    received: ClassVar[list[tuple[str, str]]] = []

    def do_GET(self) -> None:
        self.received.append((self.path, self.headers.get("Authorization", "")))
        found = self.objects.get(self.path)
        body = json.dumps(found or NOT_FOUND).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Website(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 503 if self.path == "/down" else 200
        if self.path == "/slow":
            threading.Event().wait(3)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def website() -> Iterator[int]:
    yield from serve(Website)


@pytest.fixture
def kubernetes(tmp_path: Path) -> Iterator[Path]:
    for port in serve(KubernetesApi):
        kubeconfig = tmp_path / "kubeconfig"
        kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [
                        {"name": "test", "cluster": {"server": f"http://127.0.0.1:{port}"}}
                    ],
                    "users": [{"name": "reader", "user": {"token": "reader-token"}}],
                    "contexts": [
                        {"name": "test", "context": {"cluster": "test", "user": "reader"}}
                    ],
                    "current-context": "test",
                }
            )
        )
        KubernetesApi.received = []
        yield kubeconfig


async def test_tcp_up_and_down() -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        up, down = await Prober().run(
            [
                TcpProbe(id="up", type="tcp", host="127.0.0.1", port=port),
                TcpProbe(id="down", type="tcp", host="127.0.0.1", port=free_port()),
            ],
            "main",
        )
    finally:
        server.close()
    assert (up.ok, up.detail, up.target) == (True, "connected", f"127.0.0.1:{port}")
    assert up.latency_ms >= 0
    assert down.ok is False
    assert down.error.startswith("Connect call failed")


async def test_http_up_down_expected_status_and_timeout(website: int) -> None:
    base = f"http://127.0.0.1:{website}"
    results = await Prober().run(
        [
            HttpProbe(id="ok", type="http", url=f"{base}/health"),
            HttpProbe(id="down", type="http", url=f"{base}/down"),
            HttpProbe(id="maintenance", type="http", url=f"{base}/down", expect_status=[503]),
            HttpProbe(id="slow", type="http", url=f"{base}/slow", timeout=0.5),
            HttpProbe(id="closed", type="http", url=f"http://127.0.0.1:{free_port()}/"),
        ],
        "main",
    )
    ok, down, maintenance, slow, closed = results
    assert (ok.ok, ok.detail) == (True, "status 200")
    assert (down.ok, down.detail) == (False, "status 503")
    assert maintenance.ok
    assert (slow.ok, slow.error) == (False, "no answer within 0.5 s")
    assert closed.ok is False
    assert "refused" in closed.error.lower()


async def test_credentials_in_a_probed_url_are_not_recorded(website: int) -> None:
    [result] = await Prober().run(
        [HttpProbe(id="x", type="http", url=f"http://user:hunter2@127.0.0.1:{website}/health")],
        "main",
    )
    assert "hunter2" not in result.target


async def test_dns() -> None:
    found, missing = await Prober().run(
        [
            DnsProbe(id="local", type="dns", name="localhost"),
            DnsProbe(id="nowhere", type="dns", name="no-such-host.invalid"),
        ],
        "main",
    )
    assert found.ok
    assert "127.0.0.1" in found.detail or "::1" in found.detail
    assert missing.ok is False
    assert missing.detail.startswith("does not resolve")


async def test_target_names_fill_in_probes_and_equal_probes_run_once(website: int) -> None:
    prober = Prober()
    probe = HttpProbe(id="env", type="http", url=f"http://127.0.0.1:{website}/{{target}}/health")
    [main] = await prober.run([probe], "main")
    [release] = await prober.run([probe], "release-1.0")
    assert main.target.endswith("/main/health")
    assert release.target.endswith("/release-1.0/health")
    shared = HttpProbe(id="shared", type="http", url=f"http://127.0.0.1:{website}/health")
    first, second = await prober.run([shared], "a"), await prober.run([shared], "b")
    assert first[0] is second[0]


async def test_kubernetes_objects_through_the_api(kubernetes: Path) -> None:
    results = await Prober(kubeconfig=kubernetes).run(
        [
            KubernetesProbe(
                id="d", type="kubernetes", kind="Deployment", name="api", namespace="prod"
            ),
            KubernetesProbe(
                id="d2",
                type="kubernetes",
                kind="Deployment",
                name="api",
                namespace="prod",
                min_ready_replicas=2,
            ),
            KubernetesProbe(
                id="cm",
                type="kubernetes",
                kind="ConfigMap",
                name="settings",
                namespace="prod",
                keys=["url", "level"],
            ),
            KubernetesProbe(
                id="cm2",
                type="kubernetes",
                kind="ConfigMap",
                name="settings",
                namespace="prod",
                keys=["url", "token"],
            ),
            KubernetesProbe(
                id="crd",
                type="kubernetes",
                kind="CustomResourceDefinition",
                name="widgets.example.com",
            ),
            KubernetesProbe(
                id="nocrd",
                type="kubernetes",
                kind="CustomResourceDefinition",
                name="gadgets.example.com",
            ),
            KubernetesProbe(
                id="gone", type="kubernetes", kind="Deployment", name="gone", namespace="prod"
            ),
        ],
        "main",
    )
    outcome = {r.id: (r.ok, r.detail) for r in results}
    assert outcome == {
        "d": (False, "2/3 replicas ready"),
        "d2": (True, "2/3 replicas ready"),
        "cm": (True, "2 keys"),
        "cm2": (False, "missing keys: token"),
        "crd": (True, "defined"),
        "nocrd": (False, "not found"),
        "gone": (False, "not found"),
    }
    paths = {path for path, _ in KubernetesApi.received}
    assert "/apis/apps/v1/namespaces/prod/deployments/api" in paths
    assert "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com" in paths
    assert {auth for _, auth in KubernetesApi.received} == {"Bearer reader-token"}


async def test_kubernetes_without_a_configuration_is_an_error_not_a_crash(tmp_path: Path) -> None:
    [result] = await Prober(kubeconfig=tmp_path / "missing").run(
        [KubernetesProbe(id="d", type="kubernetes", kind="Deployment", name="api")], "main"
    )
    assert result.ok is False
    assert result.error == "no Kubernetes configuration: set OTV_KUBECONFIG, or run in a cluster"
