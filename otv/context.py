"""The context of a verification as plain values: what the collector found, and scenarios read.

Shared by the collector, which builds them, and by scenario plugins, which
receive them in their ``ScenarioContext``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """Something met while collecting that a reader should know about."""

    path: str
    kind: str  # unparseable, too-large, binary, encoding, symlink, schema, limit
    message: str


@dataclass(frozen=True)
class Dependency:
    ecosystem: str  # python, node, go, rust, container
    name: str
    version: str = ""  # exact, when pinned or locked
    specifier: str = ""  # the constraint as written
    source: str = ""
    direct: bool = True  # a manifest entry, not a lock file's

    @property
    def key(self) -> tuple[str, str]:
        return self.ecosystem, self.name


@dataclass(frozen=True)
class DependencyChange:
    ecosystem: str
    name: str
    change: str  # added, removed, changed
    head_version: str
    target_version: str
    direction: str = ""  # upgrade, downgrade, or "" when the versions do not compare


@dataclass(frozen=True)
class ConfigFile:
    path: str
    format: str
    valid: bool
    sha256: str
    error: str = ""
    line: int = 0
    column: int = 0
    schema: str = ""
    schema_errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProbeResult:
    id: str
    type: str
    target: str
    ok: bool
    latency_ms: float
    detail: str = ""
    error: str = ""


@dataclass(frozen=True)
class TargetDetails:
    name: str
    dependencies: tuple[Dependency, ...] = ()
    drift: tuple[DependencyChange, ...] = ()
    config_files: tuple[ConfigFile, ...] = ()
    probes: tuple[ProbeResult, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class Environment:
    """The client's environment, as it sent it (redacted)."""

    variables: dict[str, str] = field(default_factory=dict)
    variable_names: tuple[str, ...] = ()
    tools: dict[str, str] = field(default_factory=dict)
    os: str = ""
