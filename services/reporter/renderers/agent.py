"""A compact summary for AI coding agents that read CI feedback, within a token budget.

Tokens are counted the way most agents budget before they tokenize: one
token per 4 characters, rounded up (``tokens(text) = ceil(len(text) / 4)``).
That estimate runs high for code and English under current tokenizers, so a
summary within N estimated tokens fits in N real ones.

The verdict and what decided it come first; then each problem, most
important first, with where to look and the end of its output; when the
budget runs short a problem is shortened to one line, and the rest are
counted in a closing line that says how to get the whole report.
"""

from __future__ import annotations

import math

from otv.report import Report
from services.reporter.renderers.findings import Problem, locations, place, problems

DEFAULT_MAX_TOKENS = 2000
CHARS_PER_TOKEN = 4
_OUTPUT_LINES = 12


def tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def render_agent(report: Report, max_tokens: int = DEFAULT_MAX_TOKENS) -> str:
    budget = max_tokens * CHARS_PER_TOKEN
    found = problems(report)
    closing = (
        f"more: otv report {report.verification_id} --format json ({len(found)} problems in all)\n"
    )
    budget -= len(closing) + len(_not_shown(len(found)))
    parts = [_header(report, found)]
    used = len(parts[0])
    if used > budget:
        return (parts[0][: max(budget, 0)] + "\n" + closing)[: max_tokens * CHARS_PER_TOKEN]
    shown = 0
    for index, problem in enumerate(found, start=1):
        for text in (_full(problem, index), _short(problem, index)):
            if used + len(text) <= budget:
                parts.append(text)
                used += len(text)
                shown += 1
                break
        else:
            break
    if shown < len(found):
        parts.append(_not_shown(len(found) - shown))
        parts.append(closing)
    return "".join(parts)


def _not_shown(count: int) -> str:
    return f"not shown: {count} lower-priority problems\n"


def _header(report: Report, found: list[Problem]) -> str:
    lines = [
        f"otv verdict: {report.verdict.upper()} (fails on: {report.fail_on} scenarios)",
        f"verification {report.verification_id}: {report.head.ref}@{report.head.sha[:12]} "
        f"with profile {report.profile}",
        "targets: " + ", ".join(f"{t.name}={t.verdict}" for t in report.targets),
    ]
    if report.review is not None:
        review = report.review
        action = "waived" if review.waived else "reviewed"
        lines.append(f"{action} by {review.key_name or review.key_id}: {review.reason}")
    if report.error is not None:
        lines.append(
            f"could not verify ({report.error.kind}, {report.error.stage}): {report.error.reason}"
        )
    blocking = sum(1 for p in found if p.blocking)
    lines.append(f"problems: {len(found)} ({blocking} blocking)" if found else "problems: none")
    return "\n".join(lines) + "\n"


def _full(problem: Problem, index: int) -> str:
    scenario = problem.scenario
    lines = [
        f"\n{index}. [{problem.label}] {scenario.id} ({scenario.type}) on {problem.target}: "
        f"{problem.headline}"
    ]
    places = locations(scenario)
    if places:
        lines.append("   at: " + ", ".join(place(at) for at in places[:5]))
    diagnosis = scenario.diagnosis
    if diagnosis is not None and diagnosis.expected:
        lines.append(f"   expected: {diagnosis.expected}")
    details = scenario.message.strip().splitlines()[1:]
    if diagnosis is not None and diagnosis.output:
        details += diagnosis.output.rstrip().splitlines()
    for line in details[-_OUTPUT_LINES:]:
        lines.append(f"   | {line[:200]}")
    return "\n".join(lines) + "\n"


def _short(problem: Problem, index: int) -> str:
    headline = problem.headline[:160]
    return f"{index}. [{problem.label}] {problem.scenario.id} on {problem.target}: {headline}\n"
