"""The collector's findings as protobuf messages, and back (for the context cache)."""

from __future__ import annotations

from otv.context import (
    ConfigFile,
    Dependency,
    DependencyChange,
    Finding,
    ProbeResult,
    TargetDetails,
)
from otv.v1 import events_pb2 as pb
from services.collector.context import CollectedTarget


def dependency(d: Dependency) -> pb.Dependency:
    return pb.Dependency(
        ecosystem=d.ecosystem,
        name=d.name,
        version=d.version,
        specifier=d.specifier,
        source=d.source,
        direct=d.direct,
    )


def finding(f: Finding) -> pb.Finding:
    return pb.Finding(path=f.path, kind=f.kind, message=f.message)


def probe(p: ProbeResult) -> pb.ProbeResult:
    return pb.ProbeResult(
        id=p.id,
        type=p.type,
        target=p.target,
        ok=p.ok,
        latency_ms=p.latency_ms,
        detail=p.detail,
        error=p.error,
    )


def _change(c: DependencyChange) -> pb.DependencyChange:
    return pb.DependencyChange(
        ecosystem=c.ecosystem,
        name=c.name,
        change=c.change,
        head_version=c.head_version,
        target_version=c.target_version,
        direction=c.direction,
    )


def _config(c: ConfigFile) -> pb.ConfigFile:
    return pb.ConfigFile(
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


def target_details(details: TargetDetails) -> pb.TargetDetails:
    return pb.TargetDetails(
        name=details.name,
        dependencies=[dependency(d) for d in details.dependencies],
        drift=[_change(c) for c in details.drift],
        config_files=[_config(c) for c in details.config_files],
        probes=[probe(p) for p in details.probes],
        findings=[finding(f) for f in details.findings],
    )


def collected_target(collected: CollectedTarget) -> pb.CollectedTarget:
    state = collected.state
    return pb.CollectedTarget(
        target=pb.TargetContext(
            name=state.name,
            sha=state.sha,
            merge_base=state.merge.merge_base,
            mergeable=state.merge.mergeable,
            conflicts=list(state.merge.conflicts),
            tree=state.merge.tree,
            changed_files=[
                pb.ChangedFile(path=c.path, status=c.status, old_path=c.old_path)
                for c in state.changed_files
            ],
            ahead=state.ahead,
            behind=state.behind,
        ),
        details=target_details(collected.details),
    )
