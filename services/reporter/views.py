"""What the status API shows of a verification's state: its status, summary and progress."""

from __future__ import annotations

from otv.queries import (
    Phase,
    ScenarioProgress,
    TargetProgress,
    VerificationStatus,
    VerificationSummary,
    WatchUpdate,
)
from services.reporter.state import VerificationState


def reason(state: VerificationState) -> str:
    if state.phase is Phase.REJECTED:
        return state.rejection_reason
    return state.error.reason if state.error else ""


def status(state: VerificationState) -> VerificationStatus:
    code = state.rejection_code if state.phase is Phase.REJECTED else ""
    if state.error is not None:
        code = state.error.kind
    review = state.review
    return VerificationStatus(
        verification_id=state.verification_id,
        correlation_id=state.correlation_id,
        phase=state.phase,
        verdict=state.verdict,
        reason=reason(state),
        reason_code=code,
        repository=state.repository,
        head=state.head_ref,
        profile=state.profile,
        targets=[
            TargetProgress(
                name=target.name,
                finished=target.finished,
                verdict=state.verdict_of(target) if target.finished else None,
                scenarios_finished=len(target.scenarios),
            )
            for target in (state.target(name) for name in state.target_names())
        ],
        started_at=state.started_at,
        updated_at=state.updated_at,
        reviewed_by=(review.key_name or review.key_id) if review else "",
        waived=bool(review and review.waived),
    )


def summary(state: VerificationState) -> VerificationSummary:
    return VerificationSummary(
        verification_id=state.verification_id,
        phase=state.phase,
        verdict=state.verdict,
        repository=state.repository,
        head=state.head_ref,
        profile=state.profile,
        targets=state.target_names(),
        started_at=state.started_at or state.updated_at,
        finished_at=state.finished_at,
    )


def results(state: VerificationState) -> dict[tuple[str, str], ScenarioProgress]:
    """Every scenario result the state holds, by target and scenario."""
    return {
        (target.name, scenario.id): ScenarioProgress(
            target=target.name,
            scenario=scenario.id,
            outcome=scenario.outcome,
            duration_s=scenario.duration_s,
            message=scenario.message.strip().partition("\n")[0][:300],
        )
        for target in state.targets.values()
        for scenario in target.scenarios.values()
    }


def progress(
    state: VerificationState, seen: dict[tuple[str, str], ScenarioProgress]
) -> WatchUpdate:
    """The status, and the results that are not in ``seen`` (or changed since)."""
    new = [found for key, found in results(state).items() if seen.get(key) != found]
    return WatchUpdate(status=status(state), finished=new)
