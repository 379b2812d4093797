"""The report as Markdown, ready for a pull-request comment or a CI job summary.

What needs attention comes first, one folded ``<details>`` each; then the
target × scenario matrix; then each target's context, folded. Git hosts cap a
comment at 65,536 characters, so the text is built within that budget: the
header always, then problems (their output cut shorter as room runs out),
then matrix rows and context while they fit, and a line saying what was left
out and how to get the whole report.
"""

from __future__ import annotations

from otv.outcomes import Outcome, Verdict
from otv.report import Report, ScenarioReport, TargetContextReport, TargetReport
from services.reporter.renderers.findings import Problem, counts, locations, place, problems

MAX_CHARS = 65_536
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
# Output shown per problem while there is room; less once the budget runs low.
_OUTPUT_CHARS = (4000, 800, 0)
_LISTED = 10
# Kept free for the closing line that says what was left out.
_RESERVE = 400


class _Page:
    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit - _RESERVE
        self.omitted: list[str] = []

    def room(self) -> int:
        return self.limit - self.size

    def add(self, text: str, until: int | None = None) -> bool:
        if len(text) > self.room() or (until is not None and self.size + len(text) > until):
            return False
        self.parts.append(text)
        self.size += len(text)
        return True


def render_markdown(report: Report, limit: int = MAX_CHARS) -> str:
    page = _Page(limit)
    header = _header(report)
    if not page.add(header):
        page.add(_cut(header, page.room()))
    _problems(page, problems(report))
    _matrix(page, report)
    for target in report.targets:
        if target.context is not None and not page.add(_context(target, target.context)):
            page.omitted.append(f"context of {target.name}")
    text = "".join(page.parts).rstrip() + "\n"
    if page.omitted:
        text += (
            f"\n_Not shown, to stay within {limit:,} characters: "
            f"{_cut(', '.join(page.omitted), 200)}. "
            f"Whole report: `otv report {report.verification_id} --format json`._\n"
        )
    return text


def _header(report: Report) -> str:
    lines = [
        f"## otv verification {VERDICT_MARK[report.verdict]} {report.verdict}",
        "",
        f"Head {_code(report.head.ref)} ({_code(report.head.sha[:12])}) · "
        f"profile {_code(report.profile or '?')}"
        f"{' (fail on warnings)' if report.fail_on == 'warning' else ''} · "
        f"verification {_code(report.verification_id)} · {report.duration_s:.1f} s",
        "",
    ]
    if report.review is not None:
        review = report.review
        action = (
            f"waived ({review.verdict_before} → {report.verdict})" if review.waived else "reviewed"
        )
        lines += [
            f"> **{action}** by key {_code(review.key_name or review.key_id)} "
            f"({_code(review.key_id)}) at {review.reviewed_at}: {_html(_inline(review.reason))}",
            "",
        ]
    if report.error is not None:
        lines += [
            f"**The verification could not be carried out** ({report.error.kind} error in "
            f"{report.error.stage}): {_html(_inline(report.error.reason))}",
            "",
        ]
    failed_publishing = [p for p in report.publishing if not p.ok]
    if failed_publishing:
        # Visible, and never the verdict's business.
        lines += [
            f"> Publishing to {_code(p.host)} ({p.publisher}) failed: {_html(_inline(p.detail))}"
            for p in failed_publishing
        ]
        lines.append("")
    if report.targets:
        lines += ["| target | verdict | merge | scenarios |", "|---|---|---|---|"]
        lines += [_target_row(target) for target in report.targets]
        lines.append("")
    return "\n".join(lines) + "\n"


def _problems(page: _Page, found: list[Problem]) -> None:
    if not found:
        return
    page.add(f"### Needs attention ({len(found)})\n\n")
    until = page.size + page.room() * 3 // 4  # the matrix gets the rest
    for index, problem in enumerate(found):
        for cap in _OUTPUT_CHARS:
            if page.add(_details(problem, cap), until):
                break
        else:
            page.omitted.append(f"{len(found) - index} more problems")
            return


