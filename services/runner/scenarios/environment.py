"""``env`` and ``tools``: the client's environment and the tools a verification meets.

```yaml
- id: ci-env
  type: env
  present: [CI, GITHUB_SHA]            # variables that must be set on the client
  absent: [DEBUG]
  matches: {NODE_ENV: "^production$"}  # the value must be sent: otv verify --env NODE_ENV
- id: toolchain
  type: tools
  tools: {python: ">=3.11", git: ">=2.38", node: ""}   # "" only asks that it be there
  on: runner                           # or client: what the client reported
```

Both look at a machine rather than the tree: their results are reused only
where a profile says ``cache: true``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import shutil
from typing import ClassVar, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, field_validator

from otv.environment import TOOLS
from otv.redaction import REDACTED
from otv.scenarios import ScenarioContext, ScenarioOutput, could_not_check, failed, passed
from otv.scenarios.paths import regex

_VERSION = re.compile(r"\d+(?:\.\d+)+")


class EnvConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    present: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    matches: dict[str, str] = Field(default_factory=dict)

    @field_validator("matches")
    @classmethod
    def _patterns(cls, matches: dict[str, str]) -> dict[str, str]:
        for pattern in matches.values():
            regex(pattern)
        return matches


class EnvScenario:
    config_model: ClassVar[type[BaseModel]] = EnvConfig
    requires_worktree: ClassVar[bool] = False
    cached_by_default: ClassVar[bool] = False

    def cache_inputs(self, config: EnvConfig, context: ScenarioContext) -> str:
        environment = context.environment
        seen = repr((sorted(environment.variable_names), sorted(environment.variables.items())))
        return hashlib.sha256(seen.encode()).hexdigest()

    async def run(self, config: EnvConfig, context: ScenarioContext) -> ScenarioOutput:
        environment = context.environment
        names = set(environment.variable_names)
        problems = [f"{name} is not set" for name in config.present if name not in names]
        problems += [f"{name} is set" for name in config.absent if name in names]
        for name, pattern in config.matches.items():
            value = environment.variables.get(name)
            if value is None:
                return could_not_check(
                    f"the client did not send {name}'s value (add --env {name} to otv verify)",
                    expected=f"{name} matching /{pattern}/",
                )
            if value == REDACTED:
                return could_not_check(f"{name} looks secret: its value is never sent")
            if not re.search(pattern, value):
                problems.append(f"{name}={value!r} does not match /{pattern}/")
        if problems:
            return failed("; ".join(problems), expected=_expected(config))
        checked = len(config.present) + len(config.absent) + len(config.matches)
        return passed(f"{checked} variable checks passed")


def _expected(config: EnvConfig) -> str:
    parts = [f"{n} set" for n in config.present] + [f"{n} unset" for n in config.absent]
    return "; ".join(parts + [f"{n} ~ /{p}/" for n, p in config.matches.items()])


class ToolsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    tools: dict[str, str] = Field(min_length=1)
    where: Literal["runner", "client"] = Field(default="runner", alias="on")

    @field_validator("tools")
    @classmethod
    def _specifiers(cls, tools: dict[str, str]) -> dict[str, str]:
        for name, specifier in tools.items():
            if not re.match(r"^[A-Za-z0-9_.\-]+$", name):
                raise ValueError(f"{name!r} is not a tool name")
            try:
                SpecifierSet(specifier)
            except InvalidSpecifier:
                raise ValueError(f"{name}: {specifier!r} is not a version specifier") from None
        return tools


class ToolsScenario:
    config_model: ClassVar[type[BaseModel]] = ToolsConfig
    requires_worktree: ClassVar[bool] = False
    cached_by_default: ClassVar[bool] = False

    def cache_inputs(self, config: ToolsConfig, context: ScenarioContext) -> str | None:
        if config.where == "runner":
            return None  # the runner that asks may not be the one that answered
        return hashlib.sha256(repr(sorted(context.environment.tools.items())).encode()).hexdigest()

    async def run(self, config: ToolsConfig, context: ScenarioContext) -> ScenarioOutput:
        problems, found = [], []
        for tool, specifier in config.tools.items():
            if config.where == "client":
                said = context.environment.tools.get(tool)
            else:
                said = await _version_output(tool)
            if said is None:
                problems.append(f"{tool} is not installed on the {config.where}")
                continue
            match = _VERSION.search(said)
            try:
                version = Version(match.group(0)) if match else None
            except InvalidVersion:
                version = None
            if specifier and (version is None or version not in SpecifierSet(specifier)):
                problems.append(f"{tool} {version or said!s} does not satisfy {specifier}")
            else:
                found.append(f"{tool} {version or said}")
        if problems:
            wanted = ", ".join(f"{t} {s}".strip() for t, s in config.tools.items())
            return failed("; ".join(problems), expected=wanted)
        return passed(", ".join(found))


async def _version_output(tool: str) -> str | None:
    """The first line a tool prints of its version, on this machine."""
    command = TOOLS.get(tool, [tool, "--version"])
    if shutil.which(command[0]) is None:
        return None
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), 10)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return None
    lines = output.decode(errors="replace").strip().splitlines()
    return lines[0] if lines else ""
