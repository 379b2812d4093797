"""What a scenario plugin is, what it is given, and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel

from otv.context import Dependency, Environment, TargetDetails
from otv.outcomes import Outcome


@dataclass(frozen=True)
class ChangedFile:
    path: str
    status: str  # git's letter: A, M, D, R, C or T
    old_path: str = ""


@dataclass(frozen=True)
class TargetInfo:
    """A target branch as the collector found it."""

    name: str
    sha: str
    merge_base: str
    mergeable: bool
    conflicts: tuple[str, ...]
    tree: str
    changed_files: tuple[ChangedFile, ...]


@dataclass(frozen=True)
class ScenarioContext:
    verification_id: str
    scenario_id: str
    head_ref: str
    head_sha: str
    target: TargetInfo
    # The speculative merge checked out; None when the target does not merge.
    worktree: Path | None
    timeout_s: float
    # The runner's mirror of the repository: its history, for scenarios that read it.
    repository: Path | None = None
    details: TargetDetails = field(default_factory=lambda: TargetDetails(name=""))
    head_dependencies: tuple[Dependency, ...] = ()
    environment: Environment = field(default_factory=Environment)


DiagnosisKind = Literal["failure", "infra", "error"]


@dataclass(frozen=True)
class Location:
    """A place in the merged tree a problem was found: a path, and a line when known."""

    path: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class Diagnosis:
    """Why a scenario did not pass. ``failure``: the check found a problem; ``infra``: it
    could not check (timeout, missing tool, unreachable host); ``error``: the type broke."""

    kind: DiagnosisKind
    exit_code: int | None = None
    output: str = ""
    expected: str = ""
    locations: tuple[Location, ...] = ()


@dataclass(frozen=True)
class ScenarioOutput:
    outcome: Outcome
    # What a reader needs to act: what was checked, what was found.
    message: str
    diagnosis: Diagnosis | None = None


def passed(message: str) -> ScenarioOutput:
    return ScenarioOutput(Outcome.PASSED, message)


def failed(
    message: str,
    expected: str = "",
    output: str = "",
    exit_code: int | None = None,
    locations: tuple[Location, ...] = (),
) -> ScenarioOutput:
    """The check ran and found a problem (in ``locations``, when the check knows where)."""
    return ScenarioOutput(
        Outcome.FAILED, message, Diagnosis("failure", exit_code, output, expected, locations)
    )


def could_not_check(
    message: str, expected: str = "", output: str = "", exit_code: int | None = None
) -> ScenarioOutput:
    """The check could not run: a timeout, a missing tool, an unreachable host."""
    return ScenarioOutput(Outcome.ERRORED, message, Diagnosis("infra", exit_code, output, expected))


def skipped(message: str) -> ScenarioOutput:
    return ScenarioOutput(Outcome.SKIPPED, message)


class ScenarioPlugin(Protocol):
    """A scenario type. Instantiated once per runner, with no arguments."""

    config_model: ClassVar[type[BaseModel]]
    # Whether the scenario needs the merged tree on disk; such scenarios are
    # skipped on a target that does not merge.
    requires_worktree: ClassVar[bool]

    async def run(self, config: Any, context: ScenarioContext) -> ScenarioOutput:
        """Check one target; ``config`` is an instance of ``config_model``."""
        ...


@runtime_checkable
class CachedScenario(Protocol):
    """A type whose results may be reused: it says what they depend on.

    ``cache_inputs`` returns a text that changes whenever the result could (the
    configuration is always part of the key), or None when this result must
    not be reused. Types without it are cached on the merged tree when they
    need the tree, and not at all otherwise. A type that looks at the world
    outside sets ``cached_by_default = False``: it is then cached only where a
    profile says ``cache: true``.
    """

    def cache_inputs(self, config: Any, context: ScenarioContext) -> str | None: ...
