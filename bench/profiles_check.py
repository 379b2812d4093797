"""How long ``otv profiles check`` takes on a profile of 50 scenarios, z3's proofs
included, next to resolving the same profile without them (the baseline).

The profile: 50 scenarios with target and path filters, a chain of `needs` every
five, and dependency constraints on ten packages — the shapes the proofs reason about.

Usage: python bench/profiles_check.py [--scenarios N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from otv.cli import main
from otv.profiles import ProfilesFile
from otv.scenarios import ScenarioRegistry


def profile(scenarios: int) -> str:
    lines = ["version: 1", "profiles:", "  default:", "    targets: [main, 'release/*']",
             "    scenarios:"]  # fmt: skip
    for n in range(scenarios):
        needs = f", needs: [s{n - 1}]" if n % 5 else ""
        if n % 5 == 4:
            lines.append(
                f"      - {{id: s{n}, type: dependencies, "
                f"constraints: {{pkg{n % 10}: '>=1.{n % 3},<3', other{n}: '~=2.1'}}{needs}}}"
            )
        else:
            lines.append(
                f"      - {{id: s{n}, type: merge, when: {{targets: ['release/*'], "
                f"changed: ['src/{n}/**']}}{needs}}}"
            )
    return "\n".join(lines) + "\n"


def run(scenarios: int, runs: int) -> dict[str, object]:
    text = profile(scenarios)
    registry = ScenarioRegistry.from_entry_points()
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "profiles.yaml"
        path.write_text(text)
        checked, resolved = [], []
        for _ in range(runs):
            started = time.perf_counter()
            ProfilesFile.parse(text, "p.yaml").resolve("default", registry)
            resolved.append(time.perf_counter() - started)
            started = time.perf_counter()
            main(["profiles", "check", str(path), "--quiet"])
            checked.append(time.perf_counter() - started)
    return {
        "conditions": {
            "machine": platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "z3": version("z3-solver"),
            "scenarios": scenarios,
            "runs": runs,
        },
        "profiles_check_s": {
            "median": round(statistics.median(checked), 3),
            "max": round(max(checked), 3),
        },
        "baseline_resolve_only_s": {"median": round(statistics.median(resolved), 4)},
    }


def cli() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    result = run(args.scenarios, args.runs)
    print("otv profiles check (z3 proofs included)")
    for key, value in result["conditions"].items():  # type: ignore[attr-defined]
        print(f"  {key:<10} {value}")
    checked = result["profiles_check_s"]
    print(f"  profiles check: median {checked['median']} s, max {checked['max']} s")  # type: ignore[index]
    print(
        f"  baseline (parse and resolve only): median {result['baseline_resolve_only_s']['median']} s"
    )  # type: ignore[index]
    print(f"  goal: under 1 s for 50 scenarios: {'met' if checked['max'] < 1 else 'missed'}")  # type: ignore[index]
    out = Path(__file__).parent / "results" / "profiles_check.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    cli()
