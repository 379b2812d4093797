"""The report as Markdown, ready for a pull-request comment or a CI summary."""

from __future__ import annotations

from otv.outcomes import Outcome, Verdict
from otv.report import Report, ScenarioReport, TargetContextReport, TargetReport

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
        f"| {_code(s.id)} | {s.type} | {s.severity} | {OUTCOME_MARK[s.outcome]} {s.outcome}"
        f"{' (flaky)' if s.flaky else ''}{' (cached)' if s.cached else ''} | {s.duration_s:.2f} s |"
        for s in target.scenarios
    ]
    lines.append("")
    for scenario in target.scenarios:
        if scenario.outcome in (Outcome.FAILED, Outcome.ERRORED) and scenario.message:
            lines += _details(scenario)
    if target.context is not None:
        lines += _context(target.context)
    return lines


_LISTED = 10


def _context(context: TargetContextReport) -> list[str]:
    """What is different about this target: history, drift, configuration, probes."""
    items = [
        f"{context.ahead} commit{'s' if context.ahead != 1 else ''} ahead, "
        f"{context.behind} behind; {context.changed_files_total} changed files"
    ]
    if context.drift:
        shown = ", ".join(
            f"{_code(d.name)} {d.target_version or '—'} → {d.head_version or '—'}"
            for d in context.drift[:_LISTED]
        )
        more = f" and {len(context.drift) - _LISTED} more" if len(context.drift) > _LISTED else ""
        items.append(f"dependency drift: {shown}{more}")
    broken = [c for c in context.config_files if not c.valid or c.schema_errors]
    for config in broken[:_LISTED]:
        where = f":{config.line}" if config.line else ""
        why = config.error or "; ".join(config.schema_errors[:3])
        items.append(f"configuration {_code(config.path + where)}: {_html(why)}")
    for probe in context.probes:
        if not probe.ok:
            items.append(
                f"probe {_code(probe.id)} ({probe.target}): {_html(probe.error or probe.detail)}"
            )
    for finding in context.findings[:_LISTED]:
        items.append(f"{finding.kind} {_code(finding.path)}: {_html(finding.message)}")
    return [
        "<details>",
        "<summary>context</summary>",
        "",
        *(f"- {i}" for i in items),
        "",
        "</details>",
        "",
    ]


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
