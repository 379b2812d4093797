"""Every report format, rendered from the one report model.

The JSON report is what the reporter stores; every other format is rendered
from it when asked for, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from otv.queries import DEFAULT_AGENT_TOKENS, ReportFormat
from otv.report import Report
from services.reporter.renderers.agent import render_agent
from services.reporter.renderers.html import render_html
from services.reporter.renderers.junit import render_junit
from services.reporter.renderers.markdown import render_markdown
from services.reporter.renderers.sarif import render_sarif
from services.reporter.renderers.tap import render_tap


@dataclass(frozen=True)
class Format:
    media_type: str
    render: Callable[[Report], str]


FORMATS: Final[dict[ReportFormat, Format]] = {
    "json": Format("application/json", lambda report: report.to_json()),
    "markdown": Format("text/markdown", render_markdown),
    "junit": Format("application/xml", render_junit),
    "sarif": Format("application/sarif+json", render_sarif),
    "html": Format("text/html", render_html),
    "tap": Format("text/plain", render_tap),
    "agent": Format("text/plain", render_agent),
}


def render(report: Report, fmt: ReportFormat, max_tokens: int = DEFAULT_AGENT_TOKENS) -> str:
    if fmt == "agent":
        return render_agent(report, max_tokens)
    return FORMATS[fmt].render(report)
