"""The report as one self-contained HTML page: no scripts, fonts or images from elsewhere.

The verdict first, then what needs attention, the target × scenario matrix
(the outcome and time of each), the timings of each target, and the context
the collector found. Every value from the report is escaped.
"""

from __future__ import annotations

from html import escape

from otv.outcomes import Outcome
from otv.report import Report, ScenarioReport, TargetContextReport, TargetReport
from services.reporter.renderers.findings import Problem, locations, place, problems, scenario_ids

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:78rem;
padding:0 1rem;color:#1f2328}
h1{font-size:1.6rem;margin:.2rem 0}
h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .6rem;
text-align:left;vertical-align:top}th{background:#f6f8fa}code,pre{font-family:ui-monospace,monospace}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;max-height:30rem}
.passed{background:#dafbe1}.warned{background:#fff8c5}.failed{background:#ffebe9}
.errored{background:#ffe2c2}.skipped{background:#eaeef2}
.verdict{padding:.1rem .5rem;border-radius:4px}
.meta{color:#59636e}.bar{background:#54aeff;height:.7rem;display:inline-block}
"""
_MARK = {
    Outcome.PASSED: "✓ passed",
    Outcome.FAILED: "✗ failed",
    Outcome.SKIPPED: "– skipped",
    Outcome.ERRORED: "! errored",
}


def render_html(report: Report) -> str:
    title = f"otv {report.verdict}: {report.head.ref} ({report.verification_id})"
    body = [
        f'<h1>otv verification <span class="verdict {report.verdict}" id="verdict">'
        f"{escape(report.verdict)}</span></h1>",
        _summary(report),
        *_review(report),
        *_error(report),
        *_problems(problems(report)),
        *_matrix(report),
        *_timings(report),
        *_context(report),
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _summary(report: Report) -> str:
    rows = [
        ("repository", report.repo),
        ("head", f"{report.head.ref} ({report.head.sha[:12]})"),
        ("profile", f"{report.profile} — {report.profile_source}"),
        ("fails on", f"{report.fail_on} scenarios"),
        ("verification", report.verification_id),
        ("correlation", report.correlation_id),
        ("started", report.started_at),
        ("finished", f"{report.finished_at} ({report.duration_s:.1f} s)"),
    ]
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="meta">{cells}</table>'


def _review(report: Report) -> list[str]:
    review = report.review
    if review is None:
        return []
    action = "Waived" if review.waived else "Reviewed"
    change = f" (was {review.verdict_before})" if review.waived else ""
    return [
        f'<p id="review"><strong>{action}{escape(change)}</strong> by key '
        f"<code>{escape(review.key_name or review.key_id)}</code> "
        f"(<code>{escape(review.key_id)}</code>) at {escape(review.reviewed_at)}: "
        f"{escape(review.reason)}</p>"
    ]


def _error(report: Report) -> list[str]:
    if report.error is None:
        return []
    error = report.error
    return [
        f'<p id="error" class="errored"><strong>The verification could not be carried out</strong>'
        f" ({escape(error.kind)} error in {escape(error.stage)}): {escape(error.reason)}</p>"
    ]


def _problems(found: list[Problem]) -> list[str]:
    if not found:
        return []
    parts = [f"<h2>Needs attention ({len(found)})</h2>"]
    for problem in found:
        scenario = problem.scenario
        diagnosis = scenario.diagnosis
        items = []
        if diagnosis is not None and diagnosis.expected:
            items.append(f"<p>Expected: {escape(diagnosis.expected)}</p>")
        places = locations(scenario)
        if places:
            shown = ", ".join(f"<code>{escape(place(at))}</code>" for at in places[:20])
            items.append(f"<p>Where: {shown}</p>")
        text = scenario.message.strip()
        if diagnosis is not None and diagnosis.output:
            text += "\n\n" + diagnosis.output.rstrip()
        items.append(f"<pre>{escape(text)}</pre>")
        parts.append(
            f'<details class="{scenario.outcome}"><summary><code>{escape(scenario.id)}</code> on '
            f"<code>{escape(problem.target)}</code> — {escape(problem.label)}: "
            f"{escape(problem.headline)}</summary>{''.join(items)}</details>"
        )
    return parts


def _matrix(report: Report) -> list[str]:
    ids = scenario_ids(report)
    if not ids:
        return []
    cells = {(t.name, s.id): s for t in report.targets for s in t.scenarios}
    head = "".join(
        f'<th class="{t.verdict}">{escape(t.name)}<br>{escape(t.verdict)}</th>'
        for t in report.targets
    )
    rows = [
        f"<tr><th>{escape(scenario_id)}</th>"
        + "".join(_cell(cells.get((t.name, scenario_id))) for t in report.targets)
        + "</tr>"
        for scenario_id in ids
    ]
    return [
        "<h2>Scenarios × targets</h2>",
        f'<table id="matrix"><thead><tr><th>scenario</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>",
    ]


def _cell(scenario: ScenarioReport | None) -> str:
    if scenario is None:
        return "<td>—</td>"
    notes = [word for word, on in (("flaky", scenario.flaky), ("cached", scenario.cached)) if on]
    extra = f" ({', '.join(notes)})" if notes else ""
    return (
        f'<td class="{scenario.outcome}" title="{escape(scenario.message[:500])}">'
        f"{_MARK[scenario.outcome]} {scenario.duration_s:.2f} s{extra}</td>"
    )


def _timings(report: Report) -> list[str]:
    if not report.targets:
        return []
    longest = max((t.duration_s for t in report.targets), default=0.0) or 1.0
    rows = [
        f"<tr><th>{escape(target.name)}</th><td>{target.duration_s:.2f} s</td>"
        f'<td><span class="bar" style="width:{target.duration_s / longest * 20:.2f}rem"></span>'
        f"</td><td>{escape(_slowest(target))}</td></tr>"
        for target in report.targets
    ]
    return [
        "<h2>Timings</h2>",
        "<table><thead><tr><th>target</th><th>time</th><th></th><th>slowest scenario</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>",
    ]


def _slowest(target: TargetReport) -> str:
    if not target.scenarios:
        return ""
    slowest = max(target.scenarios, key=lambda s: s.duration_s)
    return f"{slowest.id} ({slowest.duration_s:.2f} s)"


def _context(report: Report) -> list[str]:
    parts = []
    for target in report.targets:
        if target.context is not None:
            parts.append(_target_context(target, target.context))
    environment = report.context.environment if report.context else None
    if environment is not None and (environment.os or environment.tools):
        tools = ", ".join(f"{k} {v}" for k, v in sorted(environment.tools.items()))
        parts.append(
            f"<h3>client environment</h3><p>{escape(environment.os)}</p><p>{escape(tools)}</p>"
        )
    return ["<h2>Context</h2>", *parts] if parts else []


def _target_context(target: TargetReport, context: TargetContextReport) -> str:
    items = [
        f"{context.ahead} commits ahead, {context.behind} behind, "
        f"{context.changed_files_total} changed files",
        *(
            f"dependency {d.name}: {d.target_version or '—'} → {d.head_version or '—'}"
            for d in context.drift
        ),
        *(
            f"configuration {c.path}: {c.error or '; '.join(c.schema_errors)}"
            for c in context.config_files
            if not c.valid or c.schema_errors
        ),
        *(
            f"probe {p.id} ({p.target}): {'ok' if p.ok else p.error or p.detail}"
            for p in context.probes
        ),
        *(f"{f.kind} {f.path}: {f.message}" for f in context.findings),
    ]
    listed = "".join(f"<li>{escape(item)}</li>" for item in items)
    merge = (
        "merges cleanly"
        if target.merge.mergeable
        else (
            f"conflicts in {len(target.merge.conflicts)} files"
            if target.merge.conflicts
            else "no merge"
        )
    )
    return f"<h3>{escape(target.name)} — {escape(merge)}</h3><ul>{listed}</ul>"
