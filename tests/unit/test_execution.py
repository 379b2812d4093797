from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import BaseModel
from support import CHECK_FEATURE, GitRepo, two_target_repository

from otv.errors import GitFailure
from otv.git import speculative_merge
from otv.outcomes import Outcome, Severity
from otv.scenarios import ChangedFile, ScenarioContext, ScenarioOutput, ScenarioRegistry, TargetInfo
from services.runner.execution import JobRunner
from services.runner.job import Job, ScenarioRecord, ScenarioSpec
from services.runner.scenarios.command import CommandScenario
from services.runner.scenarios.merge import MergeScenario


class _Config(BaseModel):
    pass


class FlakyScenario:
    """Fails on its first attempt in each job, then passes."""

    config_model: ClassVar[type[BaseModel]] = _Config
    requires_worktree: ClassVar[bool] = False

    def __init__(self) -> None:
        self.calls = 0

    async def run(self, config: Any, context: ScenarioContext) -> ScenarioOutput:
        self.calls += 1
        return ScenarioOutput(
            Outcome.PASSED if self.calls > 1 else Outcome.FAILED, f"call {self.calls}"
        )


class BrokenScenario:
    config_model: ClassVar[type[BaseModel]] = _Config
    requires_worktree: ClassVar[bool] = False

    async def run(self, config: Any, context: ScenarioContext) -> ScenarioOutput:
        raise KeyError("no such thing")


def registry() -> ScenarioRegistry:
    return ScenarioRegistry(
        {
            "command": CommandScenario(),
            "merge": MergeScenario(),
            "flaky": FlakyScenario(),
            "broken": BrokenScenario(),
        },
        {},
    )


def spec(
    scenario_id: str,
    kind: str,
    config: dict[str, Any] | None = None,
    retries: int = 0,
    **rules: Any,
) -> ScenarioSpec:
    return ScenarioSpec(
        id=scenario_id,
        type=kind,
        severity=Severity.WARNING,
        timeout_s=30,
        retries=retries,
        config_json=json.dumps(config or {}),
        **rules,
    )


def job(repo: GitRepo, target: str, *scenarios: ScenarioSpec) -> Job:
    head, target_sha = repo.rev("feature"), repo.rev(target)
    merge = speculative_merge(repo.path, target_sha, head, 30)
    return Job(
        verification_id="v1",
        repository=str(repo.path),
        head_ref="feature",
        head_sha=head,
        target=TargetInfo(
            name=target,
            sha=target_sha,
            merge_base=merge.merge_base,
            mergeable=merge.mergeable,
            conflicts=merge.conflicts,
            tree=merge.tree,
            changed_files=(),
        ),
        scenarios=scenarios,
    )


async def run(runner: JobRunner, the_job: Job) -> tuple[list[ScenarioRecord], list[ScenarioRecord]]:
    heard: list[ScenarioRecord] = []

    async def on_result(record: ScenarioRecord) -> None:
        heard.append(record)

    records = await runner.run(the_job, on_result)
    return list(records), heard


