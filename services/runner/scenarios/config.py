"""``config``: configuration files of the merged tree parse, and pass a JSON Schema.

```yaml
- id: deploy-config
  type: config
  files: ["deploy/**/*.yaml"]          # globs; every match must parse
  schema: schemas/deploy.json          # optional: a JSON Schema in the repository
  format: auto                         # or yaml, json, toml
  require_match: true                  # fail when no file matches
```
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from otv.documents import (
    InvalidSchema,
    Unparseable,
    format_of,
    parse,
    schema_errors,
    schema_validator,
)
from otv.globs import compile_glob
from otv.scenarios import Location, ScenarioContext, ScenarioOutput, failed, passed
from otv.scenarios.paths import OutsideRepository, inside, relative_path, walk

_LISTED = 10


class ConfigConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    files: list[str] = Field(min_length=1)
    json_schema: str | None = Field(default=None, alias="schema")
    format: Literal["auto", "yaml", "json", "toml"] = "auto"
    require_match: bool = True

    @field_validator("files")
    @classmethod
    def _globs(cls, globs: list[str]) -> list[str]:
        for pattern in globs:
            compile_glob(pattern)
        return globs

    @field_validator("json_schema")
    @classmethod
    def _schema_inside(cls, path: str | None) -> str | None:
        return relative_path(path) if path is not None else None


class ConfigScenario:
    config_model: ClassVar[type[BaseModel]] = ConfigConfig
    requires_worktree: ClassVar[bool] = True

    async def run(self, config: ConfigConfig, context: ScenarioContext) -> ScenarioOutput:
        root = context.worktree
        assert root is not None
        paths = walk(root, config.files)
        if not paths:
            message = f"no file matches {', '.join(config.files)}"
            return (
                failed(message, expected="at least one file")
                if config.require_match
                else passed(message)
            )
        validator = None
        if config.json_schema is not None:
            try:
                schema_text = inside(root, config.json_schema).read_text()
                validator = schema_validator(schema_text, config.json_schema)
            except (OSError, OutsideRepository, InvalidSchema, UnicodeDecodeError) as exc:
                return failed(f"the schema {config.json_schema} cannot be used: {exc}")
        problems, locations = [], []
        for relative in paths:
            try:
                text = inside(root, relative).read_text()
                fmt = format_of(relative) if config.format == "auto" else config.format
                documents = parse(text, fmt)
            except Unparseable as exc:
                where = f":{exc.line}:{exc.column}" if exc.line else ""
                problems.append(f"{relative}{where}: {exc.message}")
                locations.append(Location(relative, exc.line, exc.column))
                continue
            except (OSError, OutsideRepository, UnicodeDecodeError) as exc:
                problems.append(f"{relative}: cannot be read ({exc})")
                locations.append(Location(relative))
                continue
            if validator is not None:
                errors = [f"{relative}: {error}" for error in schema_errors(validator, documents)]
                problems += errors
                if errors:
                    locations.append(Location(relative))
        if problems:
            shown = "\n".join(problems[:_LISTED])
            more = f"\n... and {len(problems) - _LISTED} more" if len(problems) > _LISTED else ""
            return failed(
                f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in "
                f"{len(paths)} files:\n{shown}{more}",
                expected="every file parses"
                + (f" and passes {config.json_schema}" if config.json_schema else ""),
                locations=tuple(locations),
            )
        return passed(
            f"{len(paths)} file{'s' if len(paths) != 1 else ''} parse"
            + (f" and pass {config.json_schema}" if config.json_schema else "")
        )
