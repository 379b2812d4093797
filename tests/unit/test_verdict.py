from __future__ import annotations

import pytest

from otv.outcomes import Outcome, Severity, Verdict
from services.reporter.verdict import target_verdict, worst

B, W = Severity.BLOCKING, Severity.WARNING
P, F, S, E = Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED, Outcome.ERRORED


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([], Verdict.PASSED),
        ([(B, P), (W, P)], Verdict.PASSED),
        ([(B, P), (W, S)], Verdict.PASSED),
        ([(W, F)], Verdict.WARNED),  # fail-safe: a warning never fails
        ([(W, E)], Verdict.WARNED),
        ([(B, F), (W, F)], Verdict.FAILED),
        ([(B, E)], Verdict.ERRORED),  # could not check: errored, never failed
        ([(B, E), (B, F)], Verdict.FAILED),
        ([(B, E), (W, F)], Verdict.ERRORED),
        ([(B, S)], Verdict.PASSED),
    ],
)
def test_target_verdict_policy(results: list[tuple[Severity, Outcome]], expected: Verdict) -> None:
    assert target_verdict(results) is expected


def test_the_worst_target_decides_the_verification() -> None:
    assert worst([Verdict.PASSED, Verdict.WARNED]) is Verdict.WARNED
    assert worst([Verdict.WARNED, Verdict.ERRORED]) is Verdict.ERRORED
    assert worst([Verdict.ERRORED, Verdict.FAILED, Verdict.PASSED]) is Verdict.FAILED
    assert worst([]) is Verdict.PASSED
