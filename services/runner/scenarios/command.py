"""``command``: run a program in the speculative merge; exit status 0 passes.

```yaml
- id: tests
  type: command
  run: [python3, -m, pytest, -q]
  timeout: 600
```

The program gets a minimal environment (``PATH``, a temporary ``HOME``, the
locale) plus ``OTV_TARGET``, ``OTV_TARGET_SHA``, ``OTV_HEAD_SHA`` and
``OTV_VERIFICATION_ID``; never the runner's own variables.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from otv.outcomes import Outcome
from otv.scenarios import ScenarioContext, ScenarioOutput
from otv.scenarios.process import CommandNotRunnable, minimal_environment, run_command


class CommandConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    run: list[str] = Field(min_length=1, description="the program and its arguments")


class CommandScenario:
    config_model: ClassVar[type[BaseModel]] = CommandConfig
    requires_worktree: ClassVar[bool] = True

    async def run(self, config: CommandConfig, context: ScenarioContext) -> ScenarioOutput:
        assert context.worktree is not None  # the runner skips us where nothing merged
        with tempfile.TemporaryDirectory(prefix="otv-home-") as home:
            env = minimal_environment(
                Path(home),
                {
                    "OTV_TARGET": context.target.name,
                    "OTV_TARGET_SHA": context.target.sha,
                    "OTV_HEAD_SHA": context.head_sha,
                    "OTV_VERIFICATION_ID": context.verification_id,
                },
            )
            try:
                result = await run_command(config.run, context.worktree, env, context.timeout_s)
            except CommandNotRunnable as exc:
                return ScenarioOutput(Outcome.ERRORED, exc.message)
        if result.timed_out:
            return ScenarioOutput(
                Outcome.ERRORED,
                f"timed out after {context.timeout_s:g} s; last output:\n{result.tail()}",
            )
        if result.exit_code == 0:
            return ScenarioOutput(Outcome.PASSED, f"exit status 0 in {result.duration_s:.1f} s")
        return ScenarioOutput(
            Outcome.FAILED,
            f"exit status {result.exit_code}; last output:\n{result.tail()}".rstrip(),
        )
