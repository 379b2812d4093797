"""The scenario cache on a real KV bucket: reuse, and exactly the right invalidations."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support import GitRepo

from otv.bus import Bus
from otv.git.source import GitCredentials
from otv.outcomes import Severity
from otv.profiles.model import ContextSpec
from otv.scenarios import ChangedFile, ScenarioRegistry, TargetInfo
from otv.telemetry import Telemetry
from services.collector.context import Collection
from services.runner.cache import SCENARIO_CACHE_BUCKET, ScenarioCache
from services.runner.execution import JobRunner
from services.runner.job import Job, ScenarioRecord, ScenarioSpec


@pytest.fixture
async def cache(nats_url: str) -> AsyncIterator[ScenarioCache]:
    bus = await Bus.connect(nats_url, Telemetry.for_service("test"))
    try:
        yield ScenarioCache(await bus.records(SCENARIO_CACHE_BUCKET, 1, ttl_s=3600))
    finally:
        await bus.close()


def spec(scenario_id: str, kind: str, config: dict[str, object], **rules: object) -> ScenarioSpec:
    return ScenarioSpec(
        id=scenario_id,
        type=kind,
        severity=Severity.WARNING,
        timeout_s=30,
        retries=0,
        config_json=json.dumps(config),
        **rules,  # type: ignore[arg-type]
    )


SCENARIOS = (
    spec("tests", "command", {"shell": "test -f app.py"}),
    spec("uncached", "command", {"run": ["true"]}, cache=False),
    spec("mergeable", "merge", {}),
    spec("deps", "dependencies", {"unpinned": "forbid"}),
    spec("history", "git", {"message_matches": "."}),
    spec("protected", "protected-paths", {"paths": ["deploy/**"]}),
    spec("port", "tcp", {"host": "127.0.0.1", "port": 1}),
)


def collected_job(repo: GitRepo, tmp_path: Path) -> Job:
    collection = Collection(str(repo.path), tmp_path / "collector", 30, GitCredentials(), 1 << 20)
    head, shas = collection.resolve("feature", ["main"])
    head_dependencies, _ = collection.head_dependencies(head)
    found = collection.target("main", shas["main"], head, ContextSpec(), head_dependencies)
    state = found.state
    return Job(
        verification_id="v",
        repository=str(repo.path),
        head_ref="feature",
        head_sha=head,
        target=TargetInfo(
            name="main",
            sha=state.sha,
            merge_base=state.merge.merge_base,
            mergeable=state.merge.mergeable,
            conflicts=state.merge.conflicts,
            tree=state.merge.tree,
            changed_files=tuple(
                ChangedFile(c.path, c.status, c.old_path) for c in state.changed_files
            ),
        ),
        scenarios=SCENARIOS,
        details=found.details,
        head_dependencies=tuple(head_dependencies),
    )


async def run(runner: JobRunner, job: Job) -> dict[str, ScenarioRecord]:
    async def ignore(record: ScenarioRecord) -> None:
        pass

    return {record.id: record for record in await runner.run(job, ignore)}


async def test_results_are_reused_and_one_file_changes_exactly_what_depends_on_the_tree(
    cache: ScenarioCache, tmp_path: Path
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("base", {"requirements.txt": "flask==3.0.0\n", "app.py": "x = 1\n"})
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.commit("change app", {"app.py": "x = 2\n"})
    runner = JobRunner(ScenarioRegistry.from_entry_points(), tmp_path / "runner", 30, cache=cache)

    first = await run(runner, collected_job(repo, tmp_path))
    assert not any(record.cached for record in first.values())
    second = await run(runner, collected_job(repo, tmp_path))
    assert {i for i, r in second.items() if r.cached} == {
        "tests",
        "mergeable",
        "deps",
        "history",
        "protected",
    }
    assert {i: r.outcome for i, r in second.items()} == {i: r.outcome for i, r in first.items()}
    assert second["tests"].message == first["tests"].message

    repo.commit("change app again", {"app.py": "x = 3\n"})  # one file; no dependency changes
    third = await run(runner, collected_job(repo, tmp_path))
    cached = {i for i, r in third.items() if r.cached}
    assert cached == {"mergeable", "deps", "protected"}  # the tree, and the history, changed
    assert not third["tests"].cached
    assert not third["history"].cached
