"""Resolving a named profile: follow ``extends``, merge scenarios, validate each type."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from otv.errors import ProfileError
from otv.outcomes import Severity
from otv.profiles.model import ContextSpec, ProfilesDocument, ScenarioEntry
from otv.profiles.yaml_source import YamlSource
from otv.scenarios import ScenarioRegistry


@dataclass(frozen=True)
class ResolvedScenario:
    id: str
    type: str
    severity: Severity
    timeout_s: float
    retries: int
    # The type's fields, validated by its plugin and normalised to JSON values.
    config: dict[str, Any]
    where: str  # file:line of the scenario's entry
    line: int = 0  # the line alone, for reports that point at it
    when_targets: tuple[str, ...] = ()
    when_changed: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    isolated: bool = False
    cache: bool | None = None

    def config_json(self) -> str:
        return json.dumps(self.config, sort_keys=True, separators=(",", ":"))


DEFAULT_PARALLELISM = 4


@dataclass(frozen=True)
class ResolvedProfile:
    name: str
    source: str
    scenarios: tuple[ResolvedScenario, ...]
    context: ContextSpec = field(default_factory=ContextSpec)
    targets: tuple[str, ...] = ()
    parallelism: int = DEFAULT_PARALLELISM
    fail_on: str = "blocking"
    # The file's path as a report links to it (the name may be a description).
    path: str = ""


@dataclass(frozen=True)
class ProfilesFile:
    source: YamlSource
    document: ProfilesDocument
    path: str = ""

    @classmethod
    def parse(cls, text: str | bytes, name: str, path: str | None = None) -> ProfilesFile:
        source = YamlSource.parse(text, name)
        if not isinstance(source.data, dict):
            raise ProfileError(f"{name}: expected a mapping with 'version' and 'profiles'")
        try:
            document = ProfilesDocument.model_validate(source.data)
        except ValidationError as exc:
            raise _located(source, (), exc) from None
        return cls(source=source, document=document, path=name if path is None else path)

    @property
    def name(self) -> str:
        return self.source.name

    def profile_names(self) -> list[str]:
        return sorted(self.document.profiles)

    def resolve(self, name: str, registry: ScenarioRegistry) -> ResolvedProfile:
        """The profile ``name`` with everything it extends, every scenario validated."""
        merged: dict[str, tuple[ScenarioEntry, tuple[str | int, ...]]] = {}
        for profile_name in reversed(self._lineage(name)):
            entry = self.document.profiles[profile_name]
            for index, scenario in enumerate(entry.scenarios):
                # A scenario with the id of an inherited one replaces it in place.
                merged[scenario.id] = (scenario, ("profiles", profile_name, "scenarios", index))
        scenarios = tuple(
            self._resolve_scenario(scenario, path, registry) for scenario, path in merged.values()
        )
        self._check_needs(scenarios, merged)
        context, parallelism, fail_on = ContextSpec(), DEFAULT_PARALLELISM, "blocking"
        targets: tuple[str, ...] = ()
        for profile_name in reversed(self._lineage(name)):
            entry = self.document.profiles[profile_name]
            if entry.context is not None:
                context = _extend_context(context, entry.context)
            if entry.targets is not None:
                targets = tuple(entry.targets)
            if entry.parallelism is not None:
                parallelism = entry.parallelism
            if entry.fail_on is not None:
                fail_on = entry.fail_on
        return ResolvedProfile(
            name=name,
            source=self.name,
            scenarios=scenarios,
            context=context,
            targets=targets,
            parallelism=parallelism,
            fail_on=fail_on,
            path=self.path,
        )

    def _check_needs(
        self,
        scenarios: tuple[ResolvedScenario, ...],
        merged: dict[str, tuple[ScenarioEntry, tuple[str | int, ...]]],
    ) -> None:
        """Every scenario a scenario needs exists, and none needs itself through others."""
        ids = {scenario.id for scenario in scenarios}
        for scenario in scenarios:
            for needed in scenario.needs:
                if needed not in ids:
                    where = self.source.where((*merged[scenario.id][1], "needs"))
                    raise ProfileError(
                        f"{where}: {scenario.id!r} needs unknown scenario {needed!r}"
                    )
        try:
            TopologicalSorter({s.id: s.needs for s in scenarios}).prepare()
        except CycleError as exc:
            cycle = list(reversed(exc.args[1]))
            where = self.source.where((*merged[cycle[0]][1], "needs"))
            raise ProfileError(
                f"{where}: scenarios need each other in a cycle: {' -> '.join(cycle)}"
            ) from None

    def _lineage(self, name: str) -> list[str]:
        """``name``, then what it extends, and so on up."""
        profiles = self.document.profiles
        if name not in profiles:
            raise ProfileError(
                f"{self.name}: no profile {name!r} (profiles: {', '.join(self.profile_names())})"
            )
        lineage = [name]
        while (parent := profiles[lineage[-1]].extends) is not None:
            where = self.source.where(("profiles", lineage[-1], "extends"))
            if parent not in profiles:
                raise ProfileError(f"{where}: {lineage[-1]!r} extends unknown profile {parent!r}")
            if parent in lineage:
                cycle = " -> ".join([*lineage, parent])
                raise ProfileError(f"{where}: profiles extend each other in a cycle: {cycle}")
            lineage.append(parent)
        return lineage

    def _resolve_scenario(
        self, scenario: ScenarioEntry, path: tuple[str | int, ...], registry: ScenarioRegistry
    ) -> ResolvedScenario:
        where = self.source.where((*path, "type"))
        plugin = registry.get(scenario.type, where)
        try:
            config = plugin.config_model.model_validate(scenario.type_fields())
        except ValidationError as exc:
            subject = f"{scenario.type} scenario {scenario.id!r}: "
            raise _located(self.source, path, exc, subject) from None
        return ResolvedScenario(
            id=scenario.id,
            type=scenario.type,
            severity=Severity(scenario.severity),
            timeout_s=scenario.timeout,
            retries=scenario.retries,
            config=config.model_dump(mode="json", exclude_defaults=True, by_alias=True),
            where=self.source.where(path),
            line=self.source.line_of(path) or 0,
            when_targets=tuple(scenario.when.targets) if scenario.when else (),
            when_changed=tuple(scenario.when.changed) if scenario.when else (),
            needs=tuple(scenario.needs),
            isolated=scenario.isolated,
            cache=scenario.cache,
        )


def _extend_context(inherited: ContextSpec, own: ContextSpec) -> ContextSpec:
    """``own`` over ``inherited``: its globs if it has any, schemas merged, probes by id."""
    probes = {probe.id: probe for probe in inherited.probes}
    probes.update({probe.id: probe for probe in own.probes})
    return ContextSpec(
        config_files=own.config_files if own.config_files is not None else inherited.config_files,
        schemas={**inherited.schemas, **own.schemas},
        probes=list(probes.values()),
    )


def _located(
    source: YamlSource, prefix: Sequence[str | int], exc: ValidationError, subject: str = ""
) -> ProfileError:
    error = exc.errors()[0]
    path = (*prefix, *error["loc"])
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return ProfileError(f"{source.where(path)}: {subject}{_describe(error)}{more}")


def _describe(error: ErrorDetails) -> str:
    loc = [str(part) for part in error["loc"] if part != "[key]"]
    field = loc[-1] if loc else ""
    if error["type"] == "extra_forbidden":
        return f"unknown field {field!r}"
    if error["type"] == "missing":
        return f"missing field {field!r}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{'.'.join(loc)}: {message}" if loc else message
