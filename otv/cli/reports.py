"""``otv report``, ``otv watch``, ``otv list`` and ``otv review``: a running otv's verifications."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from otv.cli.output import (
    OutputMode,
    console,
    output_options,
    print_status,
    print_update,
    write_reports,
)
from otv.cli.session import server_options, session
from otv.durations import parse_duration
from otv.errors import UsageError
from otv.outcomes import Verdict
from otv.queries import (
    DEFAULT_AGENT_TOKENS,
    REPORT_FILES,
    ListQuery,
    ReportFormat,
    VerificationList,
    VerificationStatus,
    WatchUpdate,
)

EXIT_CODES = {Verdict.PASSED: 0, Verdict.WARNED: 0, Verdict.FAILED: 1, Verdict.ERRORED: 3}


@click.command()
@click.argument("verification_id")
@server_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(REPORT_FILES)),
    default="markdown",
    show_default=True,
    help="json, markdown, junit, sarif, html, tap, or agent (a summary for coding agents).",
)
@click.option(
    "--max-tokens",
    type=click.IntRange(100, 100_000),
    default=DEFAULT_AGENT_TOKENS,
    show_default=True,
    help="For --format agent: the budget, counted as one token per 4 characters.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the report into this directory (in its usual file name) instead of stdout.",
)
def report(
    verification_id: str,
    server: str | None,
    api_key: str | None,
    fmt: ReportFormat,
    max_tokens: int,
    out_dir: Path | None,
) -> int:
    """Print the report of a finished verification in one format (needs the read role).

    \b
    Examples:
      otv report 3f2a9c0d5b8e --format sarif --out build/otv
      otv report 3f2a9c0d5b8e --format agent --max-tokens 1000
    """
    data = asyncio.run(_report(server, api_key, verification_id, fmt, max_tokens))
    if out_dir is not None:
        write_reports(out_dir, {fmt: data})
        click.echo(str(out_dir / REPORT_FILES[fmt]))
    else:
        sys.stdout.write(data.decode())
    return 0


async def _report(
    server: str | None, api_key: str | None, vid: str, fmt: ReportFormat, max_tokens: int
) -> bytes:
    async with session(server, api_key) as client:
        return await client.report(vid, fmt, max_tokens)


@click.command()
@click.argument("verification_id", required=False)
@server_options
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=1),
    help="Seconds to watch before giving up (default: 3600 for one verification; "
    "for ever for all).",
)
@output_options("Print each update as a line of JSON.")
def watch(
    verification_id: str | None,
    server: str | None,
    api_key: str | None,
    timeout_s: float | None,
    mode: OutputMode,
) -> int:
    """Follow a verification live until it ends; with no id, every verification's
    changes as they happen, until Ctrl-C (needs the read role).

    Prints each scenario result as it comes in. Exit status for one verification
    as for verify: 0 passed or warned, 1 failed, 3 errored.

    \b
    Examples:
      otv watch 01J9Z3V8K2M4
      otv watch
    """
    if verification_id is None:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_watch_all(server, api_key, timeout_s, mode))
        return 0
    last = asyncio.run(_watch(server, api_key, verification_id, timeout_s or 3600.0, mode))
    if mode == "text":
        print_status(console(), last)
    if last.verdict is None:
        return 2 if last.reason_code in ("401", "403", "400", "configuration") else 3
    return EXIT_CODES[last.verdict]


def _show_update(update: WatchUpdate, mode: OutputMode, with_id: bool) -> None:
    if mode == "json":
        sys.stdout.write(update.model_dump_json() + "\n")
        sys.stdout.flush()
    elif mode == "text":
        print_update(console(), update, with_id=with_id)


async def _watch(
    server: str | None, api_key: str | None, vid: str, timeout_s: float, mode: OutputMode
) -> VerificationStatus:
    async with session(server, api_key) as client:
        status = None
        async for update in client.watch(vid, timeout_s):
            _show_update(update, mode, with_id=False)
            status = update.status
        assert status is not None
        return status


async def _watch_all(
    server: str | None, api_key: str | None, timeout_s: float | None, mode: OutputMode
) -> None:
    async with session(server, api_key) as client:
        async for update in client.watch_all(timeout_s):
            _show_update(update, mode, with_id=True)


@click.command(name="list")
@server_options
@click.option(
    "--verdict", type=click.Choice([v.value for v in Verdict]), help="Only with this verdict."
)
@click.option("--repository", metavar="REPO", help="Only of this repository, as it was given.")
@click.option(
    "--since",
    metavar="WHEN",
    help="Only started since: an age (30m, 24h, 7d) or an ISO 8601 time.",
)
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@output_options("Print the list as JSON.")
def list_verifications(
    server: str | None,
    api_key: str | None,
    verdict: str | None,
    repository: str | None,
    since: str | None,
    limit: int,
    mode: OutputMode,
) -> int:
    """List recent verifications, newest first (needs the read role).

    With --quiet, only their ids, one a line.

    \b
    Examples:
      otv list --verdict failed --since 24h
      otv list --repository https://github.com/acme/deploy.git --limit 50
    """
    query = ListQuery(
        verdict=Verdict(verdict) if verdict else None,
        repository=repository,
        since=_since(since) if since else None,
        limit=limit,
    )
    found = asyncio.run(_list(server, api_key, query))
    if mode == "json":
        sys.stdout.write(found.model_dump_json(indent=2) + "\n")
        return 0
    if mode == "quiet":
        for item in found.verifications:
            click.echo(item.verification_id)
        return 0
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("verification", "started", "phase", "verdict", "head", "targets", "repository"):
        table.add_column(column, overflow="fold")
    for item in found.verifications:
        table.add_row(
            item.verification_id,
            item.started_at[:19].replace("T", " "),
            item.phase,
            item.verdict or "",
            escape(item.head),
            escape(", ".join(item.targets)),
            escape(item.repository),
        )
    out = console()
    out.print(table)
    out.print(f"{len(found.verifications)} of {found.total} matching")
    return 0


def _since(text: str) -> str:
    """An age ("24h") as the time that long ago; an ISO time as it is (UTC if it has no zone)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        age = parse_duration(text, "--since")
        return (datetime.now(UTC) - timedelta(seconds=age)).isoformat()
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


async def _list(server: str | None, api_key: str | None, query: ListQuery) -> VerificationList:
    async with session(server, api_key) as client:
        return await client.list(query)


@click.command()
@click.argument("verification_id")
@server_options
@click.option("--waive", is_flag=True, help="Waive a failed verification: its verdict is warned.")
@click.option("--reason", required=True, metavar="TEXT", help="Why; recorded in every report.")
@output_options("Print the status after the review as JSON.")
def review(
    verification_id: str,
    server: str | None,
    api_key: str | None,
    waive: bool,
    reason: str,
    mode: OutputMode,
) -> int:
    """Review a completed verification, and waive it if it failed (needs the review role).

    The review — the key's id and name, the time and the reason — is shown in
    every report of the verification.

    \b
    Example:
      otv review 3f2a9c0d5b8e --waive --reason "known flaky test, fixed in #412"
    """
    if not reason.strip():
        raise UsageError("--reason must say why")
    status = asyncio.run(_review(server, api_key, verification_id, waive, reason.strip()))
    if mode == "json":
        sys.stdout.write(status.model_dump_json(indent=2) + "\n")
    elif mode == "text":
        print_status(console(), status)
    return 0


async def _review(
    server: str | None, api_key: str | None, vid: str, waive: bool, reason: str
) -> VerificationStatus:
    async with session(server, api_key) as client:
        return await client.review(vid, waive, reason)
