"""Faults on the local cluster, every verification counted: none lost, none ended twice.

Run by `make chaos` (they take minutes and the whole machine); `make test` leaves them out.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from harness import ChaosCluster, FaultResult

from otv.bus.events import meta
from otv.bus.subjects import Subject, event_id
from otv.cluster.layout import ClusterLayout
from otv.cluster.processes import wait_ready
from otv.v1 import events_pb2 as pb

pytestmark = pytest.mark.timeout(600)

COUNT = 50


@pytest.fixture
async def chaos(tmp_path: Path) -> AsyncIterator[ChaosCluster]:
    from support import GitRepo

    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"app.txt": "base\n"})
    repo.branch("feature")
    repo.checkout("feature")
    repo.commit("feature", {"feature.txt": "new\n"})
    repo.checkout("main")
    async with ChaosCluster(tmp_path / "cluster", repo.path) as cluster:
        yield cluster


def assert_nothing_lost(result: FaultResult) -> None:
    assert result.sent >= COUNT, result
    assert (result.lost, result.duplicated) == (0, 0), result
    assert result.completed == result.sent, result


async def kill_and_restart(
    chaos: ChaosCluster, name: str, after_s: float, down_s: float, signum: int = signal.SIGKILL
) -> None:
    await asyncio.sleep(after_s)
    chaos.cluster.kill(name, signum)
    await asyncio.sleep(down_s)
    await asyncio.to_thread(chaos.cluster.restart, name)


async def test_runners_killed_mid_scenario_again_and_again(chaos: ChaosCluster) -> None:
    async def fault() -> None:
        # Each scenario takes a second: a kill always lands in the middle of some.
        for round_ in range(4):
            await kill_and_restart(chaos, f"runner-{round_ % 2 + 1}", after_s=1.5, down_s=1.0)

    result = await chaos.run("runner SIGKILL mid-scenario (4 times)", COUNT, 1.0, fault, 0.15)
    assert_nothing_lost(result)
    assert result.errored == 0, result  # a redelivered job runs again; nothing gives up


async def test_one_nats_node_of_three_killed_under_load_and_brought_back(
    chaos: ChaosCluster,
) -> None:
    async def fault() -> None:
        await kill_and_restart(chaos, "nats-2", after_s=2.0, down_s=5.0)

    result = await chaos.run("NATS node SIGKILL (1 of 3, R3)", COUNT, 0.5, fault, 0.15)
    assert_nothing_lost(result)


@pytest.mark.parametrize("service", ["reporter", "collector", "auth"])
async def test_a_service_killed_and_restarted_mid_flight(chaos: ChaosCluster, service: str) -> None:
    async def fault() -> None:
        await kill_and_restart(chaos, f"{service}-1", after_s=1.5, down_s=2.0)
        await kill_and_restart(chaos, f"{service}-2", after_s=0.5, down_s=2.0)

    result = await chaos.run(
        f"{service} SIGKILL + restart (both replicas)", COUNT, 0.5, fault, 0.15
    )
    assert_nothing_lost(result)


async def test_all_of_nats_stopped_for_ten_seconds(chaos: ChaosCluster, tmp_path: Path) -> None:
    assert chaos.state is not None
    nodes = [f"nats-{index}" for index in (1, 2, 3)]
    outage: dict[str, subprocess.CompletedProcess[str]] = {}

    def verify(*flags: str) -> subprocess.CompletedProcess[str]:
        assert chaos.state is not None
        return subprocess.run(
            [sys.executable, "-m", "otv", "verify", str(chaos.repository), "--head", "feature",
             "--target", "main", *flags],
            env={**os.environ, "OTV_SERVER": chaos.state.server,
                 "OTV_API_KEY_FILE": str(chaos.state.admin_key_file)},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    async def fault() -> None:
        await asyncio.sleep(2.0)
        for node in nodes:
            chaos.cluster.kill(node, signal.SIGKILL)
        down_at = time.monotonic()
        # Meanwhile a CI job runs otv verify: fail-safe by default, strict when asked.
        outage["default"] = await asyncio.to_thread(verify)
        outage["required"] = await asyncio.to_thread(verify, "--require-verification")
        await asyncio.sleep(max(0.0, 10.0 - (time.monotonic() - down_at)))
        await asyncio.to_thread(chaos.cluster.restart, *nodes)

    result = await chaos.run("all NATS nodes down for 10 s", COUNT, 0.5, fault, 0.2)
    assert_nothing_lost(result)
    assert outage["default"].returncode == 0, outage["default"].stderr
    assert "otv: warning: the change was not verified" in outage["default"].stderr
    assert outage["required"].returncode == 3
    assert "cannot reach NATS" in outage["required"].stderr
    # Every process runs, and every service is ready again: reconnected, consumers bound.
    now = chaos.cluster.state()
    assert now is not None
    assert len(await asyncio.to_thread(chaos.cluster.running)) == len(now.processes)
    await asyncio.to_thread(wait_ready, now.processes, 30.0)


async def test_two_hundred_queued_at_once_drain_with_bounded_work_in_progress(
    chaos: ChaosCluster,
) -> None:
    async def nothing() -> None:
        return None

    result = await chaos.run("200 queued at once", 200, 0.3, nothing, spacing_s=0.0, deadline_s=400)
    assert (result.sent, result.completed, result.lost, result.duplicated) == (200, 200, 0, 0)
    assert result.errored == 0
    # Scenarios in progress at once: never more than the runners take (2 replicas x 2 jobs).
    spans = chaos.endings.scenario_spans
    assert len(spans) == 200
    busiest = max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)
    assert busiest <= 4, busiest
    result.notes.append(f"at most {busiest} scenarios at once (runners x jobs = 4)")
    result.record()


async def test_a_poison_job_ends_its_verification_errored_and_the_queue_goes_on(
    chaos: ChaosCluster,
) -> None:
    assert chaos.state is not None
    operator = ClusterLayout(chaos.cluster.directory).operator_url(chaos.state.nats_urls[0])
    poisoned = "poison" + "0" * 26

    async def fault() -> None:
        await asyncio.sleep(1.0)
        # A job whose context details are not in the object store: every attempt to read
        # them fails, and none is the user's error.
        job = pb.TargetJob(
            meta=meta(event_id(poisoned, "job-main"), poisoned, poisoned, "chaos"),
            repository=str(chaos.repository),
            head=pb.CommitRef(ref="feature", sha="f" * 40),
            target=pb.TargetContext(name="main", sha="f" * 40, tree="f" * 40),
            profile="chaos",
            scenarios=[
                pb.ScenarioSpec(
                    id="work", type="command", severity=pb.SEVERITY_WARNING, timeout_s=10,
                    config_json='{"run": ["true"]}', cache=False,
                )
            ],
            details_ref=pb.ContextRef(object=f"{poisoned}/details", sha256="0" * 64, size=10),
        )  # fmt: skip
        nc = await nats.connect(operator)
        try:
            await nc.jetstream().publish(
                Subject.TARGET_JOB,
                job.SerializeToString(),
                headers={"Nats-Msg-Id": job.meta.event_id, "Otv-Verification-Id": poisoned,
                         "Otv-Correlation-Id": poisoned, "Otv-Event-Type": "otv.v1.TargetJob"},
            )  # fmt: skip
        finally:
            await nc.close()

    result = await chaos.run("poison job among 50", COUNT, 0.3, fault, 0.15)
    assert_nothing_lost(result)
    await chaos.wait_for([poisoned], 60)
    (ending,) = chaos.endings.endings[poisoned]
    assert ending.subject == Subject.VERIFICATION_ERRORED
    assert "gave up after 3 attempts" in ending.reason
    result.notes.append(f"poison: errored, {ending.reason}")
    result.record()
