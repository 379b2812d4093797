"""The report as JUnit XML, in the strict Ant form Jenkins, GitLab and GitHub all read.

One ``testsuite`` per target, one ``testcase`` per scenario. A failed scenario
is a ``failure`` whose ``type`` is its severity — so a warning shows up, as
Jenkins' "unstable" does, without claiming more than it is; a scenario that
could not check is an ``error``. A verification that errored before any
target ran is one suite, ``verification``, with that error.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime

from otv.outcomes import Outcome
from otv.report import Report, ScenarioReport, TargetReport
from services.reporter.renderers.findings import counts, first_line, locations, place

# XML 1.0 cannot carry most control characters, even escaped.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites")
    if report.targets:
        for index, target in enumerate(report.targets):
            root.append(_suite(report, target, index))
    else:
        root.append(_errored_suite(report))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _suite(report: Report, target: TargetReport, index: int) -> ET.Element:
    found = counts(target.scenarios)
    suite = _suite_element(
        report,
        name=target.name,
        index=index,
        hostname=_host(target.runner),
        tests=len(target.scenarios),
        failures=found[Outcome.FAILED],
        errors=found[Outcome.ERRORED],
        skipped=found[Outcome.SKIPPED],
        time=target.duration_s,
    )
    _properties(
        suite,
        report,
        {
            "otv.target": target.name,
            "otv.target.sha": target.sha,
            "otv.target.verdict": target.verdict,
            "otv.target.mergeable": str(target.merge.mergeable).lower(),
        },
    )
    for scenario in target.scenarios:
        suite.append(_case(target.name, scenario))
    _text(ET.SubElement(suite, "system-out"), _summary(report, target))
    _text(ET.SubElement(suite, "system-err"), "")
    return suite


def _errored_suite(report: Report) -> ET.Element:
    suite = _suite_element(
        report,
        name="verification",
        index=0,
        hostname="localhost",
        tests=1,
        failures=0,
        errors=1,
        skipped=0,
        time=report.duration_s,
    )
    _properties(suite, report, {})
    case = ET.SubElement(
        suite, "testcase", name="verification", classname="otv", time=f"{report.duration_s:.3f}"
    )
    error = report.error
    reason = error.reason if error else "the verification ended without a result"
    element = ET.SubElement(
        case,
        "error",
        type=error.kind if error else "infrastructure",
        message=_clean(first_line(reason)),
    )
    _text(element, f"{error.stage}: {reason}" if error else reason)
    _text(ET.SubElement(suite, "system-out"), "")
    _text(ET.SubElement(suite, "system-err"), reason)
    return suite


def _suite_element(
    report: Report,
    *,
    name: str,
    index: int,
    hostname: str,
    tests: int,
    failures: int,
    errors: int,
    skipped: int,
    time: float,
) -> ET.Element:
    return ET.Element(
        "testsuite",
        name=_clean(name),
        package=_clean(f"otv.{report.profile or 'profile'}"),
        id=str(index),
        timestamp=_timestamp(report.started_at),
        hostname=_clean(hostname),
        tests=str(tests),
        failures=str(failures),
        errors=str(errors),
        skipped=str(skipped),
        time=f"{time:.3f}",
    )


def _properties(suite: ET.Element, report: Report, extra: dict[str, str]) -> None:
    properties = ET.SubElement(suite, "properties")
    values = {
        "otv.verification_id": report.verification_id,
        "otv.verdict": report.verdict,
        "otv.repository": report.repo,
        "otv.head": report.head.ref,
        "otv.head.sha": report.head.sha,
        "otv.profile": report.profile,
        "otv.fail_on": report.fail_on,
        **extra,
    }
    if report.review is not None:
        values["otv.review.key_id"] = report.review.key_id
        values["otv.review.waived"] = str(report.review.waived).lower()
        values["otv.review.reason"] = report.review.reason
    for name, value in values.items():
        ET.SubElement(properties, "property", name=name, value=_clean(str(value)))


def _case(target: str, scenario: ScenarioReport) -> ET.Element:
    case = ET.Element(
        "testcase",
        name=_clean(scenario.id),
        classname=_clean(f"{target}.{scenario.type}"),
        time=f"{scenario.duration_s:.3f}",
    )
    message = _clean(first_line(scenario.message))
    if scenario.outcome is Outcome.FAILED:
        element = ET.SubElement(case, "failure", type=str(scenario.severity), message=message)
        _text(element, _detail(scenario))
    elif scenario.outcome is Outcome.ERRORED:
        kind = scenario.diagnosis.kind if scenario.diagnosis else "error"
        element = ET.SubElement(case, "error", type=kind, message=message)
        _text(element, _detail(scenario))
    elif scenario.outcome is Outcome.SKIPPED:
        ET.SubElement(case, "skipped", message=message)
    return case


def _detail(scenario: ScenarioReport) -> str:
    lines = [scenario.message.strip(), f"severity: {scenario.severity}"]
    diagnosis = scenario.diagnosis
    if diagnosis is not None:
        if diagnosis.expected:
            lines.append(f"expected: {diagnosis.expected}")
        if diagnosis.exit_code is not None:
            lines.append(f"exit code: {diagnosis.exit_code}")
    places = locations(scenario)
    if places:
        lines.append("at: " + ", ".join(place(at) for at in places))
    if diagnosis is not None and diagnosis.output:
        lines += ["output:", diagnosis.output.rstrip()]
    return "\n".join(lines)


def _summary(report: Report, target: TargetReport) -> str:
    lines = [
        f"otv verification {report.verification_id}: {report.verdict}",
        f"target {target.name} at {target.sha[:12]}: {target.verdict}",
    ]
    if report.review is not None:
        review = report.review
        action = "waived" if review.waived else "reviewed"
        lines.append(f"{action} by {review.key_name or review.key_id}: {review.reason}")
    context = target.context
    if context is not None:
        lines.append(
            f"{context.ahead} ahead, {context.behind} behind, "
            f"{context.changed_files_total} changed files, "
            f"{len(context.drift)} drifted dependencies"
        )
    return "\n".join(lines)


def _host(runner: str) -> str:
    """The host of a producer name ``service@host/pid``; "localhost" when unknown."""
    host = runner.partition("@")[2].partition("/")[0]
    return host or "localhost"


def _timestamp(iso: str) -> str:
    """Local time without a zone or fraction: the only form the Ant schema accepts."""
    if not iso:
        return "1970-01-01T00:00:00"
    return datetime.fromisoformat(iso).strftime("%Y-%m-%dT%H:%M:%S")


def _text(element: ET.Element, text: str) -> None:
    element.text = _clean(text)


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
