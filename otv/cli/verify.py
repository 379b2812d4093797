"""``otv verify``: verify a head against target branches and print the verdict.

With no server configured it starts a throw-away embedded stack, with a
throw-away key, verifies, and stops it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click

from otv import __version__, logs
from otv.bus import Bus
from otv.bus.events import check_id, new_verification_id
from otv.cli.ci import detect
from otv.cli.config import default_profile, resolve_connection
from otv.cli.output import (
    OutputMode,
    conclusion_line,
    console,
    output_options,
    print_report,
    write_reports,
)
from otv.cli.progress import LiveProgress, PlainProgress, progress_for
from otv.cli.reports import EXIT_CODES
from otv.cli.session import API_KEY_FILE_OPTION, API_KEY_OPTION
from otv.client import FIRST_CONNECT_S, Conclusion, VerificationClient
from otv.embedded import EmbeddedStack, persistent_store
from otv.environment import snapshot, tool_versions
from otv.errors import RepositoryError, SystemFailure, UsageError
from otv.git import RepositorySource
from otv.git.source import is_remote
from otv.profiles import ProfilesFile, read_document
from otv.queries import REPORT_FILES, Phase, ReportFormat
from otv.scenarios import ScenarioRegistry
from otv.settings import Settings
from otv.telemetry import Telemetry
from otv.v1 import events_pb2 as pb


@click.command()
@click.argument("repo", default=".")
@click.option(
    "--target",
    "-t",
    "targets",
    multiple=True,
    help="A target branch to verify against; repeat for several (default: the profile's).",
)
@click.option(
    "--profile",
    "-p",
    help="The verification profile to run ($OTV_PROFILE, config; default: default).",
)
@click.option(
    "--profiles",
    "profiles_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A profiles file to use instead of the repository's or otv's own.",
)
@click.option(
    "--head", help="The ref or commit to verify (default: the CI's head commit, else HEAD)."
)
@click.option(
    "--server",
    metavar="URL",
    help="NATS URL of a running otv ($OTV_SERVER, config); none: a throw-away embedded one.",
)
@API_KEY_OPTION
@API_KEY_FILE_OPTION
@click.option(
    "--correlation-id",
    metavar="ID",
    help="Ties this verification to a CI run (default: the CI's run id, when in CI).",
)
@click.option(
    "--change",
    "change_number",
    type=click.IntRange(min=1),
    help="The pull or merge request this verifies, for git-host comments "
    "(default: the CI's, when in CI).",
)
@click.option(
    "--env",
    "env_allowed",
    multiple=True,
    metavar="NAME",
    help="Also send this variable's value (redacted if it looks secret); repeatable.",
)
@output_options("Print the report JSON, and nothing else.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the report in every format into this directory "
    "(report.json, report.md, junit.xml, report.sarif, report.html, report.tap, agent.txt).",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=1),
    default=3600.0,
    show_default=True,
    help="Seconds to wait for the verdict.",
)
@click.option(
    "--require-verification",
    is_flag=True,
    envvar="OTV_REQUIRE_VERIFICATION",
    help="Exit 3 when otv cannot verify (unreachable, or failed itself) instead of warning "
    "and exiting 0 ($OTV_REQUIRE_VERIFICATION).",
)
def verify(
    repo: str,
    targets: tuple[str, ...],
    profile: str | None,
    profiles_file: Path | None,
    head: str | None,
    server: str | None,
    api_key: str | None,
    api_key_file: Path | None,
    correlation_id: str | None,
    change_number: int | None,
    env_allowed: tuple[str, ...],
    mode: OutputMode,
    out_dir: Path | None,
    timeout_s: float,
    require_verification: bool,
) -> int:
    """Verify REPO's head against every --target branch.

    Exit status: 0 passed or warned, 1 failed, 2 a usage or configuration
    error, 3 errored (a blocking scenario could not run). When otv cannot
    verify at all (NATS unreachable, a service gave up) it is fail-safe: it
    says so on stderr and exits 0, never blocking a merge for a reason it
    cannot show; --require-verification makes that exit 3. In GitHub Actions
    or GitLab CI, the head, the target and the correlation id default to the
    CI's own.

    \b
    Examples:
      otv verify --target main --target release/1.0
      otv verify ../service --head feature/x --target main --profile strict --out build/otv
      otv verify --server nats://otv:4222 --api-key-file ~/.config/otv/key --json
    """
    connection = resolve_connection(server, api_key, api_key_file)
    settings = Settings.from_env(nats_url=connection.server, api_key=connection.api_key)
    ci = detect(os.environ)
    head = head or (ci.head if ci else None) or "HEAD"
    targets = targets or (ci.targets if ci else ())
    correlation_id = correlation_id or (ci.correlation_id if ci else None)
    profile = profile or default_profile()
    # Readable lines for the person at the terminal, unless JSON is asked for (CI logs).
    fmt = "text" if settings.log_format == "auto" else settings.log_format
    logs.configure("WARNING" if settings.log_level == "INFO" else settings.log_level, fmt)
    verification_id = new_verification_id()
    request = pb.VerificationRequest(
        repository=_repository(
            repo, embedded=settings.nats_url is None, timeout_s=settings.git_timeout_s
        ),
        head=head,
        targets=list(targets),
        profile=profile,
        client=f"otv-cli/{__version__}",
        environment=snapshot(os.environ, env_allowed),
        change_number=change_number or (ci.change_number if ci else 0),
    )
    request.environment.tools.update(asyncio.run(tool_versions()))
    if profiles_file is not None:
        document = read_document(profiles_file)
        profiles = ProfilesFile.parse(document, str(profiles_file))
        profiles.resolve(profile, ScenarioRegistry.from_entry_points())  # fail here, not later
        request.profiles_document = document
        request.profiles_document_name = profiles_file.name
    correlation = check_id("correlation id", correlation_id) if correlation_id else verification_id
    # Progress goes to stderr, like git's: stdout keeps only the outcome, for pipes and files.
    progress = progress_for(console(stderr=True)) if mode == "text" else None
    try:
        conclusion, rendered = asyncio.run(
            _verify(
                settings,
                request,
                verification_id,
                correlation,
                timeout_s,
                out_dir is not None,
                progress,
            )
        )
    except SystemFailure as exc:
        return _unverified(exc.message, require_verification)
    code = _show(conclusion, rendered, mode, out_dir)
    # otv gave up on the verification itself (an infrastructure error, said above); a
    # verdict of errored, with its report, is still the verdict.
    if conclusion.phase is Phase.ERRORED and code == SystemFailure.exit_code:
        return _unverified("", require_verification)
    return code


def _unverified(reason: str, require_verification: bool) -> int:
    """otv could not give a verdict: an error with --require-verification, else a warning."""
    if require_verification:
        if reason:
            click.echo(f"otv: error: {reason}", err=True)
        return SystemFailure.exit_code
    because = f": {reason}" if reason else " (see above)"
    click.echo(
        f"otv: warning: the change was not verified{because}; exit 0 because otv is "
        "fail-safe (--require-verification exits 3)",
        err=True,
    )
    return 0


def _repository(repo: str, embedded: bool, timeout_s: float) -> str:
    """The repository as the services will see it: an absolute path, or a URL as given."""
    if is_remote(repo):
        return repo  # the collector reaches it with otv's git credentials
    try:
        return RepositorySource.locate(repo, timeout_s).url
    except RepositoryError as exc:
        raise UsageError(exc.message) from None


async def _verify(
    settings: Settings,
    request: pb.VerificationRequest,
    verification_id: str,
    correlation_id: str,
    timeout_s: float,
    all_formats: bool,
    progress: LiveProgress | PlainProgress | None,
) -> tuple[Conclusion, dict[ReportFormat, bytes]]:
    if settings.nats_url is not None:
        if settings.api_key is None:
            raise UsageError(
                "no API key for --server: pass --api-key-file FILE (or --api-key) "
                "or set OTV_API_KEY"
            )
        key = settings.api_key.get_secret_value()
        return await _on(
            settings.nats_url,
            key,
            request,
            verification_id,
            correlation_id,
            timeout_s,
            all_formats,
            progress,
        )
    # The store in the cache directory: a re-run of an unchanged tree (from a git
    # hook, say) finds its scenario results there.
    with persistent_store(settings.cache_dir) as (store, _):
        async with EmbeddedStack(settings, store_dir=store) as stack:
            return await _on(
                stack.url,
                stack.admin_key,
                request,
                verification_id,
                correlation_id,
                timeout_s,
                all_formats,
                progress,
            )


async def _on(
    url: str,
    key: str,
    request: pb.VerificationRequest,
    verification_id: str,
    correlation_id: str,
    timeout_s: float,
    all_formats: bool,
    progress: LiveProgress | PlainProgress | None,
) -> tuple[Conclusion, dict[ReportFormat, bytes]]:
    """The conclusion, and the report in every format when it has one and they are wanted."""
    telemetry = Telemetry.for_service("cli", alone=True)
    bus = await Bus.connect(url, telemetry, FIRST_CONNECT_S)
    try:
        client = VerificationClient(bus, key)
        if progress is None:
            conclusion = await client.verify(request, verification_id, correlation_id, timeout_s)
        else:
            with progress:
                conclusion = await client.verify(
                    request, verification_id, correlation_id, timeout_s, progress
                )
        rendered: dict[ReportFormat, bytes] = {}
        if conclusion.report is not None and all_formats:
            for fmt in REPORT_FILES:
                rendered[fmt] = await client.report(verification_id, fmt)
        return conclusion, rendered
    finally:
        await bus.close()
        telemetry.shutdown()


def _show(
    conclusion: Conclusion,
    rendered: dict[ReportFormat, bytes],
    mode: OutputMode,
    out_dir: Path | None,
) -> int:
    """Print the outcome as ``mode`` asks; return its exit status."""
    report = conclusion.report
    if out_dir is not None and rendered:
        write_reports(out_dir, rendered)
    if mode == "json" and report is not None:
        sys.stdout.write(report.to_json())
    elif (
        mode == "text"
        and report is not None
        and conclusion.phase in (Phase.COMPLETED, Phase.REVIEWED)
    ):
        print_report(console(), report)
    if conclusion.phase in (Phase.COMPLETED, Phase.REVIEWED):
        assert conclusion.verdict is not None
        return EXIT_CODES[conclusion.verdict]
    click.echo(f"otv: {conclusion_line(conclusion)}", err=True)
    if conclusion.phase is Phase.REJECTED or conclusion.reason_code == "configuration":
        return UsageError.exit_code
    return SystemFailure.exit_code
