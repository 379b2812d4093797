"""Folding a verification's events: idempotent, order-tolerant, and along the phase table."""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf.message import Message
from history import History, Scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otv.outcomes import Outcome, Verdict
from otv.queries import Phase
from otv.v1 import events_pb2 as pb
from services.reporter.phases import REACHABLE, TRANSITIONS, may_move
from services.reporter.report import build_report
from services.reporter.state import VerificationState, fold


def fold_all(sequence: Sequence[Message]) -> VerificationState:
    state = None
    for event in sequence:
        state = fold(state, event)
    assert state is not None
    return state


def two_targets() -> History:
    return History(
        targets={
            "main": [Scenario("mergeable", "blocking"), Scenario("tests")],
            "release/1.0": [Scenario("mergeable", "blocking"), Scenario("tests", outcome="failed")],
        }
    )


def test_a_verification_is_decided_when_its_context_and_every_target_are_known() -> None:
    history = two_targets()
    sequence = history.events()
    assert fold_all(sequence[:-1]).phase is Phase.RUNNING
    state = fold_all(sequence)
    assert (state.phase, state.verdict) == (Phase.COMPLETED, Verdict.WARNED)
    report = build_report(state)
    assert [t.verdict for t in report.targets] == [Verdict.PASSED, Verdict.WARNED]
    assert report.targets[1].scenarios[1].defined_at is not None
    assert report.targets[1].scenarios[1].defined_at.line == 14


def test_targets_finished_before_the_context_arrives_do_not_decide_it() -> None:
    history = two_targets()
    start = history.start()
    runs = [e for name in history.targets for e in history.target_events(name)]
    early = fold_all([*start[:3], *runs])
    assert early.phase is Phase.RUNNING and early.verdict is None
    assert fold_all([*start[:3], *runs, start[3]]).phase is Phase.COMPLETED


def test_each_phase_is_shown_as_the_verification_goes() -> None:
    history = two_targets()
    phases = []
    state = None
    for event in history.events():
        state = fold(state, event)
        phases.append(state.phase)
    assert list(dict.fromkeys(phases)) == [
        Phase.REQUESTED,
        Phase.AUTHORIZED,
        Phase.COLLECTING,
        Phase.RUNNING,
        Phase.COMPLETED,
    ]


def test_an_event_already_applied_changes_nothing() -> None:
    sequence = two_targets().events()
    state = fold_all(sequence)
    assert fold(state, sequence[5]) is state


def test_an_error_ends_the_verification_and_keeps_its_reason() -> None:
    history = two_targets()
    events = history.events()
    state = fold_all([*events[:4], history.errored("runner", "cannot fetch main"), *events[4:]])
    assert (state.phase, state.verdict) == (Phase.ERRORED, Verdict.ERRORED)
    assert state.error is not None and state.error.reason == "cannot fetch main"
    report = build_report(state)
    assert report.error is not None and report.error.stage == "runner"


def test_an_error_after_the_decision_changes_nothing() -> None:
    history = two_targets()
    state = fold_all([*history.events(), history.errored()])
    assert (state.phase, state.verdict, state.error) == (Phase.COMPLETED, Verdict.WARNED, None)


def test_a_rejection_is_final() -> None:
    history = two_targets()
    rejected = pb.VerificationRejected(
        meta=history.m("rejected"), request=history.request, code="401", reason="unknown API key"
    )
    state = fold_all([rejected, *history.events()[2:]])
    assert state.phase is Phase.REJECTED
    assert state.rejection_reason == "unknown API key"


def test_a_waiver_turns_a_failure_into_a_warning_and_is_recorded() -> None:
    history = History(targets={"main": [Scenario("deploy", "blocking", "failed")]})
    decided = fold_all(history.events())
    assert decided.verdict is Verdict.FAILED
    waived = fold(decided, history.reviewed(waived=True, reason="hotfix, approved by SRE"))
    assert (waived.phase, waived.verdict) == (Phase.REVIEWED, Verdict.WARNED)
    report = build_report(waived)
    assert report.review is not None
    assert report.review.key_id == "rev12345"
    assert report.review.reason == "hotfix, approved by SRE"
    assert report.review.verdict_before is Verdict.FAILED
    assert report.review.reviewed_at


def test_a_review_that_arrives_first_applies_once_the_verification_is_decided() -> None:
    history = History(targets={"main": [Scenario("deploy", "blocking", "failed")]})
    state = fold_all([history.reviewed(), *history.events()])
    assert (state.phase, state.verdict) == (Phase.REVIEWED, Verdict.WARNED)


