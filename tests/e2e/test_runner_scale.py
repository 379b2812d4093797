"""Several runner processes share one work queue: every job runs once, all of them work."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from support import stored_events, two_target_repository

from otv.bus import Bus
from otv.bus.events import meta
from otv.bus.subjects import Subject
from otv.git.source import GitCredentials
from otv.profiles.model import ContextSpec
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb
from services.collector import convert
from services.collector.context import Collection

JOBS = 20


def target_context(repo: Path, tmp_path: Path) -> tuple[str, pb.TargetContext]:
    collection = Collection(str(repo), tmp_path / "collector", 30, GitCredentials(), 1 << 20)
    head, shas = collection.resolve("feature", ["main"])
    found = collection.target("main", shas["main"], head, ContextSpec(), [])
    return head, convert.collected_target(found).target


async def test_two_runners_share_twenty_jobs(nats_url: str, tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    head, target = target_context(repo.path, tmp_path)
    runners = []
    logs = []
    for number in range(2):
        log = tmp_path / f"runner{number}.log"
        env = {
            **os.environ,
            "OTV_SERVER": nats_url,
            "OTV_CACHE_DIR": str(tmp_path / f"cache{number}"),
            "OTV_RUNNER_JOBS": "2",
            "OTV_LOG_FORMAT": "json",
            "OTV_HEALTH_PORT": "0",
        }
        runners.append(
            subprocess.Popen(
                [sys.executable, "-m", "otv", "serve", "runner"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log.open("w"),
            )
        )
        logs.append(log)
    try:
        for log in logs:
            for _ in range(300):
                if '"runner is ready"' in log.read_text():
                    break
                await asyncio.sleep(0.05)
        bus = await Bus.connect(nats_url, Telemetry.for_service("test"))
        scenario = pb.ScenarioSpec(
            id="work",
            type="command",
            severity=pb.SEVERITY_WARNING,
            timeout_s=30,
            config_json=json.dumps({"run": ["sleep", "0.3"]}),
            cache=False,
        )
        for number in range(JOBS):
            vid = f"scale{number}"
            await bus.producer.publish(
                pb.TargetJob(
                    meta=meta(f"{vid}.job.main", vid, vid, "test"),
                    repository=str(repo.path),
                    head=pb.CommitRef(ref="feature", sha=head),
                    target=target,
                    profile="p",
                    scenarios=[scenario],
                    parallelism=1,
                )
            )
        await bus.close()
        finished: list[pb.TargetFinished] = []
        for _ in range(600):
            finished = [
                pb.TargetFinished.FromString(body)
                for _, _, body in await stored_events(nats_url, Subject.TARGET_FINISHED)
            ]
            if len(finished) >= JOBS:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # room for a job run twice to show
        finished = [
            pb.TargetFinished.FromString(body)
            for _, _, body in await stored_events(nats_url, Subject.TARGET_FINISHED)
        ]
        scenarios = await stored_events(nats_url, Subject.SCENARIO_FINISHED)
    finally:
        for runner in runners:
            runner.send_signal(signal.SIGTERM)
        codes = [runner.wait(timeout=30) for runner in runners]
    assert codes == [0, 0]
    assert sorted(f.meta.verification_id for f in finished) == sorted(
        f"scale{n}" for n in range(JOBS)
    )
    assert len(scenarios) == JOBS
    producers = {f.meta.producer for f in finished}
    assert len(producers) == 2, producers  # both replicas took work
    assert all(p.startswith("runner@") for p in producers)
