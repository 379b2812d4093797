"""The plugin API for scenario types.

A scenario type is a class registered under the entry-point group
``otv.scenarios``; the name of the entry point is the ``type`` a profile uses.
The class has a pydantic ``config_model`` for its fields in the profile and an
``async run(config, context)`` that returns a ``ScenarioOutput``. otv's own
types register the same way::

    [project.entry-points."otv.scenarios"]
    command = "services.runner.scenarios.command:CommandScenario"
"""

from otv.scenarios.plugin import (
    CachedScenario,
    ChangedFile,
    Diagnosis,
    Location,
    ScenarioContext,
    ScenarioOutput,
    ScenarioPlugin,
    TargetInfo,
    could_not_check,
    failed,
    passed,
    skipped,
)
from otv.scenarios.registry import ENTRY_POINT_GROUP, ScenarioRegistry

__all__ = [
    "ENTRY_POINT_GROUP",
    "CachedScenario",
    "ChangedFile",
    "Diagnosis",
    "Location",
    "ScenarioContext",
    "ScenarioOutput",
    "ScenarioPlugin",
    "ScenarioRegistry",
    "TargetInfo",
    "could_not_check",
    "failed",
    "passed",
    "skipped",
]