def test_strict_profiles_fail_on_warnings() -> None:
    history = History(targets={"main": [Scenario("lint", "warning", "failed")]}, fail_on="warning")
    assert fold_all(history.events()).verdict is Verdict.FAILED
    history.fail_on = "blocking"
    assert fold_all(history.events()).verdict is Verdict.WARNED


def test_infrastructure_trouble_is_errored_never_failed_even_when_strict() -> None:
    history = History(
        targets={"main": [Scenario("registry", "blocking", "errored", kind="infra")]},
        fail_on="warning",
    )
    assert fold_all(history.events()).verdict is Verdict.ERRORED


def test_credentials_in_the_repository_url_are_not_kept() -> None:
    history = two_targets()
    history.repository = "https://ci:hunter2-secret@git.example.com/deploy.git"
    state = fold_all(history.events())
    assert "hunter2" not in state.model_dump_json()


def test_a_phase_the_table_does_not_reach_is_not_taken() -> None:
    history = two_targets()
    late = pb.VerificationRejected(
        meta=history.m("rejected"), request=history.request, code="403", reason="no"
    )
    running = fold_all(history.events()[:5])
    assert fold(running, late).phase is Phase.RUNNING


def test_a_targets_own_list_of_results_is_the_final_word() -> None:
    history = History(targets={"main": [Scenario("tests", "blocking", "passed")]})
    early = pb.ScenarioFinished(  # from an earlier run of the job, which failed
        meta=history.m("scenario", "main", "tests", "earlier"),
        target="main",
        result=Scenario("tests", "blocking", "failed").result(),
    )
    events = history.events()
    for order in ([*events, early], [*events[:-1], early, events[-1]]):
        state = fold_all(order)
        assert state.verdict is Verdict.PASSED
        assert build_report(state).targets[0].scenarios[0].outcome is Outcome.PASSED


def test_the_phase_table_has_one_start_and_final_phases() -> None:
    assert REACHABLE[Phase.REQUESTED] == set(Phase) - {Phase.REQUESTED}
    for final in (Phase.REJECTED, Phase.ERRORED, Phase.REVIEWED):
        assert TRANSITIONS[final] == frozenset()
    assert TRANSITIONS[Phase.COMPLETED] == {Phase.REVIEWED}
    assert not may_move(Phase.COMPLETED, Phase.ERRORED)
    assert not may_move(Phase.RUNNING, Phase.AUTHORIZED)


# Random verifications: targets, scenarios, an error somewhere or a review at the end.
scenario_strategy = st.builds(
    Scenario,
    id=st.sampled_from(["merge", "lint", "tests", "deploy"]),
    severity=st.sampled_from(["warning", "blocking"]),
    outcome=st.sampled_from(["passed", "failed", "skipped", "errored"]),
)


@st.composite
def histories(draw: st.DrawFn) -> tuple[History, list[Message]]:
    names = draw(
        st.lists(
            st.sampled_from(["main", "release/1", "release/2"]), min_size=1, max_size=3, unique=True
        )
    )
    targets = {}
    for name in names:
        scenarios = draw(st.lists(scenario_strategy, min_size=1, max_size=4))
        targets[name] = list({s.id: s for s in scenarios}.values())
    history = History(targets=targets, fail_on=draw(st.sampled_from(["blocking", "warning"])))
    events = history.events()
    ending = draw(st.sampled_from(["complete", "error", "review"]))
    if ending == "error":
        # Something broke before the last target finished: what follows never happened.
        cut = draw(st.integers(min_value=1, max_value=len(events) - 1))
        events = [*events[:cut], history.errored()]
    elif ending == "review":
        verdict = fold_all(events).verdict
        events.append(history.reviewed(waived=verdict is Verdict.FAILED))
    return history, events


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), drawn=histories())
def test_any_order_and_any_duplicates_give_the_same_state(
    data: st.DataObject, drawn: tuple[History, list[Message]]
) -> None:
    _, events = drawn
    reference = fold_all(events)
    delivered = data.draw(st.permutations(events))
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    positions = data.draw(
        st.lists(st.integers(0, len(delivered)), min_size=len(repeats), max_size=len(repeats))
    )
    for event, position in zip(repeats, positions, strict=True):
        delivered.insert(position, event)
    state = None
    for event in delivered:
        before = state.phase if state else Phase.REQUESTED
        state = fold(state, event)
        assert state.phase == before or may_move(before, state.phase), (before, state.phase)
    assert state is not None
    assert state.model_dump() == reference.model_dump()
