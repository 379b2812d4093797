"""What a local cluster is made of: its directory, ports, and each process's command.

Three ``nats-server`` nodes clustered on loopback (JetStream on each, so streams
can have three replicas), and every service twice, each replica a process of
its own with its own health port and cache. Secrets (NATS passwords, the
pepper, the bootstrap admin key) are files in the directory only the user can
read; the state file and the commands hold none of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import Final

from pydantic import BaseModel

from otv import nats_accounts
from otv.embedded.nats_server import find_binary
from otv.embedded.services import SERVICE_NAMES
from otv.embedded.stack import secret_file
from otv.keys import new_key, new_pepper

CLUSTER_NAME: Final = "otv-local"
NODES: Final = 3
SERVICE_REPLICAS: Final = 2
# What runs where, with pids: the file `otv cluster down` and tests read.
STATE_FILE: Final = "cluster.json"
# Settings a cluster's services run with unless the caller's environment sets them:
# like the embedded stack, it is a developer's own machine.
_DEFAULT_SETTINGS: Final = {
    "OTV_ALLOW_CLIENT_PROFILES": "true",
    "OTV_ALLOW_REPOSITORY_PROFILES": "true",
    "OTV_LOG_FORMAT": "json",
}
# A client's settings mean nothing to a service, and its key must not reach one.
_NOT_INHERITED: Final = ("OTV_SERVER", "OTV_API_KEY", "OTV_API_KEY_FILE", "OTV_NATS_PASSWORD")


class ProcessRecord(BaseModel):
    """One process of the cluster, as the state file keeps it."""

    name: str  # nats-1, auth-2 ...
    kind: str  # "nats", or the service it runs
    argv: list[str]
    # The OTV_* settings it was given on top of the caller's environment (no secrets).
    settings: dict[str, str]
    log_file: Path
    # Answers 200 once the process does its job: a node's /healthz, a service's /readyz.
    ready_url: str
    pid: int = 0


class ClusterState(BaseModel):
    directory: Path
    nats_urls: list[str]
    grpc_addresses: list[str]
    admin_key_file: Path
    processes: list[ProcessRecord]

    @property
    def server(self) -> str:
        """What a client passes as ``--server``: every node, comma-separated."""
        return ",".join(self.nats_urls)

    def process(self, name: str) -> ProcessRecord:
        for record in self.processes:
            if record.name == name:
                return record
        names = ", ".join(record.name for record in self.processes)
        raise KeyError(f"no process {name!r} in the cluster (processes: {names})")


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports free right now (held open until all are found)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


class ClusterLayout:
    """The files of a cluster in ``directory``, created on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.logs = directory / "logs"
        self.logs.mkdir(exist_ok=True)
        self.admin_key_file = secret_file(directory / "admin.key", new_key())
        self.pepper_file = secret_file(directory / "pepper", new_pepper())
        # A NATS password per user, each in a file of its own: a service reads its
        # password as from a mounted Secret; the node configurations take them all.
        secrets_dir = directory / "secrets"
        secrets_dir.mkdir(exist_ok=True, mode=0o700)
        self.password_files = {
            user: secret_file(secrets_dir / f"nats-{user}.password", secrets.token_urlsafe(24))
            for user in nats_accounts.PASSWORD_USERS
        }

    @property
    def passwords(self) -> dict[str, str]:
        return {user: file.read_text().strip() for user, file in self.password_files.items()}

    def plan(self, nats_server_bin: Path | None = None) -> ClusterState:
        """Every process of a new start, on ports free now."""
        # Per node: client, monitoring, routes; per replica: health; auth's: gRPC too.
        ports = iter(free_ports(NODES * 3 + (len(SERVICE_NAMES) + 1) * SERVICE_REPLICAS))
        nodes = [(next(ports), next(ports), next(ports)) for _ in range(NODES)]
        binary = str(find_binary(nats_server_bin))
        processes = [self._node(index, nodes, binary) for index in range(1, NODES + 1)]
        nats_urls = [f"nats://127.0.0.1:{client}" for client, _, _ in nodes]
        grpc_addresses = []
        for service in SERVICE_NAMES:
            for replica in range(1, SERVICE_REPLICAS + 1):
                settings = {"OTV_HEALTH_PORT": str(next(ports))}
                if service == "auth":
                    grpc_port = next(ports)
                    settings["OTV_GRPC_PORT"] = str(grpc_port)
                    grpc_addresses.append(f"127.0.0.1:{grpc_port}")
                processes.append(self._service(service, replica, ",".join(nats_urls), settings))
        return ClusterState(
            directory=self.directory,
            nats_urls=nats_urls,
            grpc_addresses=grpc_addresses,
            admin_key_file=self.admin_key_file,
            processes=processes,
        )

    def _node(self, index: int, nodes: list[tuple[int, int, int]], binary: str) -> ProcessRecord:
        client, monitor, route = nodes[index - 1]
        name = f"nats-{index}"
        config = nats_accounts.configuration(self.passwords)
        config.update(
            {
                "server_name": name,
                "listen": f"127.0.0.1:{client}",
                "http": f"127.0.0.1:{monitor}",
                "jetstream": {"store_dir": str(self.directory / name / "jetstream")},
                "cluster": {
                    "name": CLUSTER_NAME,
                    "listen": f"127.0.0.1:{route}",
                    "routes": [f"nats-route://127.0.0.1:{r}" for _, _, r in nodes],
                },
            }
        )
        config_file = self.directory / f"{name}.conf"
        config_file.write_text(json.dumps(config, indent=2) + "\n")
        config_file.chmod(0o600)  # it holds the services' passwords
        return ProcessRecord(
            name=name,
            kind="nats",
            argv=[binary, "--config", str(config_file)],
            settings={},
            log_file=self.logs / f"{name}.log",
            ready_url=f"http://127.0.0.1:{monitor}/healthz",
        )

    def _service(
        self, service: str, replica: int, server: str, settings: dict[str, str]
    ) -> ProcessRecord:
        name = f"{service}-{replica}"
        settings |= {
            "OTV_SERVER": server,
            "OTV_NATS_USER": service,
            "OTV_NATS_PASSWORD_FILE": str(self.password_files[service]),
            "OTV_STREAM_REPLICAS": str(NODES),
            "OTV_HEALTH_HOST": "127.0.0.1",
            "OTV_GRPC_HOST": "127.0.0.1",
            "OTV_CACHE_DIR": str(self.directory / "cache" / name),
            "OTV_PEPPER_FILE": str(self.pepper_file),
            "OTV_BOOTSTRAP_ADMIN_KEY_FILE": str(self.admin_key_file),
            "OTEL_SERVICE_NAME": f"otv-{service}",
        }
        return ProcessRecord(
            name=name,
            kind=service,
            argv=[sys.executable, "-m", "otv", "serve", service],
            settings=settings,
            log_file=self.logs / f"{name}.log",
            ready_url=f"http://127.0.0.1:{settings['OTV_HEALTH_PORT']}/readyz",
        )

    def environment(self, record: ProcessRecord) -> dict[str, str]:
        """The environment ``record`` runs with: the caller's, and its settings."""
        environment = {
            name: value for name, value in os.environ.items() if name not in _NOT_INHERITED
        }
        if record.kind == "nats":
            return environment
        for name, value in _DEFAULT_SETTINGS.items():
            environment.setdefault(name, value)
        return environment | record.settings

    def operator_url(self, nats_url: str) -> str:
        """``nats_url`` with the operator's credentials, for inspection and tests."""
        password = self.passwords[nats_accounts.OPERATOR]
        return nats_url.replace("nats://", f"nats://{nats_accounts.OPERATOR}:{password}@", 1)
