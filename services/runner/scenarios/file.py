"""``file``: a file of the merged tree exists (or not), holds some text, has a mode.

```yaml
- id: license
  type: file
  path: LICENSE
  contains: ["Apache License"]       # each must be in the file
  matches: ["Version 2\\\\.0"]         # each regular expression must match
  not_contains: ["TODO"]
- {id: no-env-file, type: file, path: .env, exists: false}
- {id: entrypoint, type: file, path: bin/start, mode: executable}   # or an octal mode: "0755"
```
"""

from __future__ import annotations

import re
import stat
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from otv.scenarios import Location, ScenarioContext, ScenarioOutput, failed, passed
from otv.scenarios.paths import OutsideRepository, inside, regex, relative_path

_MAX_READ = 4 * 1024 * 1024


class FileConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    exists: bool = True
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    matches: list[str] = Field(default_factory=list)
    mode: str | None = Field(default=None, pattern=r"^(executable|0?[0-7]{3,4})$")

    @field_validator("path")
    @classmethod
    def _inside(cls, path: str) -> str:
        return relative_path(path)

    @field_validator("matches")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            regex(pattern)
        return patterns


class FileScenario:
    config_model: ClassVar[type[BaseModel]] = FileConfig
    requires_worktree: ClassVar[bool] = True

    async def run(self, config: FileConfig, context: ScenarioContext) -> ScenarioOutput:
        assert context.worktree is not None
        try:
            path = inside(context.worktree, config.path)
        except OutsideRepository as exc:
            return failed(f"refused: {exc}", expected="a file inside the repository")
        here = (Location(config.path),)
        if not config.exists:
            if path.exists() or path.is_symlink():
                return failed(f"{config.path} exists", expected=f"no {config.path}", locations=here)
            return passed(f"{config.path} is absent")
        if not path.is_file():
            return failed(f"{config.path} does not exist", expected=f"a file {config.path}")
        if config.mode is not None and (problem := _mode_problem(path.stat().st_mode, config.mode)):
            return failed(
                f"{config.path} {problem}", expected=f"mode {config.mode}", locations=here
            )
        if config.contains or config.not_contains or config.matches:
            text = path.read_bytes()[:_MAX_READ].decode("utf-8", errors="replace")
            for wanted in config.contains:
                if wanted not in text:
                    return failed(
                        f"{config.path} does not contain {wanted!r}",
                        expected=wanted,
                        locations=here,
                    )
            for unwanted in config.not_contains:
                if unwanted in text:
                    line = text.count("\n", 0, text.index(unwanted)) + 1
                    return failed(
                        f"{config.path}:{line} contains {unwanted!r}",
                        expected=f"no {unwanted!r}",
                        locations=(Location(config.path, line),),
                    )
            for pattern in config.matches:
                if not re.search(pattern, text, re.MULTILINE):
                    return failed(
                        f"{config.path} does not match /{pattern}/",
                        expected=pattern,
                        locations=here,
                    )
        return passed(f"{config.path} is as expected")


def _mode_problem(mode: int, wanted: str) -> str:
    if wanted == "executable":
        return "" if mode & stat.S_IXUSR else "is not executable"
    actual = stat.S_IMODE(mode)
    return "" if actual == int(wanted, 8) else f"has mode {actual:04o}"
