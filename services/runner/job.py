"""A target job and its results as plain values, and their protobuf forms at the edge."""

from __future__ import annotations

from dataclasses import dataclass, field

from otv.context import (
    ConfigFile,
    Dependency,
    DependencyChange,
    Environment,
    Finding,
    ProbeResult,
    TargetDetails,
)
from otv.outcomes import OUTCOME_TO_PB, SEVERITY_FROM_PB, SEVERITY_TO_PB, Outcome, Severity
from otv.scenarios import ChangedFile, Diagnosis, TargetInfo
from otv.v1 import events_pb2 as pb


@dataclass(frozen=True)
class ScenarioSpec:
    id: str
    type: str
    severity: Severity
    timeout_s: float
    retries: int
    config_json: str
    when_targets: tuple[str, ...] = ()
    when_changed: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    isolated: bool = False
    cache: bool | None = None


@dataclass(frozen=True)
class Job:
    verification_id: str
    repository: str
    head_ref: str
    head_sha: str
    target: TargetInfo
    scenarios: tuple[ScenarioSpec, ...]
    parallelism: int = 4
    details: TargetDetails | None = None
    head_dependencies: tuple[Dependency, ...] = ()
    environment: Environment = field(default_factory=Environment)


@dataclass(frozen=True)
class ScenarioRecord:
    id: str
    type: str
    severity: Severity
    outcome: Outcome
    duration_s: float
    message: str
    attempts: int
    flaky: bool = False
    cached: bool = False
    diagnosis: Diagnosis | None = None


def _dependency(d: pb.Dependency) -> Dependency:
    return Dependency(d.ecosystem, d.name, d.version, d.specifier, d.source, d.direct)


def target_details(details: pb.TargetDetails) -> TargetDetails:
    return TargetDetails(
        name=details.name,
        dependencies=tuple(_dependency(d) for d in details.dependencies),
        drift=tuple(
            DependencyChange(
                c.ecosystem, c.name, c.change, c.head_version, c.target_version, c.direction
            )
            for c in details.drift
        ),
        config_files=tuple(
            ConfigFile(
                c.path,
                c.format,
                c.valid,
                c.sha256,
                c.error,
                c.line,
                c.column,
                c.schema,
                tuple(c.schema_errors),
            )
            for c in details.config_files
        ),
        probes=tuple(
            ProbeResult(p.id, p.type, p.target, p.ok, p.latency_ms, p.detail, p.error)
            for p in details.probes
        ),
        findings=tuple(Finding(f.path, f.kind, f.message) for f in details.findings),
    )


def environment(message: pb.ClientEnvironment) -> Environment:
    return Environment(
        variables=dict(message.variables),
        variable_names=tuple(message.variable_names),
        tools=dict(message.tools),
        os=message.os,
    )


def job_from_event(
    event: pb.TargetJob, details: pb.TargetDetails | None, head_dependencies: list[pb.Dependency]
) -> Job:
    target = event.target
    return Job(
        verification_id=event.meta.verification_id,
        repository=event.repository,
        head_ref=event.head.ref,
        head_sha=event.head.sha,
        target=TargetInfo(
            name=target.name,
            sha=target.sha,
            merge_base=target.merge_base,
            mergeable=target.mergeable,
            conflicts=tuple(target.conflicts),
            tree=target.tree,
            changed_files=tuple(
                ChangedFile(c.path, c.status, c.old_path) for c in target.changed_files
            ),
        ),
        scenarios=tuple(
            ScenarioSpec(
                id=s.id,
                type=s.type,
                severity=SEVERITY_FROM_PB.get(s.severity, Severity.WARNING),
                timeout_s=s.timeout_s,
                retries=s.retries,
                config_json=s.config_json,
                when_targets=tuple(s.when_targets),
                when_changed=tuple(s.when_changed),
                needs=tuple(s.needs),
                isolated=s.isolated,
                cache=s.cache if s.HasField("cache") else None,
            )
            for s in event.scenarios
        ),
        parallelism=event.parallelism or 4,
        details=target_details(details) if details is not None else None,
        head_dependencies=tuple(_dependency(d) for d in head_dependencies),
        environment=environment(event.environment),
    )


def result_message(record: ScenarioRecord) -> pb.ScenarioResult:
    message = pb.ScenarioResult(
        id=record.id,
        type=record.type,
        severity=SEVERITY_TO_PB[record.severity],
        outcome=OUTCOME_TO_PB[record.outcome],
        duration_s=record.duration_s,
        message=record.message,
        cached=record.cached,
        attempts=record.attempts,
        flaky=record.flaky,
    )
    if record.diagnosis is not None:
        diagnosis = record.diagnosis
        message.diagnosis.kind = diagnosis.kind
        message.diagnosis.output = diagnosis.output
        message.diagnosis.expected = diagnosis.expected
        if diagnosis.exit_code is not None:
            message.diagnosis.exit_code = diagnosis.exit_code
        message.diagnosis.locations.extend(
            pb.Location(path=at.path, line=at.line, column=at.column) for at in diagnosis.locations
        )
    return message
