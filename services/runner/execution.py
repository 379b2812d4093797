"""Running one job: the scenarios of a profile against one target's speculative merge.

The merge is rebuilt in the runner's own mirror (a runner may not share a disk
with the collector) and must give the tree the collector found; it is then
checked out as a worktree that every scenario of the job shares.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from otv.errors import GitFailure, OtvError
from otv.git import (
    Mirror,
    RepositorySource,
    add_worktree,
    merge_commit,
    remove_worktree,
    speculative_merge,
)
from otv.outcomes import Outcome, Severity
from otv.redaction import redact
from otv.scenarios import ScenarioContext, ScenarioOutput, ScenarioRegistry, TargetInfo

# A plugin that ignores its own timeout is abandoned this long after it.
_TIMEOUT_GRACE_S = 10.0
_MESSAGE_CAP = 4000
_RETRIED = (Outcome.FAILED, Outcome.ERRORED)


@dataclass(frozen=True)
class ScenarioSpec:
    id: str
    type: str
    severity: Severity
    timeout_s: float
    retries: int
    config_json: str


@dataclass(frozen=True)
class Job:
    verification_id: str
    repository: str
    head_ref: str
    head_sha: str
    target: TargetInfo
    scenarios: tuple[ScenarioSpec, ...]


@dataclass(frozen=True)
class ScenarioRecord:
    id: str
    type: str
    severity: Severity
    outcome: Outcome
    duration_s: float
    message: str
    attempts: int


ResultSink = Callable[[ScenarioRecord], Awaitable[None]]


class JobRunner:
    def __init__(self, registry: ScenarioRegistry, cache_dir: Path, git_timeout_s: float) -> None:
        self._registry = registry
        self._cache_dir = cache_dir
        self._git_timeout_s = git_timeout_s

    async def run(self, job: Job, on_result: ResultSink) -> tuple[ScenarioRecord, ...]:
        """Run every scenario of ``job`` in order; ``on_result`` hears each as it ends."""
        records = []
        async with self._merged_tree(job) as worktree:
            for spec in job.scenarios:
                record = await self._run_scenario(job, spec, worktree)
                await on_result(record)
                records.append(record)
        return tuple(records)

    def _needs_tree(self, spec: ScenarioSpec) -> bool:
        try:
            return self._registry.get(spec.type, "job").requires_worktree
        except OtvError:
            return False  # reported as errored when the scenario comes up

    @contextlib.asynccontextmanager
    async def _merged_tree(self, job: Job) -> AsyncIterator[Path | None]:
        if not job.target.mergeable or not any(self._needs_tree(s) for s in job.scenarios):
            yield None
            return
        work = Path(tempfile.mkdtemp(prefix="otv-job-"))
        directory = work / "tree"
        try:
            mirror, commit = await asyncio.to_thread(self._merge_commit, job)
            await asyncio.to_thread(add_worktree, mirror, commit, directory)
            try:
                yield directory
            finally:
                await asyncio.to_thread(remove_worktree, mirror, directory)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _merge_commit(self, job: Job) -> tuple[Mirror, str]:
        source = RepositorySource.locate(job.repository, self._git_timeout_s)
        mirror = Mirror(self._cache_dir, source)
        target = job.target
        mirror.ensure(job.head_sha, target.sha)
        merge = speculative_merge(mirror.path, target.sha, job.head_sha, self._git_timeout_s)
        if merge.tree != target.tree:
            raise GitFailure(
                f"merging into {target.name} gives tree {merge.tree[:12]} here but "
                f"{target.tree[:12]} in the collector; do they run different git versions?"
            )
        message = f"otv: speculative merge of {job.head_ref} into {target.name}"
        return mirror, merge_commit(mirror, merge.tree, target.sha, job.head_sha, message)

    async def _run_scenario(
        self, job: Job, spec: ScenarioSpec, worktree: Path | None
    ) -> ScenarioRecord:
        started = time.monotonic()
        attempts = 0
        output = self._cannot_run(job, spec, worktree)
        if output is None:
            attempts, output = 1, await self._attempt(job, spec, worktree)
            while output.outcome in _RETRIED and attempts <= spec.retries:
                attempts, output = attempts + 1, await self._attempt(job, spec, worktree)
        return ScenarioRecord(
            id=spec.id,
            type=spec.type,
            severity=spec.severity,
            outcome=output.outcome,
            duration_s=round(time.monotonic() - started, 3),
            message=redact(output.message)[:_MESSAGE_CAP],
            attempts=attempts,
        )

    def _cannot_run(
        self, job: Job, spec: ScenarioSpec, worktree: Path | None
    ) -> ScenarioOutput | None:
        """An output for a scenario that cannot run at all, or None if it can."""
        try:
            plugin = self._registry.get(spec.type, f"scenario {spec.id!r}")
        except OtvError as exc:
            return ScenarioOutput(Outcome.ERRORED, f"{exc.message} on this runner")
        if plugin.requires_worktree and worktree is None:
            return ScenarioOutput(
                Outcome.SKIPPED, f"not run: the head does not merge into {job.target.name}"
            )
        return None

    async def _attempt(self, job: Job, spec: ScenarioSpec, worktree: Path | None) -> ScenarioOutput:
        plugin = self._registry.get(spec.type, f"scenario {spec.id!r}")
        try:
            config = plugin.config_model.model_validate_json(spec.config_json)
        except ValidationError as exc:
            return ScenarioOutput(
                Outcome.ERRORED, f"invalid configuration: {exc.errors()[0]['msg']}"
            )
        context = ScenarioContext(
            verification_id=job.verification_id,
            scenario_id=spec.id,
            head_ref=job.head_ref,
            head_sha=job.head_sha,
            target=job.target,
            worktree=worktree,
            timeout_s=spec.timeout_s,
        )
        try:
            return await asyncio.wait_for(
                plugin.run(config, context), spec.timeout_s + _TIMEOUT_GRACE_S
            )
        except TimeoutError:
            return ScenarioOutput(Outcome.ERRORED, f"timed out after {spec.timeout_s:g} s")
        except OtvError as exc:
            return ScenarioOutput(Outcome.ERRORED, exc.message)
        except Exception as exc:  # a broken plugin fails its scenario, not the job
            return ScenarioOutput(
                Outcome.ERRORED,
                f"the {spec.type} scenario type failed: {type(exc).__name__}: {exc}",
            )
