"""The verdict policy: fail-safe, so only a blocking scenario can fail a verification.

For one target:
- a ``blocking`` scenario failed: ``failed``;
- else a ``blocking`` scenario errored (it could not check): ``errored``;
- else a ``warning`` scenario failed or errored: ``warned``;
- else ``passed`` (skipped scenarios count for nothing).

For the verification, the worst target decides: failed > errored > warned > passed.
"""

from __future__ import annotations

from collections.abc import Iterable

from otv.outcomes import Outcome, Severity, Verdict

_PRECEDENCE = (Verdict.FAILED, Verdict.ERRORED, Verdict.WARNED, Verdict.PASSED)


def target_verdict(results: Iterable[tuple[Severity, Outcome]]) -> Verdict:
    found: set[Verdict] = set()
    for severity, outcome in results:
        if severity is Severity.BLOCKING and outcome is Outcome.FAILED:
            found.add(Verdict.FAILED)
        elif severity is Severity.BLOCKING and outcome is Outcome.ERRORED:
            found.add(Verdict.ERRORED)
        elif outcome in (Outcome.FAILED, Outcome.ERRORED):
            found.add(Verdict.WARNED)
    return worst(found)


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    present = set(verdicts)
    return next((v for v in _PRECEDENCE if v in present), Verdict.PASSED)
