"""``merge``: the head merges into the target without conflicts.

```yaml
- {id: mergeable, type: merge, severity: blocking}
```
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from otv.scenarios import Location, ScenarioContext, ScenarioOutput, failed, passed

_LISTED_CONFLICTS = 20


class MergeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MergeScenario:
    config_model: ClassVar[type[BaseModel]] = MergeConfig
    requires_worktree: ClassVar[bool] = False

    def cache_inputs(self, config: MergeConfig, context: ScenarioContext) -> str:
        target = context.target
        return f"{target.name} {target.mergeable} {bool(target.merge_base)} {target.conflicts}"

    async def run(self, config: MergeConfig, context: ScenarioContext) -> ScenarioOutput:
        target = context.target
        if target.mergeable:
            return passed(f"merges cleanly into {target.name}")
        if not target.merge_base:
            return failed(f"the head shares no history with {target.name}", expected="a merge base")
        listed = ", ".join(target.conflicts[:_LISTED_CONFLICTS])
        more = len(target.conflicts) - _LISTED_CONFLICTS
        if more > 0:
            listed += f" and {more} more"
        count = len(target.conflicts)
        return failed(
            f"conflicts with {target.name} in {count} file{'s' if count != 1 else ''}: {listed}",
            expected="no conflicts",
            locations=tuple(Location(path) for path in target.conflicts),
        )
