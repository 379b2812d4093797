"""What the command line prints: a readable summary of a verification."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from otv.client import Conclusion
from otv.errors import UsageError
from otv.outcomes import Outcome, Verdict
from otv.queries import (
    REPORT_FILES,
    Phase,
    ReportFormat,
    ScenarioProgress,
    VerificationStatus,
    WatchUpdate,
)
from otv.report import Report

_OUTCOME_STYLE = {
    Outcome.PASSED: "[green]✓ passed[/]",
    Outcome.FAILED: "[red]✗ failed[/]",
    Outcome.SKIPPED: "[dim]- skipped[/]",
    Outcome.ERRORED: "[magenta]! errored[/]",
}
_VERDICT_STYLE = {
    Verdict.PASSED: "[bold green]passed[/]",
    Verdict.WARNED: "[bold yellow]warned[/]",
    Verdict.FAILED: "[bold red]failed[/]",
    Verdict.ERRORED: "[bold magenta]errored[/]",
}
_VERDICT_MEANING = {
    Verdict.PASSED: "every scenario passed",
    Verdict.WARNED: "warnings only; nothing blocks the merge",
    Verdict.FAILED: "a blocking scenario failed",
    Verdict.ERRORED: "a blocking scenario could not be checked",
}


OutputMode = Literal["text", "json", "quiet"]
F = TypeVar("F", bound=Callable[..., Any])


def output_options(json_help: str) -> Callable[[F], F]:
    """``--json`` and ``--quiet``, given to the command as ``mode``: "text", "json" or
    "quiet" (nothing but errors; the exit status tells)."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def with_mode(*args: Any, as_json: bool, quiet: bool, **kw: Any) -> Any:
            if as_json and quiet:
                raise UsageError("--json and --quiet do not go together: choose one")
            mode: OutputMode = "json" if as_json else "quiet" if quiet else "text"
            return command(*args, mode=mode, **kw)

        decorated = click.option("--json", "as_json", is_flag=True, help=json_help)(with_mode)
        decorated = click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")(
            decorated
        )
        return cast(F, decorated)

    return decorate


def console(stderr: bool = False) -> Console:
    """A console for stdout (or stderr); not wrapped at 80 columns when it is a CI log,
    not a terminal."""
    terminal = Console(stderr=stderr)
    return terminal if terminal.is_terminal else Console(width=160, stderr=stderr)


def print_report(console: Console, report: Report) -> None:
    console.print(
        f"otv verification [bold]{report.verification_id}[/] · profile "
        f"[bold]{escape(report.profile)}[/] · head {escape(report.head.ref)} "
        f"({report.head.sha[:12]})"
    )
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("target", "scenario", "type", "severity", "outcome", "time", "message"):
        table.add_column(column, overflow="fold")
    for target in report.targets:
        first = True
        for scenario in target.scenarios:
            table.add_row(
                f"{escape(target.name)} {_VERDICT_STYLE[target.verdict]}" if first else "",
                escape(scenario.id),
                scenario.type,
                scenario.severity,
                _OUTCOME_STYLE[scenario.outcome],
                f"{scenario.duration_s:.2f}s",
                escape(scenario.message.partition("\n")[0]),
            )
            first = False
        if first:
            table.add_row(
                f"{escape(target.name)} {_VERDICT_STYLE[target.verdict]}",
                "",
                "",
                "",
                "",
                "",
                "no scenarios",
            )
    console.print(table)
    for target in report.targets:
        for scenario in target.scenarios:
            detail = scenario.message.partition("\n")[2].rstrip()
            if detail and scenario.outcome in (Outcome.FAILED, Outcome.ERRORED):
                console.print(f"\n[bold]{escape(target.name)} · {escape(scenario.id)}[/]")
                console.print(escape(detail), highlight=False)
    if report.error is not None:
        console.print(
            f"\n[magenta]{report.error.kind} error in {report.error.stage}:[/] "
            f"{escape(report.error.reason)}"
        )
    console.print(
        f"\nverdict: {_VERDICT_STYLE[report.verdict]} — {_VERDICT_MEANING[report.verdict]}"
    )


def conclusion_line(conclusion: Conclusion) -> str:
    """One line for a verification that has no report to show."""
    vid = conclusion.verification_id
    if conclusion.phase is Phase.REJECTED:
        hint = {
            "401": "; check the key given with --api-key or OTV_API_KEY",
            "403": "; ask an admin for a key with that role",
        }.get(conclusion.reason_code, "")
        return f"verification {vid} rejected ({conclusion.reason_code}): {conclusion.reason}{hint}"
    return f"verification {vid} errored ({conclusion.reason_code} error): {conclusion.reason}"


def print_status(console: Console, status: VerificationStatus) -> None:
    verdict = f" · verdict {_VERDICT_STYLE[status.verdict]}" if status.verdict else ""
    console.print(f"verification [bold]{status.verification_id}[/]: {status.phase}{verdict}")
    if status.reason:
        code = f" ({status.reason_code})" if status.reason_code else ""
        console.print(f"reason{code}: {escape(status.reason)}")
    if status.reviewed_by:
        action = "waived" if status.waived else "reviewed"
        console.print(f"{action} by {escape(status.reviewed_by)}")
    for target in status.targets:
        state = (
            _VERDICT_STYLE[target.verdict]
            if target.verdict
            else ("finished" if target.finished else f"{target.scenarios_finished} scenarios done")
        )
        console.print(f"  {escape(target.name)}: {state}")


def write_reports(directory: Path, rendered: dict[ReportFormat, bytes]) -> None:
    """Each format into its file in ``directory`` (created if need be)."""
    directory.mkdir(parents=True, exist_ok=True)
    for fmt, data in rendered.items():
        (directory / REPORT_FILES[fmt]).write_bytes(data)


def result_line(found: ScenarioProgress) -> str:
    """One scenario result, as markup: target · scenario: outcome time  message."""
    return (
        f"  {escape(found.target)} · {escape(found.scenario)}: "
        f"{_OUTCOME_STYLE[found.outcome]} {found.duration_s:.2f}s  {escape(found.message)}"
    )


def print_update(console: Console, update: WatchUpdate, with_id: bool = False) -> None:
    """One watch update: each result that came in, then where the verification is.
    ``with_id``: each line starts with the verification id (several are watched)."""
    status = update.status
    prefix = f"{escape(status.verification_id)} " if with_id else ""
    for found in update.finished:
        console.print(prefix + result_line(found), highlight=False)
    done = sum(1 for target in status.targets if target.finished)
    verdict = f" · verdict {_VERDICT_STYLE[status.verdict]}" if status.verdict else ""
    console.print(
        f"{prefix}[dim]{status.updated_at}[/] {status.phase} · {done}/{len(status.targets)} "
        f"targets finished{verdict}",
        highlight=False,
    )
