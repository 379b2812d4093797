"""What a report's reader should look at first, shared by every format.

Most important first: what fails the verification (a failed scenario that
blocks), then what kept it from being checked (an errored one that blocks),
then warnings: failed, then errored scenarios that do not block.
"""

from __future__ import annotations

from dataclasses import dataclass

from otv.outcomes import Outcome
from otv.report import LocationReport, Report, ScenarioReport
from services.reporter.verdict import blocks


@dataclass(frozen=True)
class Problem:
    target: str
    scenario: ScenarioReport
    blocking: bool

    @property
    def rank(self) -> int:
        failed = self.scenario.outcome is Outcome.FAILED
        return {(True, True): 0, (True, False): 1, (False, True): 2, (False, False): 3}[
            (self.blocking, failed)
        ]

    @property
    def label(self) -> str:
        return (
            "blocking failure",
            "blocking, could not check",
            "warning",
            "warning, could not check",
        )[self.rank]

    @property
    def headline(self) -> str:
        return first_line(self.scenario.message) or str(self.scenario.outcome)


def problems(report: Report) -> list[Problem]:
    """Every failed or errored scenario of every target, most important first."""
    found = [
        Problem(target.name, scenario, blocks(scenario.severity, report.fail_on))
        for target in report.targets
        for scenario in target.scenarios
        if scenario.outcome in (Outcome.FAILED, Outcome.ERRORED)
    ]
    return sorted(found, key=lambda problem: problem.rank)  # stable: profile order within


def scenario_ids(report: Report) -> list[str]:
    """Every scenario id, in the profile's order, across targets."""
    return list(dict.fromkeys(s.id for target in report.targets for s in target.scenarios))


def locations(scenario: ScenarioReport) -> list[LocationReport]:
    """Where to look: the files the check named, else where the profile defines it."""
    if scenario.diagnosis is not None and scenario.diagnosis.locations:
        return scenario.diagnosis.locations
    return [scenario.defined_at] if scenario.defined_at is not None else []


def place(location: LocationReport) -> str:
    line = f":{location.line}" if location.line else ""
    column = f":{location.column}" if location.line and location.column else ""
    return f"{location.path}{line}{column}"


def first_line(text: str) -> str:
    return text.strip().partition("\n")[0]


def counts(scenarios: list[ScenarioReport]) -> dict[Outcome, int]:
    found = {outcome: 0 for outcome in Outcome}
    for scenario in scenarios:
        found[scenario.outcome] += 1
    return found
