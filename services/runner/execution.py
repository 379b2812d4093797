"""Running one job: the scenarios of a profile against one target's speculative merge.

Scenarios run concurrently, up to the profile's parallelism; one that needs
others waits for them and runs only if they all passed. ``when`` filters skip a
scenario on other targets or when no changed file matches. A failing scenario
is tried again up to its ``retries``; one that failed and then passed is
``flaky``. Results whose inputs are unchanged come from the cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from pydantic import ValidationError

from otv.context import TargetDetails
from otv.errors import OtvError
from otv.git.source import GitCredentials
from otv.globs import matches, matches_branch
from otv.outcomes import Outcome
from otv.redaction import redact
from otv.scenarios import (
    CachedScenario,
    Diagnosis,
    ScenarioContext,
    ScenarioOutput,
    ScenarioPlugin,
    ScenarioRegistry,
    skipped,
)
from services.runner.cache import ScenarioCache, cache_key
from services.runner.checkouts import Checkouts
from services.runner.job import Job, ScenarioRecord, ScenarioSpec

# A plugin that ignores its own timeout is abandoned this long after it.
_TIMEOUT_GRACE_S = 10.0
_MESSAGE_CAP = 4000
_OUTPUT_CAP = 8000
# A report lists where a problem is; past this many places, the message says the rest.
_LOCATIONS_CAP = 100

ResultSink = Callable[[ScenarioRecord], Awaitable[None]]


class JobRunner:
    def __init__(
        self,
        registry: ScenarioRegistry,
        cache_dir: Path,
        git_timeout_s: float,
        credentials: GitCredentials | None = None,
        cache: ScenarioCache | None = None,
    ) -> None:
        self._registry = registry
        self._cache_dir = cache_dir
        self._git_timeout_s = git_timeout_s
        self._credentials = credentials or GitCredentials()
        self._cache = cache

    async def run(self, job: Job, on_result: ResultSink) -> tuple[ScenarioRecord, ...]:
        """Run every scenario of ``job``; ``on_result`` hears each as it ends."""
        checkouts = Checkouts(job, self._cache_dir, self._git_timeout_s, self._credentials)
        finished: dict[str, asyncio.Event] = {s.id: asyncio.Event() for s in job.scenarios}
        results: dict[str, ScenarioRecord] = {}
        slots = asyncio.Semaphore(max(1, job.parallelism))

        async def one(spec: ScenarioSpec) -> None:
            for needed in spec.needs:
                await finished[needed].wait()
            blocking = [n for n in spec.needs if results[n].outcome is not Outcome.PASSED]
            started = time.monotonic()
            if blocking:
                record = _record(
                    spec, skipped(_blocked(blocking[0], results[blocking[0]])), 0, started
                )
            elif (reason := _filtered_out(spec, job)) is not None:
                record = _record(spec, skipped(reason), 0, started)
            else:
                async with slots:
                    record = await self._scenario(job, spec, checkouts)
            results[spec.id] = record
            await on_result(record)
            finished[spec.id].set()

        try:
            await asyncio.gather(*(one(spec) for spec in job.scenarios))
        finally:
            await checkouts.close()
        return tuple(results[spec.id] for spec in job.scenarios)

    async def _scenario(self, job: Job, spec: ScenarioSpec, checkouts: Checkouts) -> ScenarioRecord:
        started = time.monotonic()
        try:
            plugin = self._registry.get(spec.type, f"scenario {spec.id!r}")
            config = plugin.config_model.model_validate_json(spec.config_json)
        except OtvError as exc:
            output = _error(f"{exc.message} on this runner")
            return _record(spec, output, 0, started)
        except ValidationError as exc:
            return _record(
                spec, _error(f"invalid configuration: {exc.errors()[0]['msg']}"), 0, started
            )
        if plugin.requires_worktree and not job.target.mergeable:
            reason = f"not run: the head does not merge into {job.target.name}"
            return _record(spec, skipped(reason), 0, started)
        # Look in the cache before checking anything out: a hit needs no worktree.
        context = await self._context(job, spec, None, checkouts)
        key = self._cache_key(plugin, spec, config, context)
        if key is not None and self._cache is not None:
            hit = await self._cache.get(key, spec.id, spec.severity)
            if hit is not None:
                return hit
        async with self._checkout(plugin, spec, checkouts) as worktree:
            context = dataclasses.replace(context, worktree=worktree)
            record = await self._attempts(plugin, spec, config, context, started)
        if key is not None and self._cache is not None:
            await self._cache.put(key, record)
        return record

    @contextlib.asynccontextmanager
    async def _checkout(
        self, plugin: ScenarioPlugin, spec: ScenarioSpec, checkouts: Checkouts
    ) -> AsyncIterator[Path | None]:
        if not plugin.requires_worktree:
            yield None
        elif spec.isolated:
            async with checkouts.isolated(spec.id) as directory:
                yield directory
        else:
            yield await checkouts.shared()

    async def _context(
        self, job: Job, spec: ScenarioSpec, worktree: Path | None, checkouts: Checkouts
    ) -> ScenarioContext:
        mirror = await checkouts.mirror()
        return ScenarioContext(
            verification_id=job.verification_id,
            scenario_id=spec.id,
            head_ref=job.head_ref,
            head_sha=job.head_sha,
            target=job.target,
            worktree=worktree,
            timeout_s=spec.timeout_s,
            repository=mirror.path,
            details=job.details or TargetDetails(name=job.target.name),
            head_dependencies=job.head_dependencies,
            environment=job.environment,
        )

    def _cache_key(
        self, plugin: ScenarioPlugin, spec: ScenarioSpec, config: object, context: ScenarioContext
    ) -> str | None:
        """Where this result is kept, or None when it must be run afresh."""
        if spec.cache is False:
            return None
        if spec.cache is None and not getattr(plugin, "cached_by_default", True):
            return None  # it looks at the world outside: only when the profile asks
        if isinstance(plugin, CachedScenario):
            inputs = plugin.cache_inputs(config, context)
        elif plugin.requires_worktree:
            inputs = f"tree {context.target.tree}"
        else:
            inputs = None
        if inputs is None:
            return None
        return cache_key(spec.type, self._registry.version(spec.type), spec.config_json, inputs)

    async def _attempts(
        self,
        plugin: ScenarioPlugin,
        spec: ScenarioSpec,
        config: object,
        context: ScenarioContext,
        started: float,
    ) -> ScenarioRecord:
        attempts, failures = 0, 0
        while True:
            attempts += 1
            output = await self._attempt(plugin, spec, config, context)
            if output.outcome in (Outcome.FAILED, Outcome.ERRORED):
                failures += 1
                if attempts <= spec.retries:
                    continue
            break
        flaky = output.outcome is Outcome.PASSED and failures > 0
        return _record(spec, output, attempts, started, flaky)

    async def _attempt(
        self, plugin: ScenarioPlugin, spec: ScenarioSpec, config: object, context: ScenarioContext
    ) -> ScenarioOutput:
        try:
            return await asyncio.wait_for(
                plugin.run(config, context), spec.timeout_s + _TIMEOUT_GRACE_S
            )
        except TimeoutError:
            return ScenarioOutput(
                Outcome.ERRORED,
                f"timed out after {spec.timeout_s:g} s",
                Diagnosis("infra", expected=f"done within {spec.timeout_s:g} s"),
            )
        except OtvError as exc:
            return ScenarioOutput(Outcome.ERRORED, exc.message, Diagnosis("infra"))
        except Exception as exc:  # a broken plugin fails its scenario, not the job
            return _error(f"the {spec.type} scenario type failed: {type(exc).__name__}: {exc}")


def _error(message: str) -> ScenarioOutput:
    return ScenarioOutput(Outcome.ERRORED, message, Diagnosis("error"))


def _filtered_out(spec: ScenarioSpec, job: Job) -> str | None:
    """Why ``when`` keeps the scenario from this target, or None if it does not."""
    if spec.when_targets and not matches_branch(job.target.name, spec.when_targets):
        return f"not run: {job.target.name} is not one of {', '.join(spec.when_targets)}"
    if spec.when_changed and not any(
        matches(change.path, spec.when_changed) for change in job.target.changed_files
    ):
        return f"not run: no changed file matches {', '.join(spec.when_changed)}"
    return None


def _blocked(needed: str, record: ScenarioRecord) -> str:
    return f"not run: it needs {needed}, which {record.outcome}"


def _record(
    spec: ScenarioSpec,
    output: ScenarioOutput,
    attempts: int,
    started: float,
    flaky: bool = False,
) -> ScenarioRecord:
    diagnosis = output.diagnosis
    if diagnosis is not None:
        diagnosis = Diagnosis(
            diagnosis.kind,
            diagnosis.exit_code,
            redact(diagnosis.output)[-_OUTPUT_CAP:],
            redact(diagnosis.expected)[:_MESSAGE_CAP],
            diagnosis.locations[:_LOCATIONS_CAP],
        )
    return ScenarioRecord(
        id=spec.id,
        type=spec.type,
        severity=spec.severity,
        outcome=output.outcome,
        duration_s=round(time.monotonic() - started, 3),
        message=redact(output.message)[:_MESSAGE_CAP],
        attempts=attempts,
        flaky=flaky,
        diagnosis=diagnosis,
    )
