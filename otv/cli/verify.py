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
from otv.cli.output import conclusion_line, console, print_report, write_reports
from otv.cli.reports import EXIT_CODES
from otv.client import FIRST_CONNECT_S, Conclusion, VerificationClient
from otv.embedded import EmbeddedStack, persistent_store
from otv.environment import snapshot, tool_versions
from otv.errors import RepositoryError, UsageError
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
    envvar="OTV_PROFILE",
    default="default",
    show_default=True,
    help="The verification profile to run ($OTV_PROFILE).",
)
@click.option(
    "--profiles",
    "profiles_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A profiles file to use instead of the repository's or otv's own.",
)
@click.option("--head", default="HEAD", show_default=True, help="The ref or commit to verify.")
@click.option(
    "--server",
    metavar="URL",
    help="NATS URL of a running otv ($OTV_SERVER); none: a throw-away embedded one.",
)
@click.option("--api-key", metavar="KEY", help="API key for --server ($OTV_API_KEY).")
@click.option("--correlation-id", metavar="ID", help="Ties this verification to a CI run.")
@click.option(
    "--env",
    "env_allowed",
    multiple=True,
    metavar="NAME",
    help="Also send this variable's value (redacted if it looks secret); repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report JSON, and nothing else.")
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
def verify(
    repo: str,
    targets: tuple[str, ...],
    profile: str,
    profiles_file: Path | None,
    head: str,
    server: str | None,
    api_key: str | None,
    correlation_id: str | None,
    env_allowed: tuple[str, ...],
    as_json: bool,
    out_dir: Path | None,
    timeout_s: float,
) -> int:
    """Verify REPO's head against every --target branch.

    Exit status: 0 passed or warned, 1 failed, 2 a usage or configuration
    error, 3 otv itself failed.

    \b
    Examples:
      otv verify --target main --target release/1.0
      otv verify ../service --head feature/x --target main --profile strict --out build/otv
    """
    settings = Settings.from_env(nats_url=server, api_key=api_key)
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
    )
    request.environment.tools.update(asyncio.run(tool_versions()))
    if profiles_file is not None:
        document = read_document(profiles_file)
        profiles = ProfilesFile.parse(document, str(profiles_file))
        profiles.resolve(profile, ScenarioRegistry.from_entry_points())  # fail here, not later
        request.profiles_document = document
        request.profiles_document_name = profiles_file.name
    correlation = check_id("correlation id", correlation_id) if correlation_id else verification_id
    conclusion, rendered = asyncio.run(
        _verify(settings, request, verification_id, correlation, timeout_s, out_dir is not None)
    )
    return _show(conclusion, rendered, as_json, out_dir)


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
) -> tuple[Conclusion, dict[ReportFormat, bytes]]:
    if settings.nats_url is not None:
        if settings.api_key is None:
            raise UsageError("no API key for --server: pass --api-key or set OTV_API_KEY")
        key = settings.api_key.get_secret_value()
        return await _on(
            settings.nats_url, key, request, verification_id, correlation_id, timeout_s, all_formats
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
            )


async def _on(
    url: str,
    key: str,
    request: pb.VerificationRequest,
    verification_id: str,
    correlation_id: str,
    timeout_s: float,
    all_formats: bool,
) -> tuple[Conclusion, dict[ReportFormat, bytes]]:
    """The conclusion, and the report in every format when it has one and they are wanted."""
    telemetry = Telemetry.for_service("cli", alone=True)
    bus = await Bus.connect(url, telemetry, FIRST_CONNECT_S)
    try:
        client = VerificationClient(bus, key)
        conclusion = await client.verify(request, verification_id, correlation_id, timeout_s)
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
    as_json: bool,
    out_dir: Path | None,
) -> int:
    report = conclusion.report
    if out_dir is not None and rendered:
        write_reports(out_dir, rendered)
    if as_json and report is not None:
        sys.stdout.write(report.to_json())
    elif report is not None and conclusion.phase in (Phase.COMPLETED, Phase.REVIEWED):
        print_report(console(), report)
    if conclusion.phase in (Phase.COMPLETED, Phase.REVIEWED):
        assert conclusion.verdict is not None
        return EXIT_CODES[conclusion.verdict]
    click.echo(f"otv: {conclusion_line(conclusion)}", err=True)
    if conclusion.phase is Phase.REJECTED or conclusion.reason_code == "configuration":
        return UsageError.exit_code
    return 3
