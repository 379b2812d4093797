"""The phases of a verification and how it may move between them: one table.

    requested ──▶ authorized ──▶ collecting ──▶ running ──▶ completed ──▶ reviewed
        │             │               │            │
        ▼             └───────────────┴────────────┴──────▶ errored
    rejected

Events reach the reporter in any order, and some may never be seen by the
time a later one is (a replica folds them concurrently). So a verification
may move to any phase *reachable* in the table, skipping the ones between,
and never back: a phase that is not reachable from the current one is not
taken. Rejected, errored and reviewed are final; completed only moves on to
reviewed.
"""

from __future__ import annotations

from typing import Final

from otv.queries import Phase

TRANSITIONS: Final[dict[Phase, frozenset[Phase]]] = {
    Phase.REQUESTED: frozenset({Phase.AUTHORIZED, Phase.REJECTED}),
    Phase.AUTHORIZED: frozenset({Phase.COLLECTING, Phase.ERRORED}),
    Phase.COLLECTING: frozenset({Phase.RUNNING, Phase.ERRORED}),
    Phase.RUNNING: frozenset({Phase.COMPLETED, Phase.ERRORED}),
    Phase.COMPLETED: frozenset({Phase.REVIEWED}),
    Phase.REJECTED: frozenset(),
    Phase.ERRORED: frozenset(),
    Phase.REVIEWED: frozenset(),
}


def _reachable(start: Phase) -> frozenset[Phase]:
    seen: set[Phase] = set()
    frontier = [start]
    while frontier:
        for following in TRANSITIONS[frontier.pop()]:
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return frozenset(seen)


# Where each phase can lead, through any number of transitions.
REACHABLE: Final[dict[Phase, frozenset[Phase]]] = {phase: _reachable(phase) for phase in Phase}


def may_move(current: Phase, proposed: Phase) -> bool:
    return proposed in REACHABLE[current]
