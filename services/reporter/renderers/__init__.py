"""Every report format, rendered from the one report model.

The JSON report is what the reporter stores; every other format is rendered
from it when asked for, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from otv.queries import DEFAULT_AGENT_TOKENS, ReportFormat
from otv.report import Report
from services.reporter.renderers.agent import render_agent
from services.reporter.renderers.html import render_html
from services.reporter.renderers.junit import render_junit
from services.reporter.renderers.markdown import render_markdown
from services.reporter.renderers.sarif import render_sarif
from services.reporter.renderers.tap import render_tap

RENDERERS: Final[dict[ReportFormat, Callable[[Report], str]]] = {
    "json": lambda report: report.to_json(),
    "markdown": render_markdown,
    "junit": render_junit,
    "sarif": render_sarif,
    "html": render_html,
    "tap": render_tap,
    "agent": render_agent,
}


def render(report: Report, fmt: ReportFormat, max_tokens: int = DEFAULT_AGENT_TOKENS) -> str:
    if fmt == "agent":
        return render_agent(report, max_tokens)
    return RENDERERS[fmt](report)
