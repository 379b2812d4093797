"""What a scenario plugin is, and what it is given."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel

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


@dataclass(frozen=True)
class ScenarioOutput:
    outcome: Outcome
    # What a reader needs to act: what was checked, what was found.
    message: str


class ScenarioPlugin(Protocol):
    """A scenario type. Instantiated once per runner, with no arguments."""

    config_model: ClassVar[type[BaseModel]]
    # Whether the scenario needs the merged tree on disk; such scenarios are
    # skipped on a target that does not merge.
    requires_worktree: ClassVar[bool]

    async def run(self, config: Any, context: ScenarioContext) -> ScenarioOutput:
        """Check one target; ``config`` is an instance of ``config_model``."""
        ...
