"""A verification's state, and folding events into it.

The fold records facts (authorized, collected, which targets finished with
what, an error, a review) and derives the phase from them, moving only along
the table in ``phases``. Facts do not depend on the order they were learnt
in, so folding a verification's events in any order, with any duplicates,
gives the same state: an event already applied changes nothing, a target's
own list of results is the final word on it, and a verification is decided
only once its context and every one of its targets are known.
"""

from __future__ import annotations

import re

from google.protobuf.message import Message
from pydantic import BaseModel, ConfigDict, Field

from otv.outcomes import OUTCOME_FROM_PB, SEVERITY_FROM_PB, Outcome, Severity, Verdict
from otv.queries import Phase
from otv.redaction import redact
from otv.report import (
    DiagnosisReport,
    LocationReport,
    PublishingReport,
    ScenarioReport,
    TargetContextReport,
    VerificationContextReport,
)
from otv.v1 import events_pb2 as pb
from services.reporter.context import target_context, verification_context
from services.reporter.phases import may_move
from services.reporter.verdict import FailOn, target_verdict, waived, worst


class TargetState(BaseModel):
    name: str
    sha: str = ""
    merge_base: str = ""
    mergeable: bool = False
    conflicts: list[str] = Field(default_factory=list)
    tree: str = ""
    finished: bool = False
    finished_at: str = ""
    duration_s: float = 0.0
    runner: str = ""
    scenarios: dict[str, ScenarioReport] = Field(default_factory=dict)
    context: TargetContextReport | None = None


class ErrorState(BaseModel):
    kind: str  # "configuration" or "infrastructure"
    stage: str
    reason: str


class ReviewState(BaseModel):
    key_id: str
    key_name: str
    reviewed_at: str
    reason: str
    waived: bool
    event_id: str


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
    fail_on: FailOn = "blocking"
    key_id: str = ""
    # What has been seen to happen.
    authorized: bool = False
    rejected: bool = False
    collecting: bool = False
    collected: bool = False
    running: bool = False
    targets: dict[str, TargetState] = Field(default_factory=dict)
    # Where the profile defines each scenario.
    scenario_locations: dict[str, LocationReport] = Field(default_factory=dict)
    rejection_code: str = ""
    rejection_reason: str = ""
    error: ErrorState | None = None
    # The verdict the scenarios gave; ``verdict`` is it after a review.
    decided_verdict: Verdict | None = None
    verdict: Verdict | None = None
    review: ReviewState | None = None
    started_at: str = ""
    finished_at: str = ""
    updated_at: str = ""
    context: VerificationContextReport | None = None
    # The stored reports, by format: object names in the reports store; and the
    # phase they were rendered in (a review renders them again).
    reports: dict[str, str] = Field(default_factory=dict)
    reports_phase: Phase | None = None
    # The pull or merge request, and what publishing to the git hosts gave, by round.
    change_number: int = 0
    publishing: list[PublishingReport] = Field(default_factory=list)
    reports_publishing: int = 0
    applied: list[str] = Field(default_factory=list)

    def target(self, name: str) -> TargetState:
        return self.targets.setdefault(name, TargetState(name=name))

    def target_names(self) -> list[str]:
        return list(dict.fromkeys(self.requested_targets))

    def all_targets_finished(self) -> bool:
        names = self.target_names()
        return bool(names) and all(self.target(n).finished for n in names)

    def verdict_of(self, target: TargetState) -> Verdict:
        return target_verdict(
            ((s.severity, s.outcome) for s in target.scenarios.values()), self.fail_on
        )

    def needs_reports(self) -> bool:
        """Whether reports should be (re)rendered: it ended, or was reviewed, since they were."""
        ended = self.phase in (Phase.COMPLETED, Phase.ERRORED, Phase.REVIEWED)
        published = len(self.publishing) != self.reports_publishing
        return ended and (self.reports_phase is not self.phase or published)

    def published_round(self, round_name: str) -> bool:
        return any(outcome.round == round_name for outcome in self.publishing)


def fold(state: VerificationState | None, event: Message) -> VerificationState:
    """The state after ``event``; ``state`` is not modified."""
    meta: pb.EventMeta = event.meta  # type: ignore[attr-defined]
    if state is None:
        state = VerificationState(
            verification_id=meta.verification_id, correlation_id=meta.correlation_id
        )
    elif meta.event_id in state.applied:
        return state
    # A copy to change (the caller compares it with ``state``): through plain data, about
    # four times faster than model_copy(deep=True), which the reporter did for every event.
    state = VerificationState.model_validate(state.model_dump())
    state.applied = sorted({*state.applied, meta.event_id})
    time = _iso(meta)
    state.updated_at = max(state.updated_at, time)
    _APPLY.get(type(event), _ignore)(state, event, time)
    _settle(state)
    return state


def phase_of(state: VerificationState) -> Phase:
    """The furthest phase the facts show."""
    if state.rejected:
        return Phase.REJECTED
    if state.decided_verdict is not None:
        return Phase.REVIEWED if state.review is not None else Phase.COMPLETED
    if state.error is not None:
        return Phase.ERRORED
    if state.collected or state.running:
        return Phase.RUNNING
    if state.collecting:
        return Phase.COLLECTING
    return Phase.AUTHORIZED if state.authorized else Phase.REQUESTED


