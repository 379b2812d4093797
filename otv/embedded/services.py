"""Building otv's four services from settings, by name.

The service packages are imported on demand, so a command that needs none of
them (``otv status``) does not pay for importing them.
"""

from __future__ import annotations

from otv.errors import UsageError
from otv.runtime import Service
from otv.settings import Settings

SERVICE_NAMES = ("auth", "collector", "runner", "reporter")


def build_service(name: str, settings: Settings) -> Service:
    if name == "auth":
        from services.auth.service import AuthService

        return AuthService(settings)
    if name == "collector":
        from otv.scenarios import ScenarioRegistry
        from services.collector.service import CollectorService

        return CollectorService(settings, ScenarioRegistry.from_entry_points())
    if name == "runner":
        from otv.scenarios import ScenarioRegistry
        from services.runner.service import RunnerService

        return RunnerService(settings, ScenarioRegistry.from_entry_points())
    if name == "reporter":
        from services.reporter.service import ReporterService

        return ReporterService(settings)
    raise UsageError(f"unknown service {name!r} (services: {', '.join(SERVICE_NAMES)})")
