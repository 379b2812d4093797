"""``speckit``: the project's spec-kit features, analysed on the merged tree.

```yaml
- id: goals
  type: speckit
  specs: specs              # where the feature folders are
  features: changed         # or all: every folder, changed or not
  fail_on: critical         # the least severe finding that fails it
  similarity_threshold: 0.35
```

Run it twice to have CRITICAL findings fail and HIGH ones warn: one with
``fail_on: critical, severity: blocking``, one with ``fail_on: high`` (a warning).
Each finding's file and line are in the diagnosis, so every report format (SARIF
too) points at them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from otv.scenarios import Location, ScenarioContext, ScenarioOutput, failed, passed
from otv.scenarios.paths import OutsideRepository, inside, relative_path
from otv.speckit.analyze import (
    DEFAULT_SIMILARITY,
    SEVERITIES,
    FeatureAnalysis,
    analyze_feature,
    feature_folders,
)

_LISTED = 10


class SpeckitConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    specs: str = "specs"
    features: Literal["changed", "all"] = "changed"
    fail_on: Literal["critical", "high", "medium", "low"] = "critical"
    similarity_threshold: float = Field(default=DEFAULT_SIMILARITY, gt=0, le=1)

    @field_validator("specs")
    @classmethod
    def _inside(cls, specs: str) -> str:
        relative_path(specs)  # no "..", no absolute path
        return specs


def _analyse(root: Path, config: SpeckitConfig, changed: set[str]) -> list[FeatureAnalysis]:
    folders = feature_folders(root, config.specs)
    if config.features == "changed":
        folders = [
            f
            for f in folders
            if any(path.startswith(f.relative_to(root).as_posix() + "/") for path in changed)
        ]
    return [analyze_feature(root, f, config.similarity_threshold) for f in folders]


class SpeckitScenario:
    config_model: ClassVar[type[BaseModel]] = SpeckitConfig
    requires_worktree: ClassVar[bool] = True

    async def run(self, config: SpeckitConfig, context: ScenarioContext) -> ScenarioOutput:
        assert context.worktree is not None
        root = context.worktree
        try:
            inside(root, config.specs)  # refuses "..", absolute paths and symlinks out
        except OutsideRepository as exc:
            return failed(str(exc), expected="specs inside the repository")
        changed = {c.path for c in context.target.changed_files}
        analyses = await asyncio.to_thread(_analyse, root, config, changed)
        if not analyses:
            scope = "changed " if config.features == "changed" else ""
            return passed(f"no {scope}spec-kit feature under {config.specs}/")
        limit = [s.lower() for s in SEVERITIES].index(config.fail_on)
        findings = [f for a in analyses for f in a.findings]
        failing = [f for f in findings if SEVERITIES.index(f.severity) <= limit]
        counts = ", ".join(
            f"{sum(1 for f in findings if f.severity == s)} {s}"
            for s in SEVERITIES
            if any(f.severity == s for f in findings)
        )
        names = ", ".join(a.feature.rsplit("/", 1)[-1] for a in analyses)
        if not failing:
            return passed(
                f"{names}: no finding at or above {config.fail_on.upper()} ({counts or 'none'})"
            )
        listed = "\n".join(
            f"{f.id} {f.severity} {f.category}: {f.summary} → {f.recommendation}"
            for f in failing[:_LISTED]
        )
        more = f"\n… and {len(failing) - _LISTED} more" if len(failing) > _LISTED else ""
        return failed(
            f"{len(failing)} findings at or above {config.fail_on.upper()} in {names} ({counts})\n"
            f"{listed}{more}",
            expected=f"no {config.fail_on.upper()} finding (otv speckit analyze)",
            locations=tuple(Location(path, line) for f in failing for path, line in f.locations),
        )
