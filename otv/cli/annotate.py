"""``otv annotate REPORT``: a report's findings as GitHub Actions workflow commands.

Each place a failing scenario points at becomes an ``::error`` (blocking) or
``::warning`` line, which GitHub shows on the pull request's diff; a failing
scenario that points nowhere still gets one line, without a file.
"""

from __future__ import annotations

from pathlib import Path

import click

from otv.errors import UsageError
from otv.outcomes import Outcome, Severity
from otv.publishing import annotations_of
from otv.report import Report


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_commands(report: Report) -> list[str]:
    lines = []
    for found in annotations_of(report):
        level = "error" if found.level == "failure" else "warning"
        lines.append(
            f"::{level} file={_property(found.path)},line={found.line},"
            f"title={_property(found.title)}::{_data(found.message)}"
        )
    placed = {found.title for found in annotations_of(report)}
    for target in report.targets:
        for scenario in target.scenarios:
            title = f"{scenario.id} on {target.name}"
            if scenario.outcome not in (Outcome.FAILED, Outcome.ERRORED) or title in placed:
                continue
            level = "error" if scenario.severity is Severity.BLOCKING else "warning"
            lines.append(f"::{level} title={_property(title)}::{_data(scenario.message)}")
    return lines


@click.command()
@click.argument("report_file", type=click.Path(dir_okay=False, path_type=Path))
def annotate(report_file: Path) -> int:
    """Print a JSON report's findings as GitHub Actions annotations.

    \b
    Example:
      otv verify --out otv-reports && otv annotate otv-reports/report.json
    """
    try:
        report = Report.from_json(report_file.read_bytes())
    except OSError as exc:
        raise UsageError(f"cannot read {report_file}: {exc.strerror}") from None
    except ValueError:
        raise UsageError(f"{report_file} is not an otv JSON report") from None
    for line in workflow_commands(report):
        click.echo(line)
    return 0
