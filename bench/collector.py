"""Collection time per target on a large repository, next to the bare git commands it needs.

Generates (with ``git fast-import``) a repository of 5,000 files and 2,000 commits:
a head ``feature`` and three targets (``main``, ``release/1.0``, ``release/2.0``)
that have moved on, with dependency manifests, lock files and configuration files.
Then measures, per target:

- otv's collection (merge, ahead/behind, changed files, dependencies and drift,
  configuration files) on a warm mirror;
- the bare git commands that collection needs, run directly: the baseline.

Usage: python bench/collector.py [--files N] [--commits N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

from otv.git.source import GitCredentials
from otv.profiles.model import ContextSpec
from services.collector.context import Collection

RESULTS = Path(__file__).parent / "results"
TARGETS = ("main", "release/1.0", "release/2.0")
ROUNDS = 5


def _blob(path: str, content: str) -> str:
    data = content.encode()
    return f"M 100644 inline {path}\ndata {len(data)}\n{content}\n"


def generate(repo: Path, files: int, commits: int) -> None:
    """A repository with ``files`` files and ``commits`` commits over four branches."""
    subprocess.run(["git", "init", "--quiet", "--initial-branch=main", str(repo)], check=True)
    stream = []
    mark = 0

    def commit(branch: str, message: str, changes: list[str], parent: int | None) -> int:
        nonlocal mark
        mark += 1
        stream.append(f"commit refs/heads/{branch}\nmark :{mark}\n")
        stream.append(f"committer bench <bench@otv.invalid> {1_700_000_000 + mark} +0000\n")
        stream.append(f"data {len(message)}\n{message}\n")
        if parent is not None:
            stream.append(f"from :{parent}\n")
        stream.extend(changes)
        return mark

    initial = [
        _blob(f"src/pkg{i // 100}/module{i}.py", f"value = {i}\n") for i in range(files - 40)
    ]
    for i in range(20):
        initial.append(_blob(f"config/service{i}.yaml", f"name: s{i}\nreplicas: {i % 3 + 1}\n"))
    for i in range(15):
        initial.append(
            _blob(
                f"deploy/app{i}.yaml",
                f"apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - {{name: a, image: 'app{i}:1.0'}}\n",
            )
        )
    initial.append(
        _blob("requirements.txt", "\n".join(f"lib{i}==1.{i}.0" for i in range(60)) + "\n")
    )
    initial.append(
        _blob(
            "package.json",
            json.dumps({"dependencies": {f"pkg{i}": f"^1.{i}.0" for i in range(80)}}),
        )
    )
    initial.append(
        _blob(
            "go.mod",
            "module x\n\nrequire (\n"
            + "".join(f"\texample.com/m{i} v1.{i}.0\n" for i in range(40))
            + ")\n",
        )
    )
    initial.append(_blob("Dockerfile", "FROM python:3.12-slim\n"))
    initial.append(
        _blob(
            "poetry.lock",
            "".join(f'[[package]]\nname = "lib{i}"\nversion = "1.{i}.0"\n' for i in range(60)),
        )
    )
    tip = commit("main", "initial", initial, None)
    per_branch = (commits - 1) // 4
    tips = {}
    for branch in ("feature", *TARGETS):
        parent = tip
        for n in range(per_branch):
            path = f"src/pkg{n % 49}/module{(n * 7) % (files - 40)}.py"
            parent = commit(
                branch, f"{branch} {n}", [_blob(path, f"value = '{branch} {n}'\n")], parent
            )
        tips[branch] = parent
    # The head upgrades some dependencies; the targets keep theirs.
    commit(
        "feature",
        "upgrade",
        [
            _blob("requirements.txt", "\n".join(f"lib{i}==2.{i}.0" for i in range(60)) + "\n"),
            _blob(
                "poetry.lock",
                "".join(f'[[package]]\nname = "lib{i}"\nversion = "2.{i}.0"\n' for i in range(60)),
            ),
        ],
        tips["feature"],
    )
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, input="".join(stream).encode(), check=True
    )


def bare_git(repo: Path, head: str, target: str) -> float:
    """The git commands collection needs, run directly."""
    started = time.perf_counter()

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, capture_output=True, text=True, check=False
        ).stdout

    base = git("merge-base", target, head).strip()
    tree = git("merge-tree", "--write-tree", "--name-only", "--no-messages", target, head).split()[
        0
    ]
    git("diff", "--name-status", "-M", base, head)
    git("rev-list", "--left-right", "--count", f"{target}...{head}")
    for treeish in (target, tree):
        listing = git("ls-tree", "-r", "-l", "--full-tree", treeish)
        wanted = [
            line.split()[2]
            for line in listing.splitlines()
            if line.endswith((".yaml", ".json", ".txt", ".lock", ".mod", "Dockerfile"))
        ]
        subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=repo,
            input="\n".join(wanted).encode(),
            capture_output=True,
            check=True,
        )
    return time.perf_counter() - started


def main(files: int, commits: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="otv-bench-collector-"))
    repo = work / "repo"
    started = time.perf_counter()
    generate(repo, files, commits)
    generated_s = time.perf_counter() - started
    collection = Collection(str(repo), work / "cache", 120, GitCredentials(), 1 << 20)
    started = time.perf_counter()
    head, shas = collection.resolve("feature", list(TARGETS))
    first_s = time.perf_counter() - started  # includes cloning the mirror
    head_dependencies, _ = collection.head_dependencies(head)
    per_target = {}
    for name, sha in shas.items():
        # Alternate the two, several times, and keep each one's best: the machine is noisy,
        # and the first merge writes objects that later runs find.
        otv_runs, baseline_runs = [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            collected = collection.target(name, sha, head, ContextSpec(), head_dependencies)
            otv_runs.append(time.perf_counter() - started)
            baseline_runs.append(bare_git(collection.mirror.path, head, sha))
        otv_s, baseline_s = min(otv_runs), min(baseline_runs)
        per_target[name] = {
            "otv_s": round(otv_s, 3),
            "bare_git_s": round(baseline_s, 3),
            "ratio": round(otv_s / baseline_s, 2),
            "changed_files": len(collected.state.changed_files),
            "drift": len(collected.details.drift),
            "config_files": len(collected.details.config_files),
        }
    return {
        "conditions": {
            "machine": platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "git": subprocess.run(
                ["git", "--version"], capture_output=True, text=True, check=True
            ).stdout.strip(),
            "GitPython": version("GitPython"),
            "files": files,
            "commits": commits,
        },
        "repository generated in, s": round(generated_s, 2),
        "resolving and cloning the mirror, s": round(first_s, 3),
        "per target": per_target,
    }


def show(results: dict[str, object]) -> None:
    print("collector benchmark")
    for name, value in results.items():
        if name == "per target":
            print(f"  {'target':<14} {'otv s':>8} {'bare git s':>11} {'ratio':>6}  found")
            for target, figures in value.items():  # type: ignore[attr-defined]
                print(
                    f"  {target:<14} {figures['otv_s']:>8} {figures['bare_git_s']:>11} {figures['ratio']:>6}"
                    f"  {figures['changed_files']} changed files, {figures['drift']} drifted, "
                    f"{figures['config_files']} config files"
                )
        else:
            print(f"  {name:<38} {value}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--commits", type=int, default=2000)
    arguments = parser.parse_args()
    figures = main(arguments.files, arguments.commits)
    show(figures)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "collector.json").write_text(json.dumps(figures, indent=2) + "\n")
