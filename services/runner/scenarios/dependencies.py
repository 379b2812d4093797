"""``dependencies``: the head's dependencies meet constraints; drift from the target is limited.

```yaml
- id: deps
  type: dependencies
  ecosystems: [python]                 # default: all
  constraints: {django: ">=4.2,<5"}    # PEP 440 specifiers, checked with packaging
  forbidden: [pycrypto]
  unpinned: forbid                     # every direct dependency pinned or locked
  drift: allow                         # forbid: any difference from the target fails
  max_drift: 10                        # at most this many differences
  downgrades: forbid                   # no dependency older than on the target
```

It reads what the collector found, not the tree, so a change that touches no
dependency file reuses its result.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar, Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, field_validator

from otv.context import Dependency
from otv.scenarios import ScenarioContext, ScenarioOutput, failed, passed

Policy = Literal["allow", "forbid"]
_LISTED = 10


class DependenciesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ecosystems: list[Literal["python", "node", "go", "rust", "container"]] = Field(
        default_factory=list
    )
    constraints: dict[str, str] = Field(default_factory=dict)
    forbidden: list[str] = Field(default_factory=list)
    unpinned: Policy = "allow"
    drift: Policy = "allow"
    max_drift: int | None = Field(default=None, ge=0)
    downgrades: Policy = "allow"

    @field_validator("constraints")
    @classmethod
    def _specifiers(cls, constraints: dict[str, str]) -> dict[str, str]:
        for name, specifier in constraints.items():
            try:
                SpecifierSet(specifier)
            except InvalidSpecifier:
                raise ValueError(f"{name}: {specifier!r} is not a version specifier") from None
        return constraints


def _name(dependency: Dependency) -> str:
    return (
        canonicalize_name(dependency.name) if dependency.ecosystem == "python" else dependency.name
    )


class DependenciesScenario:
    config_model: ClassVar[type[BaseModel]] = DependenciesConfig
    requires_worktree: ClassVar[bool] = False

    def cache_inputs(self, config: DependenciesConfig, context: ScenarioContext) -> str:
        found = repr(sorted(context.head_dependencies, key=repr)) + repr(
            sorted(context.details.drift, key=repr)
        )
        return hashlib.sha256(found.encode()).hexdigest()

    async def run(self, config: DependenciesConfig, context: ScenarioContext) -> ScenarioOutput:
        wanted = set(config.ecosystems)
        head = [d for d in context.head_dependencies if not wanted or d.ecosystem in wanted]
        drift = [c for c in context.details.drift if not wanted or c.ecosystem in wanted]
        problems = []
        locked = {(d.ecosystem, _name(d)): d.version for d in head if not d.direct and d.version}
        versions: dict[str, list[str]] = {}
        for dependency in head:
            version = locked.get((dependency.ecosystem, _name(dependency))) or dependency.version
            versions.setdefault(_name(dependency), []).append(version)
            if config.unpinned == "forbid" and dependency.direct and not version:
                problems.append(f"{dependency.name} is not pinned ({dependency.source})")
        for name in config.forbidden:
            if canonicalize_name(name) in versions or name in versions:
                problems.append(f"{name} is forbidden")
        for name, specifier in config.constraints.items():
            problems += _constraint(name, SpecifierSet(specifier), versions)
        if config.drift == "forbid" and drift:
            problems += [f"{c.name} differs from the target ({c.change})" for c in drift]
        if config.max_drift is not None and len(drift) > config.max_drift:
            problems.append(
                f"{len(drift)} dependencies differ from the target, at most {config.max_drift} may"
            )
        if config.downgrades == "forbid":
            problems += [
                f"{c.name} goes down from {c.target_version} to {c.head_version}"
                for c in drift
                if c.direction == "downgrade"
            ]
        if problems:
            shown = "\n".join(dict.fromkeys(problems[:_LISTED]))
            more = f"\n... and {len(problems) - _LISTED} more" if len(problems) > _LISTED else ""
            return failed(
                f"{len(problems)} dependency problem(s):\n{shown}{more}", expected=_expected(config)
            )
        return passed(f"{len(head)} dependencies checked; {len(drift)} differ from the target")


def _constraint(name: str, specifier: SpecifierSet, versions: dict[str, list[str]]) -> list[str]:
    found = versions.get(canonicalize_name(name)) or versions.get(name)
    if not found:
        return []  # not a dependency: nothing to constrain
    problems = []
    for version in dict.fromkeys(found):
        if not version:
            problems.append(f"{name} is not pinned, so {specifier} cannot be checked")
            continue
        try:
            if Version(version) not in specifier:
                problems.append(f"{name} {version} does not satisfy {specifier}")
        except InvalidVersion:
            problems.append(f"{name} {version} is not a version {specifier} can be checked against")
    return problems


def _expected(config: DependenciesConfig) -> str:
    parts = [f"{n} {s}" for n, s in config.constraints.items()]
    if config.unpinned == "forbid":
        parts.append("every dependency pinned")
    if config.drift == "forbid":
        parts.append("no drift from the target")
    if config.max_drift is not None:
        parts.append(f"at most {config.max_drift} drifted")
    if config.downgrades == "forbid":
        parts.append("no downgrades")
    if config.forbidden:
        parts.append(f"none of {', '.join(config.forbidden)}")
    return "; ".join(parts)