def _matrix(page: _Page, report: Report) -> None:
    ids = list(dict.fromkeys(s.id for t in report.targets for s in t.scenarios))
    if not ids:
        return
    cells = {(t.name, s.id): s for t in report.targets for s in t.scenarios}
    head = "| scenario | " + " | ".join(_cell_code(t.name) for t in report.targets) + " |\n"
    rule = "|---|" + "---|" * len(report.targets) + "\n"
    if not page.add(f"### Scenarios × targets\n\n{head}{rule}"):
        page.omitted.append("the scenario matrix")
        return
    for index, scenario_id in enumerate(ids):
        row = f"| {_cell_code(scenario_id)} | " + " | ".join(
            _cell(cells.get((t.name, scenario_id))) for t in report.targets
        )
        if not page.add(row + " |\n"):
            page.omitted.append(f"{len(ids) - index} matrix rows")
            break
    page.add("\n")


def _cell(scenario: ScenarioReport | None) -> str:
    if scenario is None:
        return "—"
    notes = ("flaky " if scenario.flaky else "") + ("cached " if scenario.cached else "")
    return f"{OUTCOME_MARK[scenario.outcome]} {scenario.duration_s:.2f} s {notes}".rstrip()


def _target_row(target: TargetReport) -> str:
    if target.merge.mergeable:
        merge = "clean"
    elif target.merge.conflicts:
        count = len(target.merge.conflicts)
        merge = f"{count} conflict{'s' if count != 1 else ''}"
    else:
        merge = "no merge"
    summary = ", ".join(f"{n} {o}" for o, n in counts(target.scenarios).items() if n) or "none"
    mark = VERDICT_MARK[target.verdict]
    return f"| {_cell_code(target.name)} | {mark} {target.verdict} | {merge} | {summary} |"


def _details(problem: Problem, output_chars: int) -> str:
    scenario = problem.scenario
    lines = [
        "<details>",
        f"<summary>{OUTCOME_MARK[scenario.outcome]} <code>{_html(scenario.id)}</code> on "
        f"<code>{_html(problem.target)}</code> ({problem.label}): "
        f"{_html(_cut(problem.headline, 300))}</summary>",
        "",
    ]
    rest = scenario.message.strip().partition("\n")[2]
    diagnosis = scenario.diagnosis
    if diagnosis is not None and diagnosis.expected:
        lines.append(f"Expected: {_html(_inline(_cut(diagnosis.expected, 500)))}")
        lines.append("")
    places = locations(scenario)
    if places:
        shown = ", ".join(_code(place(at)) for at in places[:_LISTED])
        more = f" and {len(places) - _LISTED} more" if len(places) > _LISTED else ""
        lines += [f"Where: {shown}{more}", ""]
    body = "\n".join(part for part in (rest, diagnosis.output if diagnosis else "") if part)
    if body.strip() and output_chars:
        fence = "~~~~" if "```" in body else "```"
        tail = body.rstrip()[-output_chars:]
        lines += [fence, tail.replace(fence, "'''"), fence]
    lines += ["</details>", "", ""]
    return "\n".join(lines)


def _context(target: TargetReport, context: TargetContextReport) -> str:
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
        items.append(f"configuration {_code(config.path + where)}: {_html(_inline(why))}")
    for probe in context.probes:
        if not probe.ok:
            items.append(
                f"probe {_code(probe.id)} ({probe.target}): "
                f"{_html(_inline(probe.error or probe.detail))}"
            )
    for finding in context.findings[:_LISTED]:
        items.append(f"{finding.kind} {_code(finding.path)}: {_html(_inline(finding.message))}")
    body = "\n".join(f"- {item}" for item in items)
    return (
        f"<details>\n<summary>context of <code>{_html(target.name)}</code></summary>\n\n"
        f"{body}\n\n</details>\n\n"
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _code(text: str) -> str:
    quoted = text.replace("`", "'")
    return f"`{quoted}`"


def _cell_code(text: str) -> str:
    """Code in a table cell, where a bare ``|`` would end the cell."""
    return _code(text).replace("|", "\\|")


def _inline(text: str) -> str:
    return " ".join(text.split())


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
