"""The report as TAP version 14: one subtest per target, one test point per scenario.

TAP has no "warning", but it has ``# TODO``: a ``not ok`` marked TODO is
shown and does not fail the run. So a failing scenario that does not block
(fail-safe) is ``not ok ... # TODO``, and one that blocks is a plain
``not ok``; a skipped scenario is ``ok ... # SKIP``. A target is ``ok`` when
its verdict is passed or warned. Details travel in YAML diagnostic blocks.
"""

from __future__ import annotations

from typing import Any

import yaml

from otv.outcomes import Outcome, Verdict
from otv.report import Report, ScenarioReport, TargetReport
from services.reporter.renderers.findings import locations, place
from services.reporter.verdict import blocks

_INDENT = "    "
_OUTPUT_CHARS = 2000


def render_tap(report: Report) -> str:
    lines = ["TAP version 14"]
    if not report.targets:
        reason = report.error.reason if report.error else "no target was verified"
        lines += ["1..1", f"not ok 1 - {_description('verification')}"]
        lines += _yaml({"message": reason, "error": report.error.kind if report.error else ""})
        return "\n".join(lines) + "\n"
    lines.append(f"1..{len(report.targets)}")
    for number, target in enumerate(report.targets, start=1):
        lines.append(f"# Subtest: {_one_line(target.name)}")
        lines += [_INDENT + line if line else line for line in _subtest(report, target)]
        lines.append(_target_point(report, target, number))
        lines += _yaml(
            {
                "verdict": str(target.verdict),
                "sha": target.sha,
                "mergeable": target.merge.mergeable,
                "duration_ms": round(target.duration_s * 1000),
            }
        )
    return "\n".join(lines) + "\n"


def _subtest(report: Report, target: TargetReport) -> list[str]:
    lines = [f"1..{len(target.scenarios)}"]
    for number, scenario in enumerate(target.scenarios, start=1):
        lines.append(_scenario_point(report, scenario, number))
        if scenario.outcome in (Outcome.FAILED, Outcome.ERRORED):
            lines += _yaml(_diagnostics(scenario))
    return lines


def _scenario_point(report: Report, scenario: ScenarioReport, number: int) -> str:
    description = _description(scenario.id)
    if scenario.outcome is Outcome.PASSED:
        return f"ok {number} - {description}"
    if scenario.outcome is Outcome.SKIPPED:
        return f"ok {number} - {description} # SKIP {_one_line(scenario.message)}".rstrip()
    point = f"not ok {number} - {description}"
    if not blocks(scenario.severity, report.fail_on):
        point += f" # TODO {scenario.severity}: does not fail the verification"
    return point


def _target_point(report: Report, target: TargetReport, number: int) -> str:
    description = _description(target.name)
    if target.verdict in (Verdict.PASSED, Verdict.WARNED):
        return f"ok {number} - {description}"
    point = f"not ok {number} - {description}"
    review = report.review
    if review is not None and review.waived and target.verdict is Verdict.FAILED:
        who = review.key_name or review.key_id
        point += f" # TODO waived by {_one_line(who)}: {_one_line(review.reason)}"
    return point


def _diagnostics(scenario: ScenarioReport) -> dict[str, Any]:
    found: dict[str, Any] = {
        "message": scenario.message,
        "severity": str(scenario.severity),
        "outcome": str(scenario.outcome),
        "type": scenario.type,
        "duration_ms": round(scenario.duration_s * 1000),
    }
    diagnosis = scenario.diagnosis
    if diagnosis is not None:
        if diagnosis.expected:
            found["expected"] = diagnosis.expected
        if diagnosis.exit_code is not None:
            found["exit_code"] = diagnosis.exit_code
        if diagnosis.output:
            found["output"] = diagnosis.output[-_OUTPUT_CHARS:]
    places = locations(scenario)
    if places:
        found["at"] = [place(at) for at in places]
    return found


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a literal block, the way a reader expects output to look."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _yaml(data: dict[str, Any]) -> list[str]:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return ["  ---", *(f"  {line}" for line in text.splitlines()), "  ..."]


def _description(text: str) -> str:
    """A test point's description: one line, with ``\\`` and ``#`` escaped as TAP 14 says."""
    return _one_line(text).replace("\\", "\\\\").replace("#", "\\#")


def _one_line(text: str) -> str:
    return " ".join(text.split())
