"""Building otv's four services from settings, by name.

The service packages are imported on demand, so a command that needs none of
them (``otv status``) does not pay for importing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from otv.errors import UsageError
from otv.runtime import Service
from otv.settings import Settings

if TYPE_CHECKING:
    from services.auth.keys import KeyRecord

SERVICE_NAMES = ("auth", "collector", "runner", "reporter")


def build_service(name: str, settings: Settings, extra_keys: Sequence[KeyRecord] = ()) -> Service:
    if name == "auth":
        from services.auth.keys import KeyTable, load_auth_config
        from services.auth.service import AuthService

        configured = load_auth_config(settings.auth_config) if settings.auth_config else []
        return AuthService(KeyTable([*configured, *extra_keys]))
    if name == "collector":
        from services.collector.service import CollectorService

        return CollectorService(settings)
    if name == "runner":
        from otv.scenarios import ScenarioRegistry
        from services.runner.service import RunnerService

        return RunnerService(settings, ScenarioRegistry.from_entry_points())
    if name == "reporter":
        from services.reporter.service import ReporterService

        return ReporterService(settings)
    raise UsageError(f"unknown service {name!r} (services: {', '.join(SERVICE_NAMES)})")
