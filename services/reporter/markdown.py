"""The report as Markdown, ready for a pull-request comment or a CI summary."""

from __future__ import annotations

from otv.outcomes import Outcome, Verdict
from otv.report import Report, ScenarioReport, TargetReport

VERDICT_MARK = {
    Verdict.PASSED: "✅",
    Verdict.WARNED: "⚠️",
    Verdict.FAILED: "❌",
    Verdict.ERRORED: "💥",
}
OUTCOME_MARK = {
    Outcome.PASSED: "✅",
    Outcome.FAILED: "❌",
    Outcome.SKIPPED: "⏭️",
    Outcome.ERRORED: "💥",
}


def render_markdown(report: Report) -> str:
    lines = [
        f"## otv verification {VERDICT_MARK[report.verdict]} {report.verdict}",
        "",
        f"Head {_code(report.head.ref)} ({_code(report.head.sha[:12])}) · "
        f"profile {_code(report.profile or '?')} · verification {_code(report.verification_id)}",
        "",
    ]
    if report.error is not None:
        lines += [
            f"**The verification could not be carried out** ({report.error.kind} error in "
            f"{report.error.stage}): {_inline(report.error.reason)}",
            "",
        ]
    if report.targets:
        lines += ["| target | verdict | merge | scenarios |", "|---|---|---|---|"]
        lines += [_target_row(target) for target in report.targets]
        lines.append("")
    for target in report.targets:
        lines += _target_section(target)
    return "\n".join(lines).rstrip() + "\n"


def _target_row(target: TargetReport) -> str:
    if target.merge.mergeable:
        merge = "clean"
    elif target.merge.conflicts:
        count = len(target.merge.conflicts)
        merge = f"{count} conflict{'s' if count != 1 else ''}"
    else:
        merge = "no merge"
    counts: dict[Outcome, int] = {}
    for scenario in target.scenarios:
        counts[scenario.outcome] = counts.get(scenario.outcome, 0) + 1
    summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items()) or "none"
    mark = VERDICT_MARK[target.verdict]
    return f"| {_code(target.name)} | {mark} {target.verdict} | {merge} | {summary} |"


def _target_section(target: TargetReport) -> list[str]:
    lines = [
        f"### {_code(target.name)} — {target.verdict}",
        "",
        "| scenario | type | severity | outcome | time |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {_code(s.id)} | {s.type} | {s.severity} | {OUTCOME_MARK[s.outcome]} {s.outcome} "
        f"| {s.duration_s:.2f} s |"
        for s in target.scenarios
    ]
    lines.append("")
    for scenario in target.scenarios:
        if scenario.outcome in (Outcome.FAILED, Outcome.ERRORED) and scenario.message:
            lines += _details(scenario)
    return lines


def _details(scenario: ScenarioReport) -> list[str]:
    first, _, rest = scenario.message.partition("\n")
    lines = [
        "<details>",
        f"<summary><code>{_html(scenario.id)}</code>: {_html(first)}</summary>",
        "",
    ]
    if rest.strip():
        fence = "~~~~" if "```" in rest else "```"
        lines += [fence, rest.rstrip(), fence]
    lines += ["</details>", ""]
    return lines


def _code(text: str) -> str:
    quoted = text.replace("`", "'")
    return f"`{quoted}`"


def _inline(text: str) -> str:
    return " ".join(text.split())


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
