"""The scenario types known to this installation, fed by entry points."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import entry_points

from otv import __version__
from otv.errors import ProfileError
from otv.scenarios.plugin import ScenarioPlugin

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "otv.scenarios"


class ScenarioRegistry:
    def __init__(
        self,
        plugins: Mapping[str, ScenarioPlugin],
        broken: Mapping[str, str] | None = None,
        versions: Mapping[str, str] | None = None,
    ) -> None:
        self._plugins = dict(plugins)
        self._broken = dict(broken or {})
        self._versions = dict(versions or {})

    @classmethod
    def from_entry_points(cls) -> ScenarioRegistry:
        plugins: dict[str, ScenarioPlugin] = {}
        broken: dict[str, str] = {}
        versions: dict[str, str] = {}
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            try:
                plugins[entry_point.name] = entry_point.load()()
            except Exception as exc:  # a broken plugin must not take the others down
                log.warning("scenario type %r failed to load: %s", entry_point.name, exc)
                broken[entry_point.name] = f"{type(exc).__name__}: {exc}"
                continue
            distribution = entry_point.dist
            versions[entry_point.name] = (
                f"{distribution.name}=={distribution.version}" if distribution else __version__
            )
        return cls(plugins, broken, versions)

    def version(self, name: str) -> str:
        """What a cached result of this type is tied to: its distribution and version."""
        return self._versions.get(name, __version__)

    def names(self) -> list[str]:
        return sorted(self._plugins)

    def get(self, name: str, where: str) -> ScenarioPlugin:
        """The plugin for ``name``; ``where`` (file:line) locates the error."""
        if name in self._plugins:
            return self._plugins[name]
        if name in self._broken:
            raise ProfileError(
                f"{where}: scenario type {name!r} is installed but failed to load "
                f"({self._broken[name]})"
            )
        raise ProfileError(
            f"{where}: unknown scenario type {name!r} (known: {', '.join(self.names())})"
        )
