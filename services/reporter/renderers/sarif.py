"""The report as SARIF 2.1.0, for code-scanning views (GitHub, GitLab, IDEs).

One rule per scenario of the profile. One result per scenario that did not
pass on a target: a failure is ``kind: fail`` at ``error`` level when it
blocks and ``warning`` when it does not; a scenario that could not check is
``kind: open`` (SARIF: the tool could not decide), which the specification
wants at level ``none``. Every result has a location: the files the check
named, else the profile line that defines the scenario. Paths in the
repository are relative to ``%SRCROOT%``; otv's own profiles to ``OTV``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from otv import __version__
from otv.outcomes import Outcome
from otv.profiles import PACKAGED_PROFILES_PATH
from otv.report import LocationReport, Report, ScenarioReport
from services.reporter.renderers.findings import first_line, locations, problems, scenario_ids

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/otv-dev/otv"
_REPOSITORY_BASE = "%SRCROOT%"
_OTV_BASE = "OTV"


def render_sarif(report: Report) -> str:
    ids = scenario_ids(report)
    index = {scenario_id: n for n, scenario_id in enumerate(ids)}
    examples = {s.id: s for target in report.targets for s in target.scenarios}
    results = [
        _result(problem.target, problem.scenario, problem.blocking, index[problem.scenario.id])
        for problem in problems(report)
    ]
    review = report.review
    if review is not None and review.waived:
        # SARIF's own word for a waiver: the failures are suppressed, with the reason.
        suppression = {
            "kind": "external",
            "status": "accepted",
            "justification": f"waived by {review.key_name or review.key_id}: {review.reason}",
        }
        for result in results:
            if result["kind"] == "fail":
                result["suppressions"] = [suppression]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "otv",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(examples[scenario_id]) for scenario_id in ids],
            }
        },
        "automationDetails": {"id": f"otv/{report.profile or 'profile'}/{report.verification_id}"},
        "originalUriBaseIds": {
            _OTV_BASE: {
                "description": {"text": "The otv package: where its default profiles are."},
            },
        },
        "invocations": [_invocation(report)],
        "results": results,
        "properties": {
            "verdict": report.verdict,
            "verificationId": report.verification_id,
            "failOn": report.fail_on,
            "targets": {target.name: target.verdict for target in report.targets},
        },
    }
    if review is not None:
        run["properties"]["review"] = {
            "keyId": review.key_id,
            "keyName": review.key_name,
            "reviewedAt": review.reviewed_at,
            "reason": review.reason,
            "waived": review.waived,
            "verdictBefore": review.verdict_before,
        }
    if (repository := _repository_uri(report.repo)) is not None:
        run["versionControlProvenance"] = [
            {"repositoryUri": repository, "revisionId": report.head.sha, "branch": report.head.ref}
            if report.head.sha
            else {"repositoryUri": repository}
        ]
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(example: ScenarioReport) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": example.id,
        "name": example.id,
        "shortDescription": {"text": f"{example.type} scenario {example.id}"},
        "defaultConfiguration": {"level": "error" if example.severity == "blocking" else "warning"},
        "properties": {"type": example.type, "severity": example.severity},
    }
    if example.defined_at is not None:
        rule["help"] = {"text": f"Defined at {example.defined_at.path}:{example.defined_at.line}"}
    return rule


def _result(
    target: str, scenario: ScenarioReport, blocking: bool, rule_index: int
) -> dict[str, Any]:
    failed = scenario.outcome is Outcome.FAILED
    places = locations(scenario)
    text = f"[{target}] {scenario.id}: {first_line(scenario.message) or scenario.outcome}"
    detail = scenario.message.strip()
    if scenario.diagnosis is not None and scenario.diagnosis.expected:
        detail += f"\nexpected: {scenario.diagnosis.expected}"
    result: dict[str, Any] = {
        "ruleId": scenario.id,
        "ruleIndex": rule_index,
        "kind": "fail" if failed else "open",
        "level": ("error" if blocking else "warning") if failed else "none",
        "message": {"text": text, "markdown": _markdown(target, scenario.id, detail)},
        "locations": [_location(at) for at in places[:10]] or [_logical(scenario.id)],
        "partialFingerprints": {
            "otvScenario/v1": hashlib.sha256(
                f"{target}\0{scenario.id}\0{first_line(scenario.message)}".encode()
            ).hexdigest()
        },
        "properties": {
            "target": target,
            "outcome": scenario.outcome,
            "severity": scenario.severity,
            "blocking": blocking,
        },
    }
    return result


def _location(at: LocationReport) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(at.path)}
    if at.line:
        region: dict[str, int] = {"startLine": at.line}
        if at.column:
            region["startColumn"] = at.column
        physical["region"] = region
    return {"physicalLocation": physical}


def _artifact(path: str) -> dict[str, str]:
    if path == PACKAGED_PROFILES_PATH:
        return {"uri": quote(path), "uriBaseId": _OTV_BASE}
    if PurePosixPath(path).is_absolute():
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": _REPOSITORY_BASE}


def _logical(scenario_id: str) -> dict[str, Any]:
    """Where nothing better is known: the scenario itself, by name."""
    return {"logicalLocations": [{"name": scenario_id, "kind": "object"}]}


def _invocation(report: Report) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": report.error is None}
    if report.started_at:
        invocation["startTimeUtc"] = report.started_at
    if report.finished_at:
        invocation["endTimeUtc"] = report.finished_at
    if report.error is not None:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "error",
                "message": {"text": f"{report.error.stage}: {report.error.reason}"},
                "descriptor": {"id": report.error.kind},
            }
        ]
    return invocation


def _repository_uri(repository: str) -> str | None:
    """The repository as a URI: URLs as they are, scp-like addresses as ssh://, paths as file:."""
    if "://" in repository:
        return repository
    if ":" in repository and "@" in repository.partition(":")[0]:
        host, _, path = repository.partition(":")
        return f"ssh://{host}/{path.lstrip('/')}"
    if repository.startswith("/"):
        return "file://" + quote(repository)
    return None


def _markdown(target: str, scenario_id: str, detail: str) -> str:
    body = detail.replace("```", "'''")
    return f"**{scenario_id}** on `{target}`\n\n```\n{body}\n```"
