"""``command``: run a program in the speculative merge; its exit status and output decide.

```yaml
- id: tests
  type: command
  run: [python3, -m, pytest, -q]        # or, explicitly through a shell: shell: "make test"
  timeout: 600
  cwd: services/api                      # relative to the repository
  env: {PYTEST_ADDOPTS: "-x"}            # set for the command
  pass_env: [HTTPS_PROXY]                # passed on from the runner's environment
  exit_codes: [0]                        # what counts as success
  output_matches: ["passed"]             # each must match the output
  output_not_matches: ["DeprecationWarning"]  # none may
```

The program gets a minimal environment (``PATH``, a temporary ``HOME``, the
locale), what ``env`` and ``pass_env`` name, and ``OTV_TARGET``,
``OTV_TARGET_SHA``, ``OTV_HEAD_SHA`` and ``OTV_VERIFICATION_ID``; never the rest
of the runner's environment. Results are reused for the same merged tree (the
same on every target where the merges agree): a command should not depend on
``OTV_TARGET`` unless it says ``cache: false``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from otv.scenarios import ScenarioContext, ScenarioOutput, could_not_check, failed, passed
from otv.scenarios.paths import OutsideRepository, inside, regex, relative_path
from otv.scenarios.process import CommandNotRunnable, minimal_environment, run_command


class CommandConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    run: list[str] | None = Field(default=None, min_length=1, description="program and arguments")
    shell: str | None = Field(default=None, min_length=1, description="a shell command line")
    cwd: str = "."
    env: dict[str, str] = Field(default_factory=dict)
    pass_env: list[str] = Field(default_factory=list)
    exit_codes: list[int] = Field(default_factory=lambda: [0], min_length=1)
    output_matches: list[str] = Field(default_factory=list)
    output_not_matches: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_way_to_run(self) -> CommandConfig:
        if (self.run is None) == (self.shell is None):
            raise ValueError("give exactly one of 'run' (a list) or 'shell' (a command line)")
        return self

    @field_validator("output_matches", "output_not_matches")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            regex(pattern)
        return patterns

    @field_validator("cwd")
    @classmethod
    def _cwd(cls, cwd: str) -> str:
        return cwd if cwd == "." else relative_path(cwd)


class CommandScenario:
    config_model: ClassVar[type[BaseModel]] = CommandConfig
    requires_worktree: ClassVar[bool] = True

    def cache_inputs(self, config: CommandConfig, context: ScenarioContext) -> str:
        passed_on = "\0".join(f"{n}={os.environ.get(n, '')}" for n in sorted(config.pass_env))
        return f"tree {context.target.tree} env {hashlib.sha256(passed_on.encode()).hexdigest()}"

    async def run(self, config: CommandConfig, context: ScenarioContext) -> ScenarioOutput:
        assert context.worktree is not None  # the runner skips us where nothing merged
        try:
            cwd = inside(context.worktree, config.cwd) if config.cwd != "." else context.worktree
        except OutsideRepository as exc:
            return failed(str(exc))
        if not cwd.is_dir():
            return failed(f"cwd {config.cwd} is not a directory of the repository")
        argv = config.run or ["/bin/sh", "-c", config.shell or ""]
        with tempfile.TemporaryDirectory(prefix="otv-home-") as home:
            env = minimal_environment(
                Path(home),
                {
                    **{n: os.environ[n] for n in config.pass_env if n in os.environ},
                    **config.env,
                    "OTV_TARGET": context.target.name,
                    "OTV_TARGET_SHA": context.target.sha,
                    "OTV_HEAD_SHA": context.head_sha,
                    "OTV_VERIFICATION_ID": context.verification_id,
                },
            )
            try:
                result = await run_command(argv, cwd, env, context.timeout_s)
            except CommandNotRunnable as exc:
                return could_not_check(exc.message, expected=f"{argv[0]} installed on the runner")
        tail = result.tail()
        if result.timed_out:
            return could_not_check(
                f"timed out after {context.timeout_s:g} s; last output:\n{tail}",
                expected=f"done within {context.timeout_s:g} s",
                output=tail,
            )
        expected_codes = ", ".join(map(str, config.exit_codes))
        if result.exit_code not in config.exit_codes:
            return failed(
                f"exit status {result.exit_code}; last output:\n{tail}".rstrip(),
                expected=f"exit status {expected_codes}",
                output=tail,
                exit_code=result.exit_code,
            )
        for pattern in config.output_matches:
            if not re.search(pattern, result.output, re.MULTILINE):
                return failed(
                    f"the output does not match /{pattern}/",
                    expected=f"output matching /{pattern}/",
                    output=tail,
                    exit_code=result.exit_code,
                )
        for pattern in config.output_not_matches:
            if found := re.search(pattern, result.output, re.MULTILINE):
                return failed(
                    f"the output matches /{pattern}/: {found.group(0)[:200]}",
                    expected=f"no output matching /{pattern}/",
                    output=tail,
                    exit_code=result.exit_code,
                )
        return passed(f"exit status {result.exit_code} in {result.duration_s:.1f} s")
