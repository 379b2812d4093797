"""``protected-paths``: changes under some paths need a review before they merge.

```yaml
- id: infra-review
  type: protected-paths
  paths: ["deploy/prod/**", ".github/workflows/**"]
  severity: blocking
```

It fails when the change touches a protected path; a reviewer (a key with the
review role) can then waive the failure: ``otv review ID --waive --reason TEXT``.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from otv.globs import compile_glob, matches
from otv.scenarios import Location, ScenarioContext, ScenarioOutput, failed, passed

_LISTED = 20


class ProtectedPathsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    paths: list[str] = Field(min_length=1)

    @field_validator("paths")
    @classmethod
    def _globs(cls, globs: list[str]) -> list[str]:
        for pattern in globs:
            compile_glob(pattern)
        return globs


class ProtectedPathsScenario:
    config_model: ClassVar[type[BaseModel]] = ProtectedPathsConfig
    requires_worktree: ClassVar[bool] = False

    def cache_inputs(self, config: ProtectedPathsConfig, context: ScenarioContext) -> str:
        return repr(sorted((c.path, c.old_path) for c in context.target.changed_files))

    async def run(self, config: ProtectedPathsConfig, context: ScenarioContext) -> ScenarioOutput:
        touched = [
            change.path
            for change in context.target.changed_files
            if matches(change.path, config.paths)
            or (change.old_path and matches(change.old_path, config.paths))
        ]
        if not touched:
            return passed(f"no change under {', '.join(config.paths)}")
        listed = ", ".join(touched[:_LISTED])
        more = f" and {len(touched) - _LISTED} more" if len(touched) > _LISTED else ""
        return failed(
            f"changes under protected paths need a review: {listed}{more}",
            expected="a waiver from a key with the review role (otv review ID --waive)",
            locations=tuple(Location(path) for path in touched),
        )
