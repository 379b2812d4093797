"""A reporter killed mid-verification, and one that lost its states: nothing is lost."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from support import (
    profiles_yaml,
    start_service,
    stored_events,
    two_target_repository,
    wait_until_ready,
)

from otv.bus import Bus
from otv.bus.api import ApiError
from otv.bus.subjects import (
    REPORTS_BUCKET,
    VERIFICATION_INDEX_BUCKET,
    VERIFICATIONS_BUCKET,
    Subject,
)
from otv.client import VerificationClient
from otv.keys import key_hash, new_key, parse_key
from otv.outcomes import Verdict
from otv.queries import Phase
from otv.report import Report
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb

SERVICES = ("auth", "collector", "runner", "reporter")
SLOW = ["sh", "-c", "sleep 2; grep -q feature app.txt"]


class Deployment:
    """The four services as processes on one NATS server, each restartable."""

    def __init__(self, tmp_path: Path, nats_url: str) -> None:
        self.key = new_key()
        pepper = "a pepper of thirty-two bytes, ok"
        auth_config = tmp_path / "auth.yaml"
        auth_config.write_text(
            f"version: 1\nkeys:\n  - {{id: {parse_key(self.key).id}, name: CI, role: admin, "
            f"hash: '{key_hash(self.key, pepper.encode())}'}}\n"
        )
        self.url = nats_url
        self.env = {
            **os.environ,
            "OTV_SERVER": nats_url,
            "OTV_AUTH_CONFIG": str(auth_config),
            "OTV_CACHE_DIR": str(tmp_path / "cache"),
            "OTV_ALLOW_CLIENT_PROFILES": "true",
            "OTV_PEPPER": pepper,
        }
        self.logs = {name: tmp_path / f"{name}.log" for name in SERVICES}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.starts = dict.fromkeys(SERVICES, 0)

    def start(self, name: str) -> None:
        self.processes[name] = start_service(name, self.env, self.logs[name])
        self.starts[name] += 1
        wait_until_ready(name, self.logs[name], times=self.starts[name])

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)


@pytest.fixture
def deployment(tmp_path: Path, nats_url: str) -> Iterator[Deployment]:
    running = Deployment(tmp_path, nats_url)
    try:
        for name in SERVICES:
            running.start(name)
        yield running
    finally:
        running.stop()


def request(repo_path: Path, profiles: str) -> pb.VerificationRequest:
    return pb.VerificationRequest(
        repository=str(repo_path),
        head="feature",
        targets=["main", "release/1.0"],
        profile="default",
        profiles_document=profiles.encode(),
        profiles_document_name="profiles.yaml",
    )


async def wait_for(client: VerificationClient, vid: str, phase: Phase, within_s: float) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        with contextlib.suppress(ApiError):
            if (await client.status(vid)).phase is phase:
                return
        assert asyncio.get_running_loop().time() < deadline, f"{vid} never reached {phase}"
        await asyncio.sleep(0.1)


async def report_objects(url: str, vid: str) -> list[str]:
    nc = await nats.connect(url)
    try:
        store = await nc.jetstream().object_store(REPORTS_BUCKET)
        infos = await store.list(ignore_deletes=True)
        return [info.name for info in infos if info.name.startswith(f"{vid}/")]
    finally:
        await nc.close()


def test_a_reporter_killed_mid_verification_loses_nothing(
    deployment: Deployment, tmp_path: Path
) -> None:
    repo = two_target_repository(tmp_path / "repo")

    async def scenario() -> tuple[Report, list[str], int]:
        bus = await Bus.connect(deployment.url, Telemetry.for_service("cli"))
        try:
            client = VerificationClient(bus, deployment.key)
            await client.submit(request(repo.path, profiles_yaml(run=SLOW)), "kill1", "c")
            await wait_for(client, "kill1", Phase.RUNNING, 30)
            deployment.kill("reporter")  # while the runner works: events pile up unread
            await asyncio.sleep(2.5)
            await asyncio.to_thread(deployment.start, "reporter")
            await wait_for(client, "kill1", Phase.COMPLETED, 60)
            report = Report.from_json(await client.report("kill1"))
        finally:
            await bus.close()
        events = await stored_events(deployment.url, Subject.VERIFICATION_COMPLETED)
        completed = [e for e in events if e[1].get("Otv-Verification-Id") == "kill1"]
        return report, await report_objects(deployment.url, "kill1"), len(completed)

    report, objects, completed = asyncio.run(scenario())
    assert report.verdict is Verdict.WARNED
    assert [t.name for t in report.targets] == ["main", "release/1.0"]
    assert all(len(t.scenarios) == 2 for t in report.targets)
    assert len(objects) == 1, objects
    assert completed == 1


def test_a_reporter_that_lost_its_states_rebuilds_them_from_the_stream(
    deployment: Deployment, tmp_path: Path
) -> None:
    repo = two_target_repository(tmp_path / "repo")

    async def scenario() -> tuple[Report, Report, int]:
        bus = await Bus.connect(deployment.url, Telemetry.for_service("cli"))
        try:
            client = VerificationClient(bus, deployment.key)
            done = await client.verify(
                request(repo.path, profiles_yaml("blocking")), "lost1", "c", 60
            )
            assert done.report is not None
            deployment.kill("reporter")
            nc = await nats.connect(deployment.url)
            try:
                js = nc.jetstream()
                await js.delete_key_value(VERIFICATIONS_BUCKET)
                await js.delete_key_value(VERIFICATION_INDEX_BUCKET)
            finally:
                await nc.close()
            await asyncio.to_thread(deployment.start, "reporter")
            await wait_for(client, "lost1", Phase.COMPLETED, 60)
            rebuilt = Report.from_json(await client.report("lost1"))
        finally:
            await bus.close()
        events = await stored_events(deployment.url, Subject.VERIFICATION_COMPLETED)
        return done.report, rebuilt, len(events)

    before, rebuilt, completed = asyncio.run(scenario())
    assert rebuilt.verdict is before.verdict is Verdict.FAILED
    assert rebuilt.targets == before.targets
    assert completed == 1  # the replay did not announce it a second time