def _settle(state: VerificationState) -> None:
    decidable = state.collected and state.error is None and not state.rejected
    if state.decided_verdict is None and decidable and state.all_targets_finished():
        names = state.target_names()
        state.decided_verdict = worst(state.verdict_of(state.target(n)) for n in names)
        state.finished_at = max(state.target(n).finished_at for n in names)
    proposed = phase_of(state)
    if may_move(state.phase, proposed):
        state.phase = proposed
    if state.decided_verdict is not None:
        review = state.review
        verdict = state.decided_verdict
        state.verdict = waived(verdict) if review is not None and review.waived else verdict


def _ignore(state: VerificationState, event: Message, time: str) -> None:
    """Events that carry nothing for the state (completed: the reporter's own)."""


def _request(state: VerificationState, request: pb.VerificationRequest) -> None:
    state.repository = redact(request.repository)  # a URL may carry credentials
    state.change_number = request.change_number
    if not state.collected:  # the collected context is the final word on these
        state.head_ref = request.head or "HEAD"
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
    state.authorized = True


def _rejected(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.VerificationRejected)
    _request(state, event.request)
    state.rejected = True
    state.rejection_code = event.code
    state.rejection_reason = event.reason
    state.finished_at = time


def _collecting(state: VerificationState, event: Message, time: str) -> None:
    state.collecting = True


def _collected(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.ContextCollected)
    state.collected = True
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
    profile = event.profile
    if profile.name:
        state.profile = profile.name
        state.profile_source = profile.source
        state.fail_on = "warning" if profile.fail_on == "warning" else "blocking"
        state.scenario_locations = {
            scenario.id: LocationReport(
                path=scenario.defined_at.path, line=scenario.defined_at.line
            )
            for scenario in profile.scenarios
            if scenario.defined_at.path
        }


def _job(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.TargetJob)
    state.running = True
    if not state.collected:  # the collected context is the final word on these
        state.profile = event.profile
        state.profile_source = event.profile_source


def _scenario(result: pb.ScenarioResult) -> ScenarioReport:
    diagnosis = None
    if result.HasField("diagnosis") and result.diagnosis.kind in ("failure", "infra", "error"):
        found = result.diagnosis
        diagnosis = DiagnosisReport(
            kind=found.kind,
            exit_code=found.exit_code if found.HasField("exit_code") else None,
            output=printable(found.output),
            expected=printable(found.expected),
            locations=[
                LocationReport(path=at.path, line=at.line, column=at.column)
                for at in found.locations
            ],
        )
    return ScenarioReport(
        flaky=result.flaky,
        diagnosis=diagnosis,
        id=result.id,
        type=result.type,
        severity=SEVERITY_FROM_PB.get(result.severity, Severity.WARNING),
        outcome=OUTCOME_FROM_PB.get(result.outcome, Outcome.ERRORED),
        duration_s=result.duration_s,
        message=printable(result.message),
        cached=result.cached,
        attempts=result.attempts or 1,
    )


def _scenario_finished(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.ScenarioFinished)
    state.running = True
    target = state.target(event.target)
    if not target.finished:  # a finished target's own list is the final word
        target.scenarios[event.result.id] = _scenario(event.result)


def _target_finished(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.TargetFinished)
    state.running = True
    target = state.target(event.target)
    target.sha = target.sha or event.sha
    target.scenarios = {result.id: _scenario(result) for result in event.results}
    target.finished = True
    target.finished_at = time
    target.duration_s = event.duration_s
    target.runner = event.meta.producer


def _errored(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.VerificationErrored)
    if state.decided_verdict is not None or state.error is not None:
        return  # decided already, or the first error is the one that counts
    kind = "configuration" if event.kind == pb.ERROR_KIND_CONFIGURATION else "infrastructure"
    state.error = ErrorState(kind=kind, stage=event.stage, reason=event.reason)
    state.verdict = Verdict.ERRORED
    state.finished_at = time


def _reviewed(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.VerificationReviewed)
    review = ReviewState(
        key_id=event.key_id,
        key_name=event.key_name,
        reviewed_at=time,
        reason=redact(event.reason),
        waived=event.waived,
        event_id=event.meta.event_id,
    )
    current = state.review
    if current is None or (review.reviewed_at, review.event_id) < (
        current.reviewed_at,
        current.event_id,
    ):
        state.review = review  # the first review counts, whatever order they arrive in


def _published(state: VerificationState, event: Message, time: str) -> None:
    assert isinstance(event, pb.VerificationPublished)
    if state.published_round(event.round):
        return
    state.publishing = [
        *state.publishing,
        *(
            PublishingReport(
                publisher=o.publisher,
                host=o.host,
                ok=o.ok,
                detail=redact(o.detail),
                url=o.url,
                round=event.round,
            )
            for o in event.outcomes
        ),
    ]


_APPLY = {
    pb.VerificationRequested: _requested,
    pb.VerificationAuthorized: _authorized,
    pb.VerificationRejected: _rejected,
    pb.ContextCollecting: _collecting,
    pb.ContextCollected: _collected,
    pb.TargetJob: _job,
    pb.ScenarioFinished: _scenario_finished,
    pb.TargetFinished: _target_finished,
    pb.VerificationErrored: _errored,
    pb.VerificationReviewed: _reviewed,
    pb.VerificationPublished: _published,
}


# Terminal colours and cursor moves, which tools print and no report format can show.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(text: str) -> str:
    """``text`` without terminal escapes or control characters; carriage returns as new lines."""
    text = _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def _iso(meta: pb.EventMeta) -> str:
    return meta.time.ToDatetime().isoformat(timespec="milliseconds") + "Z"
