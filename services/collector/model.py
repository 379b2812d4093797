"""What the collector finds, as plain values (protobuf only at the service's edge)."""

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


class ParseError(ValueError):
    """A file that does not parse; the message says where and why."""


@dataclass
class Findings:
    """Findings gathered while collecting, in the order met, each once."""

    items: list[Finding] = field(default_factory=list)

    def add(self, path: str, kind: str, message: str) -> None:
        finding = Finding(path, kind, message)
        if finding not in self.items:
            self.items.append(finding)
