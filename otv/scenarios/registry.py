"""The scenario types known to this installation, fed by entry points."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import entry_points

from otv.errors import ProfileError
from otv.scenarios.plugin import ScenarioPlugin

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "otv.scenarios"


class ScenarioRegistry:
    def __init__(self, plugins: Mapping[str, ScenarioPlugin], broken: Mapping[str, str]) -> None:
        self._plugins = dict(plugins)
        self._broken = dict(broken)

    @classmethod
    def from_entry_points(cls) -> ScenarioRegistry:
        plugins: dict[str, ScenarioPlugin] = {}
        broken: dict[str, str] = {}
        for entry_point in entry_points(group=ENTRY_POINT_GROUP):
            try:
                plugins[entry_point.name] = entry_point.load()()
            except Exception as exc:  # a broken plugin must not take the others down
                log.warning("scenario type %r failed to load: %s", entry_point.name, exc)
                broken[entry_point.name] = f"{type(exc).__name__}: {exc}"
        return cls(plugins, broken)

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
