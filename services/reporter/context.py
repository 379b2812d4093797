"""The collected context, from its protobuf form to the report's."""

from __future__ import annotations

from otv.report import (
    ChangedFileReport,
    ConfigFileReport,
    DependencyReport,
    DriftReport,
    EnvironmentReport,
    FindingReport,
    ProbeReport,
    TargetContextReport,
    VerificationContextReport,
)
from otv.v1 import events_pb2 as pb

# A report lists at most this many changed files per target (and says how many there were).
MAX_CHANGED_FILES = 2000


def _dependency(d: pb.Dependency) -> DependencyReport:
    return DependencyReport(
        ecosystem=d.ecosystem,
        name=d.name,
        version=d.version,
        specifier=d.specifier,
        source=d.source,
        direct=d.direct,
    )


def _finding(f: pb.Finding) -> FindingReport:
    return FindingReport(path=f.path, kind=f.kind, message=f.message)


def target_context(
    target: pb.TargetContext, details: pb.TargetDetails | None
) -> TargetContextReport:
    details = details or pb.TargetDetails()
    return TargetContextReport(
        ahead=target.ahead,
        behind=target.behind,
        changed_files=[
            ChangedFileReport(path=c.path, status=c.status, old_path=c.old_path)
            for c in target.changed_files[:MAX_CHANGED_FILES]
        ],
        changed_files_total=len(target.changed_files),
        dependencies=[_dependency(d) for d in details.dependencies],
        drift=[
            DriftReport(
                ecosystem=c.ecosystem,
                name=c.name,
                change=c.change,
                head_version=c.head_version,
                target_version=c.target_version,
                direction=c.direction,
            )
            for c in details.drift
        ],
        config_files=[
            ConfigFileReport(
                path=c.path,
                format=c.format,
                valid=c.valid,
                sha256=c.sha256,
                error=c.error,
                line=c.line,
                column=c.column,
                schema=c.schema,
                schema_errors=list(c.schema_errors),
            )
            for c in details.config_files
        ],
        probes=[
            ProbeReport(
                id=p.id,
                type=p.type,
                target=p.target,
                ok=p.ok,
                latency_ms=p.latency_ms,
                detail=p.detail,
                error=p.error,
            )
            for p in details.probes
        ],
        findings=[_finding(f) for f in details.findings],
    )


def verification_context(details: pb.ContextDetails) -> VerificationContextReport:
    environment = details.environment
    return VerificationContextReport(
        environment=EnvironmentReport(
            os=environment.os,
            variables=dict(environment.variables),
            variable_names=list(environment.variable_names),
            tools=dict(environment.tools),
        ),
        head_dependencies=[_dependency(d) for d in details.head_dependencies],
        findings=[_finding(f) for f in details.findings],
    )