async def test_scenarios_run_on_the_speculative_merge(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    shows_both = [
        "sh",
        "-c",
        "grep -q revised notes.txt && test -f feature.txt && git log -1 --format=%s",
    ]
    records, heard = await run(
        runner,
        job(
            repo,
            "main",
            spec("mergeable", "merge"),
            spec("check", "command", {"run": CHECK_FEATURE}),
            spec("both", "command", {"run": shows_both}),
        ),
    )
    assert sorted(heard, key=lambda r: r.id) == sorted(
        records, key=lambda r: r.id
    )  # heard as they end
    assert [(r.id, r.outcome) for r in records] == [
        ("mergeable", Outcome.PASSED),
        ("check", Outcome.PASSED),
        ("both", Outcome.PASSED),
    ]
    assert records[0].message == "merges cleanly into main"
    # The job's worktree is gone, and the user's repository has no otv worktree.
    assert not list(Path(repo.path / ".git").glob("worktrees/*"))


async def test_a_target_that_does_not_merge_skips_what_needs_the_tree(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    records, _ = await run(
        runner,
        job(
            repo,
            "release/1.0",
            spec("mergeable", "merge"),
            spec("check", "command", {"run": CHECK_FEATURE}),
        ),
    )
    assert [(r.id, r.outcome) for r in records] == [
        ("mergeable", Outcome.FAILED),
        ("check", Outcome.SKIPPED),
    ]
    assert records[0].message == "conflicts with release/1.0 in 1 file: app.txt"
    assert records[1].message == "not run: the head does not merge into release/1.0"


async def test_a_failing_command_reports_its_exit_status_and_output(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    failing = ["sh", "-c", "echo 'expected 2, got 3'; exit 4"]
    missing = ["no-such-tool-xyz", "--version"]
    records, _ = await run(
        runner,
        job(
            repo,
            "main",
            spec("f", "command", {"run": failing}),
            spec("m", "command", {"run": missing}),
        ),
    )
    assert records[0].outcome is Outcome.FAILED
    assert records[0].message == "exit status 4; last output:\nexpected 2, got 3"
    assert records[1].outcome is Outcome.ERRORED
    assert records[1].message.startswith("command not found: no-such-tool-xyz")


async def test_retries_rerun_a_failed_scenario(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    records, _ = await run(runner, job(repo, "main", spec("once", "flaky", retries=0)))
    assert (records[0].outcome, records[0].attempts) == (Outcome.FAILED, 1)
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    records, _ = await run(runner, job(repo, "main", spec("twice", "flaky", retries=2)))
    assert (records[0].outcome, records[0].attempts) == (Outcome.PASSED, 2)


async def test_a_broken_plugin_or_a_missing_type_errors_its_scenario_only(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    records, _ = await run(
        runner,
        job(
            repo,
            "main",
            spec("b", "broken"),
            spec("x", "not-installed"),
            spec("mergeable", "merge"),
        ),
    )
    assert [r.outcome for r in records] == [Outcome.ERRORED, Outcome.ERRORED, Outcome.PASSED]
    assert records[0].message == "the broken scenario type failed: KeyError: 'no such thing'"
    assert records[1].message.startswith("scenario 'x': unknown scenario type 'not-installed'")
    assert records[1].message.endswith("on this runner")


async def test_the_runners_mirror_must_give_the_collectors_tree(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    the_job = job(repo, "main", spec("check", "command", {"run": CHECK_FEATURE}))
    wrong = Job(
        **{
            **the_job.__dict__,
            "target": TargetInfo(**{**the_job.target.__dict__, "tree": "0" * 40}),
        }
    )
    # The job fails as a whole (and is retried): it must not run on another tree.
    with pytest.raises(GitFailure, match=r"merging into main gives tree \w+ here but 000000000000"):
        await run(runner, wrong)


async def test_needs_wait_and_skip_when_what_they_need_did_not_pass(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    failing = ["sh", "-c", "exit 1"]
    records, _ = await run(
        runner,
        job(
            repo,
            "main",
            spec("lint", "command", {"run": failing}),
            spec("build", "command", {"run": ["true"]}),
            spec("deploy", "command", {"run": ["true"]}, needs=("build",)),
            spec("publish", "command", {"run": ["true"]}, needs=("lint", "deploy")),
        ),
    )
    outcome = {r.id: (r.outcome, r.message) for r in records}
    assert outcome["deploy"][0] is Outcome.PASSED
    assert outcome["publish"] == (Outcome.SKIPPED, "not run: it needs lint, which failed")


async def test_when_filters_by_target_and_by_changed_path(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    the_job = job(
        repo,
        "main",
        spec("release-only", "merge", when_targets=("release/*",)),
        spec("main-only", "merge", when_targets=("main",)),
        spec("docs", "merge", when_changed=("docs/**",)),
        spec("app", "merge", when_changed=("*.txt",)),
    )
    the_job = Job(
        **{
            **the_job.__dict__,
            "target": TargetInfo(
                **{**the_job.target.__dict__, "changed_files": (ChangedFile("app.txt", "M"),)}
            ),
        }
    )
    records, _ = await run(runner, the_job)
    outcome = {r.id: (r.outcome, r.message) for r in records}
    assert outcome["release-only"] == (Outcome.SKIPPED, "not run: main is not one of release/*")
    assert outcome["main-only"][0] is Outcome.PASSED
    assert outcome["docs"] == (Outcome.SKIPPED, "not run: no changed file matches docs/**")
    assert outcome["app"][0] is Outcome.PASSED


async def test_scenarios_run_concurrently_up_to_the_parallelism(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    nap = {"run": ["sleep", "0.6"]}
    scenarios = [spec(f"s{i}", "command", nap) for i in range(3)]
    started = time.monotonic()
    await run(runner, Job(**{**job(repo, "main", *scenarios).__dict__, "parallelism": 3}))
    together = time.monotonic() - started
    started = time.monotonic()
    await run(runner, Job(**{**job(repo, "main", *scenarios).__dict__, "parallelism": 1}))
    one_by_one = time.monotonic() - started
    assert together < 1.5 < one_by_one


async def test_an_isolated_scenario_writes_in_a_tree_of_its_own(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    records, _ = await run(
        runner,
        job(
            repo,
            "main",
            spec(
                "writer",
                "command",
                {"shell": "echo junk > generated.txt && test -f feature.txt"},
                isolated=True,
            ),
            spec("reader", "command", {"shell": "test ! -e generated.txt"}, needs=("writer",)),
        ),
    )
    assert [r.outcome for r in records] == [Outcome.PASSED, Outcome.PASSED]


async def test_a_scenario_that_fails_then_passes_is_flaky(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    records, _ = await run(runner, job(repo, "main", spec("once", "flaky", retries=1)))
    assert (records[0].outcome, records[0].flaky, records[0].attempts) == (Outcome.PASSED, True, 2)


async def test_failures_carry_a_diagnosis(tmp_path: Path) -> None:
    repo = two_target_repository(tmp_path / "repo")
    runner = JobRunner(registry(), tmp_path / "cache", 30)
    records, _ = await run(
        runner,
        job(
            repo,
            "main",
            spec("f", "command", {"shell": "echo boom; exit 2"}),
            spec("b", "broken"),
            spec("m", "command", {"run": ["no-such-tool-xyz"]}),
        ),
    )
    kinds = {r.id: (r.diagnosis.kind, r.diagnosis.exit_code) for r in records if r.diagnosis}
    assert kinds == {"f": ("failure", 2), "b": ("error", None), "m": ("infra", None)}
