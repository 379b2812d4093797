"""``kubernetes-manifests``: manifests of the merged tree are valid for a Kubernetes version.

```yaml
- id: manifests
  type: kubernetes-manifests
  files: ["deploy/**/*.yaml"]          # default: every YAML file
  kubernetes_version: "1.30"
  strict: true                         # unknown fields are errors
  unknown_kinds: allow                 # forbid: a kind without a schema (a CRD's) fails
```

Validated against the schemas ``kubernetes-validate`` carries for that version;
nothing is sent to a cluster.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import kubernetes_validate
from pydantic import BaseModel, ConfigDict, Field, field_validator

from otv.documents import Unparseable, parse
from otv.globs import compile_glob
from otv.scenarios import Location, ScenarioContext, ScenarioOutput, failed, passed
from otv.scenarios.paths import OutsideRepository, inside, walk

_LISTED = 10


class ManifestsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    files: list[str] = Field(default_factory=lambda: ["**/*.yaml", "**/*.yml"])
    kubernetes_version: str = Field(default="1.30", pattern=r"^1\.\d+$")
    strict: bool = True
    unknown_kinds: Literal["allow", "forbid"] = "allow"

    @field_validator("files")
    @classmethod
    def _globs(cls, globs: list[str]) -> list[str]:
        for pattern in globs:
            compile_glob(pattern)
        return globs


def _is_manifest(document: Any) -> bool:
    return isinstance(document, dict) and "apiVersion" in document and "kind" in document


class KubernetesManifestsScenario:
    config_model: ClassVar[type[BaseModel]] = ManifestsConfig
    requires_worktree: ClassVar[bool] = True

    async def run(self, config: ManifestsConfig, context: ScenarioContext) -> ScenarioOutput:
        root = context.worktree
        assert root is not None
        problems: list[str] = []
        locations: list[Location] = []
        checked = 0
        for relative in walk(root, config.files):
            try:
                documents = parse(inside(root, relative).read_text(), "yaml")
            except (Unparseable, OSError, OutsideRepository, UnicodeDecodeError):
                continue  # not a manifest we can read; the config type says why
            found = len(problems)
            for index, document in enumerate(d for d in documents if _is_manifest(d)):
                checked += 1
                problems += _validate(document, config, f"{relative}#{index}")
            if len(problems) > found:
                locations.append(Location(relative))
        if problems:
            shown = "\n".join(problems[:_LISTED])
            more = f"\n... and {len(problems) - _LISTED} more" if len(problems) > _LISTED else ""
            return failed(
                f"{len(problems)} invalid manifest(s) for Kubernetes "
                f"{config.kubernetes_version}:\n{shown}{more}",
                expected=f"manifests valid for Kubernetes {config.kubernetes_version}",
                locations=tuple(locations),
            )
        return passed(f"{checked} manifests valid for Kubernetes {config.kubernetes_version}")


def _validate(document: dict[str, Any], config: ManifestsConfig, where: str) -> list[str]:
    name = f"{document.get('kind')} {document.get('metadata', {}).get('name', '?')} ({where})"
    try:
        kubernetes_validate.validate(document, config.kubernetes_version, strict=config.strict)
    except kubernetes_validate.SchemaNotFoundError:
        if config.unknown_kinds == "forbid":
            return [f"{name}: no schema for {document.get('apiVersion')} {document.get('kind')}"]
    except kubernetes_validate.ValidationError as exc:
        path = ".".join(str(p) for p in exc.path) or "$"
        return [f"{name}: {path}: {exc.message}"]
    return []
