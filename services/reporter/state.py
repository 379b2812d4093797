"""A verification's state, and folding events into it.

The fold is idempotent and tolerates order: an event already applied changes
nothing, a phase only moves forward, and a terminal phase (rejected,
completed, errored) is never left. What a target's scenarios gave is keyed by
target and scenario, so a redelivered result replaces itself.
"""

from __future__ import annotations

from google.protobuf.message import Message
from pydantic import BaseModel, ConfigDict, Field

from otv.outcomes import OUTCOME_FROM_PB, SEVERITY_FROM_PB, Outcome, Severity, Verdict
from otv.queries import Phase
from otv.report import (
    DiagnosisReport,
    ScenarioReport,
    TargetContextReport,
    VerificationContextReport,
)
from otv.v1 import events_pb2 as pb
from services.reporter.context import target_context, verification_context

_RANK = {
    Phase.REQUESTED: 0,
    Phase.AUTHORIZED: 1,
    Phase.RUNNING: 2,
    Phase.REJECTED: 3,
    Phase.COMPLETED: 3,
    Phase.ERRORED: 3,
}


class TargetState(BaseModel):
    name: str
    sha: str = ""
    merge_base: str = ""
    mergeable: bool = False
    conflicts: list[str] = Field(default_factory=list)
    tree: str = ""
    finished: bool = False
    finished_at: str = ""
    scenarios: dict[str, ScenarioReport] = Field(default_factory=dict)
    context: TargetContextReport | None = None


class ErrorState(BaseModel):
    kind: str  # "configuration" or "infrastructure"
    stage: str
    reason: str


class VerificationState(BaseModel):
    model_config = ConfigDict(validate_assignment=True)

    verification_id: str
    correlation_id: str
    phase: Phase = Phase.REQUESTED
    repository: str = ""
    head_ref: str = ""
    head_sha: str = ""
    requested_targets: list[str] = Field(default_factory=list)
    profile: str = ""
    profile_source: str = ""
    key_id: str = ""
    targets: dict[str, TargetState] = Field(default_factory=dict)
    rejection_code: str = ""
    rejection_reason: str = ""
    error: ErrorState | None = None
    verdict: Verdict | None = None
    started_at: str = ""
    finished_at: str = ""
    updated_at: str = ""
    context: VerificationContextReport | None = None
    # The stored reports, by format: object names in the reports store.
    reports: dict[str, str] = Field(default_factory=dict)
    applied: list[str] = Field(default_factory=list)

    def advance(self, phase: Phase) -> None:
        if self.phase.terminal:
            return
        if _RANK[phase] >= _RANK[self.phase]:
            self.phase = phase

    def target(self, name: str) -> TargetState:
        return self.targets.setdefault(name, TargetState(name=name))

    def all_targets_finished(self) -> bool:
        names = self.requested_targets
        return bool(names) and all(self.target(n).finished for n in dict.fromkeys(names))


def fold(state: VerificationState | None, event: Message) -> VerificationState:
    """The state after ``event``; ``state`` is not modified."""
    meta: pb.EventMeta = event.meta  # type: ignore[attr-defined]
    if state is None:
        state = VerificationState(
            verification_id=meta.verification_id, correlation_id=meta.correlation_id
        )
    elif meta.event_id in state.applied:
        return state
    state = state.model_copy(deep=True)
    state.applied = sorted({*state.applied, meta.event_id})
    time = _iso(meta)
    state.updated_at = max(state.updated_at, time)
    _APPLY.get(type(event), _ignore)(state, event, time)
    return state


def _ignore(state: VerificationState, event: Message, time: str) -> None:
    """Events that carry nothing for the state (completed: the reporter's own)."""


def _request(state: VerificationState, request: pb.VerificationRequest) -> None:
    state.repository = request.repository
    state.head_ref = state.head_ref or request.head or "HEAD"
    state.requested_targets = list(dict.fromkeys(request.targets))
    state.profile = state.profile or request.profile


def _requested(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.VerificationRequested)
    _request(state, event.request)
    state.started_at = state.started_at or time


def _authorized(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.VerificationAuthorized)
    _request(state, event.request)
    state.key_id = event.principal.key_id
    state.started_at = time  # the time otv admitted it
    state.advance(Phase.AUTHORIZED)


def _rejected(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.VerificationRejected)
    _request(state, event.request)
    if not state.phase.terminal:
        state.rejection_code = event.code
        state.rejection_reason = event.reason
        state.finished_at = time
    state.advance(Phase.REJECTED)


def _collected(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.ContextCollected)
    _request(state, event.request)
    state.head_ref = event.head.ref
    state.head_sha = event.head.sha
    details = {d.name: d for d in event.details.targets}
    # The targets as collected: the request's, or the profile's when it named none.
    state.requested_targets = [context.name for context in event.targets]
    for context in event.targets:
        target = state.target(context.name)
        target.sha = context.sha
        target.merge_base = context.merge_base
        target.mergeable = context.mergeable
        target.conflicts = list(context.conflicts)
        target.tree = context.tree
        target.context = target_context(context, details.get(context.name))
    state.context = verification_context(event.details)
    if event.profile.name:
        state.profile = event.profile.name
        state.profile_source = event.profile.source
    state.advance(Phase.RUNNING)


def _job(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.TargetJob)
    state.profile = event.profile
    state.profile_source = event.profile_source
    state.advance(Phase.RUNNING)


def _scenario(result: pb.ScenarioResult) -> ScenarioReport:
    diagnosis = None
    if result.HasField("diagnosis") and result.diagnosis.kind in ("failure", "infra", "error"):
        found = result.diagnosis
        diagnosis = DiagnosisReport(
            kind=found.kind,
            exit_code=found.exit_code if found.HasField("exit_code") else None,
            output=found.output,
            expected=found.expected,
        )
    return ScenarioReport(
        flaky=result.flaky,
        diagnosis=diagnosis,
        id=result.id,
        type=result.type,
        severity=SEVERITY_FROM_PB.get(result.severity, Severity.WARNING),
        outcome=OUTCOME_FROM_PB.get(result.outcome, Outcome.ERRORED),
        duration_s=result.duration_s,
        message=result.message,
        cached=result.cached,
        attempts=result.attempts or 1,
    )


def _scenario_finished(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.ScenarioFinished)
    target = state.target(event.target)
    if not target.finished:  # a finished target's own list is the final word
        target.scenarios[event.result.id] = _scenario(event.result)
    state.advance(Phase.RUNNING)


def _target_finished(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.TargetFinished)
    target = state.target(event.target)
    target.sha = target.sha or event.sha
    target.scenarios = {result.id: _scenario(result) for result in event.results}
    target.finished = True
    target.finished_at = time
    state.advance(Phase.RUNNING)


def _errored(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.VerificationErrored)
    if state.phase.terminal:
        return
    kind = "configuration" if event.kind == pb.ERROR_KIND_CONFIGURATION else "infrastructure"
    state.error = ErrorState(kind=kind, stage=event.stage, reason=event.reason)
    state.verdict = Verdict.ERRORED
    state.finished_at = time
    state.advance(Phase.ERRORED)


_APPLY = {
    pb.VerificationRequested: _requested,
    pb.VerificationAuthorized: _authorized,
    pb.VerificationRejected: _rejected,
    pb.ContextCollected: _collected,
    pb.TargetJob: _job,
    pb.ScenarioFinished: _scenario_finished,
    pb.TargetFinished: _target_finished,
    pb.VerificationErrored: _errored,
}


def _iso(meta: pb.EventMeta) -> str:
    return meta.time.ToDatetime().isoformat(timespec="milliseconds") + "Z"
