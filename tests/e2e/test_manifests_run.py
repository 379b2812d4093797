"""The dev overlay's Deployments, run as processes: the manifests describe a working otv.

No Kubernetes here, so the test plays the kubelet: each container gets exactly its
rendered environment (the settings ConfigMap, then its own variables), its mounted
Secrets and ConfigMaps become directories, and NATS runs with the accounts of the
Helm values. Then a verification goes through, answered with the profiles ConfigMap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from deploy_support import K8S, nats_conf, nats_values, of_kind, render
from support import free_port, profiles_yaml, two_target_repository

from otv import deployment, nats_accounts
from otv.embedded.nats_server import NatsServer
from otv.keys import new_key, new_pepper

pytestmark = pytest.mark.timeout(240)


def secrets_of(passwords: dict[str, str], admin_key: str) -> dict[str, dict[str, str]]:
    """The Secrets docs/deploy.md tells an operator to create."""
    return {
        "otv-nats-users": passwords,
        "otv-auth": {"pepper": new_pepper(), "bootstrap-admin-key": admin_key},
        "otv-git": {"token": ""},
    }


def mount(volume: dict[str, Any], objects: list[dict[str, Any]], secrets: dict[str, dict[str, str]], into: Path) -> None:  # fmt: skip
    """Fill ``into`` as the kubelet fills a volume."""
    into.mkdir(parents=True)
    if "secret" in volume:
        source = volume["secret"]
        data = secrets.get(source["secretName"])
        if data is None:
            assert source.get("optional"), f"Secret {source['secretName']} is not optional"
            return
    elif "configMap" in volume:
        source = volume["configMap"]
        data = of_kind(objects, "ConfigMap")[source["name"]]["data"]
    else:
        assert "emptyDir" in volume
        return
    items = source.get("items") or [{"key": key, "path": key} for key in data]
    for item in items:
        (into / item["path"]).write_text(data[item["key"]])


def container_environment(
    deployment_: dict[str, Any], objects: list[dict[str, Any]], mounts: dict[str, Path]
) -> dict[str, str]:
    pod = deployment_["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        environment |= of_kind(objects, "ConfigMap")[source["configMapRef"]["name"]]["data"]
    environment |= {item["name"]: item["value"] for item in container.get("env", [])}
    for name, value in environment.items():  # paths in the pod, as paths here
        for mount_path, local in mounts.items():
            if value == mount_path or value.startswith(mount_path + "/"):
                environment[name] = str(local) + value[len(mount_path) :]
    return environment


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-2000:]
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310  (loopback)
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready: {log.read_text()[-2000:]}")


async def test_the_dev_overlay_runs_a_verification_with_its_own_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = render(K8S / "overlays" / "dev")
    passwords = {user: new_key() for user in nats_accounts.PASSWORD_USERS}
    admin_key = new_key()
    secrets = secrets_of(passwords, admin_key)
    # NATS as the Helm chart configures it (one node: the dev overlay's streams are R1).
    for user, password in passwords.items():
        monkeypatch.setenv(deployment.password_variable(user), password)
    config = tmp_path / "nats.conf"
    config.write_text(nats_conf(nats_values()["config"]["merge"]))
    server = NatsServer(tmp_path / "nats", config_file=config)
    url = await server.start()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, item in of_kind(objects, "Deployment").items():
            pod = item["spec"]["template"]["spec"]
            volumes = {volume["name"]: volume for volume in pod["volumes"]}
            mounts = {}
            for volume_mount in pod["containers"][0]["volumeMounts"]:
                local = tmp_path / name / volume_mount["name"]
                mount(volumes[volume_mount["name"]], objects, secrets, local)
                mounts[volume_mount["mountPath"]] = local
            environment = container_environment(item, objects, mounts)
            health_port = free_port()
            environment |= {"OTV_SERVER": url, "OTV_HEALTH_PORT": str(health_port)}
            if "OTV_GRPC_PORT" in environment:
                environment["OTV_GRPC_PORT"] = str(free_port())
            # The image's own environment, and nothing of this test's.
            environment |= {"PATH": os.environ["PATH"], "HOME": str(tmp_path / "home")}
            log = tmp_path / f"{name}.log"
            args = pod["containers"][0]["args"]
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "otv", *args], env=environment, stdout=output,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            processes.append(process)
            probe = pod["containers"][0]["readinessProbe"]["httpGet"]["path"]
            wait_ready(f"http://127.0.0.1:{health_port}{probe}", process, log)

        repo = two_target_repository(tmp_path / "repo")
        # The repository brings profiles of its own, which could run any command: a
        # server (these manifests allow neither) passes them over.
        repo.checkout("feature")
        repo.commit("own profiles", {".otv/profiles.yaml": profiles_yaml(run=["false"])})
        repo.checkout("main")
        verified = subprocess.run(
            [sys.executable, "-m", "otv", "verify", str(repo.path), "--head", "feature",
             "--target", "main", "--target", "release/1.0", "--profile", "default", "--json"],
            env={**os.environ, "OTV_SERVER": url, "OTV_API_KEY": admin_key},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        report = json.loads(verified.stdout)
        # The default profile of the profiles ConfigMap: a blocking merge check, and
        # feature conflicts with release/1.0.
        assert verified.returncode == 1, verified.stderr
        assert report["verdict"] == "failed"
        assert report["profile"] == "default"
        outcomes = {(t["name"], s["id"]): s["outcome"] for t in report["targets"] for s in t["scenarios"]}  # fmt: skip
        assert outcomes == {("main", "mergeable"): "passed", ("release/1.0", "mergeable"): "failed"}
        # A client's profiles file is refused outright.
        client_profiles = tmp_path / "mine.yaml"
        client_profiles.write_text(profiles_yaml())
        refused = subprocess.run(
            [sys.executable, "-m", "otv", "verify", str(repo.path), "--head", "feature",
             "--target", "main", "--profiles", str(client_profiles)],
            env={**os.environ, "OTV_SERVER": url, "OTV_API_KEY": admin_key},
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert refused.returncode == 2, refused.stderr
        assert "does not accept profiles files from clients" in refused.stderr
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        await server.stop()
    for process in processes:
        assert process.returncode == 0, f"a service did not stop cleanly: {process.args}"
